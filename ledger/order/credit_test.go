package order_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/order"
)

// stockAgency has agency AG1 buy qty VC-100 from HQ on its account and
// receive them.
func stockAgency(t *testing.T, db *ledger.DB, qty int64) {
	t.Helper()
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		po, err := order.Place(ctx, tx, order.Request{Key: "po", Kind: order.Agency, BuyerAgency: "AG1", By: "AG1",
			Lines: []order.LineRequest{{SKU: "VC-100", Qty: qty}}})
		if err != nil {
			return err
		}
		p, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: "po-pay", Order: po.No, Method: order.OnAccount, Amount: po.Total, By: "AG1"})
		if err != nil {
			return err
		}
		if _, err := order.ConfirmPayment(ctx, tx, order.Decision{Key: "po-conf", Payment: p.No, By: "finance"}); err != nil {
			return err
		}
		if _, err := order.Ship(ctx, tx, order.ShipRequest{Key: "po-ship", Order: po.No, Tracking: "SF-1", By: "wh"}); err != nil {
			return err
		}
		_, err = order.Deliver(ctx, tx, order.StatusChange{Key: "po-dl", Order: po.No, By: "AG1"})
		return err
	})
}

// An agency sells to a member on credit: the goods go out, the member owes
// the agency the total, the company's journal does not move; payments and
// allowances take the debt down, never below nothing, each once under its
// key; the book is append-only.
func TestSaleOnCredit(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	goodstest.Agency(t, db, "AG1")
	goodstest.Agency(t, db, "AG2")
	stockAgency(t, db, 10)
	// The last second of this month in the company's zone (the lots expire
	// a few hundred days from today): the entries carry the clock's time.
	zone, err := ledger.CompanyZone()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(zone)
	at := time.Date(now.Year(), now.Month()+1, 1, 0, 0, 0, 0, zone).Add(-time.Second)
	ctx := clock.With(context.Background(), clock.Fixed(at))
	journalLines := ledgertest.Count(t, db, `SELECT count(*) FROM journal_lines`)

	sale := order.CounterSale{Order: order.Request{Key: "cr1", Kind: order.Repeat, Member: "M001", Seller: "AG1", By: "AG1",
		Lines: []order.LineRequest{{SKU: "VC-100", Qty: 3}}}, Method: order.OnCredit}
	sold := must(run(db, func(_ context.Context, tx pgx.Tx) (order.PaidOrder, error) { return order.PlaceAndPay(ctx, tx, sale) }))
	if sold.Order.Status != order.Confirmed || sold.Payment != nil || sold.Order.Warehouse != "AG1-WH" {
		t.Fatalf("sale on credit: %+v", sold)
	}
	// Again under its key: the same sale, one debt.
	again := must(run(db, func(_ context.Context, tx pgx.Tx) (order.PaidOrder, error) { return order.PlaceAndPay(ctx, tx, sale) }))
	if again.Order.No != sold.Order.No {
		t.Fatalf("replay: %s, want %s", again.Order.No, sold.Order.No)
	}
	if n := ledgertest.Count(t, db, `SELECT count(*) FROM journal_lines`); n != journalLines {
		t.Fatalf("the company's journal grew from %d to %d lines for an agency's own sale", journalLines, n)
	}
	owes := func(member string) string {
		t.Helper()
		bs := must(order.CreditBalances(ctx, db.Pool, "AG1", true))
		for _, b := range bs {
			if b.Member == member {
				return b.Owes.StringFixed(2)
			}
		}
		return "none"
	}
	if got, want := owes("M001"), sold.Order.Total.StringFixed(2); got != want {
		t.Fatalf("M001 owes %s, want %s", got, want)
	}

	move := func(m order.CreditMove) (order.CreditEntry, error) {
		return run(db, func(_ context.Context, tx pgx.Tx) (order.CreditEntry, error) { return order.MoveCredit(ctx, tx, m) })
	}
	pay := order.CreditMove{Key: "p1", Kind: order.CreditPayment, Agency: "AG1", Member: "M001", Amount: goodstest.D("100"), Reference: "R-1", By: "AG1"}
	e := must(move(pay))
	if !e.At.Equal(at) || !e.Owes.Equal(goodstest.D("-100")) || e.Debit != "cash" || e.Credit != "receivable" {
		t.Fatalf("payment entry %+v", e)
	}
	if e2 := must(move(pay)); e2.ID != e.ID {
		t.Fatalf("a retried payment booked entry %d after %d", e2.ID, e.ID)
	}
	left := sold.Order.Total.Sub(goodstest.D("100"))
	if got := owes("M001"); got != left.StringFixed(2) {
		t.Fatalf("after paying 100 M001 owes %s, want %s", got, left.StringFixed(2))
	}

	refusals := []struct {
		name string
		m    order.CreditMove
		want string
	}{
		{"more than owed", order.CreditMove{Key: "p2", Kind: order.CreditPayment, Agency: "AG1", Member: "M001", Amount: left.Add(goodstest.D("0.01")), By: "AG1"}, "owes agency AG1 " + left.StringFixed(2)},
		{"nothing owed", order.CreditMove{Key: "p3", Kind: order.CreditPayment, Agency: "AG2", Member: "M001", Amount: goodstest.D("1"), By: "AG2"}, "owes agency AG2 0.00"},
		{"an allowance without a reason", order.CreditMove{Key: "a1", Kind: order.CreditAllowance, Agency: "AG1", Member: "M001", Amount: goodstest.D("1"), By: "AG1"}, "needs a reason"},
		{"cents below one", order.CreditMove{Key: "p4", Kind: order.CreditPayment, Agency: "AG1", Member: "M001", Amount: goodstest.D("0.005"), By: "AG1"}, "at most two decimals"},
		{"a negative payment", order.CreditMove{Key: "p5", Kind: order.CreditPayment, Agency: "AG1", Member: "M001", Amount: goodstest.D("-5"), By: "AG1"}, "must be positive"},
	}
	for _, r := range refusals {
		if _, err := move(r.m); !errors.Is(err, ledger.ErrInvalid) || !strings.Contains(err.Error(), r.want) {
			t.Errorf("%s: %v, want ErrInvalid with %q", r.name, err, r.want)
		}
	}
	if _, err := move(order.CreditMove{Key: "p6", Kind: order.CreditPayment, Agency: "AG9", Member: "M001", Amount: goodstest.D("1"), By: "x"}); !errors.Is(err, ledger.ErrNotFound) {
		t.Errorf("an unknown agency: %v", err)
	}
	must(move(order.CreditMove{Key: "a2", Kind: order.CreditAllowance, Agency: "AG1", Member: "M001", Amount: left, Reference: "one box came back damaged", By: "AG1"}))
	if got := owes("M001"); got != "0.00" {
		t.Fatalf("after the allowance M001 owes %s", got)
	}
	if bs := must(order.CreditBalances(ctx, db.Pool, "AG1", false)); len(bs) != 0 {
		t.Fatalf("members owing after settling: %+v", bs)
	}
	es := must(order.CreditEntries(ctx, db.Pool, "AG1", "M001"))
	if len(es) != 3 || es[2].Kind != order.CreditSale || es[2].Order != sold.Order.No || es[0].Kind != order.CreditAllowance {
		t.Fatalf("M001's account at AG1: %+v", es)
	}

	// HQ does not sell on credit, and a customer cannot buy on it.
	hq := sale
	hq.Order = order.Request{Key: "cr2", Kind: order.Repeat, Member: "M002", By: "fin", Lines: sale.Order.Lines}
	if _, err := run(db, func(_ context.Context, tx pgx.Tx) (order.PaidOrder, error) { return order.PlaceAndPay(ctx, tx, hq) }); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("HQ selling on credit: %v", err)
	}
	if n := ledgertest.Count(t, db, `SELECT count(*) FROM orders WHERE member_id = (SELECT id FROM members WHERE code = 'M002')`); n != 0 {
		t.Errorf("a refused sale on credit left %d orders", n)
	}
	// The book is append-only.
	if _, err := db.Pool.Exec(ctx, `UPDATE agency_credit_entries SET amount = 1`); err == nil {
		t.Error("an entry of the book was changed")
	}
	if _, err := db.Pool.Exec(ctx, `DELETE FROM agency_credit_entries`); err == nil {
		t.Error("an entry of the book was deleted")
	}
}
