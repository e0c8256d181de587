package projection_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/jackc/pgx/v5"

	"downline/graphstore"
	"downline/graphstore/memory"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/order"
	"downline/projection"
)

// A random run of the ledger's own stock operations (receipts, agency
// orders shipped and delivered, sales by HQ and by agencies to members and
// shop customers, returns restocked or written off) reaches the embedded
// store through the feed, and what each warehouse holds of each lot there
// is what the ledger's stock moves add up to; what each buyer holds is what
// the test shipped them less what they returned.
func TestCirculationMatchesStockMoves(t *testing.T) {
	ctx := context.Background()
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	goodstest.Agency(t, db, "AG1")
	goodstest.Agency(t, db, "AG2")
	rng := rand.New(rand.NewPCG(7, 11))
	do := func(fn func(ctx context.Context, tx pgx.Tx) error) {
		t.Helper()
		goodstest.Tx(t, db, fn)
	}
	n := 0
	key := func(what string) string { n++; return fmt.Sprintf("%s-%d", what, n) }
	// bought[holder][lot id] is what a buyer was shipped less what it returned.
	bought := map[graphstore.Holder]map[string]int64{}
	type sold struct {
		o     order.Order
		lots  []order.ShippedLot
		buyer graphstore.Holder
	}
	var sales []sold
	// sell places, pays and ships an order; an agency order is delivered too.
	sell := func(r order.Request) {
		t.Helper()
		var s sold
		do(func(ctx context.Context, tx pgx.Tx) error {
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
			sh, err := order.Ship(ctx, tx, order.ShipRequest{Key: key("ship"), Order: o.No, Tracking: "T", By: "test"})
			if err != nil {
				return err
			}
			if o.Kind == order.Agency {
				if _, err := order.Deliver(ctx, tx, order.StatusChange{Key: key("deliver"), Order: o.No, By: "test"}); err != nil {
					return err
				}
			}
			s = sold{o: o, lots: sh.Lots}
			return nil
		})
		switch {
		case r.Kind == order.Agency:
			s.buyer = graphstore.Holder{Kind: graphstore.Agency, ID: r.BuyerAgency + "-WH"}
		case r.Kind == order.Shop:
			s.buyer = graphstore.Holder{Kind: graphstore.Customer, ID: s.o.No}
		default:
			s.buyer = graphstore.Holder{Kind: graphstore.MemberHolder, ID: r.Member}
		}
		if s.buyer.Kind != graphstore.Agency {
			if bought[s.buyer] == nil {
				bought[s.buyer] = map[string]int64{}
			}
			for _, l := range s.lots {
				bought[s.buyer][fmt.Sprint(l.LotID)] += l.Qty
			}
		}
		sales = append(sales, s)
	}
	line := func(qty int64) []order.LineRequest {
		sku := []string{"VC-100", "TEA-200"}[rng.IntN(2)]
		return []order.LineRequest{{SKU: sku, Qty: qty}}
	}
	sell(order.Request{Kind: order.Agency, BuyerAgency: "AG1", Lines: []order.LineRequest{{SKU: "VC-100", Qty: 30}, {SKU: "TEA-200", Qty: 40}}})
	sell(order.Request{Kind: order.Agency, BuyerAgency: "AG2", Lines: []order.LineRequest{{SKU: "VC-100", Qty: 20}, {SKU: "TEA-200", Qty: 30}}})
	for range 14 {
		qty := 1 + rng.Int64N(3)
		switch rng.IntN(3) {
		case 0:
			sell(order.Request{Kind: order.Repeat, Member: fmt.Sprintf("M%03d", 1+rng.IntN(3)), Lines: line(qty)})
		case 1:
			sell(order.Request{Kind: order.Repeat, Member: fmt.Sprintf("M%03d", 1+rng.IntN(3)), Seller: []string{"AG1", "AG2"}[rng.IntN(2)], Lines: line(qty)})
		default:
			sell(order.Request{Kind: order.Shop, Customer: &order.Customer{Name: "Walk In"}, Lines: line(qty)})
		}
	}
	// Returns: a unit of some sales back on the shelf or written off, and
	// part of an agency's order back to HQ.
	for k, s := range sales {
		if k%3 != 0 || len(s.lots) == 0 {
			continue
		}
		l := s.lots[0]
		qty := min(l.Qty, 1+int64(k%2))
		do(func(ctx context.Context, tx pgx.Tx) error {
			_, err := order.CreateReturn(ctx, tx, order.ReturnRequest{Key: key("return"), Order: s.o.No, By: "test",
				Lines: []order.ReturnLine{{Line: l.Line, Batch: l.Batch, Qty: qty, WriteOff: k%2 == 1 && s.buyer.Kind != graphstore.Agency}}})
			return err
		})
		if b := bought[s.buyer]; b != nil {
			b[fmt.Sprint(l.LotID)] -= qty
		}
	}
	goodstest.Lot(t, db, "TEA-200", "T2", 300, 80) // a receipt after the sales

	store := memory.New()
	f := &projection.Feed{DB: db, Store: store, Batch: 7}
	if _, err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}

	// What every warehouse holds of every lot, by the ledger's stock moves.
	rows, err := db.Pool.Query(ctx, `SELECT w.code, w.agency_id IS NOT NULL, m.lot_id::text, p.sku, l.batch, sum(m.on_hand_delta)
		FROM stock_moves m JOIN warehouses w ON w.id = m.warehouse_id JOIN lots l ON l.id = m.lot_id JOIN products p ON p.id = l.product_id
		GROUP BY 1, 2, 3, 4, 5`)
	if err != nil {
		t.Fatal(err)
	}
	type lotKey struct{ id, sku, batch string }
	want := map[lotKey]map[graphstore.Holder]int64{}
	for rows.Next() {
		var code, lot, sku, batch string
		var agency bool
		var onHand int64
		if err := rows.Scan(&code, &agency, &lot, &sku, &batch, &onHand); err != nil {
			t.Fatal(err)
		}
		k := lotKey{lot, sku, batch}
		if want[k] == nil {
			want[k] = map[graphstore.Holder]int64{}
		}
		h := graphstore.Holder{Kind: graphstore.Warehouse, ID: code}
		if agency {
			h.Kind = graphstore.Agency
		}
		want[k][h] = onHand
	}
	if rows.Err() != nil {
		t.Fatal(rows.Err())
	}
	if len(want) != 4 {
		t.Fatalf("stock moves name %d lots, want 4", len(want))
	}
	for buyer, lots := range bought {
		for lot, qty := range lots {
			for k := range want {
				if k.id == lot {
					want[k][buyer] = qty
				}
			}
		}
	}
	checked := 0
	for k, holders := range want {
		lot, err := store.FindLot(ctx, k.sku, k.batch)
		if err != nil || lot.ID != k.id {
			t.Fatalf("FindLot(%s, %s) = %+v, %v; want lot %s", k.sku, k.batch, lot, err, k.id)
		}
		flows, err := store.LotHolders(ctx, k.id)
		if err != nil {
			t.Fatal(err)
		}
		got := map[graphstore.Holder]int64{}
		for _, fl := range flows {
			if fl.Holder.Kind != graphstore.Supplier && fl.Holder.Kind != graphstore.WriteOff {
				got[fl.Holder] = fl.Holds()
			}
		}
		for h, n := range holders {
			if got[h] != n {
				t.Errorf("lot %s (%s %s): %s %s holds %d in the graph, %d by the ledger", k.id, k.sku, k.batch, h.Kind, h.ID, got[h], n)
			}
			checked++
		}
		for h, n := range got {
			if _, ok := holders[h]; !ok && n != 0 {
				t.Errorf("lot %s: %s %s holds %d in the graph, nothing by the ledger", k.id, h.Kind, h.ID, n)
			}
		}
	}
	if checked < 10 {
		t.Fatalf("only %d holdings compared", checked)
	}
}
