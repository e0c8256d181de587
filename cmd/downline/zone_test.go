package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"downline/ledger"
	"downline/settle/period"
)

// TestCompanyZoneSetting: the company's zone is a setting (COMPANY_TZ): a
// period defined without --tz begins and ends at midnight in it, and its
// run records the zone; a setting that names no zone is refused.
func TestCompanyZoneSetting(t *testing.T) {
	f := newSettleFixture(t)
	ctx := context.Background()
	ny := map[string]string{ledger.CompanyZoneEnv: "America/New_York", passwordEnv: fixturePassword}
	if out, err := f.settle("", ny, "plan", "upload", "--file", f.planFile, "--effective", "2020-01-01", "--as", "finance"); err != nil {
		t.Fatalf("plan upload: %v\n%s", err, out)
	}
	out, err := f.settle("", map[string]string{ledger.CompanyZoneEnv: "Mars/Olympus_Mons"}, "run", "--period", "2020-01")
	if err == nil || !strings.Contains(err.Error(), "$COMPANY_TZ") {
		t.Errorf("run with a setting that names no zone: %v\n%s", err, out)
	}
	if out, err := f.settle("", ny, "run", "--period", "2020-01", "--as", "finance"); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	r, err := period.GetRun(ctx, f.db.Pool, "2020-01")
	if err != nil {
		t.Fatal(err)
	}
	loc, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	start, cutoff := time.Date(2020, 1, 1, 0, 0, 0, 0, loc), time.Date(2020, 2, 1, 0, 0, 0, 0, loc)
	if !r.Period.StartsAt.Equal(start) || !r.Period.CutoffAt.Equal(cutoff) || r.Period.TimeZone != "America/New_York" {
		t.Errorf("period 2020-01 [%s, %s) in %q, want [%s, %s) in America/New_York", r.Period.StartsAt, r.Period.CutoffAt, r.Period.TimeZone, start, cutoff)
	}
	if out, err := f.settle("", nil, "show", "--period", "2020-01"); err != nil || !strings.Contains(out, "America/New_York") {
		t.Errorf("settle show does not name the zone: %v\n%s", err, out)
	}

}
