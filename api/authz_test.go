package api_test

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
)

// expected is the authorization matrix, written independently of the route
// table: who may call each route. "public" also admits anonymous callers.
var expected = map[string]string{
	"POST /auth/login":    "public",
	"POST /auth/logout":   "admin finance warehouse agency member customer analyst editor",
	"GET /auth/me":        "admin finance warehouse agency member customer analyst editor",
	"POST /auth/password": "admin finance warehouse agency member customer analyst editor",
	"GET /openapi.json":   "public",

	"GET /members":                     "admin finance",
	"POST /members":                    "admin agency member",
	"GET /members/{code}":              "admin finance member",
	"GET /members/{code}/upline":       "admin finance member",
	"GET /members/{code}/frontline":    "admin finance member",
	"GET /members/{code}/children":     "admin finance member",
	"GET /members/{code}/performance":  "admin finance member",
	"GET /members/{code}/node":         "admin finance member",
	"GET /members/{code}/search":       "admin finance member",
	"GET /members/{code}/leg-end":      "admin finance member",
	"GET /members/{code}/new-members":  "admin finance member",
	"GET /members/{code}/downline":     "admin finance member",
	"GET /members/{code}/team":         "admin finance member",
	"GET /members/{code}/free-slots":   "admin finance member",
	"GET /members/{code}/moves":        "admin finance member",
	"POST /members/{code}/move":        "admin",
	"POST /members/{code}/status":      "admin",
	"GET /members/{code}/move-preview": "admin",
	"GET /members/{code}/orders":       "admin finance member",
	"GET /members/{code}/wallet":       "admin finance member",

	"GET /products":                      "public",
	"GET /products/{sku}":                "public",
	"POST /products":                     "admin",
	"POST /products/{sku}/status":        "admin",
	"POST /products/{sku}/lots":          "admin warehouse",
	"GET /warehouses":                    "admin finance warehouse",
	"POST /warehouses":                   "admin",
	"GET /warehouses/{code}/stock":       "admin finance warehouse agency",
	"POST /warehouses/{code}/receipts":   "admin warehouse",
	"GET /warehouses/{code}/stock.csv":   "admin finance warehouse agency",
	"POST /warehouses/{code}/thresholds": "admin warehouse agency",
	"GET /stock/warnings":                "admin finance warehouse agency",

	"POST /products/{sku}":          "admin",
	"GET /products/{sku}/revisions": "admin",
	"GET /products/{sku}/lots":      "admin finance warehouse",
	"GET /returns":                  "admin warehouse agency",
	"GET /orders/{no}/returnable":   "admin warehouse agency",

	"POST /orders":                     "admin agency member customer",
	"POST /counter-sales":              "admin finance agency",
	"GET /orders":                      "admin finance warehouse",
	"GET /orders/{no}":                 "admin finance warehouse agency member customer analyst editor",
	"GET /orders/{no}/payments":        "admin finance warehouse agency member customer analyst editor",
	"POST /orders/{no}/payments":       "admin finance agency member customer",
	"POST /payments/{no}/confirm":      "admin finance",
	"POST /payments/{no}/reject":       "admin finance",
	"GET /payments":                    "admin finance",
	"GET /payments.csv":                "admin finance",
	"POST /payments/confirm":           "admin finance",
	"POST /payments/reject":            "admin finance",
	"GET /payments/confirmation-times": "admin finance",
	"GET /ship-queue":                  "admin warehouse",
	"POST /orders/{no}/shipments":      "admin warehouse agency",
	"POST /orders/{no}/deliver":        "admin warehouse agency",
	"POST /orders/{no}/cancel":         "admin finance agency",
	"POST /orders/{no}/returns":        "admin warehouse agency",

	"GET /agencies":                                 "admin finance warehouse",
	"POST /agencies":                                "admin",
	"GET /agencies/{code}":                          "admin finance warehouse agency",
	"GET /agencies/{code}/orders":                   "admin finance warehouse agency",
	"POST /agencies/{code}/payments":                "admin finance",
	"GET /agencies/{code}/statement":                "admin finance agency",
	"GET /agencies/{code}/credit":                   "admin finance agency",
	"GET /agencies/{code}/credit/{member}":          "admin finance agency",
	"POST /agencies/{code}/credit/payments":         "admin finance agency",
	"POST /agencies/{code}/credit/allowances":       "admin finance agency",
	"GET /agencies/{code}/statements":               "admin finance agency",
	"POST /agencies/{code}/statements":              "admin finance",
	"GET /agencies/{code}/statements/{id}":          "admin finance agency",
	"POST /agencies/{code}/statements/{id}/confirm": "admin finance agency",

	"GET /journal":                 "admin finance",
	"GET /journal/{id}":            "admin finance",
	"POST /journal/{id}/reverse":   "admin finance",
	"GET /balances":                "admin finance",
	"GET /journal.csv":             "admin finance",
	"GET /journal-kinds":           "admin finance",
	"GET /accounts/{code}/holders": "admin finance",
	"GET /accounts/{code}/lines":   "admin finance",
	"GET /audit":                   "admin",

	"GET /users":                   "admin",
	"POST /users":                  "admin",
	"GET /users/{login}":           "admin",
	"POST /users/{login}/status":   "admin",
	"POST /users/{login}/password": "admin",

	"POST /plans":                              "finance",
	"GET /plans":                               "admin finance",
	"GET /plans/{id}":                          "admin finance",
	"POST /periods/{period}/run":               "finance",
	"GET /run-jobs/{id}":                       "admin finance",
	"GET /runs":                                "admin finance",
	"GET /periods":                             "admin finance",
	"GET /periods/{period}/run":                "admin finance",
	"GET /periods/{period}/breakdown":          "admin finance",
	"POST /periods/{period}/approve":           "finance",
	"GET /periods/{period}/adjustments":        "admin finance",
	"POST /periods/{period}/adjustments":       "finance",
	"POST /periods/{period}/pay":               "finance",
	"GET /periods/{period}/payout":             "admin finance",
	"GET /periods/{period}/payout.csv":         "admin finance",
	"GET /periods/{period}/payout.xlsx":        "admin finance",
	"GET /periods/{period}/lines":              "admin finance",
	"GET /members/{code}/bonus-lines/{period}": "admin finance member",
	"GET /members/{code}/statements":           "admin finance member",
	"GET /members/{code}/statements/{period}":  "admin finance member",

	"GET /sms/messages":              "admin",
	"GET /sms/failures":              "admin",
	"POST /sms/messages/{id}/resend": "admin",
	"GET /sms/opt-outs":              "admin",
	"GET /sms/templates":             "admin",
	"POST /sms/templates":            "admin",
	"POST /sms/bulk/preview":         "admin",
	"POST /sms/bulk":                 "admin",
	"GET /sms/bulk/{id}":             "admin",
	"GET /sms/notifier":              "admin",

	"GET /analytics/lots/{sku}/{batch}/trace":      "admin analyst",
	"GET /analytics/lots/{sku}/{batch}/recall":     "admin analyst",
	"GET /analytics/lots/{sku}/{batch}/recall.csv": "admin analyst",
	"GET /analytics/exports":                       "admin analyst",
	"GET /analytics/exports/{file}":                "admin analyst",
	// circulation
	"GET /analytics/lots":                               "admin analyst",
	"GET /analytics/orders/{no}/lots":                   "admin analyst",
	"GET /analytics/members/{code}/lots":                "admin analyst",
	"GET /analytics/holders/{kind}/{id}/lots":           "admin analyst",
	"GET /analytics/holders/{kind}/{id}/downstream":     "admin analyst",
	"GET /analytics/holders/{kind}/{id}/reconciliation": "admin analyst",
	"GET /analytics/diversion":                          "admin analyst",
	"GET /analytics/ageing":                             "admin analyst",
	"GET /analytics/teams/stats":                        "admin analyst",
	"GET /members/{code}/team-stats":                    "admin analyst member",

	"GET /news":                    "public",
	"GET /news/{id}":               "public",
	"GET /pages/{slug}":            "public",
	"GET /content":                 "admin editor",
	"POST /content":                "admin editor",
	"GET /content/{id}":            "admin editor",
	"POST /content/{id}/revisions": "admin editor",
	"POST /content/{id}/schedule":  "admin editor",
	"POST /content/{id}/publish":   "admin editor",
	"POST /content/{id}/archive":   "admin editor",

	"POST /tickets":                           "member customer",
	"GET /tickets":                            "admin member customer",
	"GET /tickets/{id}":                       "admin member customer",
	"POST /tickets/{id}/replies":              "admin member customer",
	"POST /tickets/{id}/assign":               "admin",
	"POST /tickets/{id}/notes":                "admin",
	"POST /tickets/{id}/escalate":             "admin",
	"POST /tickets/{id}/close":                "admin",
	"POST /tickets/{id}/reopen":               "admin member customer",
	"GET /ticket-categories":                  "admin member customer",
	"POST /ticket-categories/{category}":      "admin",
	"POST /media":                             "admin editor member customer",
	"GET /media/{id}":                         "public",
	"POST /shop/codes":                        "public",
	"POST /shop/customers":                    "public",
	"GET /shop/me":                            "customer",
	"GET /shop/catalogue":                     "public",
	"GET /shop/cart":                          "public",
	"POST /shop/cart/lines":                   "public",
	"POST /shop/orders":                       "customer",
	"GET /shop/orders":                        "customer",
	"GET /shop/orders/{no}":                   "customer",
	"POST /shop/orders/{no}/payment":          "customer",
	"POST /shop/orders/{no}/return-requests":  "customer",
	"GET /shop/return-requests":               "admin finance warehouse",
	"POST /shop/payments/{provider}/callback": "public",
	"POST /shop/pay/{ref}":                    "public",
	"GET /members/{code}/referred":            "admin finance member",
}

// callers are the roles, by the login of a user holding each, and anonymous.
var callers = []struct{ role, login string }{
	{"anonymous", ""}, {"admin", "admin"}, {"finance", "finance"}, {"warehouse", "warehouse"},
	{"agency", "agency1"}, {"member", "AAA"}, {"customer", "shopper"}, {"analyst", "analyst"}, {"editor", "editor"},
}

// concrete fills a route's path parameters with resources the caller of
// each role owns, so an allowed call passes the scope check too.
func (w *world) concrete(path string) string {
	r := strings.NewReplacer(
		"/members/{code}", "/members/AAA1",
		"/orders/{no}", "/orders/"+w.orders["AG1"],
		"/payments/{no}", "/payments/"+w.pay["AG1"],
		"/products/{sku}", "/products/VC-100",
		"/warehouses/{code}", "/warehouses/AG1-WH",
		"/agencies/{code}", "/agencies/AG1",
		"/statements/{id}", "/statements/1",
		"/journal/{id}", "/journal/1",
		"/accounts/{code}", "/accounts/1100",
		"/users/{login}", "/users/finance",
		"/plans/{id}", "/plans/1",
		"/run-jobs/{id}", "/run-jobs/1",
		"/periods/{period}", "/periods/2020-01",
		"/statements/{period}", "/statements/2020-01",
		"/bonus-lines/{period}", "/bonus-lines/2020-01",
		"/lots/{sku}/{batch}", "/lots/TEA-200/T1",
		"/news/{id}", "/news/1",
		"/content/{id}", "/content/1",
		"/pages/{slug}", "/pages/about",
		"/tickets/{id}", "/tickets/1",
		"/ticket-categories/{category}", "/ticket-categories/other",
		"/media/{id}", "/media/"+strings.Repeat("0", 64),
	)
	return "/api/v1" + r.Replace(path)
}

func TestAuthorizationMatrix(t *testing.T) {
	w := newWorld(t)
	seen := map[string]bool{}
	for _, rt := range w.srv.Routes() {
		key := rt.Method + " " + rt.Path
		seen[key] = true
		want, ok := expected[key]
		if !ok {
			t.Errorf("route %s has no row in the expected authorization matrix", key)
			continue
		}
		allowed := map[string]bool{}
		for _, r := range strings.Fields(want) {
			allowed[r] = true
		}
		for _, who := range callers {
			token := ""
			if who.login != "" {
				token = w.token(who.login)
			}
			path := w.concrete(rt.Path)
			switch rt.Path {
			case "/agencies/{code}/statement":
				path += "?from=2020-01-01&to=2030-01-01"
			case "/members/{code}/search":
				path += "?q=A"
			case "/members/{code}/leg-end":
				path += "?side=L"
			}
			var body any
			if rt.Method == http.MethodPost {
				body = "{}"
			}
			res := w.call(rt.Method, path, token, body, "Idempotency-Key", fmt.Sprintf("matrix-%s-%s", who.role, key))
			if res.status >= 500 {
				t.Errorf("%s as %s: %d %s", key, who.role, res.status, res.body)
			}
			if res.status >= 400 && !strings.HasPrefix(res.header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("%s as %s: error %d answered as %q", key, who.role, res.status, res.header.Get("Content-Type"))
			}
			switch {
			case allowed["public"] || allowed[who.role]:
				if res.status == 401 || res.status == 403 {
					t.Errorf("%s as %s: want allowed, got %d %s", key, who.role, res.status, res.body)
				}
			case who.role == "anonymous":
				if res.status != 401 {
					t.Errorf("%s anonymously: want 401, got %d %s", key, res.status, res.body)
				}
			default:
				if res.status != 403 {
					t.Errorf("%s as %s: want 403, got %d %s", key, who.role, res.status, res.body)
				}
			}
		}
	}
	var missing []string
	for k := range expected {
		if !seen[k] {
			missing = append(missing, k)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("the expected matrix names routes the server lacks: %v", missing)
	}
}

// TestScoping: members, agencies and customers get 404 for what is not
// theirs, with the same answer as for what does not exist.
func TestScoping(t *testing.T) {
	w := newWorld(t)
	a, b, ag1, shopper := w.token("AAA"), w.token("BBB"), w.token("agency1"), w.token("shopper")
	cases := []struct {
		name, token, path string
		want              int
	}{
		{"member reads itself", a, "/api/v1/members/AAA", 200},
		{"member reads its downline", a, "/api/v1/members/AAA1", 200},
		{"member reads another team's member", a, "/api/v1/members/BBB1", 404},
		{"member reads its sponsor", a, "/api/v1/members/ROOT1", 404},
		{"member reads a missing member", a, "/api/v1/members/NOPE1", 404},
		{"member pages its downline", a, "/api/v1/members/AAA/downline?tree=sponsor&depth=2", 200},
		{"member pages another team", a, "/api/v1/members/BBB/downline?tree=placement", 404},
		{"member reads team totals of another team", a, "/api/v1/members/ROOT1/team", 404},
		{"member reads its own order", a, "/api/v1/orders/" + w.orders["AAA"], 200},
		{"member reads its downline's order", a, "/api/v1/orders/" + w.orders["AAA1"], 404},
		{"member reads another team's order", a, "/api/v1/orders/" + w.orders["BBB1"], 404},
		{"member reads another team's payments", a, "/api/v1/orders/" + w.orders["BBB1"] + "/payments", 404},
		{"member reads its own wallet", a, "/api/v1/members/AAA/wallet", 200},
		{"member reads its downline's wallet", a, "/api/v1/members/AAA1/wallet", 404},
		{"member reads another's orders", b, "/api/v1/members/AAA/orders", 404},
		{"member lists its own statements", a, "/api/v1/members/AAA/statements", 200},
		{"member lists its downline's statements", a, "/api/v1/members/AAA1/statements", 404},
		{"member lists another team's statements", b, "/api/v1/members/AAA/statements", 404},
		{"agency reads its own statement", ag1, "/api/v1/agencies/AG1/statements/1", 200},
		{"agency reads another agency's statement", ag1, "/api/v1/agencies/AG2/statements/2", 404},
		{"agency reads another agency's statement under its own code", ag1, "/api/v1/agencies/AG1/statements/2", 404},
		{"agency reads another agency", ag1, "/api/v1/agencies/AG2", 404},
		{"agency reads its own order", ag1, "/api/v1/orders/" + w.orders["AG1"], 200},
		{"agency reads another agency's order", ag1, "/api/v1/orders/" + w.orders["AG2"], 404},
		{"agency reads a member's order", ag1, "/api/v1/orders/" + w.orders["AAA1"], 404},
		{"agency reads its own stock", ag1, "/api/v1/warehouses/AG1-WH/stock", 200},
		{"agency reads another's stock", ag1, "/api/v1/warehouses/AG2-WH/stock", 404},
		{"agency reads HQ stock", ag1, "/api/v1/warehouses/HQ-SH/stock", 404},
		{"customer reads its own order", shopper, "/api/v1/orders/" + w.orders["shop"], 200},
		{"customer reads a member's order", shopper, "/api/v1/orders/" + w.orders["AAA1"], 404},
	}
	for _, c := range cases {
		res := w.call("GET", c.path, c.token, nil)
		if res.status != c.want {
			t.Errorf("%s: GET %s = %d, want %d: %s", c.name, c.path, res.status, c.want, res.body)
		}
	}
	// Not yours and not there read the same.
	other := w.call("GET", "/api/v1/members/BBB1", a, nil).json(t)
	missing := w.call("GET", "/api/v1/members/ZZZ999", a, nil).json(t)
	if strings.ReplaceAll(other["detail"].(string), "BBB1", "X") != strings.ReplaceAll(missing["detail"].(string), "ZZZ999", "X") {
		t.Errorf("a hidden member reads %q, a missing one %q", other["detail"], missing["detail"])
	}
	// Upline stops at the member itself.
	up := w.call("GET", "/api/v1/members/AAA1/upline", a, nil).json(t)
	items := up["items"].([]any)
	if len(items) != 1 || items[0].(map[string]any)["code"] != "AAA" {
		t.Errorf("member's view of AAA1's upline: %v", items)
	}
	// A member registers only under its own team.
	reg := w.call("POST", "/api/v1/members", a, map[string]any{"name": "New", "phone": "+8613900000009", "sponsor": "BBB"})
	if reg.status != 404 {
		t.Errorf("member registering under another team: %d %s", reg.status, reg.body)
	}
	reg = w.call("POST", "/api/v1/members", a, map[string]any{"name": "New", "phone": "+8613900000009", "sponsor": "AAA1"})
	if reg.status != 201 {
		t.Fatalf("member registering in its own team: %d %s", reg.status, reg.body)
	}
	code := reg.json(t)["member"].(map[string]any)["code"].(string)
	if res := w.call("GET", "/api/v1/members/"+code, a, nil); res.status != 200 {
		t.Errorf("member reads the member it just registered: %d %s", res.status, res.body)
	}
	// The starter kit of a member it registers is the sponsor's to read and
	// pay, and no one else's.
	reg = w.call("POST", "/api/v1/members", a, map[string]any{"name": "Kit", "phone": "+8613900000010", "sponsor": "AAA",
		"order": map[string]any{"lines": []any{map[string]any{"sku": "VC-100", "qty": 1}}}}, "Idempotency-Key", "reg-kit")
	if reg.status != 201 {
		t.Fatalf("member registering with a starter kit: %d %s", reg.status, reg.body)
	}
	kit := reg.json(t)["order"].(map[string]any)
	if res := w.call("GET", fmt.Sprintf("/api/v1/orders/%v", kit["no"]), a, nil); res.status != 200 {
		t.Errorf("the sponsor reads the starter kit order it entered: %d %s", res.status, res.body)
	}
	if res := w.call("POST", fmt.Sprintf("/api/v1/orders/%v/payments", kit["no"]), a, map[string]any{"method": "online", "amount": kit["total"]},
		"Idempotency-Key", "pay-kit"); res.status != 201 {
		t.Errorf("the sponsor pays the starter kit order it entered: %d %s", res.status, res.body)
	}
	if res := w.call("GET", fmt.Sprintf("/api/v1/orders/%v", kit["no"]), b, nil); res.status != 404 {
		t.Errorf("another member reads the starter kit order: %d %s", res.status, res.body)
	}
	// A member orders only for its own team.
	if res := w.call("POST", "/api/v1/orders", a, map[string]any{"kind": "repeat", "member": "BBB1", "lines": []any{map[string]any{"sku": "VC-100", "qty": 1}}},
		"Idempotency-Key", "k1"); res.status != 404 {
		t.Errorf("member ordering for another team: %d %s", res.status, res.body)
	}
}
