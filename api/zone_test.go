package api_test

import (
	"testing"
	"time"

	"downline/ledger"
)

// TestRunInCompanyZone: a run started over HTTP without tz defines its
// period in the company's zone (the COMPANY_TZ setting) and records it.
func TestRunInCompanyZone(t *testing.T) {
	w := newWorld(t)
	w.startWorker(t)
	t.Setenv(ledger.CompanyZoneEnv, "America/New_York")
	if res := w.call("POST", "/api/v1/plans", w.token("finance"), map[string]any{"document": testPlan, "effective": "2020-01-01"}); res.status != 201 {
		t.Fatalf("upload plan: %d %s", res.status, res.body)
	}
	run := w.runPeriod(t, "finance", "2020-01", nil, "run-ny")["run"].(map[string]any)
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	starts, err := time.Parse(time.RFC3339, run["starts_at"].(string))
	if err != nil || !starts.Equal(time.Date(2020, 1, 1, 0, 0, 0, 0, loc)) || run["time_zone"] != "America/New_York" {
		t.Errorf("run of 2020-01 starts at %v in %v, want midnight in America/New_York", run["starts_at"], run["time_zone"])
	}
}
