package demo

import (
	"bytes"
	"context"
	"io"
	"testing"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/check"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/settle/period"
)

// The demo company's ledger goes down past the line sets (0310) and the
// journal's statement checks (0311, 0201 stays) and up again: every run
// keeps its lines byte for byte and the ledger checks clean.
func TestMigrationsDownAndUpKeepTheDemo(t *testing.T) {
	zone, err := ledger.CompanyZone()
	if err != nil {
		t.Fatal(err)
	}
	at, err := clock.Parse("2026-03-15 12:00", zone)
	if err != nil {
		t.Fatal(err)
	}
	ctx := clock.With(context.Background(), clock.Fixed(at))
	db := ledgertest.DB(t)
	if err := member.CopyNetwork(ctx, db, member.GenerateNetwork(60, 1, at.AddDate(-2, 0, 0)), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := Company(ctx, db, "demo-password-1", 1, io.Discard); err != nil {
		t.Fatal(err)
	}
	lines := func() map[string]string {
		t.Helper()
		runs, err := period.ListRuns(ctx, db.Pool)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, r := range runs {
			var b bytes.Buffer
			if err := period.WriteLinesCSV(ctx, db.Pool, r.Period.Code, &b); err != nil {
				t.Fatal(err)
			}
			out[r.Period.Code] = b.String()
		}
		return out
	}
	before := lines()
	if len(before) != 2 {
		t.Fatalf("the demo settled %d periods, want 2", len(before))
	}

	if _, undone, err := db.MigrateTo(ctx, 301); err != nil || len(undone) == 0 {
		t.Fatalf("down to 0301: undid %v, %v", undone, err)
	}
	var n int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM settle_run_lines r JOIN settle_runs s ON s.id = r.run_id`).Scan(&n); err != nil || n == 0 {
		t.Errorf("after going down, 0200's table holds %d lines of the runs (%v)", n, err)
	}
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatalf("up again: %v", err)
	}
	after := lines()
	for code, csv := range before {
		if after[code] != csv {
			t.Errorf("period %s: lines after down and up differ (%d bytes, before %d)", code, len(after[code]), len(csv))
		}
	}
	problems, err := check.Run(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("ledger check after down and up: %+v", p)
	}
}
