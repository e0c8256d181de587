package order_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/journal"
	"downline/ledger/ledgertest"
	"downline/ledger/order"
	"downline/ledger/stock"
)

var d = goodstest.D

// run runs fn in its own transaction and returns what it returned.
func run[T any](db *ledger.DB, fn func(ctx context.Context, tx pgx.Tx) (T, error)) (T, error) {
	ctx := context.Background()
	var out T
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		out, err = fn(ctx, tx)
		return err
	})
	return out, err
}

// must stops the test (by panicking) when a setup step fails.
func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func place(db *ledger.DB, r order.Request) (order.Order, error) {
	return run(db, func(ctx context.Context, tx pgx.Tx) (order.Order, error) { return order.Place(ctx, tx, r) })
}

func pay(db *ledger.DB, r order.PaymentRequest) (order.Payment, error) {
	return run(db, func(ctx context.Context, tx pgx.Tx) (order.Payment, error) { return order.RecordPayment(ctx, tx, r) })
}

func confirm(db *ledger.DB, key, payment string) (order.Payment, error) {
	return run(db, func(ctx context.Context, tx pgx.Tx) (order.Payment, error) {
		return order.ConfirmPayment(ctx, tx, order.Decision{Key: key, Payment: payment, By: "finance"})
	})
}

func ship(db *ledger.DB, r order.ShipRequest) (order.Shipment, error) {
	return run(db, func(ctx context.Context, tx pgx.Tx) (order.Shipment, error) { return order.Ship(ctx, tx, r) })
}

func ret(db *ledger.DB, r order.ReturnRequest) (order.Return, error) {
	return run(db, func(ctx context.Context, tx pgx.Tx) (order.Return, error) { return order.CreateReturn(ctx, tx, r) })
}

// paidOrder places a repeat order of M001 and pays and confirms it in full.
func paidOrder(t *testing.T, db *ledger.DB, key string, lines ...order.LineRequest) order.Order {
	t.Helper()
	o := must(place(db, order.Request{Key: key, Kind: order.Repeat, Member: "M001", Lines: lines, By: "M001"}))
	p := must(pay(db, order.PaymentRequest{Key: key + "-pay", Order: o.No, Method: order.BankTransfer, Amount: o.Total, By: "finance"}))
	must(confirm(db, key+"-confirm", p.No))
	return o
}

func TestOrderToDelivery(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	ctx := context.Background()
	o := must(place(db, order.Request{Key: "o1", Kind: order.Repeat, Member: "M001", By: "M001",
		Lines: []order.LineRequest{{SKU: "VC-100", Qty: 2}, {SKU: "TEA-200", Qty: 3}}}))
	if o.Status != order.Placed || !o.Total.Equal(d("306.50")) || !o.PV.Equal(d("160")) {
		t.Fatalf("placed %+v", o)
	}
	p1 := must(pay(db, order.PaymentRequest{Key: "p1", Order: o.No, Method: order.BankTransfer, Amount: d("300"), By: "fin"}))
	p2 := must(pay(db, order.PaymentRequest{Key: "p2", Order: o.No, Method: order.Online, Amount: d("6.50"), By: "fin"}))
	if got := must(order.Get(ctx, db.Pool, o.No)); got.Status != order.Paid {
		t.Fatalf("after full payment: %s", got.Status)
	}
	must(confirm(db, "c1", p1.No))
	if got := must(order.Get(ctx, db.Pool, o.No)); got.Status != order.Paid {
		t.Fatalf("after one of two confirmations: %s", got.Status)
	}
	must(confirm(db, "c2", p2.No))
	got := must(order.Get(ctx, db.Pool, o.No))
	if got.Status != order.Confirmed || got.ConfirmedAt == nil {
		t.Fatalf("after both confirmations: %s", got.Status)
	}
	s := must(ship(db, order.ShipRequest{Key: "s1", Order: o.No, Tracking: "SF123", Carrier: " SF Express ", By: "wh"}))
	if len(s.Lots) != 2 || s.Lots[0].Batch != "B2" {
		t.Fatalf("shipped lots %+v, want the earliest expiry (B2) first", s.Lots)
	}
	must(run(db, func(ctx context.Context, tx pgx.Tx) (order.Order, error) {
		return order.Deliver(ctx, tx, order.StatusChange{Key: "dl1", Order: o.No, By: "courier"})
	}))
	if n := ledgertest.Count(t, db, `SELECT count(*) FROM outbox WHERE kind = 'lot.moved' AND payload->>'Shipment' = $1`, s.No); n != 2 {
		t.Fatalf("%d lot.moved events for the shipment, want 2", n)
	}
	// The order names its shipment and tracking number, read alone or in a list.
	got = must(order.Get(ctx, db.Pool, o.No))
	if got.Shipment != s.No || got.Tracking != "SF123" || got.Carrier != "SF Express" || got.ShippedAt == nil || got.DeliveredAt == nil {
		t.Errorf("delivered order: shipment %q tracking %q carrier %q shipped %v delivered %v", got.Shipment, got.Tracking, got.Carrier,
			got.ShippedAt, got.DeliveredAt)
	}
	if l := must(order.List(ctx, db.Pool, order.Filter{Member: got.Member})); len(l) == 0 || l[0].No != o.No || l[0].Tracking != "SF123" {
		t.Errorf("listed orders %+v: want %s first with tracking SF123", l, o.No)
	}
	if b, _ := journal.Balance(ctx, db.Pool, journal.Revenue, "", time.Time{}); !b.Equal(d("-306.50")) {
		t.Fatalf("revenue = %s, want -306.50 (a credit)", b)
	}
	if b, _ := journal.Balance(ctx, db.Pool, journal.DeferredRevenue, "", time.Time{}); !b.IsZero() {
		t.Fatalf("deferred revenue after shipping = %s", b)
	}
	if n, _ := stock.Available(ctx, db.Pool, goodstest.HQ, "VC-100"); n != 198 {
		t.Fatalf("VC-100 available %d, want 198", n)
	}
}

// The race: 100 concurrent orders for the last 10 units.
func TestHundredOrdersForTheLastTenUnits(t *testing.T) {
	lastTenUnits(t, func(db *ledger.DB, i int, r order.Request) error {
		_, err := place(db, r)
		return err
	})
}

// lastTenUnits runs 100 concurrent orders of one unit each (the i-th
// through enter) for the last 10 units of a product, in two lots: exactly
// ten win, the others are refused for stock, nothing goes negative.
func lastTenUnits(t *testing.T, enter func(db *ledger.DB, i int, r order.Request) error) *ledger.DB {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	goodstest.Product(t, db, "LAST-10", "9.90", "5")
	goodstest.Lot(t, db, "LAST-10", "L1", 90, 7)
	goodstest.Lot(t, db, "LAST-10", "L2", 60, 3)
	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := enter(db, i, order.Request{Key: fmt.Sprint("race-", i), Kind: order.Repeat, Member: "M002", By: "M002",
				Lines: []order.LineRequest{{SKU: "LAST-10", Qty: 1}}})
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, ledger.ErrInsufficientStock) && strings.Contains(err.Error(), "only 0 units available in warehouse HQ-SH, 1 requested"):
				refused.Add(1)
			default:
				t.Errorf("unexpected: %v", err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 10 || refused.Load() != 90 {
		t.Fatalf("%d placed, %d refused; want 10 and 90", ok.Load(), refused.Load())
	}
	ctx := context.Background()
	if n, _ := stock.Available(ctx, db.Pool, goodstest.HQ, "LAST-10"); n != 0 {
		t.Fatalf("available %d, want 0", n)
	}
	if n := ledgertest.Count(t, db, `SELECT count(*) FROM orders`); n != 10 {
		t.Fatalf("%d orders, want 10", n)
	}
	if n := ledgertest.Count(t, db, `SELECT coalesce(sum(reserved), 0) FROM stock_balances b JOIN products p ON p.id = b.product_id WHERE p.sku = 'LAST-10'`); n != 10 {
		t.Fatalf("%d reserved, want 10", n)
	}
	return db
}

func TestShippingUnconfirmedOrderIsRefused(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	o := must(place(db, order.Request{Key: "o", Kind: order.Repeat, Member: "M001", By: "M001", Lines: []order.LineRequest{{SKU: "VC-100", Qty: 1}}}))
	_, err := ship(db, order.ShipRequest{Key: "s", Order: o.No, Tracking: "T", By: "wh"})
	if !errors.Is(err, ledger.ErrConflict) || !strings.Contains(err.Error(), "not confirmed: finance has confirmed 0.00 of 100.00") {
		t.Fatalf("ship before payment: %v", err)
	}
	must(pay(db, order.PaymentRequest{Key: "p", Order: o.No, Method: order.BankTransfer, Amount: d("100"), By: "fin"}))
	_, err = ship(db, order.ShipRequest{Key: "s", Order: o.No, Tracking: "T", By: "wh"})
	if !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("ship a paid, unconfirmed order: %v", err)
	}
	if n := ledgertest.Count(t, db, `SELECT count(*) FROM shipments`); n != 0 {
		t.Fatalf("%d shipments", n)
	}
	// The database refuses too.
	_, err = db.Pool.Exec(context.Background(), `UPDATE orders SET status = 'shipped', shipped_at = now() WHERE order_no = $1`, o.No)
	if err == nil {
		t.Fatal("the database let an unconfirmed order be marked shipped")
	}
}

func TestPaymentReplayCreatesNothingNew(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	o := must(place(db, order.Request{Key: "o", Kind: order.Repeat, Member: "M001", By: "M001", Lines: []order.LineRequest{{SKU: "VC-100", Qty: 1}}}))
	r := order.PaymentRequest{Key: "pay-1", Order: o.No, Method: order.BankTransfer, Amount: d("40"), By: "fin"}
	first := must(pay(db, r))
	for i := 0; i < 3; i++ {
		again := must(pay(db, r))
		if again.No != first.No || !again.Amount.Equal(first.Amount) {
			t.Fatalf("replay returned %+v, want %+v", again, first)
		}
	}
	c1 := must(confirm(db, "conf-1", first.No))
	c2 := must(confirm(db, "conf-1", first.No))
	if c1.No != c2.No || !c1.DecidedAt.Equal(*c2.DecidedAt) {
		t.Fatalf("confirmation replay differs: %+v vs %+v", c1, c2)
	}
	if n := ledgertest.Count(t, db, `SELECT count(*) FROM payments`); n != 1 {
		t.Fatalf("%d payments after replays, want 1", n)
	}
	if n := ledgertest.Count(t, db, `SELECT count(*) FROM journal_entries WHERE kind = 'payment.confirmed'`); n != 1 {
		t.Fatalf("%d confirmation entries after replays, want 1", n)
	}
	r.Amount = d("41")
	if _, err := pay(db, r); !errors.Is(err, ledger.ErrIdempotencyConflict) {
		t.Fatalf("a different payment under the same key: %v", err)
	}
}

func TestBadInputs(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	goodstest.Agency(t, db, "AG1")
	goodstest.Agency(t, db, "AG2")
	ctx := context.Background()
	confirmed := paidOrder(t, db, "ok", order.LineRequest{SKU: "VC-100", Qty: 2})
	s := must(ship(db, order.ShipRequest{Key: "ok-ship", Order: confirmed.No, Tracking: "T1", By: "wh"}))
	open := must(place(db, order.Request{Key: "open", Kind: order.Repeat, Member: "M001", By: "M001", Lines: []order.LineRequest{{SKU: "TEA-200", Qty: 1}}}))
	p := must(pay(db, order.PaymentRequest{Key: "open-pay", Order: open.No, Method: order.BankTransfer, Amount: d("10"), By: "fin"}))
	must(confirm(db, "open-conf", p.No))
	shippedBatch := s.Lots[0].Batch

	repeat := func(lines ...order.LineRequest) order.Request {
		return order.Request{Kind: order.Repeat, Member: "M001", By: "M001", Lines: lines}
	}
	cases := []struct {
		name string
		do   func(ctx context.Context, tx pgx.Tx) error
		want error
		msg  string
	}{
		{"unknown SKU", placeFn(repeat(order.LineRequest{SKU: "NOPE-1", Qty: 1})), ledger.ErrNotFound, `unknown SKU "NOPE-1"`},
		{"unknown lot", placeFn(repeat(order.LineRequest{SKU: "VC-100", Qty: 1, Batch: "ZZ"})), ledger.ErrNotFound, `SKU "VC-100" has no batch "ZZ"`},
		{"zero quantity", placeFn(repeat(order.LineRequest{SKU: "VC-100", Qty: 0})), ledger.ErrInvalid, "quantity 0 must be positive"},
		{"negative quantity", placeFn(repeat(order.LineRequest{SKU: "VC-100", Qty: -3})), ledger.ErrInvalid, "quantity -3 must be positive"},
		{"more than in stock", placeFn(repeat(order.LineRequest{SKU: "VC-100", Qty: 1000})), ledger.ErrInsufficientStock, "SKU VC-100: only 198 units available in warehouse HQ-SH, 1000 requested"},
		{"unknown member", placeFn(order.Request{Kind: order.Repeat, Member: "NOBODY", By: "x", Lines: []order.LineRequest{{SKU: "VC-100", Qty: 1}}}), ledger.ErrNotFound, `unknown member "NOBODY"`},
		{"agency selling another agency's stock", placeFn(order.Request{Kind: order.Repeat, Member: "M001", Seller: "AG1", Warehouse: "AG2-WH", By: "AG1",
			Lines: []order.LineRequest{{SKU: "VC-100", Qty: 1}}}), ledger.ErrForbidden, "agency AG1 may only sell its own stock; warehouse AG2-WH belongs to agency AG2"},
		{"agency selling HQ stock", placeFn(order.Request{Kind: order.Repeat, Member: "M001", Seller: "AG1", Warehouse: goodstest.HQ, By: "AG1",
			Lines: []order.LineRequest{{SKU: "VC-100", Qty: 1}}}), ledger.ErrForbidden, "belongs to HQ"},
		{"HQ selling an agency's stock", placeFn(order.Request{Kind: order.Repeat, Member: "M001", Warehouse: "AG1-WH", By: "hq",
			Lines: []order.LineRequest{{SKU: "VC-100", Qty: 1}}}), ledger.ErrForbidden, "AG1-WH belongs to agency AG1"},
		{"payment for more than is owed", payFn(order.PaymentRequest{Order: open.No, Method: order.BankTransfer, Amount: d("30"), By: "fin"}),
			ledger.ErrInvalid, "a payment of 30.00 is more than the 25.50 still owed"},
		{"zero payment", payFn(order.PaymentRequest{Order: open.No, Method: order.BankTransfer, Amount: d("0"), By: "fin"}), ledger.ErrInvalid, "must be positive"},
		{"payment of a fully paid order", payFn(order.PaymentRequest{Order: confirmed.No, Method: order.BankTransfer, Amount: d("1"), By: "fin"}),
			ledger.ErrConflict, "only a placed order takes payments"},
		{"payment in thousandths", payFn(order.PaymentRequest{Order: open.No, Method: order.BankTransfer, Amount: d("1.005"), By: "fin"}), ledger.ErrInvalid, "more than two decimals"},
		{"confirming twice", func(ctx context.Context, tx pgx.Tx) error {
			_, err := order.ConfirmPayment(ctx, tx, order.Decision{Key: "open-conf-again", Payment: p.No, By: "fin"})
			return err
		}, ledger.ErrConflict, "is already confirmed"},
		{"rejecting a confirmed payment", func(ctx context.Context, tx pgx.Tx) error {
			_, err := order.RejectPayment(ctx, tx, order.Decision{Key: "rej", Payment: p.No, By: "fin", Reason: "x"})
			return err
		}, ledger.ErrConflict, "is already confirmed"},
		{"unknown payment", func(ctx context.Context, tx pgx.Tx) error {
			_, err := order.ConfirmPayment(ctx, tx, order.Decision{Key: "k", Payment: "PAY-NOPE", By: "fin"})
			return err
		}, ledger.ErrNotFound, "unknown payment"},
		{"shipping twice", shipFn(order.ShipRequest{Order: confirmed.No, Tracking: "T2", By: "wh"}), ledger.ErrConflict, "is shipped"},
		{"over-return", retFn(order.ReturnRequest{Order: confirmed.No, By: "cs", Lines: []order.ReturnLine{{Line: 1, Batch: shippedBatch, Qty: 3}}}),
			ledger.ErrInvalid, "over-return: line 1 (VC-100) lot B2 of order " + confirmed.No + " has 2 units left to return, 3 requested"},
		{"returning a lot never shipped", retFn(order.ReturnRequest{Order: confirmed.No, By: "cs", Lines: []order.ReturnLine{{Line: 1, Batch: "B1", Qty: 1}}}),
			ledger.ErrInvalid, `lot "B1" of VC-100 was never shipped on line 1`},
		{"returning an unshipped order", retFn(order.ReturnRequest{Order: open.No, By: "cs", Lines: []order.ReturnLine{{Line: 1, Batch: "T1", Qty: 1}}}),
			ledger.ErrInvalid, "nothing was shipped, so nothing can be returned"},
		{"returning a line the order lacks", retFn(order.ReturnRequest{Order: confirmed.No, By: "cs", Lines: []order.ReturnLine{{Line: 9, Batch: "B2", Qty: 1}}}),
			ledger.ErrInvalid, "has no line 9"},
		{"returning zero", retFn(order.ReturnRequest{Order: confirmed.No, By: "cs", Lines: []order.ReturnLine{{Line: 1, Batch: "B2", Qty: 0}}}),
			ledger.ErrInvalid, "quantity 0 must be positive"},
		{"cancelling a shipped order", func(ctx context.Context, tx pgx.Tx) error {
			_, err := order.Cancel(ctx, tx, order.StatusChange{Key: "cx", Order: confirmed.No, By: "cs"})
			return err
		}, ledger.ErrConflict, "only a placed or paid order can be cancelled"},
		{"no idempotency key", func(ctx context.Context, tx pgx.Tx) error {
			_, err := order.Place(ctx, tx, repeat(order.LineRequest{SKU: "VC-100", Qty: 1}))
			return err
		}, ledger.ErrInvalid, "needs an idempotency key"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			key := fmt.Sprint("bad-", i)
			err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
				return c.do(context.WithValue(ctx, keyCtx{}, key), tx)
			})
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v\nwant %v containing %q", err, c.want, c.msg)
			}
		})
	}
	// The return window.
	must(run(db, func(ctx context.Context, tx pgx.Tx) (int, error) { return 0, order.SetReturnWindow(ctx, tx, 0) }))
	_, err := ret(db, order.ReturnRequest{Key: "late", Order: confirmed.No, By: "cs", Lines: []order.ReturnLine{{Line: 1, Batch: "B2", Qty: 1}}})
	if !errors.Is(err, ledger.ErrInvalid) || !strings.Contains(err.Error(), "0-day return window") {
		t.Fatalf("return after the window: %v", err)
	}
}

type keyCtx struct{}

func keyOf(ctx context.Context) string { return ctx.Value(keyCtx{}).(string) }

func placeFn(r order.Request) func(ctx context.Context, tx pgx.Tx) error {
	return func(ctx context.Context, tx pgx.Tx) error {
		if r.Key == "" {
			r.Key = keyOf(ctx)
		}
		_, err := order.Place(ctx, tx, r)
		return err
	}
}

func payFn(r order.PaymentRequest) func(ctx context.Context, tx pgx.Tx) error {
	return func(ctx context.Context, tx pgx.Tx) error {
		r.Key = keyOf(ctx)
		_, err := order.RecordPayment(ctx, tx, r)
		return err
	}
}

func shipFn(r order.ShipRequest) func(ctx context.Context, tx pgx.Tx) error {
	return func(ctx context.Context, tx pgx.Tx) error {
		r.Key = keyOf(ctx)
		_, err := order.Ship(ctx, tx, r)
		return err
	}
}

func retFn(r order.ReturnRequest) func(ctx context.Context, tx pgx.Tx) error {
	return func(ctx context.Context, tx pgx.Tx) error {
		r.Key = keyOf(ctx)
		_, err := order.CreateReturn(ctx, tx, r)
		return err
	}
}

func TestPartialReturnReversesVolumes(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	ctx := context.Background()
	start := time.Now().Add(-time.Minute)
	o := paidOrder(t, db, "o", order.LineRequest{SKU: "VC-100", Qty: 3})
	must(ship(db, order.ShipRequest{Key: "s", Order: o.No, Tracking: "T", By: "wh"}))
	r1 := must(ret(db, order.ReturnRequest{Key: "r1", Order: o.No, By: "cs", Reason: "damaged",
		Lines: []order.ReturnLine{{Line: 1, Batch: "B2", Qty: 1, WriteOff: true}}}))
	r2 := must(ret(db, order.ReturnRequest{Key: "r2", Order: o.No, By: "cs",
		Lines: []order.ReturnLine{{Line: 1, Batch: "B2", Qty: 1}}}))
	if !r1.Refund.Equal(d("100")) || !r1.PV.Equal(d("-50")) || !r2.BV.Equal(d("-50")) {
		t.Fatalf("returns %+v %+v", r1, r2)
	}
	if n, _ := stock.Available(ctx, db.Pool, goodstest.HQ, "VC-100"); n != 198 {
		t.Fatalf("available after restocking one: %d, want 198", n)
	}
	var vols []order.Volume
	err := order.PeriodVolumes(ctx, db.Pool, start, time.Now().Add(time.Minute), func(v order.Volume) error {
		vols = append(vols, v)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sum := decimal.Zero
	for _, v := range vols {
		sum = sum.Add(v.PV)
	}
	if len(vols) != 3 || vols[0].Kind != "repeat" || vols[1].Kind != "return" || !sum.Equal(d("50")) {
		t.Fatalf("volumes %+v (sum %s), want repeat 150, two returns of -50", vols, sum)
	}
	if b, _ := journal.Balance(ctx, db.Pool, journal.SalesReturns, "", time.Time{}); !b.Equal(d("200")) {
		t.Fatalf("sales returns %s, want 200", b)
	}
	if n := ledgertest.Count(t, db, `SELECT count(*) FROM outbox WHERE kind = 'lot.moved' AND payload->'To'->>'Kind' = 'writeoff'`); n != 1 {
		t.Fatalf("%d write-off circulation events, want 1", n)
	}
}

func TestCancelReleasesStockAndRefunds(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	ctx := context.Background()
	o := must(place(db, order.Request{Key: "o", Kind: order.Repeat, Member: "M001", By: "M001", Lines: []order.LineRequest{{SKU: "VC-100", Qty: 5}}}))
	p := must(pay(db, order.PaymentRequest{Key: "p", Order: o.No, Method: order.BankTransfer, Amount: d("200"), By: "fin"}))
	must(confirm(db, "c", p.No))
	must(pay(db, order.PaymentRequest{Key: "p2", Order: o.No, Method: order.BankTransfer, Amount: d("300"), By: "fin"}))
	c := must(run(db, func(ctx context.Context, tx pgx.Tx) (order.Order, error) {
		return order.Cancel(ctx, tx, order.StatusChange{Key: "x", Order: o.No, By: "cs", Reason: "changed mind"})
	}))
	if c.Status != order.Cancelled {
		t.Fatal(c.Status)
	}
	if n, _ := stock.Available(ctx, db.Pool, goodstest.HQ, "VC-100"); n != 200 {
		t.Fatalf("available %d, want 200", n)
	}
	if b, _ := journal.Balance(ctx, db.Pool, journal.Bank, "", time.Time{}); !b.Equal(d("0")) {
		t.Fatalf("bank after refund = %s", b)
	}
	ps := must(order.Payments(ctx, db.Pool, o.No))
	if ps[1].Status != order.Rejected {
		t.Fatalf("recorded payment of a cancelled order: %s", ps[1].Status)
	}
}
