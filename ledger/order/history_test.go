package order_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/check"
	"downline/ledger/goodstest"
	"downline/ledger/journal"
	"downline/ledger/ledgertest"
	"downline/ledger/order"
	"downline/ledger/stock"
)

// historyAt is when TestCopyHistory enters its past orders: the last
// minutes of a leap day in the company's zone, so that the orders of the
// last days span a month's end.
var historyAt = time.Date(2024, 2, 29, 23, 50, 0, 0, time.FixedZone("CST", 8*3600))

func copyHistory(db *ledger.DB, h order.History) (order.HistorySummary, error) {
	ctx := clock.With(context.Background(), clock.Fixed(historyAt))
	var out order.HistorySummary
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		out, err = order.CopyHistory(ctx, tx, h)
		return err
	})
	return out, err
}

// pastOrders are n orders of M001..M003 over the last days, each stage a
// few hours after the one before.
func pastOrders(n int, now time.Time) []order.PastOrder {
	var out []order.PastOrder
	for i := 0; i < n; i++ {
		at := now.Add(-time.Duration(n-i) * 7 * time.Hour)
		m := fmt.Sprintf("M%03d", 1+i%3)
		lines := []order.LineRequest{{SKU: "VC-100", Qty: int64(1 + i%2)}}
		if i%3 == 0 {
			lines = append(lines, order.LineRequest{SKU: "TEA-200", Qty: 2})
		}
		out = append(out, order.PastOrder{Key: fmt.Sprintf("past-%d", i), Kind: order.Repeat, Member: m, Lines: lines, By: "user:" + m,
			PlacedAt: at, PaidAt: at.Add(time.Hour), ConfirmedAt: at.Add(2 * time.Hour), ShippedAt: at.Add(5 * time.Hour),
			Tracking: fmt.Sprintf("SF-%d", i)})
	}
	return out
}

// Past orders entered at once are what entering them stage by stage
// leaves: the ledger checks clean, the stock is taken first expiry first,
// the journal carries the money, the volumes count in their month, the
// outbox has their events; entered again, nothing more happens.
func TestCopyHistory(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	ctx := context.Background()
	now := historyAt
	h := order.History{Key: "history-1", ConfirmedBy: "user:finance", ShippedBy: "user:warehouse", Orders: pastOrders(40, now)}
	sum, err := copyHistory(db, h)
	if err != nil {
		t.Fatal(err)
	}
	// 40 orders: VC-100 20 x 1 + 20 x 2 units, TEA-200 14 x 2 units.
	if sum.Orders != 40 || sum.Lines != 54 || !sum.Total.Equal(d("6994.00")) || !sum.PV.Equal(d("3560")) {
		t.Errorf("summary %+v", sum)
	}
	problems, err := check.Run(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("ledger check: %s", p)
	}
	o, err := order.Get(ctx, db.Pool, sum.LastNo)
	if err != nil {
		t.Fatal(err)
	}
	if o.Status != order.Shipped || o.Member != "M001" || o.ShippedAt == nil || len(o.Allocations) != 2 {
		t.Errorf("last order %+v", o)
	}
	// VC-100's lot B2 expires first: 60 units of its 100 went.
	bs, err := stock.Balances(ctx, db.Pool, goodstest.HQ)
	if err != nil {
		t.Fatal(err)
	}
	left := map[string]int64{}
	for _, b := range bs {
		left[b.Batch] = b.OnHand - b.Reserved
	}
	if left["B2"] != 40 || left["B1"] != 100 || left["T1"] != 472 {
		t.Errorf("left in stock %v", left)
	}
	revenue, err := journal.Balance(ctx, db.Pool, journal.Revenue, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	bank, err := journal.Balance(ctx, db.Pool, journal.Bank, "", time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if !revenue.Equal(d("-6994")) || !bank.Equal(d("6994")) {
		t.Errorf("revenue %s, bank %s", revenue, bank)
	}
	var ids []int64
	rows, err := db.Pool.Query(ctx, `SELECT id FROM members WHERE code IN ('M001', 'M002', 'M003')`)
	if err != nil {
		t.Fatal(err)
	}
	if ids, err = pgx.CollectRows(rows, pgx.RowTo[int64]); err != nil {
		t.Fatal(err)
	}
	pvs, err := order.MembersPV(ctx, db.Pool, ids, now.Add(-30*24*time.Hour), now)
	if err != nil {
		t.Fatal(err)
	}
	pv := decimal.Zero
	for _, x := range pvs {
		pv = pv.Add(x)
	}
	if !pv.Equal(d("3560")) {
		t.Errorf("the members' PV adds up to %s", pv)
	}
	var confirmed, shipped, moved int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE kind = $1), count(*) FILTER (WHERE kind = $2), count(*) FILTER (WHERE kind = $3 AND payload->>'Order' <> '') FROM outbox`,
		order.EventPaymentConfirmed, order.EventShipped, stock.EventLotMoved).Scan(&confirmed, &shipped, &moved); err != nil {
		t.Fatal(err)
	}
	if confirmed != 40 || shipped != 40 || moved != 54 || sum.Events != 134 {
		t.Errorf("outbox: %d payments confirmed, %d shipped, %d lot moves; summary %d events", confirmed, shipped, moved, sum.Events)
	}

	// Again: the first summary, nothing written.
	before := ledgertest.Count(t, db, `SELECT count(*) FROM orders`)
	again, err := copyHistory(db, order.History{Key: "history-1", ConfirmedBy: "user:finance", ShippedBy: "user:warehouse", Orders: pastOrders(40, now)})
	if err != nil || again.LastNo != sum.LastNo || ledgertest.Count(t, db, `SELECT count(*) FROM orders`) != before {
		t.Errorf("replay: %+v, %v", again, err)
	}
	if _, err := copyHistory(db, order.History{Key: "history-1", ConfirmedBy: "user:finance", ShippedBy: "user:warehouse", Orders: pastOrders(39, now)}); !errors.Is(err, ledger.ErrIdempotencyConflict) {
		t.Errorf("other orders under the same key: %v", err)
	}

	// Exclusive: the keys checked and the indexes built once at the end,
	// all of them back as they were.
	schema := func() int {
		return ledgertest.Count(t, db, `SELECT (SELECT count(*) FROM pg_constraint WHERE contype = 'f') + (SELECT count(*) FROM pg_indexes WHERE schemaname = 'public')`)
	}
	keys := schema()
	more := pastOrders(20, now)
	for i := range more {
		more[i].Key = fmt.Sprintf("more-%d", i)
	}
	if _, err := copyHistory(db, order.History{Key: "history-2", ConfirmedBy: "user:finance", ShippedBy: "user:warehouse", Orders: more, Exclusive: true}); err != nil {
		t.Fatal(err)
	}
	if n := schema(); n != keys {
		t.Errorf("%d foreign keys and indexes after an exclusive batch, %d before", n, keys)
	}
	if problems, err := check.Run(ctx, db); err != nil || len(problems) > 0 {
		t.Errorf("ledger check after an exclusive batch: %v %v", problems, err)
	}
	before += 20

	// Bad batches write nothing and say what is wrong.
	for _, c := range []struct {
		name string
		edit func(*order.PastOrder)
		want error
	}{
		{"shipped after now", func(o *order.PastOrder) { o.ShippedAt = now.Add(time.Hour) }, ledger.ErrInvalid},
		{"stages out of order", func(o *order.PastOrder) { o.ConfirmedAt = o.PlacedAt.Add(-time.Minute) }, ledger.ErrInvalid},
		{"unknown member", func(o *order.PastOrder) { o.Member = "M999" }, ledger.ErrNotFound},
		{"no tracking", func(o *order.PastOrder) { o.Tracking = "" }, ledger.ErrInvalid},
		{"more than in stock", func(o *order.PastOrder) { o.Lines[0].Qty = 1000 }, ledger.ErrInsufficientStock},
		{"an agency order", func(o *order.PastOrder) { o.Kind = order.Agency }, ledger.ErrInvalid},
	} {
		os := pastOrders(3, now)
		c.edit(&os[1])
		_, err := copyHistory(db, order.History{Key: "bad-" + c.name, ConfirmedBy: "f", ShippedBy: "w", Orders: os})
		if !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	if n := ledgertest.Count(t, db, `SELECT count(*) FROM orders`); n != before {
		t.Errorf("%d orders after the refused batches, %d before", n, before)
	}
}
