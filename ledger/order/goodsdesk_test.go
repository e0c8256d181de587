package order_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/catalog"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/order"
	"downline/ledger/stock"
)

func edit(db *ledger.DB, e catalog.Edit) (catalog.Product, error) {
	return run(db, func(ctx context.Context, tx pgx.Tx) (catalog.Product, error) { return catalog.Update(ctx, tx, e) })
}

// A price edit is a new revision: the order placed before keeps its line
// price and volumes, the next order takes the new ones, and the old
// version stays in the history.
func TestProductEditKeepsOrdersAndHistory(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	ctx := context.Background()
	before := paidOrder(t, db, "before", order.LineRequest{SKU: "VC-100", Qty: 1})
	p := must(catalog.Get(ctx, db.Pool, "VC-100"))
	if p.Revision != 1 {
		t.Fatalf("a new product is at revision %d, want 1", p.Revision)
	}
	e := catalog.Edit{SKU: "VC-100", Revision: 1, NameZH: p.NameZH, NameEN: p.NameEN, Images: []string{"/media/42", ""},
		RetailPrice: p.RetailPrice, MemberPrice: d("90.00"), AgencyPrice: p.AgencyPrice, UnitCost: p.UnitCost, PV: d("45"), BV: d("45"), By: "admin"}
	got := must(edit(db, e))
	if got.Revision != 2 || !got.MemberPrice.Equal(d("90")) || got.UpdatedBy != "admin" || len(got.Images) != 1 {
		t.Fatalf("edited: revision %d price %s by %q images %v", got.Revision, got.MemberPrice, got.UpdatedBy, got.Images)
	}
	if again := must(edit(db, e)); again.Revision != 2 {
		t.Errorf("the same edit again made revision %d, want it answered as is (2)", again.Revision)
	}
	stale := e
	stale.MemberPrice = d("80.00")
	if _, err := edit(db, stale); !errors.Is(err, ledger.ErrConflict) || !strings.Contains(err.Error(), "revision 2") {
		t.Errorf("an edit of revision 1 after revision 2: %v, want a conflict naming revision 2", err)
	}
	old := must(order.Get(ctx, db.Pool, before.No))
	if !old.Lines[0].UnitPrice.Equal(d("100")) || !old.PV.Equal(d("50")) {
		t.Errorf("the earlier order now has price %s PV %s, want its own 100 and 50", old.Lines[0].UnitPrice, old.PV)
	}
	after := paidOrder(t, db, "after", order.LineRequest{SKU: "VC-100", Qty: 1})
	if !after.Lines[0].UnitPrice.Equal(d("90")) || !after.PV.Equal(d("45")) {
		t.Errorf("an order after the edit has price %s PV %s, want 90 and 45", after.Lines[0].UnitPrice, after.PV)
	}
	revs := must(catalog.Revisions(ctx, db.Pool, "VC-100"))
	if len(revs) != 2 || revs[0].Revision != 2 || revs[1].Revision != 1 || !revs[1].MemberPrice.Equal(d("100")) ||
		revs[1].ReplacedBy != "admin" || revs[1].ReplacedAt == nil || revs[0].ReplacedAt != nil {
		t.Errorf("revisions %+v: want 2 (in force) then 1 at 100.00 replaced by admin", revs)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE product_revisions SET member_price = 1`); err == nil {
		t.Error("a revision was rewritten in place")
	}

	for _, c := range []struct {
		field string
		bad   func(*catalog.Edit)
	}{
		{"name_zh", func(e *catalog.Edit) { e.NameZH = "  " }},
		{"name_en", func(e *catalog.Edit) { e.NameEN = "" }},
		{"retail_price", func(e *catalog.Edit) { e.RetailPrice = d("-1") }},
		{"member_price", func(e *catalog.Edit) { e.MemberPrice = d("1000") }},
		{"pv", func(e *catalog.Edit) { e.PV = d("1.005") }},
		{"images", func(e *catalog.Edit) { e.Images = []string{"javascript:alert(1)"} }},
	} {
		x := e
		x.Revision = 2
		c.bad(&x)
		_, err := edit(db, x)
		var fe *catalog.FieldError
		if !errors.As(err, &fe) || fe.Field != c.field || !errors.Is(err, ledger.ErrInvalid) {
			t.Errorf("bad %s: %v, want a field error on it", c.field, err)
		}
	}
	if p := must(catalog.Get(ctx, db.Pool, "VC-100")); p.Revision != 2 {
		t.Errorf("refused edits moved the product to revision %d", p.Revision)
	}
}

// The warehouse may ship other lots than the reserved ones, but not an
// expired lot or one without the units; the stock leaves the lot picked.
func TestShipPickedLots(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	ctx := context.Background()
	goodstest.Lot(t, db, "VC-100", "OLD", -1, 10)
	goodstest.Lot(t, db, "VC-100", "FEW", 500, 1)
	o := paidOrder(t, db, "pick", order.LineRequest{SKU: "VC-100", Qty: 2})
	if o.Allocations[0].Batch != "B2" {
		t.Fatalf("reserved %+v, want B2 (the first unexpired to expire)", o.Allocations)
	}
	pickOf := func(batch string) order.ShipRequest {
		return order.ShipRequest{Key: "ship-" + batch, Order: o.No, Tracking: "SF1", By: "wh", Lots: []order.LotPick{{Line: 1, Batch: batch, Qty: 2}}}
	}
	if _, err := ship(db, pickOf("OLD")); !errors.Is(err, ledger.ErrInvalid) || !strings.Contains(err.Error(), "expired") {
		t.Errorf("shipping from an expired lot: %v, want refused as expired", err)
	}
	if _, err := ship(db, pickOf("FEW")); !errors.Is(err, ledger.ErrInsufficientStock) || !strings.Contains(err.Error(), "only 1 units available") {
		t.Errorf("shipping 2 from a lot of 1: %v, want insufficient stock", err)
	}
	s := must(ship(db, pickOf("B1")))
	if len(s.Lots) != 1 || s.Lots[0].Batch != "B1" {
		t.Fatalf("shipped %+v, want B1", s.Lots)
	}
	bal := map[string]stock.Balance{}
	for _, b := range must(stock.Balances(ctx, db.Pool, goodstest.HQ)) {
		bal[b.SKU+"/"+b.Batch] = b
	}
	if b1, b2 := bal["VC-100/B1"], bal["VC-100/B2"]; b1.OnHand != 98 || b1.Reserved != 0 || b2.OnHand != 100 || b2.Reserved != 0 {
		t.Errorf("after shipping B1: B1 %d on hand %d reserved, B2 %d/%d; want 98/0 and 100/0", b1.OnHand, b1.Reserved, b2.OnHand, b2.Reserved)
	}
}

// A shipped order's returns: what is left to return lot by lot, a restock
// and a write-off each taken once under its key, and the list of returns.
func TestReturnsListAndReturnable(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	ctx := context.Background()
	o := paidOrder(t, db, "r", order.LineRequest{SKU: "VC-100", Qty: 3})
	must(ship(db, order.ShipRequest{Key: "r-ship", Order: o.No, Tracking: "SF2", By: "wh"}))
	now := time.Now()
	r := must(order.ReturnableOf(ctx, db.Pool, o.No, now))
	if !r.Open || len(r.Lots) != 1 || r.Lots[0].Batch != "B2" || r.Lots[0].Left != 3 || r.Member != "M001" {
		t.Fatalf("returnable %+v, want 3 of B2 open", r)
	}
	restock := order.ReturnRequest{Key: "rt1", Order: o.No, By: "wh", Lines: []order.ReturnLine{{Line: 1, Batch: "B2", Qty: 2}}}
	first := must(ret(db, restock))
	if again := must(ret(db, restock)); again.No != first.No {
		t.Errorf("a retry under the same key took return %s, want %s again", again.No, first.No)
	}
	must(ret(db, order.ReturnRequest{Key: "rt2", Order: o.No, By: "wh", Lines: []order.ReturnLine{{Line: 1, Batch: "B2", Qty: 1, WriteOff: true}}}))
	if r := must(order.ReturnableOf(ctx, db.Pool, o.No, now)); r.Lots[0].Returned != 3 || r.Lots[0].Left != 0 {
		t.Errorf("after returning everything: %+v", r.Lots)
	}
	if n, _ := stock.Available(ctx, db.Pool, goodstest.HQ, "VC-100"); n != 199 {
		t.Errorf("VC-100 available %d, want 199 (200 less 3 shipped, 2 restocked)", n)
	}
	list := must(order.Returns(ctx, db.Pool, order.ReturnFilter{}))
	if len(list) != 2 || !list[0].Lines[0].WriteOff || list[1].Lines[0].WriteOff || list[1].No != first.No ||
		list[0].Buyer != "M001" || !list[1].Refund.Equal(d("200")) {
		t.Errorf("returns %+v: want the write-off then the restock of 200.00, newest first", list)
	}
	if later := must(order.ReturnableOf(ctx, db.Pool, o.No, now.AddDate(0, 0, 31))); later.Open {
		t.Errorf("the return window is open 31 days after shipping")
	}
	if l := must(order.Returns(ctx, db.Pool, order.ReturnFilter{Agency: "NOPE"})); len(l) != 0 {
		t.Errorf("an agency's returns list HQ's: %+v", l)
	}
}
