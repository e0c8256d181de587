package api_test

import (
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
