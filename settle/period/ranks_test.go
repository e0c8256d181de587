package period_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"downline/ledger"
	"downline/ledger/order"
	"downline/settle/period"
)

// rankEvents lists the member.rank_advanced events of period code as
// "member previous>rank" ("-" for no previous rank), sorted.
func rankEvents(t *testing.T, db *ledger.DB, code string) []string {
	t.Helper()
	evs, err := db.ReadOutbox(ctx, 0, 10_000)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range evs {
		if e.Kind != period.EventRankAdvanced {
			continue
		}
		var p struct {
			Period  string
			Members []struct{ Code, Rank, Previous string }
		}
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			t.Fatal(err)
		}
		if p.Period != code {
			continue
		}
		for _, m := range p.Members {
			prev := m.Previous
			if prev == "" {
				prev = "-"
			}
			got = append(got, fmt.Sprintf("%s %s>%s", m.Code, prev, m.Rank))
		}
	}
	slices.Sort(got)
	return got
}

// Approval announces exactly the members whose rank rose since the previous
// approved run (tiny plan: Member < Bronze < Silver).
func TestRankAdvanced(t *testing.T) {
	db := company(t)
	t0 := time.Now().Add(-time.Hour)
	uploadPlan(t, db, "testdata/plan.yaml", t0.Add(-24*time.Hour))
	if _, err := period.LatestApproved(ctx, db.Pool); !errors.Is(err, ledger.ErrNotFound) {
		t.Fatalf("latest approved run before any approval: %v", err)
	}
	// P1 is the tiny example: A01 and B01 reach Bronze, everyone else is a Member.
	buy(t, db, "a", "A01", order.Repeat, 10)
	buy(t, db, "b", "B01", order.Registration, 15)
	buy(t, db, "c", "C01", order.Registration, 10)
	buy(t, db, "d", "D01", order.Registration, 18)
	buy(t, db, "e", "E01", order.Repeat, 5)
	buy(t, db, "f", "F01", order.Registration, 12)
	buy(t, db, "g", "G01", order.Registration, 10)
	t1 := time.Now()
	define(t, db, "P1", t0, t1)
	r := runner(t, db)
	must(r.Run(ctx, "P1", "alice"))
	if got := rankEvents(t, db, "P1"); len(got) != 0 {
		t.Fatalf("a draft announced ranks: %v", got)
	}
	must(period.Approve(ctx, db, "P1", "bob", "checked"))
	// No earlier run: reaching any rank above the first is an advance.
	if got, want := rankEvents(t, db, "P1"), []string{"A01 ->Bronze", "B01 ->Bronze"}; !slices.Equal(got, want) {
		t.Fatalf("P1 rank events %v, want %v", got, want)
	}
	latest := must(period.LatestApproved(ctx, db.Pool))
	if latest.Period.Code != "P1" {
		t.Fatalf("latest approved run is of %s", latest.Period.Code)
	}
	if names := must(period.RankNames(ctx, db.Pool, latest)); !slices.Equal(names, []string{"Member", "Bronze", "Silver"}) {
		t.Fatalf("rank names %v", names)
	}

	// P2: C01 (with F01's 200) and D01 (with G01's 100) reach Bronze, so A01
	// has two Bronze legs and 700 of capped volume: Silver. B01 stays Bronze.
	buy(t, db, "a2", "A01", order.Repeat, 10)
	buy(t, db, "b2", "B01", order.Repeat, 15)
	buy(t, db, "c2", "C01", order.Repeat, 10)
	buy(t, db, "d2", "D01", order.Repeat, 20)
	buy(t, db, "f2", "F01", order.Repeat, 20)
	buy(t, db, "g2", "G01", order.Repeat, 10)
	t2 := time.Now()
	define(t, db, "P2", t1, t2)
	must(r.Run(ctx, "P2", "alice"))
	must(period.Approve(ctx, db, "P2", "bob", "checked"))
	if got, want := rankEvents(t, db, "P2"), []string{"A01 Bronze>Silver", "C01 Member>Bronze", "D01 Member>Bronze"}; !slices.Equal(got, want) {
		t.Fatalf("P2 rank events %v, want %v", got, want)
	}

	// P3 without orders: everyone falls back to Member, which is no advance.
	define(t, db, "P3", t2, time.Now())
	must(r.Run(ctx, "P3", "alice"))
	must(period.Approve(ctx, db, "P3", "bob", "checked"))
	if got := rankEvents(t, db, "P3"); len(got) != 0 {
		t.Fatalf("P3 rank events %v, want none", got)
	}
	ledgerClean(t, db, "three approvals")
}
