package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger/member"
	"downline/ledger/order"
	"downline/network"
)

// at runs fn in a transaction under a clock stopped at t.
func (w *world) at(t time.Time, fn func(ctx context.Context, tx pgx.Tx) error) {
	w.t.Helper()
	ctx := clock.With(context.Background(), clock.Fixed(t))
	if err := w.db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error { return fn(ctx, tx) }); err != nil {
		w.t.Fatal(err)
	}
}

// explorerWorld adds to the world CCC, sponsored by AAA but placed under
// AAA1 (a spillover), suspended; confirms AAA1's order in March 2026 and
// BBB1's in April, when AAA1 returns its order. It returns the PV of one
// order.
//
// Sponsor tree: ROOT1 -> AAA -> (AAA1, CCC); ROOT1 -> BBB -> BBB1.
// Placement:    ROOT1 -> AAA (L) -> AAA1 (L) -> CCC (L); ROOT1 -> BBB (R) -> BBB1 (L).
func explorerWorld(t *testing.T) (*world, string) {
	// The members join in January 2026 and CCC in February, so that the
	// months shown (as they stood at their ends) hold them.
	w := newWorldAt(t, time.Date(2026, 1, 5, 9, 0, 0, 0, time.UTC))
	w.at(time.Date(2026, 2, 10, 9, 0, 0, 0, time.UTC), func(ctx context.Context, tx pgx.Tx) error {
		if _, err := member.Register(ctx, tx, member.Registration{Code: "CCC", Name: "Cid", Phone: "+8613800000006",
			Sponsor: "AAA", Placement: "AAA1", Side: "L", By: "test"}); err != nil {
			return err
		}
		_, err := member.SetStatus(ctx, tx, "CCC", network.Suspended, "test", "no orders")
		return err
	})
	if _, err := w.srv.Feed.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	march := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	w.at(march, func(ctx context.Context, tx pgx.Tx) error {
		_, err := order.ConfirmPayment(ctx, tx, order.Decision{Key: "c1", Payment: w.pay["AAA1"], By: "test"})
		return err
	})
	var lot order.ShippedLot
	w.at(march.AddDate(0, 0, 1), func(ctx context.Context, tx pgx.Tx) error {
		sh, err := order.Ship(ctx, tx, order.ShipRequest{Key: "s1", Order: w.orders["AAA1"], Tracking: "SF1", By: "test"})
		if err == nil {
			lot = sh.Lots[0]
		}
		return err
	})
	w.at(march.AddDate(0, 1, 0), func(ctx context.Context, tx pgx.Tx) error {
		_, err := order.ConfirmPayment(ctx, tx, order.Decision{Key: "c2", Payment: w.pay["BBB1"], By: "test"})
		if err != nil {
			return err
		}
		// AAA1 sends its March order back in April: less PV in April.
		_, err = order.CreateReturn(ctx, tx, order.ReturnRequest{Key: "r1", Order: w.orders["AAA1"], By: "test", Reason: "test",
			Lines: []order.ReturnLine{{Line: lot.Line, Batch: lot.Batch, Qty: lot.Qty}}})
		return err
	})
	pv := mustGet(t, w.db, w.orders["AAA1"]).PV
	if !pv.IsPositive() {
		t.Fatalf("the fixture's order carries no PV: %s", pv)
	}
	return w, pv.StringFixed(2)
}

// child is the part of a child the tests compare.
type child struct {
	code, side, pv string
	spill          bool
	team, active   float64
}

func children(t *testing.T, w *world, ctx context.Context, token, path string) (map[string]any, []child) {
	t.Helper()
	res := w.callOn(ctx, w.h, "GET", path, token, nil)
	if res.status != 200 {
		t.Fatalf("GET %s: %d %s", path, res.status, res.body)
	}
	body := res.json(t)
	var out []child
	for _, it := range body["items"].([]any) {
		m := it.(map[string]any)
		side, _ := m["side"].(string)
		out = append(out, child{code: m["code"].(string), side: side, pv: m["pv"].(string), spill: m["spillover"].(bool),
			team: m["team"].(float64), active: m["active"].(float64)})
	}
	return body, out
}

func sameChildren(t *testing.T, what string, got, want []child) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: got %+v, want %+v", what, got, want)
		return
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("%s: child %d is %+v, want %+v", what, i, got[i], want[i])
		}
	}
}

func TestChildrenInBothTrees(t *testing.T) {
	w, pv := explorerWorld(t)
	bg := context.Background()
	admin, a := w.token("admin"), w.token("AAA")

	_, got := children(t, w, bg, admin, "/api/v1/members/ROOT1/children?tree=sponsor&period=2026-03")
	sameChildren(t, "ROOT1's sponsor children in March", got, []child{
		{code: "AAA", side: "L", pv: "0.00", team: 2, active: 1},
		{code: "BBB", side: "R", pv: "0.00", team: 1, active: 1},
	})
	_, got = children(t, w, bg, admin, "/api/v1/members/ROOT1/children?tree=placement&period=2026-04")
	sameChildren(t, "ROOT1's placement children in April", got, []child{
		{code: "AAA", side: "L", pv: "0.00", team: 2, active: 1},
		{code: "BBB", side: "R", pv: "0.00", team: 1, active: 1},
	})
	_, got = children(t, w, bg, a, "/api/v1/members/AAA/children?tree=sponsor&period=2026-03")
	sameChildren(t, "AAA's sponsor children in March", got, []child{
		{code: "AAA1", side: "L", pv: pv},
		{code: "CCC", side: "L", pv: "0.00", spill: true},
	})
	_, got = children(t, w, bg, a, "/api/v1/members/AAA/children?tree=placement&period=2026-04")
	sameChildren(t, "AAA's placement children in April", got, []child{
		{code: "AAA1", side: "L", pv: "-" + pv, team: 1, active: 0},
	})
	_, got = children(t, w, bg, a, "/api/v1/members/AAA1/children?tree=placement&period=2026-03")
	sameChildren(t, "AAA1's placement children", got, []child{
		{code: "CCC", side: "L", pv: "0.00", spill: true},
	})
	_, got = children(t, w, bg, admin, "/api/v1/members/BBB/children?tree=placement&period=2026-04")
	sameChildren(t, "BBB's placement children in April", got, []child{
		{code: "BBB1", side: "L", pv: pv},
	})
	_, got = children(t, w, bg, admin, "/api/v1/members/CCC/children?tree=placement")
	sameChildren(t, "a leaf's children", got, nil)

	// Without a period, the month the clock reads, in the company's zone.
	mid := clock.With(bg, clock.Fixed(time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)))
	body, got := children(t, w, mid, a, "/api/v1/members/AAA/children?tree=sponsor")
	if body["period"] != "2026-03" || body["tree"] != "sponsor" || body["member"] != "AAA" {
		t.Errorf("default period: %v", body)
	}
	if len(got) != 2 || got[0].pv != pv {
		t.Errorf("AAA's children in the clock's month: %+v", got)
	}
}

func TestChildrenScopeAndBadInput(t *testing.T) {
	w, _ := explorerWorld(t)
	a := w.token("AAA")
	for _, c := range []struct {
		path   string
		status int
		names  string
	}{
		{"/api/v1/members/BBB/children?tree=sponsor", 404, "BBB"},
		{"/api/v1/members/ROOT1/children?tree=placement", 404, "ROOT1"},
		{"/api/v1/members/NOPE1/children", 404, "NOPE1"},
		{"/api/v1/members/AAA/children?tree=binary", 422, "tree"},
		{"/api/v1/members/AAA/children?period=2026-13", 422, "period"},
		{"/api/v1/members/AAA/children?tree=placement&period=March", 422, "period"},
	} {
		res := w.call("GET", c.path, a, nil)
		if res.status != c.status {
			t.Errorf("GET %s: %d, want %d: %s", c.path, res.status, c.status, res.body)
			continue
		}
		if detail, _ := res.json(t)["detail"].(string); !strings.Contains(detail, c.names) {
			t.Errorf("GET %s: %q does not name %s", c.path, detail, c.names)
		}
	}
	hidden := w.call("GET", "/api/v1/members/BBB1/children", a, nil).json(t)["detail"].(string)
	missing := w.call("GET", "/api/v1/members/ZZZ999/children", a, nil).json(t)["detail"].(string)
	if strings.ReplaceAll(hidden, "BBB1", "X") != strings.ReplaceAll(missing, "ZZZ999", "X") {
		t.Errorf("a hidden member reads %q, a missing one %q", hidden, missing)
	}
}

// leg is the part of a leg the tests compare.
type leg struct{ head, side, gv string }

func performance(t *testing.T, w *world, token, path string) (map[string]any, []leg) {
	t.Helper()
	res := w.call("GET", path, token, nil)
	if res.status != 200 {
		t.Fatalf("GET %s: %d %s", path, res.status, res.body)
	}
	body := res.json(t)
	var out []leg
	for _, it := range body["legs"].([]any) {
		m := it.(map[string]any)
		side, _ := m["side"].(string)
		out = append(out, leg{head: m["head"].(string), side: side, gv: m["gv"].(string)})
	}
	return body, out
}

func TestPerformanceGroupVolumePerLeg(t *testing.T) {
	w, pv := explorerWorld(t)
	admin, a := w.token("admin"), w.token("AAA")
	cases := []struct {
		token, path string
		pv, gv      string
		legs        []leg
	}{
		// AAA1's order counts in March in AAA's leg, and its return in April.
		{admin, "/api/v1/members/ROOT1/performance?tree=placement&period=2026-03", "0.00", pv,
			[]leg{{"AAA", "L", pv}, {"BBB", "R", "0.00"}}},
		{admin, "/api/v1/members/ROOT1/performance?tree=sponsor&period=2026-04", "0.00", "0.00",
			[]leg{{"AAA", "", "-" + pv}, {"BBB", "", pv}}},
		{a, "/api/v1/members/AAA/performance?tree=sponsor&period=2026-03", "0.00", pv,
			[]leg{{"AAA1", "", pv}, {"CCC", "", "0.00"}}},
		{a, "/api/v1/members/AAA/performance?tree=placement&period=2026-02", "0.00", "0.00",
			[]leg{{"AAA1", "L", "0.00"}}},
		{admin, "/api/v1/members/BBB1/performance?period=2026-04", pv, pv, nil},
	}
	for _, c := range cases {
		body, legs := performance(t, w, c.token, c.path)
		if body["pv"] != c.pv || body["gv"] != c.gv {
			t.Errorf("GET %s: pv %v gv %v, want %s and %s", c.path, body["pv"], body["gv"], c.pv, c.gv)
		}
		if len(legs) != len(c.legs) {
			t.Errorf("GET %s: legs %+v, want %+v", c.path, legs, c.legs)
			continue
		}
		for i := range legs {
			if legs[i] != c.legs[i] {
				t.Errorf("GET %s: leg %d is %+v, want %+v", c.path, i, legs[i], c.legs[i])
			}
		}
	}
	for path, want := range map[string]int{
		"/api/v1/members/BBB/performance":                  404,
		"/api/v1/members/AAA/performance?tree=left":        422,
		"/api/v1/members/AAA/performance?period=2026-3":    422,
		"/api/v1/members/AAA1/performance?period=2026-W02": 200,
	} {
		if res := w.call("GET", path, a, nil); res.status != want {
			t.Errorf("GET %s: %d, want %d: %s", path, res.status, want, res.body)
		}
	}
}
