package api_test

import (
	"context"
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
