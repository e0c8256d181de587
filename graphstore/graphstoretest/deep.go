package graphstoretest

import (
	"context"
	"slices"
	"testing"
	"time"

	"downline/graphstore"
	"downline/network"
)

// testDeepChain builds a chain with one member per level in both trees
// (member i sponsors and places i+1 on its left): any recursion in a store
// overflows its stack here.
func testDeepChain(t *testing.T, newStore func(*testing.T) graphstore.Store, opts Options) {
	ctx := context.Background()
	s := newStore(t)
	n := opts.DeepChain
	top, bottom := network.MemberID(1), network.MemberID(n)
	var l log
	for from := 1; from <= n; from += opts.Batch {
		l.events = l.events[:0]
		for id := network.MemberID(from); id < network.MemberID(min(from+opts.Batch, n+1)); id++ {
			m := network.Member{ID: id, Code: "D" + itoa(int64(id)), Name: "chain", Joined: T0.Add(time.Duration(id) * time.Second)}
			if id > 1 {
				m.Sponsor, m.Parent, m.Side = id-1, id-1, L
			}
			l.register(m, m.Joined)
		}
		apply(t, s, l.events, opts.Batch)
	}
	if c, err := s.Count(ctx); err != nil || c != int64(n) {
		t.Fatalf("Count = %d, %v; want %d", c, err, n)
	}
	for _, tree := range []network.Tree{S, P} {
		up, err := s.Upline(ctx, tree, bottom, 0)
		if err != nil || len(up) != n-1 || n > 1 && (up[0].ID != bottom-1 || up[n-2].ID != top || up[n-2].Depth != n-1) {
			t.Fatalf("Upline(%s, bottom) = %d nodes, %v", tree, len(up), err)
		}
		team, err := s.Team(ctx, tree, top)
		if err != nil || team.Total != int64(n-1) || team.Active != int64(n-1) || team.Depth != n-1 ||
			n > 1 && (len(team.Legs) != 1 || team.Legs[0].Total != int64(n-1)) {
			t.Fatalf("Team(%s, top) = %+v, %v", tree, team, err)
		}
		in, err := s.IsInDownline(ctx, tree, top, bottom)
		if err != nil || in != (n > 1) {
			t.Fatalf("IsInDownline(%s, top, bottom) = %v, %v", tree, in, err)
		}
		if in, err := s.IsInDownline(ctx, tree, bottom, top); err != nil || in {
			t.Fatalf("IsInDownline(%s, bottom, top) = %v, %v", tree, in, err)
		}
		if n > 1 {
			leg, err := s.LegOf(ctx, tree, top, bottom)
			if err != nil || leg.Head != 2 || leg.Total != int64(n-1) {
				t.Fatalf("LegOf(%s, top, bottom) = %+v, %v", tree, leg, err)
			}
		}
		p, err := s.Downline(ctx, tree, top, graphstore.DownlineQuery{Limit: 100})
		if err != nil || len(p.Nodes) != min(100, n-1) || len(p.Nodes) > 0 && p.Nodes[len(p.Nodes)-1].Depth != len(p.Nodes) {
			t.Fatalf("Downline(%s, top) = %d nodes, %v", tree, len(p.Nodes), err)
		}
		if p.Next != "" {
			p, err = s.Downline(ctx, tree, top, graphstore.DownlineQuery{Limit: 100, Cursor: p.Next})
			if err != nil || len(p.Nodes) == 0 || p.Nodes[0].ID != 102 {
				t.Fatalf("Downline(%s, top) second page = %v, %v", tree, ids(p.Nodes), err)
			}
		}
		p, err = s.Downline(ctx, tree, top, graphstore.DownlineQuery{MinDepth: n - 1})
		if err != nil || n > 1 && (len(p.Nodes) != 1 || p.Nodes[0].ID != bottom) {
			t.Fatalf("Downline(%s, top, MinDepth %d) = %v, %v", tree, n-1, ids(p.Nodes), err)
		}
		e, err := s.Export(ctx, tree, time.Time{})
		if err != nil || len(e.IDs) != n || e.IDs[n-1] != bottom || e.Parent[n-1] != int32(n-2) {
			t.Fatalf("Export(%s) = %d members, %v", tree, len(e.IDs), err)
		}
	}
	for _, c := range []struct {
		how  network.AutoPlace
		want network.Slot
	}{
		{network.Leftmost, network.Slot{Parent: bottom, Side: L}},
		{network.Rightmost, network.Slot{Parent: top, Side: R}},
		{network.Balanced, network.Slot{Parent: top, Side: R}},
		{network.WeakLeg, network.Slot{Parent: top, Side: R}},
	} {
		if n == 1 && (c.how == network.Balanced || c.how == network.WeakLeg) {
			c.want.Side = L
		}
		if got, err := s.Place(ctx, top, c.how); err != nil || got != c.want {
			t.Fatalf("Place(top, %s) = %v, %v; want %v", c.how, got, err, c.want)
		}
	}
	if n < 4 {
		return
	}
	// Cut the chain in the middle of the sponsor tree: the lower half moves under the top.
	mid := network.MemberID(n/2 + 1)
	moved := T0.Add(time.Duration(n+10) * time.Second)
	apply(t, s, []network.Event{l.moveSponsor(mid, top, moved)}, 1)
	up, err := s.Upline(ctx, S, bottom, 0)
	if wantLen := n - int(mid) + 1; err != nil || len(up) != wantLen || up[len(up)-1].ID != top || up[len(up)-2].ID != mid {
		t.Fatalf("Upline(S, bottom) after the cut = %d nodes, %v; want %d ending mid, top", len(up), err, wantLen)
	}
	team, err := s.Team(ctx, S, top)
	if err != nil || team.Depth != n-int(mid)+1 || len(team.Legs) != 2 || !slices.Equal(
		[]int64{team.Legs[0].Total, team.Legs[1].Total}, []int64{int64(mid) - 2, int64(n) - int64(mid) + 1}) {
		t.Fatalf("Team(S, top) after the cut = %+v, %v", team, err)
	}
	e, err := s.Export(ctx, S, moved.Add(-time.Second))
	if err != nil || len(e.IDs) != n || e.IDs[n-1] != bottom || e.Parent[n-1] != int32(n-2) {
		t.Fatalf("Export(S) before the cut = %d members, %v", len(e.IDs), err)
	}
}
