package ledger_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/ledgertest"
)

// A bulk load that breaks a foreign key fails when the keys come back, and
// the keys and indexes are as they were after one that does not.
func TestBulkLoadChecksTheKeysAtTheEnd(t *testing.T) {
	db := ledgertest.DB(t)
	ctx := context.Background()
	defs := func() string {
		var s string
		if err := db.Pool.QueryRow(ctx, `SELECT string_agg(d, '; ' ORDER BY d) FROM (
			SELECT conname || ' ' || pg_get_constraintdef(oid) AS d FROM pg_constraint WHERE conrelid = 'stock_moves'::regclass
			UNION ALL SELECT indexdef FROM pg_indexes WHERE tablename = 'stock_moves') x`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := defs()
	if !strings.Contains(before, "FOREIGN KEY") || !strings.Contains(before, "stock_moves_balance_idx") {
		t.Fatalf("stock_moves: %s", before)
	}
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		return ledger.BulkLoad(ctx, tx, []string{"stock_moves"}, func() error {
			_, err := tx.Exec(ctx, `INSERT INTO stock_moves (warehouse_id, lot_id, kind, on_hand_delta, reserved_delta) VALUES (999, 999, 'adjust', 1, 0)`)
			return err
		})
	})
	if err == nil || !strings.Contains(err.Error(), "foreign key") {
		t.Fatalf("a move of no warehouse and no lot: %v", err)
	}
	if n := ledgertest.Count(t, db, `SELECT count(*) FROM stock_moves`); n != 0 {
		t.Errorf("%d moves written", n)
	}
	err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		return ledger.BulkLoad(ctx, tx, []string{"stock_moves"}, func() error { return nil })
	})
	if err != nil || defs() != before {
		t.Errorf("after a bulk load (%v):\n%s\nbefore:\n%s", err, defs(), before)
	}
}
