package period

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger/journal"
)

// memberAmount is one member's money in a posting batch.
type memberAmount struct {
	Member string
	Amount decimal.Decimal
}

// memberAmounts reads the (member, amount) rows of query.
func memberAmounts(ctx context.Context, tx pgx.Tx, query string, args ...any) ([]memberAmount, error) {
	rows, err := tx.Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (memberAmount, error) {
		var m memberAmount
		err := row.Scan(&m.Member, &m.Amount)
		return m, err
	})
}

// postEach appends one balanced journal entry per member in tx: debit
// `debit` and credit `credit` with the member's amount (a negative amount
// turns both around), the member being the holder of whichever account is
// kept per holder. It is journal.Post in bulk: a million entries one
// statement each would take minutes, so the entries and their lines go in
// one statement (the database checks that every entry it inserts has lines
// that balance, once for the statement). It returns the entry ids, in the
// order of ms.
func postEach(ctx context.Context, tx pgx.Tx, ms []memberAmount, kind, ref, memoPrefix, opPrefix, by string,
	debit, credit journal.Account, debitPerMember bool) ([]int64, error) {
	if len(ms) == 0 {
		return nil, nil
	}
	members := make([]string, len(ms))
	amounts := make([]string, len(ms))
	for i, m := range ms {
		if !m.Amount.Equal(m.Amount.Round(2)) {
			return nil, fmt.Errorf("journal %s %s: member %s: amount %s has more than two decimals", kind, ref, m.Member, m.Amount)
		}
		members[i], amounts[i] = m.Member, m.Amount.StringFixed(2)
	}
	// The balance check aggregates the statement's lines per entry: give
	// it the memory to do that without spilling to disk (this transaction).
	if _, err := tx.Exec(ctx, `SET LOCAL work_mem = '128MB'`); err != nil {
		return nil, err
	}
	// The member is the debit line's holder ($9) or the credit line's.
	rows, err := tx.Query(ctx, `WITH b AS MATERIALIZED (
			SELECT ord, m, a, nextval(pg_get_serial_sequence('journal_entries', 'id')) AS id
			FROM unnest($1::text[], $2::numeric[]) WITH ORDINALITY u(m, a, ord)),
		e AS (INSERT INTO journal_entries (id, kind, ref, memo, op_key, posted_by) OVERRIDING SYSTEM VALUE
			SELECT id, $3, $4, $5 || m, $6 || m, $7 FROM b ORDER BY ord),
		l AS (INSERT INTO journal_lines (entry_id, account, holder, amount)
			SELECT b.id, x.account, x.holder, x.amount FROM b CROSS JOIN LATERAL (VALUES
				($8::text, CASE WHEN $9::boolean THEN b.m ELSE '' END, b.a),
				($10::text, CASE WHEN $9::boolean THEN '' ELSE b.m END, -b.a)) x(account, holder, amount)
			ORDER BY b.ord)
		SELECT id FROM b ORDER BY ord`,
		members, amounts, kind, ref, memoPrefix, opPrefix, by, string(debit), debitPerMember, string(credit))
	if err != nil {
		return nil, fmt.Errorf("journal %s %s: %w", kind, ref, err)
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, fmt.Errorf("journal %s %s: %w", kind, ref, err)
	}
	return ids, nil
}
