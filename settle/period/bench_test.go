package period_test

import (
	"flag"
	"testing"
	"time"

	"downline/ledger/ledgertest"
	"downline/settle/period"
)

var benchMembers = flag.Int("period.members", 1_000_000, "members in BenchmarkPeriodRun")

// BenchmarkPeriodRun settles a period of -period.members members with about
// two orders each from Postgres back to Postgres, and approves it. Seeding
// and loading the graph store are not timed. Run it once:
//
//	go test -run '^$' -bench PeriodRun -benchtime 1x -timeout 60m ./settle/period
func BenchmarkPeriodRun(b *testing.B) {
	n := *benchMembers
	db := ledgertest.DB(b)
	t0 := time.Now()
	seedBulk(b, db, n, 2*n)
	b.Logf("seeded %d members, %d orders in %s", n, 2*n, time.Since(t0).Round(time.Second))
	defineBulk(b, db, "B1")
	t0 = time.Now()
	r := runner(b, db)
	b.Logf("graph store loaded in %s", time.Since(t0).Round(time.Millisecond))
	r.Progress = func(s string) { b.Logf("%6.2fs %s", time.Since(t0).Seconds(), s) }
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		t0 = time.Now()
		out, err := r.Run(ctx, "B1", "alice")
		if err != nil {
			b.Fatal(err)
		}
		wall := time.Since(t0)
		b.ReportMetric(wall.Seconds(), "run-s")
		b.ReportMetric(float64(out.Run.ReadMS)/1000, "read-s")
		b.ReportMetric(float64(out.Run.ComputeMS)/1000, "compute-s")
		b.ReportMetric(float64(out.Run.WriteMS)/1000, "write-s")
		b.ReportMetric(out.Commit.Seconds(), "commit-s")
		b.ReportMetric(float64(out.Run.Lines), "lines")
		b.Logf("run %s: %d members, %d orders, %d lines; read %dms compute %dms write %dms commit %s",
			wall.Round(time.Millisecond), out.Read.Members, out.Read.Orders, out.Run.Lines, out.Run.ReadMS, out.Run.ComputeMS, out.Run.WriteMS, out.Commit.Round(time.Millisecond))
	}
	b.StopTimer()
	t0 = time.Now()
	if _, err := period.Approve(ctx, db, "B1", "bob", "benchmark"); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(time.Since(t0).Seconds(), "approve-s")
	b.Logf("approved (journal entries posted) in %s", time.Since(t0).Round(time.Millisecond))
}
