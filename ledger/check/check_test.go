package check_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"downline/ledger/check"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/order"
)

func TestCheckFindsCorruption(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	ctx := context.Background()
	var o order.Order
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) (err error) {
		o, err = order.Place(ctx, tx, order.Request{Key: "o", Kind: order.Repeat, Member: "M001", By: "M001",
			Lines: []order.LineRequest{{SKU: "VC-100", Qty: 1}}})
		return err
	})
	if ps, err := check.Run(ctx, db); err != nil || len(ps) != 0 {
		t.Fatalf("clean ledger: %v, %v", ps, err)
	}
	// Damage the ledger behind the domain code's back.
	for _, sql := range []string{
		`INSERT INTO stock_moves (warehouse_id, lot_id, kind, on_hand_delta, reserved_delta) SELECT warehouse_id, lot_id, 'adjust', 5, 0 FROM stock_balances LIMIT 1`,
		`UPDATE orders SET status = 'shipped', confirmed_at = now(), shipped_at = now() WHERE order_no = '` + o.No + `'`,
		`SET session_replication_role = replica; INSERT INTO journal_entries (kind, posted_by) VALUES ('raw', 'x'); SET session_replication_role = origin`,
		`SET session_replication_role = replica; INSERT INTO journal_lines (entry_id, account, amount) VALUES (987654, '9999', 1), (987654, '9999', -1); SET session_replication_role = origin`,
	} {
		if _, err := db.Pool.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	ps, err := check.Run(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	all := strings.Join(got, "\n")
	for _, want := range []string{"stock differs from moves", "shipped unconfirmed", "unbalanced entry", "reservations differ from open orders", "line without its entry or account"} {
		if !strings.Contains(all, want) {
			t.Errorf("no %q problem in:\n%s", want, all)
		}
	}
}
