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
