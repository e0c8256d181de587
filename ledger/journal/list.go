package journal

import (
	"context"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// List returns up to limit entries (without lines) with id < before (0: from
// the newest), newest first; with account set, only entries touching it (and
// holder, when given).
func List(ctx context.Context, q ledger.Querier, account Account, holder string, before int64, limit int) ([]Entry, error) {
	rows, err := q.Query(ctx, `SELECT e.id, e.kind, e.ref, e.memo, e.op_key, coalesce(e.reverses, 0), e.posted_by, e.posted_at
		FROM journal_entries e
		WHERE ($1::bigint = 0 OR e.id < $1)
		  AND ($2 = '' OR EXISTS (SELECT 1 FROM journal_lines l WHERE l.entry_id = e.id AND l.account = $2 AND ($3 = '' OR l.holder = $3)))
		ORDER BY e.id DESC LIMIT $4`, before, string(account), holder, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Entry, error) {
		var e Entry
		err := r.Scan(&e.ID, &e.Kind, &e.Ref, &e.Memo, &e.OpKey, &e.Reverses, &e.By, &e.PostedAt)
		return e, err
	})
}

// Accounts lists the chart of accounts: code and name.
func Accounts(ctx context.Context, q ledger.Querier) ([][2]string, error) {
	rows, err := q.Query(ctx, `SELECT code, name FROM accounts ORDER BY code`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) ([2]string, error) {
		var a [2]string
		err := r.Scan(&a[0], &a[1])
		return a, err
	})
}
