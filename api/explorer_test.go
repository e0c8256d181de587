package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/api"
	"downline/clock"
	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/member"
	"downline/ledger/order"
	"downline/network"
	"downline/settle/period"
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

// buy places, pays and confirms at `at` an order of qty VC-100 (PV 50 each)
// for code.
func (w *world) buy(at time.Time, code string, qty int64) {
	w.t.Helper()
	key := fmt.Sprintf("buy-%s-%s-%d", code, at.Format("20060102150405"), qty)
	w.at(at, func(ctx context.Context, tx pgx.Tx) error {
		_, err := goodstest.Buy(ctx, tx, key, code, qty)
		return err
	})
}

// ladder is a plan small enough to check by hand: Bronze needs PV 50 and
// GV 100; Silver PV 50, qualifying GV 300 with each leg counted for at
// most 150, and two frontline legs holding a Bronze.
const ladder = `
name: Ladder
currency: CNY
scale: 2
active_pv: 10
ranks:
  - name: Member
  - name: Bronze
    pv: 50
    gv: 100
  - name: Silver
    pv: 50
    gv: 300
    max_leg_pct: 50
    legs: {count: 2, rank: Bronze}
bonuses:
  binary: {pct: 10}
`

// rankWorld settles May 2026 under the ladder: AAA1 and BBB1 buy 2 each,
// AAA 1, so AAA, AAA1 and BBB1 hold Bronze. In June (the clock's month)
// AAA buys 1, AAA1 4 and BBB1 1.
func rankWorld(t *testing.T) (*world, context.Context) {
	w, _ := explorerWorld(t)
	loc, err := ledger.CompanyZone()
	if err != nil {
		t.Fatal(err)
	}
	may := time.Date(2026, 5, 10, 12, 0, 0, 0, loc)
	w.buy(may, "AAA1", 2)
	w.buy(may, "BBB1", 2)
	w.buy(may, "AAA", 1)
	w.at(time.Date(2026, 4, 20, 0, 0, 0, 0, loc), func(ctx context.Context, tx pgx.Tx) error {
		_, err := period.UploadPlan(ctx, tx, []byte(ladder), time.Date(2026, 5, 1, 0, 0, 0, 0, loc), "finance")
		return err
	})
	settled := clock.With(context.Background(), clock.Fixed(time.Date(2026, 6, 2, 9, 0, 0, 0, loc)))
	if _, err := period.Ensure(settled, w.db, "2026-05", loc, time.Time{}, "finance"); err != nil {
		t.Fatal(err)
	}
	_, _ = w.srv.Feed.CatchUp(settled)
	if _, err := (&period.Runner{DB: w.db, Graph: w.srv.Graph}).Run(settled, "2026-05", "finance"); err != nil {
		t.Fatal(err)
	}
	if _, err := period.Approve(settled, w.db, "2026-05", "finance2", "checked"); err != nil {
		t.Fatal(err)
	}
	june := time.Date(2026, 6, 5, 12, 0, 0, 0, loc)
	w.buy(june, "AAA", 1)
	w.buy(june, "AAA1", 4)
	w.buy(june, "BBB1", 1)
	return w, clock.With(context.Background(), clock.Fixed(time.Date(2026, 6, 15, 12, 0, 0, 0, loc)))
}

// canon is a JSON text with its objects' keys in order, as a decoded
// answer prints.
func canon(t *testing.T, s string) string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func TestRankProgressByThePlan(t *testing.T) {
	w, june := rankWorld(t)
	admin, a := w.token("admin"), w.token("AAA")
	get := func(token, path string) map[string]any {
		t.Helper()
		res := w.callOn(june, w.h, "GET", path, token, nil)
		if res.status != 200 {
			t.Fatalf("GET %s: %d %s", path, res.status, res.body)
		}
		return res.json(t)
	}
	js := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	// AAA holds Bronze from May. For Silver: PV 50 of 50; qualifying GV
	// 50 + min(200, 150) for AAA1's leg + 0 for CCC's = 200 of 300; one leg
	// (AAA1's) of the two holds a Bronze.
	perf := get(a, "/api/v1/members/AAA/performance")
	if perf["period"] != "2026-06" || perf["as_of"] != nil || perf["rank"] != "Bronze" || perf["rank_index"] != 1.0 || js(perf["ranks"]) != `["Member","Bronze","Silver"]` {
		t.Errorf("AAA's June head: %s", js(perf))
	}
	if got, want := js(perf["next_rank"]), canon(t, `{"name":"Silver","pv":{"need":"50.00","have":"50.00"},"qgv":{"need":"300.00","have":"200.00","cap":"150.00"},"legs":{"need":2,"rank":"Bronze","have":1},"missing":["qgv","legs"]}`); got != want {
		t.Errorf("AAA's next rank:\n got %s\nwant %s", got, want)
	}
	if got, want := js(perf["legs"]), canon(t, `[{"head":"AAA1","total":1,"active":1,"gv":"200.00","counted":"150.00"},{"head":"CCC","total":1,"active":0,"gv":"0.00","counted":"0.00"}]`); got != want {
		t.Errorf("AAA's legs:\n got %s\nwant %s", got, want)
	}
	if perf["pv"] != "50.00" || perf["gv"] != "250.00" {
		t.Errorf("AAA's June volumes: pv %v gv %v", perf["pv"], perf["gv"])
	}
	// ROOT1 holds Member: Bronze needs PV 50 (it has none); its qualifying
	// GV is AAA's 250 and BBB's 50, uncapped; Bronze asks for no legs.
	root := get(admin, "/api/v1/members/ROOT1/performance?tree=placement")
	if got, want := js(root["next_rank"]), canon(t, `{"name":"Bronze","pv":{"need":"50.00","have":"0.00"},"qgv":{"need":"100.00","have":"300.00","cap":null},"legs":null,"missing":["pv"]}`); got != want {
		t.Errorf("ROOT1's next rank:\n got %s\nwant %s", got, want)
	}
	// The carry into June is May's carry-out, as the approved run wrote it.
	var cl, cr string
	if err := w.db.Pool.QueryRow(june, `SELECT carry_left::numeric(20,2)::text, carry_right::numeric(20,2)::text FROM settle_run_members
		WHERE member = 'ROOT1'`).Scan(&cl, &cr); err != nil {
		t.Fatal(err)
	}
	if cl == "0.00" && cr == "0.00" {
		t.Fatalf("May leaves ROOT1 no carry: the test shows nothing")
	}
	if root["carry_left"] != cl || root["carry_right"] != cr {
		t.Errorf("ROOT1's carry into June: %v/%v, want %s/%s", root["carry_left"], root["carry_right"], cl, cr)
	}
	// The placement volumes: AAA's leg 250, BBB's 50.
	if root["left_gv"] != "250.00" || root["right_gv"] != "50.00" {
		t.Errorf("ROOT1's June left/right: %v/%v", root["left_gv"], root["right_gv"])
	}
	// A past month shows its own run's ranks; April, before any run, none.
	may := get(a, "/api/v1/members/AAA/node?period=2026-05")["node"].(map[string]any)
	if may["rank"] != "Bronze" || may["rank_index"] != 1.0 || may["gv"] != "150.00" || may["carry_left"] != "0.00" {
		t.Errorf("AAA in May: %s", js(may))
	}
	april := get(a, "/api/v1/members/AAA/node?period=2026-04")
	if n := april["node"].(map[string]any); n["rank"] != "" || n["rank_index"] != -1.0 {
		t.Errorf("AAA in April, before any run: %s", js(n))
	}
	if april["as_of"] != "2026-05-01T00:00:00+08:00" {
		t.Errorf("April is shown as of %v", april["as_of"])
	}
}

func TestExplorerRoutes(t *testing.T) {
	w, pv := explorerWorld(t)
	admin, a := w.token("admin"), w.token("AAA")
	march := clock.With(context.Background(), clock.Fixed(time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)))
	get := func(token, path string, want int) map[string]any {
		t.Helper()
		res := w.callOn(march, w.h, "GET", path, token, nil)
		if res.status != want {
			t.Fatalf("GET %s: %d, want %d: %s", path, res.status, want, res.body)
		}
		return res.json(t)
	}
	js := func(v any) string {
		b, _ := json.Marshal(v)
		return string(b)
	}
	// The root of the explorer, in March (live: as_of null).
	n := get(a, "/api/v1/members/AAA/node?tree=placement", 200)
	node := n["node"].(map[string]any)
	if n["as_of"] != nil || n["member"] != "AAA" || node["code"] != "AAA" || node["depth"] != 0.0 || node["gv"] != pv || node["left_gv"] != pv ||
		node["right_gv"] != "0.00" || node["team"] != 2.0 || node["ranks"] != nil || js(n["ranks"]) != "[]" {
		t.Errorf("AAA's node in March: %s", js(n))
	}
	// Pages of a frontline.
	p1 := get(admin, "/api/v1/members/ROOT1/children?limit=1", 200)
	p2 := get(admin, "/api/v1/members/ROOT1/children?limit=1&cursor="+p1["next"].(string), 200)
	if len(p1["items"].([]any)) != 1 || p1["next"] != "1" || p2["next"] != "" || p2["items"].([]any)[0].(map[string]any)["code"] != "BBB" {
		t.Errorf("ROOT1's children a page at a time: %s then %s", js(p1), js(p2))
	}
	// Search below a member, with the path down to each match.
	s := get(a, "/api/v1/members/AAA/search?q=ci&tree=placement", 200)
	if got := js(s["items"]); !strings.Contains(got, `"path":["AAA","AAA1","CCC"]`) || len(s["items"].([]any)) != 1 {
		t.Errorf("search ci under AAA: %s", got)
	}
	if s := get(a, "/api/v1/members/AAA/search?q=bbb", 200); len(s["items"].([]any)) != 0 {
		t.Errorf("a member finds outside its team: %s", js(s))
	}
	// The bottom of the outer legs.
	le := get(admin, "/api/v1/members/ROOT1/leg-end?side=L", 200)
	if js(le["path"]) != `["ROOT1","AAA","AAA1","CCC"]` || le["node"].(map[string]any)["code"] != "CCC" || le["side"] != "L" {
		t.Errorf("ROOT1's outer left leg: %s", js(le))
	}
	// Who joined AAA's team in February.
	nm := get(a, "/api/v1/members/AAA/new-members?period=2026-02", 200)
	if got := js(nm["items"]); nm["period"] != "2026-02" || !strings.Contains(got, `"code":"CCC"`) || len(nm["items"].([]any)) != 1 {
		t.Errorf("new in AAA's team in February: %s", js(nm))
	}
	if nm := get(a, "/api/v1/members/AAA/new-members?period=2026-03", 200); len(nm["items"].([]any)) != 0 {
		t.Errorf("new in AAA's team in March: %s", js(nm))
	}
	// A month before a member joined does not show it.
	get(admin, "/api/v1/members/CCC/node?period=2026-01", 404)
	for path, names := range map[string]string{
		"/api/v1/members/AAA/search?q=":          "q",
		"/api/v1/members/AAA/search?q=%20":       "q",
		"/api/v1/members/AAA/leg-end?side=X":     "side",
		"/api/v1/members/AAA/children?cursor=x":  "cursor",
		"/api/v1/members/AAA/node?period=202603": "period",
	} {
		res := w.callOn(march, w.h, "GET", path, a, nil)
		if detail, _ := res.json(t)["detail"].(string); res.status != 422 || !strings.Contains(detail, names) {
			t.Errorf("GET %s: %d %s, want 422 naming %s", path, res.status, res.body, names)
		}
	}
	for _, path := range []string{"/api/v1/members/BBB/node", "/api/v1/members/BBB/search?q=B", "/api/v1/members/ROOT1/leg-end?side=L",
		"/api/v1/members/BBB1/new-members"} {
		if res := w.callOn(march, w.h, "GET", path, a, nil); res.status != 404 {
			t.Errorf("GET %s as AAA: %d, want 404", path, res.status)
		}
	}
}

// A node writes itself as encoding/json would write its fields: names with
// quotes, backslashes, control characters and Chinese included.
func TestExplorerNodeJSON(t *testing.T) {
	n := api.ExplorerNode{NodeView: api.NodeView{Code: "AAA1", Name: "Li \"Lee\" \\ 王\n\t\x01", Status: "active",
		JoinedAt: time.Date(2026, 2, 28, 23, 59, 59, 5, time.UTC), Depth: 1, Sponsor: "AAA"},
		Team: 3, Active: 2, PV: -5, GV: 123456, LeftGV: 1, CarryRight: 100, Rank: "Bronze", RankIndex: 1, New: true}
	got, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"code": "AAA1", "name": n.Name, "status": "active", "joined_at": "2026-02-28T23:59:59.000000005Z", "depth": 1.0,
		"sponsor": "AAA", "spillover": false, "team": 3.0, "active": 2.0, "pv": "-0.05", "gv": "1234.56", "left_gv": "0.01", "right_gv": "0.00",
		"carry_left": "0.00", "carry_right": "1.00", "rank": "Bronze", "rank_index": 1.0, "new": true}
	var back map[string]any
	if err := json.Unmarshal(got, &back); err != nil {
		t.Fatalf("not JSON: %s: %v", got, err)
	}
	if fmt.Sprint(back) != fmt.Sprint(want) {
		t.Errorf("node JSON:\n got %v\nwant %v", back, want)
	}
}

// A wide frontline comes a page at a time, each page written once per
// index; a member joining shows at once.
func TestWideFrontlinePages(t *testing.T) {
	w, _ := explorerWorld(t)
	admin := w.token("admin")
	feb := time.Date(2026, 2, 20, 9, 0, 0, 0, time.UTC)
	add := func(from, to int) {
		w.at(feb, func(ctx context.Context, tx pgx.Tx) error {
			for i := from; i < to; i++ {
				if _, err := member.Register(ctx, tx, member.Registration{Code: fmt.Sprintf("WID%03d", i), Name: "Wide", Phone: fmt.Sprintf("+86139%08d", i),
					Sponsor: "BBB1", By: "test"}); err != nil {
					return err
				}
			}
			return nil
		})
		if _, err := w.srv.Feed.CatchUp(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	add(0, 40)
	march := clock.With(context.Background(), clock.Fixed(time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)))
	page := func(query string) (map[string]any, []byte) {
		t.Helper()
		res := w.callOn(march, w.h, "GET", "/api/v1/members/BBB1/children?"+query, admin, nil)
		if res.status != 200 {
			t.Fatalf("children?%s: %d %s", query, res.status, res.body)
		}
		return res.json(t), res.body
	}
	p1, raw := page("limit=25")
	p2, _ := page("limit=25&cursor=25")
	items1, items2 := p1["items"].([]any), p2["items"].([]any)
	if len(items1) != 25 || p1["next"] != "25" || len(items2) != 15 || p2["next"] != "" ||
		items1[0].(map[string]any)["code"] != "WID000" || items2[14].(map[string]any)["code"] != "WID039" {
		t.Errorf("pages of 40 children: %d next %v, then %d next %v", len(items1), p1["next"], len(items2), p2["next"])
	}
	if _, again := page("limit=25"); string(again) != string(raw) {
		t.Errorf("the same page read twice differs:\n%s\n%s", raw, again)
	}
	if p1["member"] != "BBB1" || p1["period"] != "2026-03" || items1[0].(map[string]any)["depth"] != 1.0 {
		t.Errorf("page head: %v", p1)
	}
	add(40, 41)
	if p, _ := page("limit=25&cursor=25"); len(p["items"].([]any)) != 16 {
		t.Errorf("after one more joined, the second page has %d children", len(p["items"].([]any)))
	}
}
