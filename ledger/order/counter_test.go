package order_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/journal"
	"downline/ledger/ledgertest"
	"downline/ledger/order"
	"downline/ledger/stock"
)

func counter(db *ledger.DB, s order.CounterSale) (order.PaidOrder, error) {
	return run(db, func(ctx context.Context, tx pgx.Tx) (order.PaidOrder, error) { return order.PlaceAndPay(ctx, tx, s) })
}

// A counter sale ends where place, pay and confirm end: the order confirmed,
// stock reserved, one confirmed payment, the money in deferred revenue; and
// a replay changes nothing.
func TestCounterSale(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	ctx := context.Background()
	s := order.CounterSale{Order: order.Request{Key: "cs1", Kind: order.Repeat, Member: "M001", By: "fin",
		Lines: []order.LineRequest{{SKU: "VC-100", Qty: 2}}}, Method: order.BankTransfer, Reference: "TX1"}
	first := must(counter(db, s))
	if first.Order.Status != order.Confirmed || first.Payment == nil || first.Payment.Status != order.PaymentAccepted ||
		!first.Payment.Amount.Equal(first.Order.Total) || first.Order.ConfirmedAt == nil {
		t.Fatalf("counter sale %+v", first)
	}
	got := must(order.Get(ctx, db.Pool, first.Order.No))
	if got.Status != order.Confirmed || got.PaidAt == nil || len(got.Allocations) != 1 {
		t.Fatalf("stored order %+v", got)
	}
	again := must(counter(db, s))
	if again.Order.No != first.Order.No || again.Payment.No != first.Payment.No {
		t.Fatalf("replay %+v, want %+v", again, first)
	}
	if n := ledgertest.Count(t, db, `SELECT count(*) FROM payments WHERE status = 'confirmed'`); n != 1 {
		t.Fatalf("%d confirmed payments, want 1", n)
	}
	if b, _ := journal.Balance(ctx, db.Pool, journal.DeferredRevenue, "", time.Time{}); !b.Equal(first.Order.Total.Neg()) {
		t.Fatalf("deferred revenue = %s, want -%s", b, first.Order.Total)
	}
	if n, _ := stock.Available(ctx, db.Pool, goodstest.HQ, "VC-100"); n != 198 {
		t.Fatalf("VC-100 available %d, want 198", n)
	}
	must(ship(db, order.ShipRequest{Key: "s1", Order: first.Order.No, Tracking: "SF1", By: "wh"}))

	s.Method = order.OnAccount
	s.Order.Key = "cs2"
	if _, err := counter(db, s); !errors.Is(err, ledger.ErrInvalid) {
		t.Fatalf("counter sale on account: %v", err)
	}
}
