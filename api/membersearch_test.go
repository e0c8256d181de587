package api_test

import (
	"bytes"
	"net/url"
	"testing"

	"downline/api"
)

func TestMemberSearchByCodeNameAndPhone(t *testing.T) {
	w := newWorld(t)
	fin := w.token("finance")
	codes := func(q, cursor string, limit string) (out []string, next string) {
		t.Helper()
		r := w.call("GET", "/api/v1/members?q="+url.QueryEscape(q)+"&limit="+limit+"&cursor="+cursor, fin, nil)
		if r.status != 200 {
			t.Fatalf("search %q: %d %s", q, r.status, r.body)
		}
		p := decode[api.MemberPage](t, r)
		for _, m := range p.Items {
			out = append(out, m.Code)
		}
		return out, p.Next
	}
	for _, c := range []struct{ q, want string }{
		{"aaa", "AAA AAA1"},            // a code's start, any case
		{"BBB1", "BBB1"},               // a whole code
		{"li", "AAA"},                  // part of a name: Alice
		{"ANN", "AAA1"},                // a name in any case
		{"+8613800000003", "BBB"},      // E.164
		{"138 0000 0005", "BBB1"},      // national, with spaces
		{"0086-138-0000-0004", "AAA1"}, // 00 for +, dashes
		{"(138) 0000-0001", "ROOT1"},   // brackets
		{"zz", ""},
	} {
		got, _ := codes(c.q, "", "50")
		if s := join(got); s != c.want {
			t.Errorf("search %q = %q, want %q", c.q, s, c.want)
		}
	}
	// Paged by three, the pages add up to the whole answer, in order.
	all, _ := codes("+86138", "", "200")
	var paged []string
	for cursor, pages := "", 0; ; pages++ {
		page, next := codes("+86138", cursor, "3")
		if len(page) > 3 || pages > len(all) {
			t.Fatalf("page %d: %v", pages, page)
		}
		paged = append(paged, page...)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(all) < 5 || join(paged) != join(all) {
		t.Fatalf("paged %v, whole %v", paged, all)
	}
	if r := w.call("GET", "/api/v1/members?q=", fin, nil); r.status != 422 {
		t.Fatalf("empty q: %d %s", r.status, r.body)
	}
	if r := w.call("GET", "/api/v1/members?q=a&cursor=x", fin, nil); r.status != 400 {
		t.Fatalf("bad cursor: %d %s", r.status, r.body)
	}
	if r := w.call("GET", "/api/v1/members?q=a", w.token("AAA"), nil); r.status != 403 {
		t.Fatalf("a member searching the company: %d %s", r.status, r.body)
	}
}

func join(ss []string) string {
	out := ""
	for i, s := range ss {
		if i > 0 {
			out += " "
		}
		out += s
	}
	return out
}

func TestMovePreviewChangesNothing(t *testing.T) {
	w := newWorld(t)
	adm := w.token("admin")
	r := w.call("GET", "/api/v1/members/AAA/move-preview?tree=sponsor&to=BBB1", adm, nil)
	if r.status != 200 {
		t.Fatalf("preview: %d %s", r.status, r.body)
	}
	p := decode[api.MovePreviewView](t, r)
	if p.Subtree != 2 || p.FromParent != "ROOT1" || p.Member.Sponsor != "BBB1" || len(p.Upline) != 3 ||
		p.Upline[0].Code != "BBB1" || p.Upline[1].Code != "BBB" || p.Upline[2].Code != "ROOT1" || p.Upline[0].Name != "Ben" {
		t.Fatalf("preview: %s", r.body)
	}
	if m := decode[api.MemberView](t, w.call("GET", "/api/v1/members/AAA", adm, nil)); m.Sponsor != "ROOT1" {
		t.Fatalf("the preview moved the member: %+v", m)
	}
	if r := w.call("GET", "/api/v1/members/AAA/moves", adm, nil); r.status != 200 || string(r.body) != "[]" && string(r.body) != "null" {
		t.Fatalf("the preview recorded a move: %d %s", r.status, r.body)
	}
	// The checks of a move: a cycle, a taken slot, a side missing, an unknown target.
	for q, want := range map[string]int{
		"tree=sponsor&to=AAA1":           422,
		"tree=placement&to=ROOT1&side=L": 409,
		"tree=placement&to=BBB1":         422,
		"tree=sponsor&to=NOPE":           422,
		"tree=up&to=BBB":                 422,
	} {
		if r := w.call("GET", "/api/v1/members/AAA/move-preview?"+q, adm, nil); r.status != want {
			t.Errorf("preview %s: %d %s, want %d", q, r.status, r.body, want)
		}
	}
	// Placement: AAA with its placement subtree under BBB1's free right slot.
	pl := decode[api.MovePreviewView](t, w.call("GET", "/api/v1/members/AAA/move-preview?tree=placement&to=BBB1&side=R", adm, nil))
	if pl.Member.Placement != "BBB1" || pl.Member.Side != "R" || pl.Subtree < 1 || pl.Upline[0].Code != "BBB1" {
		t.Fatalf("placement preview: %+v", pl)
	}
	if r := w.call("GET", "/api/v1/members/AAA/move-preview?tree=sponsor&to=BBB1", w.token("finance"), nil); r.status != 403 {
		t.Fatalf("finance previewing a move: %d", r.status)
	}
}

func TestReceiveANewLotClearsItsWarning(t *testing.T) {
	w := newWorld(t)
	wh := w.token("warehouse")
	// Ten more than VC-100 has available in HQ-SH: a warning.
	var avail int64
	for _, b := range decode[api.StockPage](t, w.call("GET", "/api/v1/warehouses/HQ-SH/stock", wh, nil)).Items {
		if b.SKU == "VC-100" {
			avail += b.Available
		}
	}
	th := map[string]any{"sku": "VC-100", "min_available": avail + 10}
	if r := w.call("POST", "/api/v1/warehouses/HQ-SH/thresholds", wh, th); r.status != 200 {
		t.Fatalf("threshold: %d %s", r.status, r.body)
	}
	low := func() bool {
		for _, l := range decode[[]struct{ Warehouse, SKU string }](t, w.call("GET", "/api/v1/stock/warnings", wh, nil)) {
			if l.Warehouse == "HQ-SH" && l.SKU == "VC-100" {
				return true
			}
		}
		return false
	}
	if !low() {
		t.Fatal("no warning below the threshold")
	}
	lot := map[string]any{"sku": "VC-100", "batch": "NEW-1", "qty": 10, "produced_on": "2026-01-05", "expires_on": "2027-01-05"}
	if r := w.call("POST", "/api/v1/warehouses/HQ-SH/receipts", wh, lot); r.status != 400 {
		t.Fatalf("without a key: %d %s", r.status, r.body)
	}
	first := w.call("POST", "/api/v1/warehouses/HQ-SH/receipts", wh, lot, "Idempotency-Key", "recv-new-1")
	if first.status != 201 || !bytes.Contains(first.body, []byte(`"on_hand":10`)) {
		t.Fatalf("receipt: %d %s", first.status, first.body)
	}
	again := w.call("POST", "/api/v1/warehouses/HQ-SH/receipts", wh, lot, "Idempotency-Key", "recv-new-1")
	if again.status != 201 || string(again.body) != string(first.body) {
		t.Fatalf("retry: %d %s, first %s", again.status, again.body, first.body)
	}
	if low() {
		t.Fatal("the warning stays after the receipt")
	}
	var onHand int64
	for _, b := range decode[api.StockPage](t, w.call("GET", "/api/v1/warehouses/HQ-SH/stock", wh, nil)).Items {
		if b.Batch == "NEW-1" {
			onHand = b.OnHand
			if b.ExpiresOn == nil || b.ExpiresOn.Format("2006-01-02") != "2027-01-05" {
				t.Fatalf("lot's expiry: %+v", b)
			}
		}
	}
	if onHand != 10 {
		t.Fatalf("on hand after a retried receipt: %d", onHand)
	}
	other := map[string]any{"sku": "VC-100", "batch": "NEW-1", "qty": 5, "produced_on": "2026-01-05", "expires_on": "2028-01-05"}
	if r := w.call("POST", "/api/v1/warehouses/HQ-SH/receipts", wh, other, "Idempotency-Key", "recv-new-2"); r.status != 409 {
		t.Fatalf("same batch, other dates: %d %s", r.status, r.body)
	}
	bad := map[string]any{"sku": "VC-100", "batch": "NEW-3", "qty": 5, "produced_on": "2026-01-05", "expires_on": "5 Jan"}
	if r := w.call("POST", "/api/v1/warehouses/HQ-SH/receipts", wh, bad, "Idempotency-Key", "recv-new-3"); r.status != 422 ||
		!bytes.Contains(r.body, []byte("expires_on")) {
		t.Fatalf("bad expiry: %d %s", r.status, r.body)
	}
	// A lot that does not expire.
	tea := map[string]any{"sku": "TEA-200", "batch": "T-NEW", "qty": 40, "produced_on": "2026-01-05"}
	for range 2 {
		if r := w.call("POST", "/api/v1/warehouses/HQ-SH/receipts", wh, tea, "Idempotency-Key", "recv-tea"); r.status != 201 ||
			!bytes.Contains(r.body, []byte(`"on_hand":40`)) {
			t.Fatalf("a lot without expiry: %d %s", r.status, r.body)
		}
	}
}
