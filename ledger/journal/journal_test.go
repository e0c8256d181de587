package journal_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
	"downline/ledger/journal"
	"downline/ledger/ledgertest"
)

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func TestPostAndReverse(t *testing.T) {
	db := ledgertest.DB(t)
	ctx := context.Background()
	var e journal.Entry
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		e, err = journal.Post(ctx, tx, journal.Entry{Kind: "test", Ref: "T1", By: "fin", Lines: []journal.Line{
			journal.Dr(journal.Bank, "", d("100.10")), journal.Cr(journal.DeferredRevenue, "", d("100.10"))}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := journal.Reverse(ctx, tx, e.ID, "fin", "typo", "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := journal.Balance(ctx, db.Pool, journal.Bank, "", time.Time{}); !b.IsZero() {
		t.Fatalf("bank after reversal = %s", b)
	}
	err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := journal.Reverse(ctx, tx, e.ID, "fin", "again", "")
		return err
	})
	if !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("second reversal: %v", err)
	}
}

func TestUnbalancedEntriesAreRefused(t *testing.T) {
	db := ledgertest.DB(t)
	ctx := context.Background()
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := journal.Post(ctx, tx, journal.Entry{Kind: "test", By: "x", Lines: []journal.Line{
			journal.Dr(journal.Bank, "", d("1.00")), journal.Cr(journal.Revenue, "", d("0.99"))}})
		return err
	})
	if !errors.Is(err, ledger.ErrInvalid) {
		t.Fatalf("unbalanced entry in Go: %v", err)
	}
	// Straight SQL, bypassing the Go checks: the database refuses it.
	err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := tx.Exec(ctx, `WITH e AS (INSERT INTO journal_entries (kind, posted_by) VALUES ('raw', 'x') RETURNING id)
			INSERT INTO journal_lines (entry_id, account, amount) SELECT id, '1000', 5 FROM e`)
		return err
	})
	if err == nil || !strings.Contains(err.Error(), "does not balance") {
		t.Fatalf("unbalanced SQL entry committed: %v", err)
	}
	err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := journal.Post(ctx, tx, journal.Entry{Kind: "test", By: "x", Lines: []journal.Line{
			journal.Dr(journal.Bank, "", d("1.00")), journal.Cr(journal.AgencyReceivable, "", d("1.00"))}})
		return err
	})
	if !errors.Is(err, ledger.ErrInvalid) {
		t.Fatalf("per-holder account without holder: %v", err)
	}
}

func TestJournalIsAppendOnly(t *testing.T) {
	db := ledgertest.DB(t)
	ctx := context.Background()
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := journal.Post(ctx, tx, journal.Entry{Kind: "test", By: "x", Lines: []journal.Line{
			journal.Dr(journal.Bank, "", d("3.00")), journal.Cr(journal.Equity, "", d("3.00"))}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{`UPDATE journal_lines SET amount = amount * 2`, `DELETE FROM journal_lines`,
		`UPDATE journal_entries SET memo = 'x'`, `DELETE FROM journal_entries`} {
		if _, err := db.Pool.Exec(ctx, sql); err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", sql, err)
		}
	}
}

// Lines added to an entry posted earlier are checked too: the entry must
// still balance after the statement that adds them.
func TestLinesAddedLaterMustBalance(t *testing.T) {
	db := ledgertest.DB(t)
	ctx := context.Background()
	e := postBankEquity(t, db)
	_, err := db.Pool.Exec(ctx, `INSERT INTO journal_lines (entry_id, account, amount) VALUES ($1, '1000', 5)`, e.ID)
	if err == nil || !strings.Contains(err.Error(), "does not balance") {
		t.Fatalf("an unbalancing line added later: %v", err)
	}
	if _, err := db.Pool.Exec(ctx, `INSERT INTO journal_lines (entry_id, account, amount) VALUES ($1, '1000', 5), ($1, '3000', -5)`, e.ID); err != nil {
		t.Fatalf("two lines that keep the entry balanced: %v", err)
	}
}

// The balance rule is checked once per statement over the rows it inserted
// (0201): each case is straight SQL, bypassing the Go checks.
func TestBalanceIsCheckedPerStatement(t *testing.T) {
	db := ledgertest.DB(t)
	ctx := context.Background()
	exec := func(sqls ...string) error {
		return db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
			for _, sql := range sqls {
				if _, err := tx.Exec(ctx, sql); err != nil {
					return err
				}
			}
			return nil
		})
	}
	// Two thousand entries in one statement, balanced each.
	many := func(bad string) string {
		return `WITH e AS (INSERT INTO journal_entries (kind, ref, posted_by) SELECT 'raw', 'R' || g, 'x' FROM generate_series(1, 2000) g RETURNING id, ref)
			INSERT INTO journal_lines (entry_id, account, holder, amount)
			SELECT id, a, '', CASE WHEN a = '1000' THEN 7 ELSE -7 END + CASE WHEN ref = '` + bad + `' AND a = '4000' THEN 0.01 ELSE 0 END
			FROM e, unnest(ARRAY['1000', '4000']) a`
	}
	if err := exec(many("")); err != nil {
		t.Fatalf("2000 balanced entries in one statement: %v", err)
	}
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM journal_lines`).Scan(&n); err != nil || n != 4000 {
		t.Fatalf("lines after the balanced batch: %d, %v", n, err)
	}
	refused := map[string][]string{
		"one unbalanced entry among 2000": {many("R1234")},
		"an entry without lines":          {`INSERT INTO journal_entries (kind, posted_by) VALUES ('raw', 'x')`},
		"the lines in a later statement": {
			`INSERT INTO journal_entries (kind, ref, posted_by) VALUES ('raw', 'LATER', 'x')`,
			`INSERT INTO journal_lines (entry_id, account, amount) SELECT id, a, m FROM journal_entries, (VALUES ('1000', 5), ('4000', -5)) v(a, m) WHERE ref = 'LATER'`,
		},
		"an unbalanced line added to a balanced entry": {
			`INSERT INTO journal_lines (entry_id, account, amount) SELECT id, '1000', 1 FROM journal_entries WHERE ref = 'R1'`,
		},
		"two entries that balance only together": {
			`WITH e AS (INSERT INTO journal_entries (kind, ref, posted_by) VALUES ('raw', 'P', 'x'), ('raw', 'Q', 'x') RETURNING id, ref)
			INSERT INTO journal_lines (entry_id, account, amount)
			SELECT id, a, m FROM e, LATERAL (VALUES ('1000', CASE WHEN ref = 'P' THEN 5 ELSE -5 END), ('4000', CASE WHEN ref = 'P' THEN -4 ELSE 4 END)) v(a, m)`,
		},
	}
	for name, sqls := range refused {
		err := exec(sqls...)
		if err == nil || !strings.Contains(err.Error(), "does not balance") {
			t.Errorf("%s: committed (%v)", name, err)
		}
	}
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM journal_lines`).Scan(&n); err != nil || n != 4000 {
		t.Fatalf("lines after the refused statements: %d, %v", n, err)
	}
	// A balanced set of lines added to an existing entry keeps it balanced.
	if err := exec(`INSERT INTO journal_lines (entry_id, account, amount) SELECT id, a, m FROM journal_entries, (VALUES ('1000', 2), ('4000', -2)) v(a, m) WHERE ref = 'R1'`); err != nil {
		t.Fatalf("balanced lines added to an entry: %v", err)
	}
}

// A line's entry and account are checked once per statement (0311) instead
// of by foreign keys: each case is straight SQL, bypassing the Go checks.
func TestLineReferencesAreChecked(t *testing.T) {
	db := ledgertest.DB(t)
	ctx := context.Background()
	e := postBankEquity(t, db)
	var err error
	refused := func(what, want, sql string, args ...any) {
		t.Helper()
		_, err := db.Pool.Exec(ctx, sql, args...)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", what, err, want)
		}
	}
	refused("lines of a missing entry", "no such journal entry",
		`INSERT INTO journal_lines (entry_id, account, amount) VALUES ($1 + 1000, '1000', 5), ($1 + 1000, '3000', -5)`, e.ID)
	refused("a line of a missing account", "not in the chart of accounts",
		`INSERT INTO journal_lines (entry_id, account, amount) VALUES ($1, '9999', 5), ($1, '1000', -5)`, e.ID)
	// Among many good lines, one bad one is found.
	refused("one missing entry among many", "no such journal entry", `WITH e AS (
			INSERT INTO journal_entries (kind, posted_by) SELECT 'test', 'x' FROM generate_series(1, 500) RETURNING id)
		INSERT INTO journal_lines (entry_id, account, amount)
		SELECT id, a, m FROM e, (VALUES ('1000', 5), ('3000', -5)) v(a, m)
		UNION ALL VALUES ($1 + 100000, '1000', 1), ($1 + 100000, '3000', -1)`, e.ID)
	if _, err := db.Pool.Exec(ctx, `INSERT INTO journal_lines (entry_id, account, amount) VALUES ($1, '1000', 5), ($1, '3000', -5)`, e.ID); err != nil {
		t.Fatalf("good lines: %v", err)
	}
	err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := journal.Post(ctx, tx, journal.Entry{Kind: "test", By: "x", Lines: []journal.Line{
			journal.Dr("9999", "", d("2.00")), journal.Cr(journal.Equity, "", d("2.00"))}})
		return err
	})
	if !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("posting to an account outside the chart: %v, want ErrInvalid", err)
	}
	// What lines name never goes away.
	refused("deleting an account", "never changed or deleted", `DELETE FROM accounts WHERE code = '1000'`)
	refused("renaming an account code", "never changed or deleted", `UPDATE accounts SET code = '1001' WHERE code = '1000'`)
	for _, table := range []string{"accounts", "journal_entries", "journal_lines"} {
		refused("truncating "+table, "append-only", `TRUNCATE `+table+` CASCADE`)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE accounts SET name = 'Bank (main)' WHERE code = '1000'`); err != nil {
		t.Errorf("renaming an account: %v", err)
	}
}

// postBankEquity posts an entry of two lines, 2.00 from equity to the bank.
func postBankEquity(t *testing.T, db *ledger.DB) journal.Entry {
	t.Helper()
	var e journal.Entry
	err := db.Transact(context.Background(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		e, err = journal.Post(context.Background(), tx, journal.Entry{Kind: "test", By: "x", Lines: []journal.Line{
			journal.Dr(journal.Bank, "", d("2.00")), journal.Cr(journal.Equity, "", d("2.00"))}})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return e
}
