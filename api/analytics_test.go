package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"downline/analytics"
	"downline/ledger/goodstest"
	"downline/ledger/order"
)

// The trace of a lot follows it from HQ to an agency and on to a member,
// with a return written off, answered for admins and analysts from the
// graph store caught up at the call; nobody else may ask.
func TestLotTrace(t *testing.T) {
	w := newWorld(t)
	ship := func(no string) {
		goodstest.Tx(t, w.db, func(ctx context.Context, tx pgx.Tx) error {
			o, err := order.Get(ctx, tx, no)
			if err != nil {
				return err
			}
			pays, err := order.Payments(ctx, tx, no)
			if err != nil {
				return err
			}
			for _, p := range pays {
				if _, err := order.ConfirmPayment(ctx, tx, order.Decision{Key: "c-" + p.No, Payment: p.No, By: "test"}); err != nil {
					return err
				}
			}
			_, err = order.Ship(ctx, tx, order.ShipRequest{Key: "s-" + no, Order: o.No, Tracking: "SF1", By: "test"})
			if err != nil || o.Kind != order.Agency {
				return err
			}
			_, err = order.Deliver(ctx, tx, order.StatusChange{Key: "d-" + no, Order: no, By: "test"})
			return err
		})
	}
	ship(w.orders["AG1"]) // 10 TEA-200 T1 to AG1
	var sale order.Order
	goodstest.Tx(t, w.db, func(ctx context.Context, tx pgx.Tx) (err error) {
		sale, err = order.Place(ctx, tx, order.Request{Key: "ag1-sale", Kind: order.Repeat, Member: "AAA1", Seller: "AG1",
			Lines: []order.LineRequest{{SKU: "TEA-200", Qty: 3}}, By: "test"})
		if err != nil {
			return err
		}
		_, err = order.RecordPayment(ctx, tx, order.PaymentRequest{Key: "ag1-sale-pay", Order: sale.No, Method: order.BankTransfer, Amount: sale.Total, By: "test"})
		return err
	})
	ship(sale.No)
	goodstest.Tx(t, w.db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := order.CreateReturn(ctx, tx, order.ReturnRequest{Key: "ag1-ret", Order: sale.No, By: "test",
			Lines: []order.ReturnLine{{Line: 1, Batch: "T1", Qty: 1, WriteOff: true}}})
		return err
	})

	for _, login := range []string{"admin", "analyst"} {
		res := w.call("GET", "/api/v1/analytics/lots/TEA-200/T1/trace", w.token(login), nil)
		if res.status != 200 {
			t.Fatalf("trace as %s: %d %s", login, res.status, res.body)
		}
		var tr analytics.Trace
		if err := json.Unmarshal(res.body, &tr); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, h := range append(tr.Holders, tr.Recall...) {
			got = append(got, fmt.Sprintf("%s:%s %q in %d out %d holds %d", h.Kind, h.ID, h.Name, h.Received, h.SentOn, h.Holds))
		}
		want := []string{
			`warehouse:HQ-SH "" in 500 out 10 holds 490`,
			`agency:AG1-WH "" in 10 out 3 holds 7`,
			`member:AAA1 "Ann" in 3 out 1 holds 2`,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("trace as %s: holders\n%s\nwant\n%s", login, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		if tr.Produced != 500 || tr.WrittenOff != 1 || tr.InCirculation != 499 || tr.Movements != 4 || tr.Lot == "" {
			t.Errorf("trace as %s: produced %d written off %d in circulation %d movements %d lot %q",
				login, tr.Produced, tr.WrittenOff, tr.InCirculation, tr.Movements, tr.Lot)
		}
		if len(tr.Recall) != 1 || tr.Recall[0].ID != "AAA1" || tr.Recall[0].First.IsZero() {
			t.Errorf("trace as %s: recall list %+v", login, tr.Recall)
		}
	}
	// The flows, when asked for: who sent how much to whom.
	res := w.call("GET", "/api/v1/analytics/lots/TEA-200/T1/trace?flows=0", w.token("analyst"), nil)
	var tr analytics.Trace
	if err := json.Unmarshal(res.body, &tr); err != nil || res.status != 200 {
		t.Fatalf("trace with flows: %d %s", res.status, res.body)
	}
	var flows []string
	for _, f := range tr.Flows {
		flows = append(flows, fmt.Sprintf("%s:%s>%s:%s %d", f.From.Kind, f.From.ID, f.To.Kind, f.To.ID, f.Qty))
	}
	if got, want := strings.Join(flows, ", "), "supplier:supplier>warehouse:HQ-SH 500, warehouse:HQ-SH>agency:AG1-WH 10, agency:AG1-WH>member:AAA1 3, member:AAA1>writeoff:writeoff 1"; got != want {
		t.Errorf("flows: %s\nwant %s", got, want)
	}
	if res := w.call("GET", "/api/v1/analytics/lots/TEA-200/T1/trace", w.token("analyst"), nil); strings.Contains(string(res.body), `"flows"`) {
		t.Errorf("a trace without flows= carries them: %s", res.body)
	}
	if res := w.call("GET", "/api/v1/analytics/lots/TEA-200/T1/trace?flows=x", w.token("analyst"), nil); res.status != 422 {
		t.Errorf("flows=x: %d %s", res.status, res.body)
	}
	for _, c := range []struct {
		login, path string
		want        int
	}{
		{"analyst", "/api/v1/analytics/lots/TEA-200/NOPE/trace", 404},
		{"analyst", "/api/v1/analytics/lots/NOPE/T1/trace", 404},
		{"AAA", "/api/v1/analytics/lots/TEA-200/T1/trace", 403},
		{"finance", "/api/v1/analytics/lots/TEA-200/T1/trace", 403},
		{"agency1", "/api/v1/analytics/lots/TEA-200/T1/trace", 403},
		{"analyst", "/api/v1/members/AAA1", 403}, // analytics only
	} {
		if res := w.call("GET", c.path, w.token(c.login), nil); res.status != c.want {
			t.Errorf("GET %s as %s: %d, want %d: %s", c.path, c.login, res.status, c.want, res.body)
		}
	}
}
