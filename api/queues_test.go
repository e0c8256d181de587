package api_test

import (
	"encoding/json"
	"strings"
	"testing"
)

type paymentPage struct {
	Items []struct {
		No, Order, Member, MemberName, Buyer, Method, Amount, Status, OrderTotal string
	} `json:"items"`
	Next string `json:"next"`
}

type bulkAnswer struct {
	Results []struct {
		Payment string
		OK      bool
		Status  int
		Detail  string
		Result  *struct{ Status, Reason string }
	}
	Decided, Refused int
}

func decode[T any](t *testing.T, r resp) T {
	t.Helper()
	var v T
	// The API writes snake_case; the fields here are matched case-insensitively,
	// so member_name is read through a replacement.
	body := strings.NewReplacer(`"member_name"`, `"membername"`, `"order_total"`, `"ordertotal"`).Replace(string(r.body))
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("%d %s: %v", r.status, r.body, err)
	}
	return v
}

func TestPaymentQueueAndBulkDecisions(t *testing.T) {
	w := newWorld(t)
	fin := w.token("finance")
	// Recorded in the fixture, in this order: AAA1, BBB1, AG1, AG2.
	first := w.call("GET", "/api/v1/payments?limit=2", fin, nil)
	if first.status != 200 {
		t.Fatalf("queue: %d %s", first.status, first.body)
	}
	p1 := decode[paymentPage](t, first)
	if len(p1.Items) != 2 || p1.Items[0].No != w.pay["AAA1"] || p1.Items[1].No != w.pay["BBB1"] || p1.Next == "" {
		t.Fatalf("first page: %s", first.body)
	}
	if it := p1.Items[0]; it.Member != "AAA1" || it.MemberName == "" || it.Amount != "100.00" || it.OrderTotal != "100.00" ||
		it.Method != "bank_transfer" || it.Status != "recorded" || it.Order != w.orders["AAA1"] {
		t.Fatalf("queued payment: %+v", it)
	}
	p2 := decode[paymentPage](t, w.call("GET", "/api/v1/payments?limit=2&cursor="+p1.Next, fin, nil))
	if len(p2.Items) != 2 || p2.Items[0].No != w.pay["AG1"] || p2.Items[1].No != w.pay["AG2"] || p2.Items[0].Buyer != "AG1" {
		t.Fatalf("second page: %+v", p2)
	}
	if r := w.call("GET", "/api/v1/payments?status=lost", fin, nil); r.status != 400 {
		t.Fatalf("bad status: %d %s", r.status, r.body)
	}

	confirm := map[string]any{"payments": []string{w.pay["AAA1"], w.pay["BBB1"], "PAY000000000"}}
	if r := w.call("POST", "/api/v1/payments/confirm", fin, confirm); r.status != 400 {
		t.Fatalf("without a key: %d %s", r.status, r.body)
	}
	r := w.call("POST", "/api/v1/payments/confirm", fin, confirm, "Idempotency-Key", "bulk-1")
	if r.status != 200 {
		t.Fatalf("bulk confirm: %d %s", r.status, r.body)
	}
	a := decode[bulkAnswer](t, r)
	if a.Decided != 2 || a.Refused != 1 || !a.Results[0].OK || a.Results[0].Result.Status != "confirmed" ||
		a.Results[2].OK || a.Results[2].Status != 404 || !strings.Contains(a.Results[2].Detail, "PAY000000000") {
		t.Fatalf("bulk confirm: %s", r.body)
	}
	// The retry answers the same; confirming one of them again is a conflict.
	if again := w.call("POST", "/api/v1/payments/confirm", fin, confirm, "Idempotency-Key", "bulk-1"); string(again.body) != string(r.body) {
		t.Fatalf("retry: %s, first: %s", again.body, r.body)
	}
	b := decode[bulkAnswer](t, w.call("POST", "/api/v1/payments/confirm", fin, map[string]any{"payments": []string{w.pay["AAA1"]}}, "Idempotency-Key", "bulk-2"))
	if b.Results[0].OK || b.Results[0].Status != 409 {
		t.Fatalf("confirming twice: %+v", b)
	}
	if r := w.call("POST", "/api/v1/payments/reject", fin, map[string]any{"payments": []string{w.pay["AG2"]}, "reason": " "},
		"Idempotency-Key", "rej-0"); r.status != 422 || !strings.Contains(string(r.body), "reason") {
		t.Fatalf("reject without reason: %d %s", r.status, r.body)
	}
	rej := decode[bulkAnswer](t, w.call("POST", "/api/v1/payments/reject", fin, map[string]any{"payments": []string{w.pay["AG2"]}, "reason": "not on the statement"},
		"Idempotency-Key", "rej-1"))
	if !rej.Results[0].OK || rej.Results[0].Result.Reason != "not on the statement" || rej.Results[0].Result.Status != "rejected" {
		t.Fatalf("reject: %+v", rej)
	}
	left := decode[paymentPage](t, w.call("GET", "/api/v1/payments", fin, nil))
	if len(left.Items) != 1 || left.Items[0].No != w.pay["AG1"] {
		t.Fatalf("queue after the decisions: %+v", left)
	}
	done := decode[paymentPage](t, w.call("GET", "/api/v1/payments?status=confirmed", fin, nil))
	if len(done.Items) != 2 || done.Items[0].No != w.pay["BBB1"] {
		t.Fatalf("confirmed, newest first: %+v", done)
	}

	csv := w.call("GET", "/api/v1/payments.csv", fin, nil)
	lines := strings.Split(strings.TrimSpace(string(csv.body)), "\n")
	if csv.status != 200 || !strings.HasPrefix(csv.header.Get("Content-Type"), "text/csv") || len(lines) != 2 ||
		!strings.HasPrefix(lines[0], "payment,order,member") || !strings.HasPrefix(lines[1], w.pay["AG1"]+","+w.orders["AG1"]+",,,AG1,account,") {
		t.Fatalf("csv: %d %q", csv.status, csv.body)
	}

	// What a member typed reaches the spreadsheet as text, not a formula.
	if r := w.call("POST", "/api/v1/orders/"+w.orders["AAA"]+"/payments", w.token("AAA"),
		map[string]any{"method": "online", "amount": "100.00", "reference": "=HYPERLINK(1)"}, "Idempotency-Key", "formula"); r.status != 201 {
		t.Fatalf("member pays: %d %s", r.status, r.body)
	}
	if csv := w.call("GET", "/api/v1/payments.csv", fin, nil); !strings.Contains(string(csv.body), ",'=HYPERLINK(1),") {
		t.Fatalf("the reference is not escaped: %s", csv.body)
	}

	times := w.call("GET", "/api/v1/payments/confirmation-times", fin, nil)
	var tv struct {
		TimeZone string `json:"time_zone"`
		Days     []struct {
			Date      string `json:"date"`
			Confirmed int    `json:"confirmed"`
			Median    *int64 `json:"median"`
		} `json:"days"`
	}
	if err := json.Unmarshal(times.body, &tv); err != nil || len(tv.Days) != 14 || tv.TimeZone == "" {
		t.Fatalf("times: %d %s", times.status, times.body)
	}
	if today := tv.Days[13]; today.Confirmed != 2 || today.Median == nil {
		t.Fatalf("today: %+v", today)
	}
	if r := w.call("GET", "/api/v1/payments/confirmation-times?days=0", fin, nil); r.status != 400 {
		t.Fatalf("days=0: %d", r.status)
	}
}

func TestShipQueueShowsConfirmedOrders(t *testing.T) {
	w := newWorld(t)
	wh, fin := w.token("warehouse"), w.token("finance")
	type shipPage struct {
		Items []struct {
			No    string `json:"no"`
			Lines []struct {
				SKU string `json:"sku"`
				Qty int64  `json:"qty"`
			} `json:"lines"`
			Lots []struct {
				Batch     string `json:"batch"`
				ExpiresOn string `json:"expires_on"`
				Qty       int64  `json:"qty"`
			} `json:"lots"`
		} `json:"items"`
	}
	read := func() shipPage {
		r := w.call("GET", "/api/v1/ship-queue", wh, nil)
		var p shipPage
		if err := json.Unmarshal(r.body, &p); err != nil || r.status != 200 {
			t.Fatalf("ship queue: %d %s", r.status, r.body)
		}
		return p
	}
	for _, it := range read().Items {
		if it.No == w.orders["AAA1"] {
			t.Fatalf("%s is in the ship queue before its payment is confirmed", it.No)
		}
	}
	if r := w.call("POST", "/api/v1/payments/confirm", fin, map[string]any{"payments": []string{w.pay["AAA1"]}}, "Idempotency-Key", "ship-c"); r.status != 200 {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	var found bool
	for _, it := range read().Items {
		if it.No == w.orders["AAA1"] {
			found = true
			if len(it.Lines) != 1 || it.Lines[0].SKU != "VC-100" || len(it.Lots) == 0 || it.Lots[0].Batch == "" || it.Lots[0].ExpiresOn == "" {
				t.Fatalf("order to ship: %+v", it)
			}
		}
	}
	if !found {
		t.Fatalf("%s is not in the ship queue after its payment was confirmed", w.orders["AAA1"])
	}
	if r := w.call("GET", "/api/v1/ship-queue?cursor=x", wh, nil); r.status != 400 {
		t.Fatalf("bad cursor: %d", r.status)
	}
}
