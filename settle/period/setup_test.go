package period_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/graphstore/memory"
	"downline/ledger"
	"downline/ledger/check"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/ledger/order"
	"downline/projection"
	"downline/settle/period"
)

var ctx = context.Background()

// company builds the tiny example's sponsor network (settle/testdata/tiny) in
// the ledger: A sponsors B and C, B sponsors D and E, C sponsors F, D sponsors
// G; placement A: B (L), C (R); B: D, E; C: F; D: G (unlike the example,
// where G is C's right). Product P10 costs 10.00
// with PV and BV 10.
func company(t testing.TB) *ledger.DB {
	t.Helper()
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	goodstest.Product(t, db, "P10", "10.00", "10")
	goodstest.Lot(t, db, "P10", "L1", 400, 100000)
	for _, m := range []struct{ code, sponsor, parent, side string }{
		{"A01", "", "", ""}, {"B01", "A01", "A01", "L"}, {"C01", "A01", "A01", "R"},
		{"D01", "B01", "B01", "L"}, {"E01", "B01", "B01", "R"}, {"F01", "C01", "C01", "L"}, {"G01", "D01", "D01", "L"},
	} {
		goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
			_, err := member.Register(ctx, tx, member.Registration{Code: m.code, Name: "Member " + m.code, Phone: "+8613800000001",
				Sponsor: m.sponsor, Placement: m.parent, Side: m.side, By: "test", JoinedAt: time.Now().Add(-2 * time.Hour)})
			return err
		})
	}
	return db
}

// buy places, pays and confirms an order of qty P10 for member.
func buy(t testing.TB, db *ledger.DB, key, code string, kind order.Kind, qty int64) order.Order {
	t.Helper()
	var o order.Order
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) (err error) {
		o, err = order.Place(ctx, tx, order.Request{Key: key, Kind: kind, Member: code, By: code,
			Lines: []order.LineRequest{{SKU: "P10", Qty: qty}}})
		return err
	})
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		p, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: key + "-pay", Order: o.No, Method: order.BankTransfer, Amount: o.Total, By: "fin"})
		if err != nil {
			return err
		}
		_, err = order.ConfirmPayment(ctx, tx, order.Decision{Key: key + "-confirm", Payment: p.No, By: "fin"})
		return err
	})
	return o
}

// giveBack ships order no and returns qty units of it.
func giveBack(t testing.TB, db *ledger.DB, key, no string, qty int64) {
	t.Helper()
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := order.Ship(ctx, tx, order.ShipRequest{Key: key + "-ship", Order: no, Tracking: "T" + key, By: "wh"}); err != nil {
			return err
		}
		_, err := order.CreateReturn(ctx, tx, order.ReturnRequest{Key: key, Order: no, By: "cs", Reason: "test",
			Lines: []order.ReturnLine{{Line: 1, Batch: "L1", Qty: qty}}})
		return err
	})
}

func define(t testing.TB, db *ledger.DB, code string, start, cutoff time.Time) period.Period {
	t.Helper()
	var p period.Period
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) (err error) {
		p, err = period.Define(ctx, tx, code, "custom", start, cutoff, "finance")
		return err
	})
	return p
}

func uploadPlan(t testing.TB, db *ledger.DB, file string, effective time.Time) period.StoredPlan {
	t.Helper()
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var s period.StoredPlan
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) (err error) {
		s, err = period.UploadPlan(ctx, tx, doc, effective, "finance")
		return err
	})
	return s
}

// runner builds the embedded graph store from the ledger.
func runner(t testing.TB, db *ledger.DB) *period.Runner {
	t.Helper()
	store := memory.New()
	if err := projection.Sync(ctx, db, store, nil); err != nil {
		t.Fatal(err)
	}
	return &period.Runner{DB: db, Graph: store}
}

func ledgerClean(t testing.TB, db *ledger.DB, step string) {
	t.Helper()
	problems, err := check.Run(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) > 0 {
		t.Fatalf("after %s, ledger check: %v", step, problems)
	}
	var unbalanced int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT entry_id FROM journal_lines GROUP BY entry_id HAVING sum(amount) <> 0) x`).Scan(&unbalanced); err != nil || unbalanced > 0 {
		t.Fatalf("after %s: %d unbalanced entries (%v)", step, unbalanced, err)
	}
}

// must stops the test (by panicking) when a step fails.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

var _ = fmt.Sprint
