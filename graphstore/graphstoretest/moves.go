package graphstoretest

import (
	"context"
	"slices"
	"testing"
	"time"

	"downline/graphstore"
	"downline/network"
)

// testMoves moves members in both trees and checks that queries follow the
// whole subtree and that Export asOf still sees the old links.
func testMoves(t *testing.T, newStore func(*testing.T) graphstore.Store) {
	ctx := context.Background()
	s, l := newFixture(t, newStore)
	n := network.NoSide

	// 6 joined at hour 6, so under its new sponsor it sorts between 5 and any later joiner.
	apply(t, s, []network.Event{l.moveSponsor(6, 2, at(10))}, 1)
	// 5's placement subtree (5, 7, 8) goes under 6's free right slot.
	apply(t, s, []network.Event{l.movePlacement(5, 6, R, at(11))}, 1)

	if got, err := s.Frontline(ctx, S, 2); err != nil || !slices.Equal(ids(got), []network.MemberID{4, 5, 6}) {
		t.Errorf("Frontline(S, 2) after the move = %v, %v; want [4 5 6]", ids(got), err)
	}
	if got, err := s.Frontline(ctx, S, 3); err != nil || len(got) != 0 {
		t.Errorf("Frontline(S, 3) after the move = %v, %v; want none", ids(got), err)
	}
	want := network.Member{ID: 5, Code: "M005", Name: "Five", Status: network.Suspended, Joined: at(5), Sponsor: 2, Parent: 6, Side: R}
	if got, err := s.Member(ctx, 5); err != nil || !sameMember(got, want) {
		t.Errorf("Member(5) = %s, %v; want %s", fmtMember(got), err, fmtMember(want))
	}
	if got, err := s.Upline(ctx, P, 8, 0); err != nil || !slices.Equal(idDepths(got), []idDepth{{5, 1}, {6, 2}, {3, 3}, {1, 4}}) {
		t.Errorf("Upline(P, 8) = %v, %v", idDepths(got), err)
	}
	if got := allPages(t, s, P, 3, graphstore.DownlineQuery{Limit: 2}); !slices.Equal(idDepths(got), []idDepth{{6, 1}, {5, 2}, {7, 3}, {8, 3}}) {
		t.Errorf("Downline(P, 3) = %v", idDepths(got))
	}
	for _, c := range []struct {
		tree network.Tree
		id   network.MemberID
		want graphstore.TeamCounts
	}{
		{P, 1, graphstore.TeamCounts{Total: 7, Active: 5, Depth: 4, Legs: []graphstore.LegCount{
			{Head: 2, Side: L, Total: 2, Active: 2}, {Head: 3, Side: R, Total: 5, Active: 3}}}},
		{S, 2, graphstore.TeamCounts{Total: 4, Active: 3, Depth: 2, Legs: []graphstore.LegCount{
			{Head: 4, Total: 1, Active: 1}, {Head: 5, Total: 2, Active: 1}, {Head: 6, Total: 1, Active: 1}}}},
		{S, 3, graphstore.TeamCounts{}},
	} {
		if got, err := s.Team(ctx, c.tree, c.id); err != nil || !sameTeam(got, c.want) {
			t.Errorf("Team(%s, %d) = %+v, %v; want %+v", c.tree, c.id, got, err, c.want)
		}
	}
	if in, err := s.IsInDownline(ctx, P, 2, 8); err != nil || in {
		t.Errorf("IsInDownline(P, 2, 8) = %v, %v; want false after the move", in, err)
	}
	if in, err := s.IsInDownline(ctx, P, 3, 8); err != nil || !in {
		t.Errorf("IsInDownline(P, 3, 8) = %v, %v; want true after the move", in, err)
	}
	if slot, err := s.Place(ctx, 1, network.WeakLeg); err != nil || slot != (network.Slot{Parent: 2, Side: R}) {
		t.Errorf("Place(1, weak-leg) = %v, %v; want {2 R}", slot, err)
	}

	for _, c := range []struct {
		tree network.Tree
		asOf time.Time
		want graphstore.Export
	}{
		{S, at(10).Add(-time.Second), graphstore.Export{Tree: S, IDs: []network.MemberID{1, 2, 3, 7, 4, 5, 6, 8},
			Parent: []int32{-1, 0, 0, 0, 1, 1, 2, 5}, Side: []network.Side{n, n, n, n, n, n, n, n}}},
		{S, at(10), graphstore.Export{Tree: S, IDs: []network.MemberID{1, 2, 3, 7, 4, 5, 6, 8},
			Parent: []int32{-1, 0, 0, 0, 1, 1, 1, 5}, Side: []network.Side{n, n, n, n, n, n, n, n}}},
		{P, at(10), graphstore.Export{Tree: P, IDs: []network.MemberID{1, 2, 3, 4, 5, 6, 7, 8},
			Parent: []int32{-1, 0, 0, 1, 1, 2, 4, 4}, Side: []network.Side{n, L, R, L, R, L, L, R}}},
		{P, at(11), graphstore.Export{Tree: P, IDs: []network.MemberID{1, 2, 3, 4, 6, 5, 7, 8},
			Parent: []int32{-1, 0, 0, 1, 2, 4, 5, 5}, Side: []network.Side{n, L, R, L, L, R, L, R}}},
		{P, time.Time{}, graphstore.Export{Tree: P, IDs: []network.MemberID{1, 2, 3, 4, 6, 5, 7, 8},
			Parent: []int32{-1, 0, 0, 1, 2, 4, 5, 5}, Side: []network.Side{n, L, R, L, L, R, L, R}}},
		{P, at(6), graphstore.Export{Tree: P, IDs: []network.MemberID{1, 2, 3, 4, 5, 6},
			Parent: []int32{-1, 0, 0, 1, 1, 2}, Side: []network.Side{n, L, R, L, R, L}}},
	} {
		got, err := s.Export(ctx, c.tree, c.asOf)
		if err != nil || !equalExport(got, c.want) {
			t.Errorf("Export(%s, %s) = %+v, %v; want %+v", c.tree, c.asOf, got, err, c.want)
		}
	}

	// A member moved to the top becomes a root; roots export by id.
	apply(t, s, []network.Event{l.moveSponsor(2, 0, at(12)), l.movePlacement(3, 0, n, at(12))}, 2)
	e, err := s.Export(ctx, S, time.Time{})
	if wantIDs := []network.MemberID{1, 2, 3, 7, 4, 5, 6, 8}; err != nil || !slices.Equal(e.IDs, wantIDs) ||
		!slices.Equal(e.Parent, []int32{-1, -1, 0, 0, 1, 1, 1, 5}) {
		t.Errorf("Export(S) with two roots = %v %v, %v; want %v [-1 -1 0 0 1 1 1 5]", e.IDs, e.Parent, err, wantIDs)
	}
	if up, err := s.Upline(ctx, P, 8, 0); err != nil || !slices.Equal(ids(up), []network.MemberID{5, 6, 3}) {
		t.Errorf("Upline(P, 8) = %v, %v; want [5 6 3]", ids(up), err)
	}
	if tc, err := s.Team(ctx, P, 1); err != nil || tc.Total != 2 {
		t.Errorf("Team(P, 1).Total = %d, %v; want 2", tc.Total, err)
	}
}
