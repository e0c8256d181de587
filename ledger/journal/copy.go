package journal

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"
)

// Copy validates entries, as Post does, and appends them in tx for an
// import of many at once: they go with COPY into temporary tables, then
// into the journal, entries and lines, in one statement, so that the
// balance rules (migration 0201) check them as they check Post's. The
// entries get ids from the journal's sequence in their order; reversals
// are refused. It returns the number of entries posted (an entry whose
// lines are all zero is not posted, as with Post).
//
// Errors: those of Post, naming the entry; ledger.ErrInvalid for a
// reversal.
func Copy(ctx context.Context, tx pgx.Tx, entries []Entry) (int, error) {
	checked := make([][]Line, len(entries))
	n := 0
	for i, e := range entries {
		lines, err := check(e)
		if err != nil {
			return 0, err
		}
		if e.Reverses != 0 {
			return 0, fmt.Errorf("journal %s %s: a copied entry cannot be a reversal", e.Kind, e.Ref)
		}
		checked[i] = lines
		if len(lines) > 0 {
			n++
		}
	}
	if n == 0 {
		return 0, nil
	}
	// The balance check aggregates the statement's lines per entry: give
	// it the memory to do that without spilling to disk (this transaction).
	if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '256MB';
		CREATE TEMP TABLE journal_copy_entries (ord int, kind text, ref text, memo text, op_key text, posted_by text) ON COMMIT DROP;
		CREATE TEMP TABLE journal_copy_lines (ord int, account text, holder text, amount numeric) ON COMMIT DROP`); err != nil {
		return 0, fmt.Errorf("journal copy: %w", err)
	}
	i := 0
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"journal_copy_entries"}, []string{"ord", "kind", "ref", "memo", "op_key", "posted_by"},
		pgx.CopyFromFunc(func() ([]any, error) {
			for i < len(entries) && len(checked[i]) == 0 {
				i++
			}
			if i >= len(entries) {
				return nil, nil
			}
			e := &entries[i]
			i++
			return []any{int32(i), e.Kind, e.Ref, e.Memo, e.OpKey, e.By}, nil
		}))
	if err != nil {
		return 0, fmt.Errorf("journal copy: entries: %w", err)
	}
	i, k := 0, 0
	_, err = tx.CopyFrom(ctx, pgx.Identifier{"journal_copy_lines"}, []string{"ord", "account", "holder", "amount"},
		pgx.CopyFromFunc(func() ([]any, error) {
			for i < len(entries) && k >= len(checked[i]) {
				i, k = i+1, 0
			}
			if i >= len(entries) {
				return nil, nil
			}
			l := checked[i][k]
			k++
			return []any{int32(i + 1), string(l.Account), l.Holder, Numeric(l.Amount)}, nil
		}))
	if err != nil {
		return 0, fmt.Errorf("journal copy: lines: %w", err)
	}
	if _, err := tx.Exec(ctx, `WITH b AS MATERIALIZED (
			SELECT ord, kind, ref, memo, op_key, posted_by, `+IDSequence+` AS id FROM journal_copy_entries),
		e AS (INSERT INTO journal_entries (id, kind, ref, memo, op_key, posted_by) OVERRIDING SYSTEM VALUE
			SELECT id, kind, ref, memo, op_key, posted_by FROM b ORDER BY id)
		INSERT INTO journal_lines (entry_id, account, holder, amount)
		SELECT b.id, l.account, l.holder, l.amount FROM journal_copy_lines l JOIN b USING (ord) ORDER BY b.id;
		DROP TABLE journal_copy_entries, journal_copy_lines`); err != nil {
		return 0, fmt.Errorf("journal copy: post %d entries: %w", n, err)
	}
	return n, nil
}

// Numeric is d as pgx writes a numeric column in COPY's binary format.
func Numeric(d decimal.Decimal) pgtype.Numeric {
	return pgtype.Numeric{Int: d.Coefficient(), Exp: d.Exponent(), Valid: true}
}
