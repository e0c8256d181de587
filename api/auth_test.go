package api_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestLoginCookieCSRFLogoutThrottle(t *testing.T) {
	w := newWorld(t)
	res := w.call("POST", "/api/v1/auth/login", "", map[string]string{"login": "AAA", "password": password})
	if res.status != 200 {
		t.Fatalf("login: %d %s", res.status, res.body)
	}
	body := res.json(t)
	token, _ := body["token"].(string)
	csrf, _ := body["csrf_token"].(string)
	if token == "" || csrf == "" {
		t.Fatalf("login answered %s", res.body)
	}
	var session *http.Cookie
	for _, c := range (&http.Response{Header: res.header}).Cookies() {
		if c.Name == "downline_session" {
			session = c
		}
	}
	if session == nil || !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteLaxMode || session.Value != token {
		t.Fatalf("session cookie %+v", session)
	}

	// Bearer works.
	if r := w.call("GET", "/api/v1/members/AAA", token, nil); r.status != 200 {
		t.Errorf("bearer read: %d %s", r.status, r.body)
	}
	// The cookie works for reads; a cookie write needs the CSRF header.
	viaCookie := func(method, path, body string, hdr ...string) int {
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.AddCookie(&http.Cookie{Name: "downline_session", Value: token})
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		rec := httptest.NewRecorder()
		w.h.ServeHTTP(rec, req)
		return rec.Code
	}
	if code := viaCookie("GET", "/api/v1/auth/me", ""); code != 200 {
		t.Errorf("cookie read: %d", code)
	}
	reg := `{"name": "Cookie Kid", "phone": "+8613900000001", "sponsor": "AAA"}`
	if code := viaCookie("POST", "/api/v1/members", reg); code != 403 {
		t.Errorf("cookie write without CSRF header: %d, want 403", code)
	}
	if code := viaCookie("POST", "/api/v1/members", reg, "X-CSRF-Token", "forged"); code != 403 {
		t.Errorf("cookie write with a forged CSRF header: %d, want 403", code)
	}
	if code := viaCookie("POST", "/api/v1/members", reg, "X-CSRF-Token", csrf); code != 201 {
		t.Errorf("cookie write with the CSRF header: %d, want 201", code)
	}

	// Logout revokes the token.
	if r := w.call("POST", "/api/v1/auth/logout", token, nil); r.status != 204 {
		t.Errorf("logout: %d %s", r.status, r.body)
	}
	if r := w.call("GET", "/api/v1/auth/me", token, nil); r.status != 401 {
		t.Errorf("after logout: %d %s", r.status, r.body)
	}
	if r := w.call("GET", "/api/v1/auth/me", "garbage", nil); r.status != 401 || r.header.Get("WWW-Authenticate") == "" {
		t.Errorf("bad token: %d %v", r.status, r.header)
	}

	// Repeated failures are slowed: after five, the sixth waits.
	for i := 0; i < 5; i++ {
		if r := w.call("POST", "/api/v1/auth/login", "", map[string]string{"login": "finance", "password": "wrong password"}); r.status != 401 {
			t.Fatalf("failure %d: %d %s", i, r.status, r.body)
		}
	}
	r := w.call("POST", "/api/v1/auth/login", "", map[string]string{"login": "finance", "password": password})
	if r.status != 429 || r.header.Get("Retry-After") == "" {
		t.Errorf("after 5 failures even the right password waits: %d %s", r.status, r.body)
	}
	// Another login from the same address is not held up.
	if r := w.call("POST", "/api/v1/auth/login", "", map[string]string{"login": "admin", "password": password}); r.status != 200 {
		t.Errorf("another login: %d %s", r.status, r.body)
	}

	// Privileged actions are in the audit log.
	admin := w.token("admin")
	if r := w.call("POST", "/api/v1/members/BBB1/status", admin, map[string]string{"status": "suspended", "reason": "test"}); r.status != 200 {
		t.Fatalf("suspend: %d %s", r.status, r.body)
	}
	log := w.call("GET", "/api/v1/audit", admin, nil)
	if !strings.Contains(string(log.body), `"action":"POST /api/v1/members/{code}/status"`) || !strings.Contains(string(log.body), `"target":"/api/v1/members/BBB1/status"`) {
		t.Errorf("audit log lacks the suspension: %s", log.body)
	}
	if !strings.Contains(string(log.body), "failed sign-in for finance") {
		t.Errorf("audit log lacks the failed sign-ins")
	}
}

// TestOrderFlowOverHTTP: order entry, payment, confirmation, shipment with
// idempotent retries, and the contract's downline route.
func TestOrderFlowOverHTTP(t *testing.T) {
	w := newWorld(t)
	a, fin, wh := w.token("AAA"), w.token("finance"), w.token("warehouse")
	body := map[string]any{"kind": "repeat", "lines": []any{map[string]any{"sku": "VC-100", "qty": 2}}}
	first := w.call("POST", "/api/v1/orders", a, body, "Idempotency-Key", "order-1")
	if first.status != 201 {
		t.Fatalf("order: %d %s", first.status, first.body)
	}
	o := first.json(t)
	if o["member"] != "AAA" || o["total"] != "200.00" || o["status"] != "placed" {
		t.Errorf("order: %s", first.body)
	}
	again := w.call("POST", "/api/v1/orders", a, body, "Idempotency-Key", "order-1")
	if again.status != 201 || again.json(t)["no"] != o["no"] {
		t.Errorf("retry: %d %s", again.status, again.body)
	}
	body["lines"] = []any{map[string]any{"sku": "VC-100", "qty": 3}}
	if r := w.call("POST", "/api/v1/orders", a, body, "Idempotency-Key", "order-1"); r.status != 409 {
		t.Errorf("same key, other order: %d %s", r.status, r.body)
	}
	no := o["no"].(string)
	pay := w.call("POST", "/api/v1/orders/"+no+"/payments", a, map[string]any{"method": "online", "amount": "200.00"}, "Idempotency-Key", "pay-1")
	if pay.status != 201 {
		t.Fatalf("payment: %d %s", pay.status, pay.body)
	}
	pno := pay.json(t)["no"].(string)
	if r := w.call("POST", "/api/v1/orders/"+no+"/shipments", wh, map[string]any{"tracking": "SF1"}, "Idempotency-Key", "ship-0"); r.status != 409 {
		t.Errorf("shipping before confirmation: %d %s", r.status, r.body)
	}
	if r := w.call("POST", "/api/v1/payments/"+pno+"/confirm", fin, nil, "Idempotency-Key", "conf-1"); r.status != 200 {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	if r := w.call("POST", "/api/v1/orders/"+no+"/shipments", wh, map[string]any{"tracking": "SF1", "carrier": "SF Express"}, "Idempotency-Key", "ship-1"); r.status != 201 {
		t.Fatalf("ship: %d %s", r.status, r.body)
	}
	if r := w.call("GET", "/api/v1/orders/"+no, a, nil); r.status != 200 || r.json(t)["status"] != "shipped" {
		t.Errorf("member reads its shipped order: %d %s", r.status, r.body)
	}
	// The member's order history says where the parcel is.
	list := w.call("GET", "/api/v1/members/AAA/orders", a, nil).json(t)
	if first := list["items"].([]any)[0].(map[string]any); first["no"] != no || first["tracking"] != "SF1" || first["carrier"] != "SF Express" ||
		first["shipment"] == nil || first["shipped_at"] == nil {
		t.Errorf("the shipped order in the member's history: %v", first)
	}
	// The contract's downline page, both trees.
	for _, tree := range []string{"sponsor", "placement"} {
		r := w.call("GET", "/api/v1/members/ROOT1/downline?tree="+tree+"&depth=2&limit=2", fin, nil)
		if r.status != 200 {
			t.Fatalf("downline %s: %d %s", tree, r.status, r.body)
		}
		page := r.json(t)
		if len(page["items"].([]any)) != 2 || page["next"] == "" {
			t.Errorf("downline %s page 1: %s", tree, r.body)
		}
		r = w.call("GET", "/api/v1/members/ROOT1/downline?tree="+tree+"&depth=2&limit=2&cursor="+page["next"].(string), fin, nil)
		if r.status != 200 || len(r.json(t)["items"].([]any)) != 2 {
			t.Errorf("downline %s page 2: %d %s", tree, r.status, r.body)
		}
	}
}
