package api_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/analytics"
	"downline/graphstore"
	"downline/graphstore/memory"
	"downline/graphstore/neo4j"
	"downline/graphstore/neo4j/neo4jtest"
	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/order"
	"downline/ledger/stock"
	"downline/projection"
)

// A random run of the ledger's stock operations (receipts, agency orders
// delivered, sales by HQ and by agencies to members and shop customers,
// returns restocked or written off) is fed to each graph store (the
// embedded one, and Neo4j when NEO4J_URI names one), and then:
//   - every warehouse's reconciliation over the whole history has, per lot,
//     the in, out and closing the ledger's stock moves add up to (counted
//     here in SQL), and no line flagged; a reconciliation of the first half
//     of the run has the closing of the stock moves written by then;
//   - every shipped order's back trace has, per lot, what the ledger's
//     shipment lots say it brought the buyer, from the order's warehouse,
//     what the ledger's return lines say came back, and HQ receipts of the
//     lot behind it (through the agency for an agency's sale).
func TestCirculationAgainstLedger(t *testing.T) {
	ctx := context.Background()
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	goodstest.Agency(t, db, "AG1")
	goodstest.Agency(t, db, "AG2")
	rng := rand.New(rand.NewPCG(20, 26))
	n := 0
	key := func(what string) string { n++; return fmt.Sprintf("%s-%d", what, n) }
	var shipped []order.Order
	sell := func(r order.Request) {
		t.Helper()
		goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
			r.Key, r.By = key("order"), "test"
			o, err := order.Place(ctx, tx, r)
			if err != nil {
				return err
			}
			method := order.BankTransfer
			if o.Kind == order.Agency {
				method = order.OnAccount
			}
			p, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: key("pay"), Order: o.No, Method: method, Amount: o.Total, By: "test"})
			if err != nil {
				return err
			}
			if _, err := order.ConfirmPayment(ctx, tx, order.Decision{Key: key("confirm"), Payment: p.No, By: "test"}); err != nil {
				return err
			}
			if _, err := order.Ship(ctx, tx, order.ShipRequest{Key: key("ship"), Order: o.No, Tracking: "T", By: "test"}); err != nil {
				return err
			}
			if o.Kind == order.Agency {
				if _, err := order.Deliver(ctx, tx, order.StatusChange{Key: key("deliver"), Order: o.No, By: "test"}); err != nil {
					return err
				}
			}
			shipped = append(shipped, o)
			return nil
		})
	}
	skus := []string{"VC-100", "TEA-200"}
	sell(order.Request{Kind: order.Agency, BuyerAgency: "AG1", Lines: []order.LineRequest{{SKU: "VC-100", Qty: 40}, {SKU: "TEA-200", Qty: 60}}})
	sell(order.Request{Kind: order.Agency, BuyerAgency: "AG2", Lines: []order.LineRequest{{SKU: "VC-100", Qty: 30}, {SKU: "TEA-200", Qty: 40}}})
	var half time.Time
	returned := map[string]bool{}
	for step := range 30 {
		if step == 15 {
			goodstest.Lot(t, db, "TEA-200", "T2", 300, 80) // a receipt half way
			// Stock moves are stamped when written: the first half ends here.
			time.Sleep(5 * time.Millisecond)
			half = time.Now()
			time.Sleep(5 * time.Millisecond)
		}
		line := []order.LineRequest{{SKU: skus[rng.IntN(2)], Qty: 1 + rng.Int64N(4)}}
		member := fmt.Sprintf("M%03d", 1+rng.IntN(3))
		switch rng.IntN(4) {
		case 0:
			sell(order.Request{Kind: order.Repeat, Member: member, Lines: line})
		case 1, 2:
			sell(order.Request{Kind: order.Repeat, Member: member, Seller: []string{"AG1", "AG2"}[rng.IntN(2)], Lines: line})
		default:
			sell(order.Request{Kind: order.Shop, Customer: &order.Customer{Name: "Walk In"}, Lines: line})
		}
		if o := shipped[rng.IntN(len(shipped))]; step%3 == 2 && !returned[o.No] {
			// A return of a unit of an earlier sale, restocked or written off.
			returned[o.No] = true
			goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
				got, err := order.Get(ctx, tx, o.No)
				if err != nil || len(got.Allocations) == 0 {
					return err
				}
				a := got.Allocations[0]
				_, err = order.CreateReturn(ctx, tx, order.ReturnRequest{Key: key("return"), Order: o.No, By: "test",
					Lines: []order.ReturnLine{{Line: a.Line, Batch: a.Batch, Qty: 1, WriteOff: o.Kind != order.Agency && rng.IntN(2) == 0}}})
				return err
			})
		}
	}

	stores := map[string]graphstore.Circulation{"memory": memory.New()}
	if uri := os.Getenv("NEO4J_URI"); uri != "" {
		neo4jtest.Lock(t)
		s, err := neo4j.New(ctx, uri, os.Getenv("NEO4J_USER"), os.Getenv("NEO4J_PASSWORD"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close(context.Background()) })
		if err := s.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		stores["neo4j"] = s
	}
	for name, cs := range stores {
		t.Run(name, func(t *testing.T) {
			f := &projection.Feed{DB: db, Store: cs.(graphstore.Store), Batch: 9}
			if _, err := f.CatchUp(ctx); err != nil {
				t.Fatal(err)
			}
			checkReconciliations(t, db, cs, half)
			checkBackTraces(t, db, cs, shipped)
		})
	}
}

func checkReconciliations(t *testing.T, db *ledger.DB, cs graphstore.Circulation, half time.Time) {
	ctx := context.Background()
	ws, err := stock.Warehouses(ctx, db.Pool)
	if err != nil {
		t.Fatal(err)
	}
	lines := 0
	for _, w := range ws {
		h := graphstore.Holder{Kind: graphstore.Warehouse, ID: w.Code}
		if !w.IsHQ() {
			h.Kind = graphstore.Agency
		}
		// The ledger's own count, per lot: in, out and on hand.
		type count struct{ in, out, onHand int64 }
		want := map[string]count{}
		rows, err := db.Pool.Query(ctx, `SELECT lot_id::text, sum(greatest(on_hand_delta, 0)), sum(greatest(-on_hand_delta, 0)), sum(on_hand_delta)
			FROM stock_moves WHERE warehouse_id = $1 GROUP BY 1`, w.ID)
		if err != nil {
			t.Fatal(err)
		}
		var lot string
		var c count
		if _, err := pgx.ForEachRow(rows, []any{&lot, &c.in, &c.out, &c.onHand}, func() error { want[lot] = c; return nil }); err != nil {
			t.Fatal(err)
		}
		all := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
		end := time.Date(2999, 1, 1, 0, 0, 0, 0, time.UTC)
		counts, err := stock.CountLots(ctx, db.Pool, w.Code, end)
		if err != nil {
			t.Fatal(err)
		}
		r, err := analytics.Reconcile(ctx, cs, h, all, end, ledgerStock(counts))
		if err != nil {
			t.Fatal(err)
		}
		if r.Differences != 0 {
			t.Errorf("%s: %d lines differ from the ledger: %+v", w.Code, r.Differences, r.Lines)
		}
		got := map[string]count{}
		for _, l := range r.Lines {
			if l.Opening+l.In-l.Out != l.Closing {
				t.Errorf("%s lot %s: %d + %d - %d != %d", w.Code, l.Lot, l.Opening, l.In, l.Out, l.Closing)
			}
			if l.In != 0 || l.Out != 0 {
				got[l.Lot] = count{l.In, l.Out, l.Closing}
			}
			lines++
		}
		for lot, c := range want {
			if got[lot] != c {
				t.Errorf("%s lot %s: in/out/closing %v in the graph, %v by the stock moves", w.Code, lot, got[lot], c)
			}
		}
		for lot, c := range got {
			if _, ok := want[lot]; !ok {
				t.Errorf("%s lot %s: %v in the graph, no stock moves", w.Code, lot, c)
			}
		}
		// The first half: the graph's closing at the moment the first half
		// ended is what the stock moves written by then add up to.
		cut, err := stock.CountLots(ctx, db.Pool, w.Code, half)
		if err != nil {
			t.Fatal(err)
		}
		r, err = analytics.Reconcile(ctx, cs, h, all, half, ledgerStock(cut))
		if err != nil {
			t.Fatal(err)
		}
		if r.Differences != 0 {
			t.Errorf("%s at half way: %d lines differ from the ledger: %+v", w.Code, r.Differences, r.Lines)
		}
	}
	if lines < 8 {
		t.Fatalf("only %d reconciliation lines", lines)
	}
}

func ledgerStock(counts []stock.LotCount) []analytics.LedgerStock {
	out := make([]analytics.LedgerStock, len(counts))
	for k, n := range counts {
		out[k] = analytics.LedgerStock{Lot: fmt.Sprint(n.Lot), SKU: n.SKU, Batch: n.Batch, OnHand: n.OnHand}
	}
	return out
}

func checkBackTraces(t *testing.T, db *ledger.DB, cs graphstore.Circulation, shipped []order.Order) {
	ctx := context.Background()
	checked := 0
	for _, o := range shipped {
		full, err := order.Get(ctx, db.Pool, o.No)
		if err != nil {
			t.Fatal(err)
		}
		buyer, err := full.BuyerHolder(ctx, db.Pool)
		if err != nil {
			t.Fatal(err)
		}
		h := graphstore.Holder{Kind: graphstore.HolderKind(buyer.Kind), ID: buyer.Code}
		if buyer.Kind == "agency_warehouse" {
			h.Kind = graphstore.Agency
		}
		// The ledger's count: shipped and returned per lot.
		shippedQty, returnedQty := map[string]int64{}, map[string]int64{}
		for _, q := range []struct {
			sql string
			to  map[string]int64
		}{
			{`SELECT lot_id::text, sum(qty) FROM shipment_lots WHERE order_id = $1 GROUP BY 1`, shippedQty},
			{`SELECT lot_id::text, sum(qty) FROM return_lines WHERE order_id = $1 GROUP BY 1`, returnedQty},
		} {
			rows, err := db.Pool.Query(ctx, q.sql, full.ID)
			if err != nil {
				t.Fatal(err)
			}
			var lot string
			var n int64
			if _, err := pgx.ForEachRow(rows, []any{&lot, &n}, func() error { q.to[lot] = n; return nil }); err != nil {
				t.Fatal(err)
			}
		}
		bt, err := analytics.Back(ctx, cs, h, o.No)
		if err != nil {
			t.Fatal(err)
		}
		got, gotBack := map[string]int64{}, map[string]int64{}
		for _, l := range bt.Lines {
			got[l.Lot] += l.Qty
			gotBack[l.Lot] += l.Returned
			if l.From.ID != full.Warehouse {
				t.Errorf("order %s lot %s came from %v, the order's warehouse is %s", o.No, l.Lot, l.From, full.Warehouse)
			}
			if !slices.Equal(l.Orders, []string{o.No}) {
				t.Errorf("order %s lot %s: orders %v", o.No, l.Lot, l.Orders)
			}
			if len(l.Receipts) == 0 || len(l.Warehouses) == 0 {
				t.Errorf("order %s lot %s: no receipt or HQ warehouse behind it: %+v", o.No, l.Lot, l)
			}
			for _, r := range l.Receipts {
				if r.Warehouse != goodstest.HQ {
					t.Errorf("order %s lot %s: a receipt into %s", o.No, l.Lot, r.Warehouse)
				}
			}
			if agencySale := full.Seller != ""; agencySale != slices.Contains(l.Agencies, analytics.Ref{Kind: graphstore.Agency, ID: full.Seller + "-WH"}) {
				t.Errorf("order %s (seller %q): agencies %v", o.No, full.Seller, l.Agencies)
			}
			checked++
		}
		if fmt.Sprint(got) != fmt.Sprint(shippedQty) {
			t.Errorf("order %s: back trace received %v, the ledger shipped %v", o.No, got, shippedQty)
		}
		for lot, n := range returnedQty {
			if gotBack[lot] != n {
				t.Errorf("order %s lot %s: %d returned in the back trace, %d by the ledger", o.No, lot, gotBack[lot], n)
			}
		}
	}
	if checked < 30 {
		t.Fatalf("only %d back trace lines checked", checked)
	}
	// A member's whole back trace: per lot, what the ledger shipped to all
	// the member's orders.
	for _, code := range []string{"M001", "M002", "M003"} {
		want := map[string]int64{}
		rows, err := db.Pool.Query(ctx, `SELECT sl.lot_id::text, sum(sl.qty) FROM shipment_lots sl JOIN orders o ON o.id = sl.order_id
			JOIN members m ON m.id = o.member_id WHERE m.code = $1 GROUP BY 1`, code)
		if err != nil {
			t.Fatal(err)
		}
		var lot string
		var n int64
		if _, err := pgx.ForEachRow(rows, []any{&lot, &n}, func() error { want[lot] = n; return nil }); err != nil {
			t.Fatal(err)
		}
		bt, err := analytics.Back(ctx, cs, graphstore.Holder{Kind: graphstore.MemberHolder, ID: code}, "")
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]int64{}
		for _, l := range bt.Lines {
			got[l.Lot] += l.Qty
		}
		if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("member %s: back trace received %v, the ledger shipped %v", code, got, want)
		}
	}
}

// The tracing routes answer analysts over HTTP and refuse bad questions
// with a 422 naming what is wrong: a holder of no known kind, a
// reconciliation of a member, a period the wrong way round, a window of
// no months, a slow-mover threshold of zero, an unknown order (404).
func TestCirculationRoutes(t *testing.T) {
	w := newWorld(t)
	analyst := w.token("analyst")
	for _, c := range []struct {
		path string
		want int
		says string
	}{
		{"/api/v1/analytics/lots?q=tea", 200, `"sku":"TEA-200"`},
		{"/api/v1/analytics/holders/warehouse/HQ-SH/lots", 200, `"lines":[`},
		{"/api/v1/analytics/holders/agency/AG1-WH/downstream", 200, `[]`},
		{"/api/v1/analytics/holders/warehouse/HQ-SH/reconciliation?from=2020-01-01&to=2999-01-01", 200, `"differences":0`},
		{"/api/v1/analytics/diversion", 200, `"territory":[]`},
		{"/api/v1/analytics/ageing?slow_days=30", 200, `"slow_days":30`},
		{"/api/v1/analytics/members/AAA1/lots", 200, `"lines":[]`},
		{"/api/v1/analytics/holders/truck/T1/lots", 422, "the kind must be"},
		{"/api/v1/analytics/holders/member/AAA1/reconciliation", 422, "only a warehouse or an agency"},
		{"/api/v1/analytics/holders/agency/AG1-WH/reconciliation?from=2026-03-02&to=2026-03-01", 422, "must come after"},
		{"/api/v1/analytics/holders/agency/AG1-WH/reconciliation?from=2026-3-1", 422, "from must be a date"},
		{"/api/v1/analytics/diversion?months=0", 422, "months must be a whole number from 1 to 36"},
		{"/api/v1/analytics/ageing?slow_days=0", 422, "slow_days must be a whole number"},
		{"/api/v1/analytics/orders/SO999999999/lots", 404, ""},
	} {
		res := w.call("GET", c.path, analyst, nil)
		if res.status != c.want || !strings.Contains(string(res.body), c.says) {
			t.Errorf("GET %s: %d %s, want %d saying %q", c.path, res.status, res.body, c.want, c.says)
		}
	}
	if res := w.call("GET", "/api/v1/analytics/diversion", w.token("AAA"), nil); res.status != 403 {
		t.Errorf("a member's diversion report: %d", res.status)
	}
}
