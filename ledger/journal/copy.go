package journal

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"
)

// Copy validates entries, as Post does, and appends them in tx for an
// import of many at once: they go with COPY into a temporary table, then
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
	// Each entry is staged with its lines as arrays, so that the insert
	// unnests them rather than joins them to their entry.
	if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '256MB';
		CREATE TEMP TABLE journal_copy_entries (kind text, ref text, memo text, op_key text, posted_by text,
			accounts text[], holders text[], amounts numeric[]) ON COMMIT DROP`); err != nil {
		return 0, fmt.Errorf("journal copy: %w", err)
	}
	i := 0
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"journal_copy_entries"}, []string{"kind", "ref", "memo", "op_key", "posted_by", "accounts", "holders", "amounts"},
		pgx.CopyFromFunc(func() ([]any, error) {
			for i < len(entries) && len(checked[i]) == 0 {
				i++
			}
			if i >= len(entries) {
				return nil, nil
			}
			e, lines := &entries[i], checked[i]
			i++
			accts, holders, amounts := make([]string, len(lines)), make([]string, len(lines)), make([]pgtype.Numeric, len(lines))
			for k, l := range lines {
				accts[k], holders[k], amounts[k] = string(l.Account), l.Holder, Numeric(l.Amount)
			}
			return []any{e.Kind, e.Ref, e.Memo, e.OpKey, e.By, accts, holders, amounts}, nil
		}))
	if err != nil {
		return 0, fmt.Errorf("journal copy: %w", err)
	}
	if _, err := tx.Exec(ctx, `WITH b AS MATERIALIZED (SELECT *, `+IDSequence+` AS id FROM journal_copy_entries),
		e AS (INSERT INTO journal_entries (id, kind, ref, memo, op_key, posted_by) OVERRIDING SYSTEM VALUE
			SELECT id, kind, ref, memo, op_key, posted_by FROM b)
		INSERT INTO journal_lines (entry_id, account, holder, amount)
		SELECT b.id, u.a, u.h, u.m FROM b, unnest(b.accounts, b.holders, b.amounts) AS u(a, h, m);
		DROP TABLE journal_copy_entries`); err != nil {
		return 0, fmt.Errorf("journal copy: post %d entries: %w", n, err)
	}
	return n, nil
}

// Numeric is d as pgx writes a numeric column in COPY's binary format.
func Numeric(d decimal.Decimal) pgtype.Numeric {
	return pgtype.Numeric{Int: d.Coefficient(), Exp: d.Exponent(), Valid: true}
}
