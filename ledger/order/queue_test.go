package order_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/order"
)

// recorded places an order of qty VC-100 for member and records its payment
// in full at the moment at, returning the payment.
func recorded(t *testing.T, db *ledger.DB, key, member string, qty int64, at time.Time) order.Payment {
	t.Helper()
	o := must(place(db, order.Request{Key: key, Kind: order.Repeat, Member: member, By: member,
		Lines: []order.LineRequest{{SKU: "VC-100", Qty: qty}}}))
	ctx := clock.With(context.Background(), clock.Fixed(at))
	var p order.Payment
	goodstest.Tx(t, db, func(_ context.Context, tx pgx.Tx) (err error) {
		p, err = order.RecordPayment(ctx, tx, order.PaymentRequest{Key: key + "-pay", Order: o.No, Method: order.BankTransfer,
			Amount: o.Total, Reference: "BANK-" + key, By: "finance"})
		return err
	})
	return p
}

func TestPaymentQueueOldestFirstWithBuyer(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	ctx := context.Background()
	at := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	var nos []string
	for i := range 5 {
		p := recorded(t, db, fmt.Sprintf("q%d", i), fmt.Sprintf("M%03d", i%3+1), int64(i+1), at.Add(time.Duration(i)*time.Hour))
		nos = append(nos, p.No)
	}
	must(confirm(db, "q-c", nos[1]))

	first := must(order.PaymentQueue(ctx, db.Pool, order.QueueFilter{Limit: 2}))
	if len(first) != 2 || first[0].No != nos[0] || first[1].No != nos[2] {
		t.Fatalf("first page = %+v, want %s, %s (the confirmed %s left out)", first, nos[0], nos[2], nos[1])
	}
	if f := first[0]; f.Member != "M001" || f.MemberName == "" || !f.OrderTotal.Equal(d("100.00")) || !f.Amount.Equal(d("100.00")) ||
		f.Reference != "BANK-q0" || f.Method != order.BankTransfer || !f.RecordedAt.Equal(at) || f.OrderStatus != order.Paid {
		t.Fatalf("queued payment = %+v", f)
	}
	rest := must(order.PaymentQueue(ctx, db.Pool, order.QueueFilter{After: first[1].ID, Limit: 2}))
	if len(rest) != 2 || rest[0].No != nos[3] || rest[1].No != nos[4] {
		t.Fatalf("second page = %+v, want %s, %s", rest, nos[3], nos[4])
	}
	if end := must(order.PaymentQueue(ctx, db.Pool, order.QueueFilter{After: rest[1].ID, Limit: 2})); len(end) != 0 {
		t.Fatalf("past the end = %+v", end)
	}
	done := must(order.PaymentQueue(ctx, db.Pool, order.QueueFilter{Status: order.PaymentAccepted}))
	if len(done) != 1 || done[0].No != nos[1] || done[0].DecidedAt == nil || done[0].OrderStatus != order.Confirmed {
		t.Fatalf("confirmed = %+v", done)
	}
	if _, err := order.PaymentQueue(ctx, db.Pool, order.QueueFilter{Status: "lost"}); !errors.Is(err, ledger.ErrInvalid) {
		t.Fatalf("unknown status: %v", err)
	}
}

func TestDecideManyIsIdempotentPerPayment(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	ctx := context.Background()
	at := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	a := recorded(t, db, "a", "M001", 1, at)
	b := recorded(t, db, "b", "M002", 2, at)
	c := recorded(t, db, "c", "M003", 3, at)
	must(confirm(db, "c-first", c.No))

	bulk := order.BulkDecision{Key: "bulk-1", Confirm: true, Payments: []string{a.No, b.No, c.No, "PAY999999999"}, By: "finance"}
	out := must(order.DecideMany(ctx, db, bulk))
	check := func(out []order.Outcome) {
		t.Helper()
		if len(out) != 4 {
			t.Fatalf("outcomes = %+v", out)
		}
		for _, o := range out[:2] {
			if o.Err != nil || o.Result == nil || o.Result.Status != order.PaymentAccepted {
				t.Fatalf("%s: %+v", o.Payment, o)
			}
		}
		if !errors.Is(out[2].Err, ledger.ErrConflict) || out[2].Result != nil {
			t.Fatalf("already confirmed %s: %+v", c.No, out[2])
		}
		if !errors.Is(out[3].Err, ledger.ErrNotFound) {
			t.Fatalf("unknown payment: %+v", out[3])
		}
	}
	check(out)
	entries := func() (n int64) {
		if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM journal_entries`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := entries()
	// A retry under the same key answers the same and books nothing twice.
	check(must(order.DecideMany(ctx, db, bulk)))
	if after := entries(); after != before {
		t.Fatalf("a retry posted %d journal entries", after-before)
	}
	for _, no := range []string{a.Order, b.Order} {
		if o := must(order.Get(ctx, db.Pool, no)); o.Status != order.Confirmed {
			t.Fatalf("order %s is %s", no, o.Status)
		}
	}
	// The same key for another list is refused.
	other := bulk
	other.Payments = []string{a.No}
	if _, err := order.DecideMany(ctx, db, other); !errors.Is(err, ledger.ErrIdempotencyConflict) {
		t.Fatalf("same key, other list: %v", err)
	}
	// Rejecting needs a reason, and names each payment once.
	d := recorded(t, db, "d", "M001", 1, at)
	if _, err := order.DecideMany(ctx, db, order.BulkDecision{Key: "r1", Payments: []string{d.No}, By: "finance"}); !errors.Is(err, ledger.ErrInvalid) {
		t.Fatalf("reject without reason: %v", err)
	}
	if _, err := order.DecideMany(ctx, db, order.BulkDecision{Key: "r2", Confirm: true, Payments: []string{d.No, d.No}, By: "finance"}); !errors.Is(err, ledger.ErrInvalid) {
		t.Fatalf("a payment twice: %v", err)
	}
	rej := must(order.DecideMany(ctx, db, order.BulkDecision{Key: "r3", Payments: []string{d.No}, Reason: "no such transfer", By: "finance"}))
	if rej[0].Err != nil || rej[0].Result.Status != order.Rejected || rej[0].Result.Reason != "no such transfer" {
		t.Fatalf("reject: %+v", rej[0])
	}
	if o := must(order.Get(ctx, db.Pool, d.Order)); o.Status != order.Placed {
		t.Fatalf("a rejected payment leaves order %s %s", o.No, o.Status)
	}
}

// The days are calendar days in the company's zone: a payment confirmed at
// 23:30 in Shanghai on 29 February counts on that day, one at 00:10 the
// next morning (still 29 February in UTC) on 1 March.
func TestConfirmationTimesPerCompanyDay(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := func(day, hour, minute int) time.Time { return time.Date(2028, 2, day, hour, minute, 0, 0, sh) }
	decide := func(key string, rec, conf time.Time) {
		p := recorded(t, db, key, "M001", 1, rec)
		ctx := clock.With(context.Background(), clock.Fixed(conf))
		goodstest.Tx(t, db, func(_ context.Context, tx pgx.Tx) error {
			_, err := order.ConfirmPayment(ctx, tx, order.Decision{Key: key + "-c", Payment: p.No, By: "finance"})
			return err
		})
	}
	// 29 February: waits of 1 min, 2 min and 10 min.
	decide("a", at(29, 10, 0), at(29, 10, 1))
	decide("b", at(29, 12, 0), at(29, 12, 2))
	decide("c", at(29, 23, 20), at(29, 23, 30))
	// 1 March (00:10 Shanghai): a wait of three days.
	decide("d", at(27, 0, 10), at(30, 0, 10)) // 30 Feb 2028 is 1 March
	// Outside the window: 14 days before 1 March.
	decide("e", at(10, 9, 0), at(10, 10, 0))
	// Rejected payments do not count.
	p := recorded(t, db, "f", "M002", 1, at(29, 9, 0))
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := order.RejectPayment(ctx, tx, order.Decision{Key: "f-r", Payment: p.No, By: "finance", Reason: "bounced"})
		return err
	})

	now := time.Date(2028, 3, 1, 9, 0, 0, 0, sh)
	days, err := order.ConfirmationTimes(context.Background(), db.Pool, 14, now, sh)
	if err != nil {
		t.Fatal(err)
	}
	if len(days) != 14 || days[0].Date != "2028-02-17" || days[13].Date != "2028-03-01" {
		t.Fatalf("days = %+v", days)
	}
	for _, f := range days[:12] {
		if f.Confirmed != 0 || f.Median != nil {
			t.Fatalf("%s: %+v", f.Date, f)
		}
	}
	feb29, mar1 := days[12], days[13]
	// percentile_cont: the median of 60, 120, 600 is 120; p90 is 120 + 0.8 × 480.
	if feb29.Date != "2028-02-29" || feb29.Confirmed != 3 || *feb29.Median != 120 || *feb29.P90 != 504 {
		t.Fatalf("29 Feb = %+v (median %v, p90 %v)", feb29, val(feb29.Median), val(feb29.P90))
	}
	if mar1.Confirmed != 1 || *mar1.Median != 3*24*3600 || *mar1.P90 != 3*24*3600 {
		t.Fatalf("1 Mar = %+v", mar1)
	}
	if _, err := order.ConfirmationTimes(context.Background(), db.Pool, 0, now, sh); !errors.Is(err, ledger.ErrInvalid) {
		t.Fatalf("0 days: %v", err)
	}
}

func val(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestShipQueueConfirmedOldestFirstWithLots(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	ctx := context.Background()
	at := time.Date(2026, 1, 5, 2, 0, 0, 0, time.UTC)
	// 150 VC-100 take all of B2 (expiring first) and 50 of B1.
	big := recorded(t, db, "s1", "M001", 150, at)
	small := recorded(t, db, "s2", "M002", 1, at)
	waiting := recorded(t, db, "s3", "M003", 1, at)
	must(confirm(db, "s2-c", small.No))
	must(confirm(db, "s1-c", big.No))

	q := must(order.ShipQueue(ctx, db.Pool, order.ShipFilter{HQ: true}))
	if len(q) != 2 || q[0].No != big.Order || q[1].No != small.Order {
		t.Fatalf("queue = %+v, want %s then %s (not %s, unconfirmed)", q, big.Order, small.Order, waiting.Order)
	}
	first := q[0]
	if first.Member != "M001" || first.MemberName == "" || len(first.Lines) != 1 || first.Lines[0].SKU != "VC-100" || first.Lines[0].Qty != 150 {
		t.Fatalf("order to ship = %+v", first)
	}
	if len(first.Lots) != 2 || first.Lots[0].Batch != "B2" || first.Lots[0].Qty != 100 || first.Lots[1].Batch != "B1" || first.Lots[1].Qty != 50 ||
		first.Lots[0].ExpiresOn == nil || first.Lots[1].ExpiresOn == nil || !first.Lots[0].ExpiresOn.Before(*first.Lots[1].ExpiresOn) {
		t.Fatalf("suggested lots = %+v", first.Lots)
	}
	page := must(order.ShipQueue(ctx, db.Pool, order.ShipFilter{HQ: true, After: first.ID, Limit: 5}))
	if len(page) != 1 || page[0].No != small.Order {
		t.Fatalf("after the first: %+v", page)
	}
	must(ship(db, order.ShipRequest{Key: "ship-1", Order: big.Order, Tracking: "SF1", By: "warehouse"}))
	if q := must(order.ShipQueue(ctx, db.Pool, order.ShipFilter{HQ: true})); len(q) != 1 || q[0].No != small.Order {
		t.Fatalf("after shipping %s: %+v", big.Order, q)
	}
}
