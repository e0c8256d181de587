package member_test

import (
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"downline/ledger"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/network"
)

func TestGenerateNetworkShape(t *testing.T) {
	start := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 200_000
	a := member.GenerateNetwork(n, 7, start)
	b := member.GenerateNetwork(n, 7, start)
	if !reflect.DeepEqual(a[:1000], b[:1000]) || !reflect.DeepEqual(a[n-1000:], b[n-1000:]) {
		t.Fatal("the same seed gave different networks")
	}
	if c := member.GenerateNetwork(1000, 8, start); reflect.DeepEqual(c, a[:1000]) {
		t.Fatal("another seed gave the same network")
	}
	recruits := make([]int, n)
	slots := map[[2]int32]bool{}
	depth := make([]int, n)
	maxDepth := 0
	for i, g := range a {
		if i == 0 {
			if g.Sponsor != -1 || g.Parent != -1 {
				t.Fatal("the first member must be the root")
			}
			continue
		}
		if g.Sponsor < 0 || int(g.Sponsor) >= i || g.Parent < 0 || int(g.Parent) >= i {
			t.Fatalf("member %d: sponsor %d / parent %d not an earlier member", i, g.Sponsor, g.Parent)
		}
		key := [2]int32{g.Parent, int32(g.Side)}
		if slots[key] || g.Side == network.NoSide {
			t.Fatalf("member %d: slot %v taken twice or no side", i, key)
		}
		slots[key] = true
		recruits[g.Sponsor]++
		depth[i] = depth[g.Sponsor] + 1
		maxDepth = max(maxDepth, depth[i])
		if !strings.HasPrefix(g.Phone, "+861") || g.Name == "" {
			t.Fatalf("member %d: %+v", i, g)
		}
	}
	sorted := slices.Clone(recruits)
	slices.Sort(sorted)
	median, p99, top := sorted[n/2], sorted[n*99/100], sorted[n-1]
	t.Logf("recruits: median %d, p99 %d, max %d; sponsor depth %d", median, p99, top, maxDepth)
	if median > 1 || top < 100*max(p99, 1)/10 || maxDepth < 100 {
		t.Fatalf("not heavy-tailed enough: median %d, p99 %d, max %d, depth %d", median, p99, top, maxDepth)
	}
}

func TestCopyNetwork(t *testing.T) {
	db := ledgertest.DB(t)
	gen := member.GenerateNetwork(5000, 1, time.Now().AddDate(-1, 0, 0))
	var seen []int
	if err := member.CopyNetwork(ctx, db, gen, func(n int) { seen = append(seen, n) }); err != nil {
		t.Fatal(err)
	}
	if len(seen) == 0 || seen[len(seen)-1] != 5000 {
		t.Fatalf("progress %v", seen)
	}
	if n := ledgertest.Count(t, db, `SELECT count(*) FROM members`); n != 5000 {
		t.Fatalf("%d members", n)
	}
	// The keys are back after the bulk load: a taken code and a taken slot are refused.
	g := gen[10]
	parentCode := gen[g.Parent].Code
	if _, err := register(t, db, member.Registration{Code: gen[3].Code, Name: "x", Phone: "+8613800000009", Sponsor: gen[0].Code, By: "t"}); !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("duplicate code after seeding: %v", err)
	}
	if _, err := register(t, db, member.Registration{Name: "x", Phone: "+8613800000009", Sponsor: gen[0].Code, Placement: parentCode, Side: g.Side.String(), By: "t"}); !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("taken slot after seeding: %v", err)
	}
	m, err := register(t, db, member.Registration{Name: "新人", Phone: "+8613800000009", Sponsor: gen[0].Code, By: "t"})
	if err != nil || m.ID != 5001 {
		t.Fatalf("register after seeding: %+v %v", m, err)
	}
	if err := member.CopyNetwork(ctx, db, gen, nil); !errors.Is(err, ledger.ErrConflict) {
		t.Fatalf("seeding a non-empty table: %v", err)
	}
}

// The demo's network: the top member sponsors the leaders, whose teams
// grow in a few big, deep legs; most members recruit nobody.
func TestGenerateCompanyShape(t *testing.T) {
	start := time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)
	const n = 2000
	a := member.GenerateCompany(n, 1, start)
	if !reflect.DeepEqual(a, member.GenerateCompany(n, 1, start)) {
		t.Fatal("the same seed gave different networks")
	}
	size, height, front := make([]int, n), make([]int, n), make([]int, n)
	for i := n - 1; i > 0; i-- {
		sp := a[i].Sponsor
		if sp < 0 || int(sp) >= i {
			t.Fatalf("member %d: sponsor %d", i, sp)
		}
		size[i]++
		size[sp] += size[i]
		height[sp] = max(height[sp], height[i]+1)
		front[sp]++
	}
	deepLeaders := 0
	if front[0] != member.CompanyLeaders {
		t.Errorf("the top member sponsors %d, want the %d leaders", front[0], member.CompanyLeaders)
	}
	for l := 1; l <= member.CompanyLeaders; l++ {
		var legs []int
		deep := 0
		for i := l + 1; i < n; i++ {
			if int(a[i].Sponsor) == l {
				legs = append(legs, size[i])
				if height[i] >= 4 { // five levels below the leader
					deep++
				}
			}
		}
		slices.Sort(legs)
		slices.Reverse(legs)
		t.Logf("leader %d: team %d, %d frontline, legs %v..., %d legs 5 deep", l, size[l]-1, len(legs), legs[:min(5, len(legs))], deep)
		// A few big legs: the biggest three of dozens hold 40% of the team.
		if len(legs) < 10 || 5*(legs[0]+legs[1]+legs[2]) < 2*(size[l]-1) || a[l].Status != network.Active {
			t.Errorf("leader %d: legs %v", l, legs)
		}
		if deep >= 3 {
			deepLeaders++
		}
	}
	if deepLeaders < 2 {
		t.Errorf("%d leaders have three legs five levels deep", deepLeaders)
	}
	none := 0
	for i := range front {
		if front[i] == 0 {
			none++
		}
	}
	if none < n/2 || none > n*9/10 {
		t.Errorf("%d of %d members recruit nobody", none, n)
	}
}
