package api_test

import (
	"fmt"
	"strings"
	"testing"
)

// The service desk over HTTP: a member and a customer open tickets, each
// sees only their own (another's reads as missing), HQ works the board, and
// an internal note never reaches the owner.
func TestTickets(t *testing.T) {
	w := newWorld(t)
	a, b, shopper, admin := w.token("AAA"), w.token("BBB"), w.token("shopper"), w.token("admin")

	open := w.call("POST", "/api/v1/tickets", a, map[string]any{"category": "delivery", "order": w.orders["AAA"],
		"text": "<script>alert(1)</script> parcel late"}, "Idempotency-Key", "t1")
	if open.status != 201 {
		t.Fatalf("a member opens a ticket: %d %s", open.status, open.body)
	}
	tk := open.json(t)
	no := tk["no"].(string)
	if tk["state"] != "open" || tk["member"] != "AAA" || tk["order"] != w.orders["AAA"] || tk["channel"] != "web" {
		t.Errorf("the new ticket: %v", tk)
	}
	// A retry under the same key answers the same ticket.
	if again := w.call("POST", "/api/v1/tickets", a, map[string]any{"category": "delivery", "order": w.orders["AAA"],
		"text": "<script>alert(1)</script> parcel late"}, "Idempotency-Key", "t1").json(t); again["no"] != no {
		t.Errorf("a retry opened %v besides %s", again["no"], no)
	}
	// Bad input names the field; an order not one's own is refused.
	for _, c := range []struct {
		body map[string]any
		want string
	}{
		{map[string]any{"category": "delivery", "text": ""}, "text"},
		{map[string]any{"category": "praise", "text": "x"}, "category"},
		{map[string]any{"category": "delivery", "order": w.orders["BBB1"], "text": "x"}, "order"},
	} {
		res := w.call("POST", "/api/v1/tickets", a, c.body)
		if res.status != 422 || !strings.Contains(string(res.body), c.want) {
			t.Errorf("%v: %d %s, want a refusal naming %s", c.body, res.status, res.body, c.want)
		}
	}
	cust := w.call("POST", "/api/v1/tickets", shopper, map[string]any{"category": "quality", "text": "the tea tastes odd"})
	if cust.status != 201 || cust.json(t)["customer"] != "shopper" {
		t.Fatalf("a customer opens a ticket: %d %s", cust.status, cust.body)
	}
	custNo := cust.json(t)["no"].(string)

	// Scoping: another member and the customer read AAA's ticket as missing.
	hidden := w.call("GET", "/api/v1/tickets/"+no, b, nil)
	missing := w.call("GET", "/api/v1/tickets/T999999", b, nil)
	if hidden.status != 404 || missing.status != 404 {
		t.Fatalf("another member reads the ticket: %d, a missing one: %d", hidden.status, missing.status)
	}
	if strings.ReplaceAll(hidden.json(t)["detail"].(string), no, "X") != strings.ReplaceAll(missing.json(t)["detail"].(string), "T999999", "X") {
		t.Errorf("hidden reads %q, missing %q", hidden.json(t)["detail"], missing.json(t)["detail"])
	}
	for _, c := range []struct {
		token, method, path string
	}{
		{shopper, "GET", "/api/v1/tickets/" + no},
		{a, "GET", "/api/v1/tickets/" + custNo},
		{b, "POST", "/api/v1/tickets/" + no + "/replies"},
		{b, "POST", "/api/v1/tickets/" + no + "/reopen"},
	} {
		if res := w.call(c.method, c.path, c.token, map[string]any{"text": "mine?"}); res.status != 404 {
			t.Errorf("%s %s by another: %d %s", c.method, c.path, res.status, res.body)
		}
	}
	count := func(token, query string) int {
		res := w.call("GET", "/api/v1/tickets"+query, token, nil)
		if res.status != 200 {
			t.Fatalf("list %s: %d %s", query, res.status, res.body)
		}
		return len(res.json(t)["items"].([]any))
	}
	if n := count(b, ""); n != 0 {
		t.Errorf("BBB lists %d tickets, none its own", n)
	}
	if n := count(a, ""); n != 1 {
		t.Errorf("AAA lists %d tickets", n)
	}
	if n := count(admin, ""); n != 2 {
		t.Errorf("HQ lists %d tickets", n)
	}
	if n := count(admin, "?category=quality"); n != 1 {
		t.Errorf("HQ lists %d quality tickets", n)
	}
	if res := w.call("GET", "/api/v1/tickets?state=lost", admin, nil); res.status != 422 || !strings.Contains(string(res.body), "state") {
		t.Errorf("a bad state filter: %d %s", res.status, res.body)
	}

	// HQ: assign, note, reply, close; the member sees all but the note.
	for _, step := range []struct {
		path string
		body map[string]any
	}{
		{"/assign", map[string]any{"assignee": "admin"}},
		{"/notes", map[string]any{"text": "courier claims delivered"}},
		{"/replies", map[string]any{"text": "We are sending another parcel."}},
		{"/escalate", map[string]any{"reason": "second complaint this month"}},
		{"/close", map[string]any{"resolution": "Resent by SF"}},
	} {
		if res := w.call("POST", "/api/v1/tickets/"+no+step.path, admin, step.body); res.status >= 300 {
			t.Fatalf("HQ %s: %d %s", step.path, res.status, res.body)
		}
	}
	mine := w.call("GET", "/api/v1/tickets/"+no, a, nil).json(t)
	var kinds []string
	for _, e := range mine["events"].([]any) {
		kinds = append(kinds, e.(map[string]any)["kind"].(string))
	}
	if got := strings.Join(kinds, " "); got != "opened assigned replied escalated closed" {
		t.Errorf("the member's history: %s", got)
	}
	if strings.Contains(fmt.Sprint(mine), "courier claims") {
		t.Errorf("the member sees the internal note")
	}
	if hq := w.call("GET", "/api/v1/tickets/"+no, admin, nil).json(t); !strings.Contains(fmt.Sprint(hq), "courier claims") {
		t.Errorf("HQ does not see its note")
	}
	if mine["state"] != "closed" || !strings.Contains(fmt.Sprint(mine["events"]), "<script>alert(1)</script> parcel late") {
		t.Errorf("the closed ticket: %v", mine)
	}
	// The member writes again: the ticket is open again.
	if res := w.call("POST", "/api/v1/tickets/"+no+"/replies", a, map[string]any{"text": "still nothing"}); res.status != 201 || res.json(t)["state"] != "assigned" {
		t.Errorf("the member's reply to a closed ticket: %d %s", res.status, res.body)
	}
	if res := w.call("POST", "/api/v1/tickets/"+no+"/replies", a, map[string]any{"text": "a photo", "photos": []string{strings.Repeat("ab", 32)}}); res.status != 422 || !strings.Contains(string(res.body), "photos") {
		t.Errorf("a reply with a photo not stored: %d %s", res.status, res.body)
	}
	if res := w.call("POST", "/api/v1/ticket-categories/bonus", admin, map[string]any{"hours": 0}); res.status < 400 || !strings.Contains(string(res.body), "hours") {
		t.Errorf("an SLA of 0 hours: %d %s", res.status, res.body)
	}
}
