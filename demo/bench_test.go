package demo

import (
	"context"
	"flag"
	"io"
	"os"
	"testing"
	"time"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/check"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
)

var benchMembers = flag.Int("demo.members", 100_000, "members in BenchmarkDemoCompany")

// BenchmarkDemoCompany seeds the demo company of -demo.members members
// (100,000 by default) as `downline seed --demo` does, on a clock pinned
// to 15 November 2026 so that every run seeds the same rows: the network,
// then the company with its months of orders and the settlement of the
// two complete months, all timed (the fresh database is not). The phases
// go to stderr; the ledger is checked after, untimed.
func BenchmarkDemoCompany(b *testing.B) {
	zone, err := ledger.CompanyZone()
	if err != nil {
		b.Fatal(err)
	}
	at, err := clock.Parse("2026-11-15 12:00", zone)
	if err != nil {
		b.Fatal(err)
	}
	ctx := clock.With(context.Background(), clock.Fixed(at))
	var out io.Writer = io.Discard
	if testing.Verbose() {
		out = os.Stderr
	}
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := ledgertest.DB(b)
		b.StartTimer()
		started := time.Now()
		gen := member.GenerateCompany(*benchMembers, 1, at.AddDate(-2, 0, 0))
		if err := member.CopyNetwork(ctx, db, gen, nil); err != nil {
			b.Fatal(err)
		}
		sum, err := Company(ctx, db, "demo-password-1", 1, out)
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(started)
		b.StopTimer()
		b.ReportMetric(took.Seconds(), "s/seed")
		b.ReportMetric(float64(sum.Orders)/took.Seconds(), "orders/s")
		b.Logf("%d members, %d orders in %s", *benchMembers, sum.Orders, took.Round(time.Millisecond))
		if problems, err := check.Run(ctx, db); err != nil || len(problems) > 0 {
			b.Fatalf("ledger check: %v %v", problems, err)
		}
		b.StartTimer()
	}
}
