package agency_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/agency"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/order"
	"downline/ledger/stock"
)

var d = goodstest.D

func do[T any](t *testing.T, db *ledger.DB, fn func(ctx context.Context, tx pgx.Tx) (T, error)) T {
	t.Helper()
	var out T
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) (err error) {
		out, err = fn(ctx, tx)
		return err
	})
	return out
}

func onHand(t *testing.T, db *ledger.DB, warehouse, sku string) int64 {
	t.Helper()
	n, err := stock.Available(context.Background(), db.Pool, warehouse, sku)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// An agency buys from HQ, sells to a member from its own stock, takes a
// return from the member, returns goods to HQ, pays its account, and both
// sides confirm the period's statement.
func TestAgencyCycle(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	goodstest.Agency(t, db, "AG1")
	ctx := context.Background()
	// The statement's day runs from an hour before the test: a calendar
	// day would split the test's postings when it runs across midnight.
	dayStart := time.Now().Add(-time.Hour)

	// 1. AG1 orders 10 VC-100 from HQ at the agency price (80.00), on account.
	po := do(t, db, func(ctx context.Context, tx pgx.Tx) (order.Order, error) {
		return order.Place(ctx, tx, order.Request{Key: "po", Kind: order.Agency, BuyerAgency: "AG1", By: "AG1",
			Lines: []order.LineRequest{{SKU: "VC-100", Qty: 10}}})
	})
	if !po.Total.Equal(d("800")) || !po.PV.IsZero() {
		t.Fatalf("agency order %+v", po)
	}
	pp := do(t, db, func(ctx context.Context, tx pgx.Tx) (order.Payment, error) {
		return order.RecordPayment(ctx, tx, order.PaymentRequest{Key: "po-pay", Order: po.No, Method: order.OnAccount, Amount: po.Total, By: "AG1"})
	})
	do(t, db, func(ctx context.Context, tx pgx.Tx) (order.Payment, error) {
		return order.ConfirmPayment(ctx, tx, order.Decision{Key: "po-conf", Payment: pp.No, By: "finance"})
	})
	do(t, db, func(ctx context.Context, tx pgx.Tx) (order.Shipment, error) {
		return order.Ship(ctx, tx, order.ShipRequest{Key: "po-ship", Order: po.No, Tracking: "SF-1", By: "wh"})
	})
	if n := onHand(t, db, "AG1-WH", "VC-100"); n != 0 {
		t.Fatalf("AG1 holds %d before delivery", n)
	}
	do(t, db, func(ctx context.Context, tx pgx.Tx) (order.Order, error) {
		return order.Deliver(ctx, tx, order.StatusChange{Key: "po-dl", Order: po.No, By: "AG1"})
	})
	if n := onHand(t, db, "AG1-WH", "VC-100"); n != 10 {
		t.Fatalf("AG1 holds %d after delivery, want 10", n)
	}

	// 2. AG1 sells 3 to M001 from its own stock, cash at the counter.
	so := do(t, db, func(ctx context.Context, tx pgx.Tx) (order.Order, error) {
		return order.Place(ctx, tx, order.Request{Key: "so", Kind: order.Repeat, Member: "M001", Seller: "AG1", By: "AG1",
			Lines: []order.LineRequest{{SKU: "VC-100", Qty: 3}}})
	})
	if so.Warehouse != "AG1-WH" || !so.PV.Equal(d("150")) {
		t.Fatalf("agency sale %+v", so)
	}
	sp := do(t, db, func(ctx context.Context, tx pgx.Tx) (order.Payment, error) {
		return order.RecordPayment(ctx, tx, order.PaymentRequest{Key: "so-pay", Order: so.No, Method: order.CashAtAgency, Amount: so.Total, By: "AG1"})
	})
	do(t, db, func(ctx context.Context, tx pgx.Tx) (order.Payment, error) {
		return order.ConfirmPayment(ctx, tx, order.Decision{Key: "so-conf", Payment: sp.No, By: "AG1"})
	})
	ss := do(t, db, func(ctx context.Context, tx pgx.Tx) (order.Shipment, error) {
		return order.Ship(ctx, tx, order.ShipRequest{Key: "so-ship", Order: so.No, Tracking: "COUNTER", By: "AG1"})
	})
	if onHand(t, db, "AG1-WH", "VC-100") != 7 {
		t.Fatal("agency stock after its sale")
	}

	// 3. M001 returns 1 to AG1; 4. AG1 returns 2 to HQ.
	do(t, db, func(ctx context.Context, tx pgx.Tx) (order.Return, error) {
		return order.CreateReturn(ctx, tx, order.ReturnRequest{Key: "so-ret", Order: so.No, By: "AG1",
			Lines: []order.ReturnLine{{Line: 1, Batch: ss.Lots[0].Batch, Qty: 1}}})
	})
	if onHand(t, db, "AG1-WH", "VC-100") != 8 {
		t.Fatal("agency stock after the member's return")
	}
	hqBefore := onHand(t, db, goodstest.HQ, "VC-100")
	do(t, db, func(ctx context.Context, tx pgx.Tx) (order.Return, error) {
		return order.CreateReturn(ctx, tx, order.ReturnRequest{Key: "po-ret", Order: po.No, By: "AG1",
			Lines: []order.ReturnLine{{Line: 1, Batch: ss.Lots[0].Batch, Qty: 2}}})
	})
	if onHand(t, db, "AG1-WH", "VC-100") != 6 || onHand(t, db, goodstest.HQ, "VC-100") != hqBefore+2 {
		t.Fatal("stock after the agency's return to HQ")
	}

	// 5. AG1 pays 500 on its account.
	do(t, db, func(ctx context.Context, tx pgx.Tx) (any, error) {
		return agency.PayAccount(ctx, tx, agency.AccountPayment{Key: "ag-pay", Agency: "AG1", Amount: d("500"), Reference: "BOC-77", By: "finance"})
	})

	// 6. The statement: 800 of goods bought; 160 returned and 500 paid. The
	// sale to M001 was AG1's own business and stays off HQ's books.
	st := do(t, db, func(ctx context.Context, tx pgx.Tx) (agency.Statement, error) {
		return agency.Issue(ctx, tx, "AG1", dayStart, dayStart.AddDate(0, 0, 1), "finance")
	})
	if !st.Opening.IsZero() || !st.Charges.Equal(d("800")) || !st.Credits.Equal(d("660")) || !st.Closing.Equal(d("140")) {
		t.Fatalf("statement opening %s charges %s credits %s closing %s; want 0, 800, 660, 140", st.Opening, st.Charges, st.Credits, st.Closing)
	}
	do(t, db, func(ctx context.Context, tx pgx.Tx) (agency.Statement, error) {
		return agency.Confirm(ctx, tx, st.ID, agency.HQ, "cfo")
	})
	final := do(t, db, func(ctx context.Context, tx pgx.Tx) (agency.Statement, error) {
		return agency.Confirm(ctx, tx, st.ID, agency.AgencySide, "AG1 owner")
	})
	if final.HQConfirmedAt == nil || final.AgencyConfirmedAt == nil {
		t.Fatalf("statement not confirmed by both: %+v", final)
	}
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := agency.Confirm(ctx, tx, st.ID, agency.HQ, "cfo")
		return err
	})
	if !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("confirming a statement twice: %v", err)
	}
	err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := agency.Issue(ctx, tx, "AG1", dayStart, dayStart.AddDate(0, 0, 1), "finance")
		return err
	})
	if !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("issuing a period twice: %v", err)
	}
}
