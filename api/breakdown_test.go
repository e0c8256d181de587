package api_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/shopspring/decimal"
)

// The breakdown of a run adds up to the run: the bonuses to its total, the
// ranks to its members; the movers are the members who earned most, each
// with the sum of their lines, as the period before has no run.
func TestRunBreakdown(t *testing.T) {
	w := settleWorld(t)
	fin := w.token("finance")
	if res := w.call("POST", "/api/v1/plans", fin, map[string]any{"document": testPlan, "effective": "2020-01-01"}); res.status != 201 {
		t.Fatalf("upload plan: %d %s", res.status, res.body)
	}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	var confirmed time.Time
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT max(confirmed_at) FROM orders`).Scan(&confirmed); err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(shanghai)
	code := confirmed.In(shanghai).Format("2006-01")
	var cutoff map[string]any
	if code == now.Format("2006-01") {
		cutoff = map[string]any{"cutoff": now.Format(time.RFC3339Nano)}
	}
	if res := w.call("GET", "/api/v1/periods/"+code+"/breakdown", fin, nil); res.status != 404 {
		t.Errorf("breakdown of a period not run: %d %s", res.status, res.body)
	}
	run := w.runPeriod(t, "finance", code, cutoff, "bd-1")["run"].(map[string]any)

	res := w.call("GET", "/api/v1/periods/"+code+"/breakdown?movers=100", w.token("admin"), nil)
	if res.status != 200 {
		t.Fatalf("breakdown: %d %s", res.status, res.body)
	}
	b := res.json(t)
	if b["baseline"] != nil {
		t.Errorf("a baseline for the first period: %v", b["baseline"])
	}
	dec := func(v any) decimal.Decimal { return decimal.RequireFromString(v.(string)) }
	sum := decimal.Zero
	for _, x := range b["bonuses"].([]any) {
		bt := x.(map[string]any)
		sum = sum.Add(dec(bt["amount"]))
		if !dec(bt["baseline"]).IsZero() {
			t.Errorf("bonus %v has a baseline without one: %v", bt["bonus"], bt)
		}
	}
	if !sum.Equal(dec(run["bonus_total"])) {
		t.Errorf("bonuses add up to %s, the run's total is %v", sum, run["bonus_total"])
	}
	members := 0.0
	for _, x := range b["ranks"].([]any) {
		members += x.(map[string]any)["members"].(float64)
	}
	if members != run["members"].(float64) {
		t.Errorf("ranks count %v members, the run %v", members, run["members"])
	}
	movers := b["movers"].([]any)
	if len(movers) == 0 {
		t.Fatal("no movers though members earned")
	}
	last := decimal.NewFromInt(1 << 40)
	for _, x := range movers {
		mv := x.(map[string]any)
		change := dec(mv["change"])
		if change.Abs().GreaterThan(last) || !change.Equal(dec(mv["amount"])) {
			t.Errorf("mover %v out of order or with a change other than its amount (last %s)", mv, last)
		}
		last = change.Abs()
		lines := w.call("GET", "/api/v1/periods/"+code+"/lines?limit=1000&member="+mv["member"].(string), fin, nil).json(t)["items"].([]any)
		own := decimal.Zero
		for _, l := range lines {
			own = own.Add(dec(l.(map[string]any)["amount"]))
		}
		if !own.Equal(dec(mv["amount"])) {
			t.Errorf("mover %v: their lines add up to %s", mv, own)
		}
	}
	if res := w.call("GET", "/api/v1/periods/"+code+"/breakdown?movers=101", fin, nil); res.status != 400 && res.status != 422 {
		t.Errorf("movers=101: %d %s", res.status, res.body)
	}
}

// The periods: with none defined, last month is open (with the plan in
// force once there is one); once a period is run, it is listed with its
// status and run, and the months before it are not offered any more.
func TestPeriods(t *testing.T) {
	w := settleWorld(t)
	fin := w.token("finance")
	list := func() []map[string]any {
		t.Helper()
		res := w.call("GET", "/api/v1/periods", w.token("admin"), nil)
		var out []map[string]any
		if res.status != 200 || json.Unmarshal(res.body, &out) != nil {
			t.Fatalf("periods: %d %s", res.status, res.body)
		}
		return out
	}
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Now().In(shanghai)
	last := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, shanghai).Format("2006-01")
	if ps := list(); len(ps) != 1 || ps[0]["period"] != last || ps[0]["status"] != "open" || ps[0]["defined"] != false || ps[0]["plan"] != nil {
		t.Errorf("periods before any plan or run: %v, want %s open without a plan", ps, last)
	}
	if res := w.call("POST", "/api/v1/plans", fin, map[string]any{"document": testPlan, "effective": "2020-01-01"}); res.status != 201 {
		t.Fatalf("upload plan: %d %s", res.status, res.body)
	}
	if ps := list(); len(ps) != 1 || ps[0]["plan"] == nil || ps[0]["plan"].(map[string]any)["name"] != "Office" {
		t.Errorf("periods with a plan: %v", ps)
	}
	var confirmed time.Time
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT max(confirmed_at) FROM orders`).Scan(&confirmed); err != nil {
		t.Fatal(err)
	}
	code := confirmed.In(shanghai).Format("2006-01")
	var cutoff map[string]any
	if code == now.Format("2006-01") {
		cutoff = map[string]any{"cutoff": now.Format(time.RFC3339Nano)}
	}
	w.runPeriod(t, "finance", code, cutoff, "p-1")
	ps := list()
	if len(ps) == 0 || ps[len(ps)-1]["period"] != code || ps[len(ps)-1]["status"] != "draft" || ps[len(ps)-1]["defined"] != true ||
		ps[len(ps)-1]["run"].(map[string]any)["run_by"] != "user:finance" {
		t.Fatalf("periods after a run of %s: %v", code, ps)
	}
	for _, p := range ps[:len(ps)-1] {
		if p["status"] != "open" || p["defined"] != false || p["period"].(string) <= code {
			t.Errorf("period %v listed before the run of %s", p, code)
		}
	}
}
