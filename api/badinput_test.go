package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"downline/api"
)

// fingerprint sums up every business table, to show that refused requests change nothing.
func (w *world) fingerprint() string {
	w.t.Helper()
	var s string
	err := w.db.Pool.QueryRow(context.Background(), `SELECT concat_ws(' ',
		(SELECT count(*) FROM members), (SELECT string_agg(code || status || coalesce(sponsor_id, 0) || coalesce(placement_parent_id, 0), ',' ORDER BY id) FROM members),
		(SELECT count(*) FROM orders), (SELECT string_agg(order_no || status, ',' ORDER BY id) FROM orders),
		(SELECT count(*) FROM payments), (SELECT string_agg(payment_no || status, ',' ORDER BY id) FROM payments),
		(SELECT count(*) FROM journal_entries), (SELECT count(*) FROM stock_moves),
		(SELECT sum(on_hand) || '/' || sum(reserved) FROM stock_balances), (SELECT count(*) FROM products),
		(SELECT string_agg(sku || status, ',' ORDER BY id) FROM products), (SELECT count(*) FROM lots), (SELECT count(*) FROM agencies),
		(SELECT count(*) FROM warehouses), (SELECT count(*) FROM users), (SELECT string_agg(login || status, ',' ORDER BY id) FROM users),
		(SELECT count(*) FROM idempotency_keys), (SELECT count(*) FROM shipments), (SELECT count(*) FROM returns),
		(SELECT count(*) FROM agency_statements), (SELECT count(*) FROM member_moves), (SELECT count(*) FROM stock_thresholds),
		(SELECT count(*) FROM settle_plans), (SELECT count(*) FROM settle_periods), (SELECT count(*) FROM settle_runs),
		(SELECT count(*) FROM settle_manual_adjustments), (SELECT count(*) FROM settle_payouts), (SELECT count(*) FROM settle_jobs))`).Scan(&s)
	if err != nil {
		w.t.Fatal(err)
	}
	return s
}

var fragments = []string{
	`'; DROP TABLE members; --`,
	`" OR 1=1 --`,
	`x') UNION SELECT password_hash FROM users --`,
	`MATCH (n) DETACH DELETE n`,
	`}) RETURN n UNION MATCH (m) SET m.code = 'x' //`,
	"\u202e\ufeff<script>alert(1)</script>",
}

// badBodies are requests no route should accept, built from a route's request type.
func badBodies(req any) map[string]string {
	out := map[string]string{
		"malformed JSON":       `{"a":`,
		"not an object":        `[1, 2, 3]`,
		"a bare string":        `"hello"`,
		"unknown field":        `{"definitely_not_a_field": 1}`,
		"two objects":          `{} {}`,
		"null byte in a field": "",
	}
	t := reflect.TypeOf(req)
	var nulField string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if name == "" || name == "-" {
			continue
		}
		var wrong string
		switch {
		case f.Type == reflect.TypeFor[decimal.Decimal]():
			wrong = `{"x": 1}`
			out["huge decimal in "+name] = fmt.Sprintf(`{%q: "1e999999"}`, name)
			out["over-precise decimal in "+name] = fmt.Sprintf(`{%q: 0.%s1}`, name, strings.Repeat("0", 40))
		case f.Type.Kind() == reflect.String:
			wrong = "12345"
			if nulField == "" {
				nulField = name
			}
		case f.Type.Kind() == reflect.Int, f.Type.Kind() == reflect.Int64:
			wrong = `"many"`
			out["overflowing number in "+name] = fmt.Sprintf(`{%q: 99999999999999999999999}`, name)
			out["fraction in "+name] = fmt.Sprintf(`{%q: 1.5}`, name)
		case f.Type.Kind() == reflect.Bool:
			wrong = `"yes"`
		case f.Type.Kind() == reflect.Slice:
			wrong = `"not a list"`
		default:
			wrong = `[]`
		}
		out["wrong type for "+name] = fmt.Sprintf(`{%q: %s}`, name, wrong)
	}
	if nulField != "" {
		out["null byte in a field"] = fmt.Sprintf(`{%q: "a\u0000b"}`, nulField)
	} else {
		delete(out, "null byte in a field")
	}
	return out
}

// injected fills every string field with s, the rest zero.
func injected(req any, s string) string {
	t := reflect.TypeOf(req)
	m := map[string]any{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name := strings.Split(f.Tag.Get("json"), ",")[0]
		if f.Type.Kind() == reflect.String && name != "" && name != "-" {
			m[name] = s
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// TestBadInputOnEveryWriteRoute: malformed JSON, wrong types, unknown
// fields, huge bodies and SQL or Cypher fragments get a 4xx problem, never
// a 500, and change nothing.
func TestBadInputOnEveryWriteRoute(t *testing.T) {
	w := newWorld(t)
	before := w.fingerprint()
	writes := 0
	for _, rt := range w.srv.Routes() {
		if rt.Method != "POST" || rt.Request == nil {
			continue
		}
		writes++
		login := "admin"
		if !allowsAdmin(rt) {
			login = map[string]string{"agency": "agency1", "member": "AAA", "customer": "shopper", "finance": "finance", "warehouse": "warehouse"}[string(rt.Roles[0])]
		}
		path := w.concrete(rt.Path)
		check := func(name, body string, hdr ...string) {
			t.Helper()
			token := w.token(login)
			res := w.call("POST", path, token, body, append([]string{"Idempotency-Key", "bad-" + name}, hdr...)...)
			if res.status < 400 || res.status >= 500 {
				t.Errorf("POST %s with %s: %d %s", rt.Path, name, res.status, res.body)
				return
			}
			if !strings.HasPrefix(res.header.Get("Content-Type"), "application/problem+json") {
				t.Errorf("POST %s with %s: answered %q", rt.Path, name, res.header.Get("Content-Type"))
			}
			var p api.Problem
			if err := json.Unmarshal(res.body, &p); err != nil || p.Detail == "" || p.Status != res.status {
				t.Errorf("POST %s with %s: not a problem: %s", rt.Path, name, res.body)
			}
		}
		for name, body := range badBodies(rt.Request) {
			check(name, body)
		}
		check("a 2 MiB body", `{"name": "`+strings.Repeat("x", 2<<20)+`"}`)
		check("text/plain", `{}`, "Content-Type", "text/plain")
	}
	if writes < 25 {
		t.Errorf("only %d write routes with bodies checked", writes)
	}
	// Bad path and query parameters.
	admin := w.token("admin")
	for _, p := range []string{"/api/v1/members/A%00B", "/api/v1/members/" + strings.Repeat("A", 5000), "/api/v1/members/AAA/downline?depth=-1",
		"/api/v1/members/AAA/downline?cursor=%27%3B%20DROP", "/api/v1/members/AAA/downline?tree=cypher", "/api/v1/orders?cursor=abc",
		"/api/v1/members/%27%20OR%201%3D1", "/api/v1/orders/SO1%27%20OR%20%271%27%3D%271", "/api/v1/journal/1e9", "/api/v1/agencies/AG1/statement?from=x&to=y"} {
		res := w.call("GET", p, admin, nil)
		if res.status < 400 || res.status >= 500 {
			t.Errorf("GET %s: %d %s", p, res.status, res.body)
		}
	}
	if after := w.fingerprint(); after != before {
		t.Errorf("refused requests changed the ledger:\nbefore %s\nafter  %s", before, after)
	}

	// SQL and Cypher fragments in every string field: refused where a code
	// or a choice is expected, kept verbatim as text where free text is (a
	// reason, a tracking number, even a password), and never a 500.
	for _, rt := range w.srv.Routes() {
		if rt.Method != "POST" || rt.Request == nil {
			continue
		}
		login := "admin"
		if !allowsAdmin(rt) {
			login = map[string]string{"agency": "agency1", "member": "AAA", "customer": "shopper", "finance": "finance", "warehouse": "warehouse"}[string(rt.Roles[0])]
		}
		for i, f := range fragments {
			res := w.call("POST", w.concrete(rt.Path), w.token(login), injected(rt.Request, f), "Idempotency-Key", fmt.Sprintf("inj-%d", i))
			if res.status >= 500 {
				t.Errorf("POST %s with fragment %q: %d %s", rt.Path, f, res.status, res.body)
			}
		}
	}
	var members, users int
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM members), (SELECT count(*) FROM users)`).Scan(&members, &users); err != nil {
		t.Fatal(err)
	}
	if members != 8 || users != 10 {
		t.Errorf("after the fragments: %d members, %d users; want 8 and 10", members, users)
	}
}

func allowsAdmin(rt api.Route) bool {
	for _, r := range rt.Roles {
		if r == "admin" {
			return true
		}
	}
	return false
}
