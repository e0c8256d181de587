package journal

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
)

// Filter selects journal entries for Find. Zero fields select everything.
type Filter struct {
	Account Account   // entries with a line on this account
	Holder  string    // and this holder (with Account)
	Kind    string    // entries of this kind
	Ref     string    // entries whose reference contains this text
	From    time.Time // posted at or after
	To      time.Time // posted before
	Before  int64     // ids below this one (the cursor; 0: from the newest)
	Limit   int
}

// Listed is an entry without its lines, with the sum of its debits (which
// equals the sum of its credits).
type Listed struct {
	Entry
	Debits decimal.Decimal
}

// Find returns up to f.Limit entries that f selects, newest first.
func Find(ctx context.Context, q ledger.Querier, f Filter) ([]Listed, error) {
	var from, to *time.Time
	if !f.From.IsZero() {
		from = &f.From
	}
	if !f.To.IsZero() {
		to = &f.To
	}
	rows, err := q.Query(ctx, `SELECT e.id, e.kind, e.ref, e.memo, e.op_key, coalesce(e.reverses, 0), e.posted_by, e.posted_at,
			coalesce((SELECT r.id FROM journal_entries r WHERE r.reverses = e.id), 0),
			(SELECT coalesce(sum(l.amount), 0) FROM journal_lines l WHERE l.entry_id = e.id AND l.amount > 0)
		FROM journal_entries e
		WHERE ($1::bigint = 0 OR e.id < $1)
		  AND ($2 = '' OR EXISTS (SELECT 1 FROM journal_lines l WHERE l.entry_id = e.id AND l.account = $2 AND ($3 = '' OR l.holder = $3)))
		  AND ($4 = '' OR e.kind = $4)
		  AND ($5 = '' OR strpos(e.ref, $5) > 0)
		  AND ($6::timestamptz IS NULL OR e.posted_at >= $6)
		  AND ($7::timestamptz IS NULL OR e.posted_at < $7)
		ORDER BY e.id DESC LIMIT $8`, f.Before, string(f.Account), f.Holder, f.Kind, f.Ref, from, to, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Listed, error) {
		var e Listed
		err := r.Scan(&e.ID, &e.Kind, &e.Ref, &e.Memo, &e.OpKey, &e.Reverses, &e.By, &e.PostedAt, &e.ReversedBy, &e.Debits)
		return e, err
	})
}

// Kinds lists the kinds of entry the journal holds, by name.
func Kinds(ctx context.Context, q ledger.Querier) ([]string, error) {
	// A skip scan of journal_entries_kind_idx: one index probe per kind.
	rows, err := q.Query(ctx, `WITH RECURSIVE k(kind) AS (
			(SELECT kind FROM journal_entries ORDER BY kind LIMIT 1)
			UNION ALL
			SELECT (SELECT e.kind FROM journal_entries e WHERE e.kind > k.kind ORDER BY e.kind LIMIT 1) FROM k WHERE k.kind IS NOT NULL)
		SELECT kind FROM k WHERE kind IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
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

// AccountBalance is the balance of one account of the chart: the sum of
// its lines (debits positive), over every holder of a per-holder account.
type AccountBalance struct {
	Account   Account
	Name      string
	Type      string // asset, liability, equity, revenue, expense
	PerHolder bool
	Holders   int // holders with a balance other than zero
	Balance   decimal.Decimal
}

// Totals returns every account's balance from the lines posted before the
// given time (zero: all), by account code.
func Totals(ctx context.Context, q ledger.Querier, before time.Time) ([]AccountBalance, error) {
	rows, err := q.Query(ctx, `WITH h AS (
			SELECT l.account, l.holder, sum(l.amount) AS amount
			FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
			WHERE $1::timestamptz IS NULL OR e.posted_at < $1
			GROUP BY l.account, l.holder)
		SELECT a.code, a.name, a.type, a.per_holder,
			count(h.holder) FILTER (WHERE h.amount <> 0 AND a.per_holder), coalesce(sum(h.amount), 0)
		FROM accounts a LEFT JOIN h ON h.account = a.code
		GROUP BY a.code ORDER BY a.code`, optTime(before))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (AccountBalance, error) {
		var b AccountBalance
		err := r.Scan(&b.Account, &b.Name, &b.Type, &b.PerHolder, &b.Holders, &b.Balance)
		return b, err
	})
}

// HolderBalance is what one holder has on a per-holder account.
type HolderBalance struct {
	Holder  string
	Balance decimal.Decimal
}

// Holders returns the holders of account a with a balance other than zero
// from the lines posted before the given time (zero: all), by holder code
// after the given one (the cursor), up to limit.
func Holders(ctx context.Context, q ledger.Querier, a Account, before time.Time, after string, limit int) ([]HolderBalance, error) {
	rows, err := q.Query(ctx, `SELECT l.holder, sum(l.amount)
		FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
		WHERE l.account = $1 AND l.holder > $2 AND ($3::timestamptz IS NULL OR e.posted_at < $3)
		GROUP BY l.holder HAVING sum(l.amount) <> 0
		ORDER BY l.holder COLLATE "C" LIMIT $4`, string(a), after, optTime(before), limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (HolderBalance, error) {
		var b HolderBalance
		err := r.Scan(&b.Holder, &b.Balance)
		return b, err
	})
}

// AccountLine is one line of an account with its entry.
type AccountLine struct {
	Line     int64
	Entry    int64
	Kind     string
	Ref      string
	Memo     string `json:",omitempty"`
	PostedAt time.Time
	Holder   string `json:",omitempty"`
	Amount   decimal.Decimal
}

// LinesOf returns the lines of account a (of holder, when given) posted
// before the given time (zero: all), newest first, with line ids below
// beforeLine (the cursor; 0: from the newest), up to limit.
func LinesOf(ctx context.Context, q ledger.Querier, a Account, holder string, before time.Time, beforeLine int64, limit int) ([]AccountLine, error) {
	rows, err := q.Query(ctx, `SELECT l.id, e.id, e.kind, e.ref, e.memo, e.posted_at, l.holder, l.amount
		FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
		WHERE l.account = $1 AND ($2 = '' OR l.holder = $2) AND ($3::timestamptz IS NULL OR e.posted_at < $3)
		  AND ($4::bigint = 0 OR l.id < $4)
		ORDER BY l.id DESC LIMIT $5`, string(a), holder, optTime(before), beforeLine, limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (AccountLine, error) {
		var l AccountLine
		err := r.Scan(&l.Line, &l.Entry, &l.Kind, &l.Ref, &l.Memo, &l.PostedAt, &l.Holder, &l.Amount)
		return l, err
	})
}

func optTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
