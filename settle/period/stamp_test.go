package period_test

import (
	"context"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger/order"
	"downline/settle/period"
)

// TestStampsFromTheClock runs, re-runs, adjusts, approves and pays a period
// on a clock pinned across a month end (Asia/Shanghai, eight hours ahead of
// UTC) and checks that each stamp is the clock's moment, not the database's.
func TestStampsFromTheClock(t *testing.T) {
	db := company(t)
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) (context.Context, time.Time) {
		m, err := clock.Parse(s, sh)
		if err != nil {
			t.Fatal(err)
		}
		return clock.With(ctx, clock.Fixed(m)), m
	}
	t0 := time.Now().Add(-time.Hour)
	uploadPlan(t, db, "testdata/plan.yaml", t0.Add(-24*time.Hour))
	buy(t, db, "a", "A01", order.Repeat, 10)
	buy(t, db, "b", "B01", order.Registration, 15)
	define(t, db, "P1", t0, time.Now())
	r := runner(t, db)

	runCtx, runAt := at("2026-01-31 23:59:59")
	if _, err := r.Run(runCtx, "P1", "alice"); err != nil {
		t.Fatal(err)
	}
	stamp := func(query string) time.Time {
		t.Helper()
		var got time.Time
		if err := db.Pool.QueryRow(ctx, query).Scan(&got); err != nil {
			t.Fatal(err)
		}
		return got
	}
	if got := stamp(`SELECT run_at FROM settle_runs`); !got.Equal(runAt) {
		t.Fatalf("run_at %s, want the clock's %s", got, runAt)
	}
	rerunCtx, rerunAt := at("2026-02-01 00:00:00")
	if _, err := r.Run(rerunCtx, "P1", "alice"); err != nil {
		t.Fatal(err)
	}
	if got := stamp(`SELECT run_at FROM settle_runs`); !got.Equal(rerunAt) || got.In(sh).Month() != time.February {
		t.Fatalf("re-run's run_at %s, want the clock's %s (February in Asia/Shanghai)", got, rerunAt)
	}
	adjCtx, adjAt := at("2026-02-01 00:00:01")
	if _, err := period.Adjust(adjCtx, db, "P1", "A01", decimal.NewFromInt(5), "late order", "alice"); err != nil {
		t.Fatal(err)
	}
	if got := stamp(`SELECT entered_at FROM settle_manual_adjustments`); !got.Equal(adjAt) {
		t.Fatalf("adjustment entered_at %s, want %s", got, adjAt)
	}
	// The adjustment needs a re-run before approval.
	if _, err := r.Run(rerunCtx, "P1", "alice"); err != nil {
		t.Fatal(err)
	}
	apCtx, apAt := at("2026-02-28 23:59:59")
	if _, err := period.Approve(apCtx, db, "P1", "bob", "checked"); err != nil {
		t.Fatal(err)
	}
	payCtx, payAt := at("2026-03-01 00:00:00") // 28 February 16:00 UTC
	p, err := period.Pay(payCtx, db, "P1", decimal.Zero, "alice")
	if err != nil {
		t.Fatal(err)
	}
	if !p.PaidAt.Equal(payAt) {
		t.Fatalf("payout paid at %s, want %s", p.PaidAt, payAt)
	}
	if got := stamp(`SELECT approved_at FROM settle_runs`); !got.Equal(apAt) {
		t.Fatalf("approved_at %s, want %s", got, apAt)
	}
	for _, q := range []string{`SELECT paid_at FROM settle_payouts`, `SELECT paid_at FROM settle_runs`} {
		if got := stamp(q); !got.Equal(payAt) || got.UTC().Month() != time.February || got.In(sh).Month() != time.March {
			t.Fatalf("%s: %s, want %s", q, got, payAt)
		}
	}
	pp, _, err := period.GetPayout(ctx, db.Pool, "P1")
	if err != nil || !pp.PaidAt.Equal(payAt) {
		t.Fatalf("stored payout: %+v, %v", pp, err)
	}
}
