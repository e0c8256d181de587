package graphstoretest

import (
	"context"
	"slices"
	"testing"
	"time"

	"downline/graphstore"
	"downline/network"
)

const (
	L = network.Left
	R = network.Right
	S = network.Sponsor
	P = network.Placement
)

// at returns the fixture time h hours after T0.
func at(h int) time.Time { return T0.Add(time.Duration(h) * time.Hour) }

// fixture is a small network, member i joining at hour i:
//
//	sponsor           placement
//	1                 1
//	├─ 2              ├─L 2
//	│  ├─ 4           │   ├─L 4
//	│  └─ 5 (susp.)   │   └─R 5 (suspended)
//	│     └─ 8        │       ├─L 7 (terminated)
//	├─ 3              │       └─R 8
//	│  └─ 6           └─R 3
//	└─ 7 (term.)          └─L 6
func fixture() *log {
	var l log
	reg := func(id, sponsor, parent network.MemberID, side network.Side, code, name string) {
		l.register(network.Member{ID: id, Code: code, Name: name, Joined: at(int(id)),
			Sponsor: sponsor, Parent: parent, Side: side}, at(int(id)))
	}
	reg(1, 0, 0, network.NoSide, "M001", "Root One")
	reg(2, 1, 1, L, "CN-张-002", "张伟")
	reg(3, 1, 1, R, "M003", "Zoë 🌟 O'Brien")
	reg(4, 2, 2, L, "M004", "Four")
	reg(5, 2, 2, R, "M005", "Five")
	reg(6, 3, 3, L, "M006", "Ελένη")
	reg(7, 1, 5, L, "M007", "Seven")
	reg(8, 5, 5, R, "M008", "Eight")
	l.status(5, network.Suspended, at(9))
	l.status(7, network.Terminated, at(9))
	l.profile(4, "Renamed Four", at(9))
	return &l
}

func newFixture(t *testing.T, newStore func(*testing.T) graphstore.Store) (graphstore.Store, *log) {
	t.Helper()
	s := newStore(t)
	l := fixture()
	apply(t, s, l.events, len(l.events))
	return s, l
}

func testFixture(t *testing.T, newStore func(*testing.T) graphstore.Store) {
	ctx := context.Background()
	s, l := newFixture(t, newStore)

	t.Run("Member", func(t *testing.T) {
		want := []network.Member{
			{ID: 1, Code: "M001", Name: "Root One", Status: network.Active, Joined: at(1)},
			{ID: 2, Code: "CN-张-002", Name: "张伟", Status: network.Active, Joined: at(2), Sponsor: 1, Parent: 1, Side: L},
			{ID: 3, Code: "M003", Name: "Zoë 🌟 O'Brien", Status: network.Active, Joined: at(3), Sponsor: 1, Parent: 1, Side: R},
			{ID: 4, Code: "M004", Name: "Renamed Four", Status: network.Active, Joined: at(4), Sponsor: 2, Parent: 2, Side: L},
			{ID: 5, Code: "M005", Name: "Five", Status: network.Suspended, Joined: at(5), Sponsor: 2, Parent: 2, Side: R},
			{ID: 6, Code: "M006", Name: "Ελένη", Status: network.Active, Joined: at(6), Sponsor: 3, Parent: 3, Side: L},
			{ID: 7, Code: "M007", Name: "Seven", Status: network.Terminated, Joined: at(7), Sponsor: 1, Parent: 5, Side: L},
			{ID: 8, Code: "M008", Name: "Eight", Status: network.Active, Joined: at(8), Sponsor: 5, Parent: 5, Side: R},
		}
		for _, w := range want {
			got, err := s.Member(ctx, w.ID)
			if err != nil || !sameMember(got, w) {
				t.Errorf("Member(%d) = %s, %v; want %s", w.ID, fmtMember(got), err, fmtMember(w))
			}
			got, err = s.MemberByCode(ctx, w.Code)
			if err != nil || !sameMember(got, w) {
				t.Errorf("MemberByCode(%q) = %s, %v; want %s", w.Code, fmtMember(got), err, fmtMember(w))
			}
		}
		if n, err := s.Count(ctx); n != 8 || err != nil {
			t.Errorf("Count = %d, %v; want 8", n, err)
		}
		if seq, err := s.LastSeq(ctx); seq != l.seq || err != nil {
			t.Errorf("LastSeq = %d, %v; want %d", seq, err, l.seq)
		}
	})

	t.Run("Upline", func(t *testing.T) {
		for _, c := range []struct {
			tree network.Tree
			id   network.MemberID
			max  int
			want []idDepth
		}{
			{S, 8, 0, []idDepth{{5, 1}, {2, 2}, {1, 3}}},
			{S, 8, 2, []idDepth{{5, 1}, {2, 2}}},
			{S, 8, 5, []idDepth{{5, 1}, {2, 2}, {1, 3}}},
			{S, 7, 0, []idDepth{{1, 1}}},
			{P, 7, 0, []idDepth{{5, 1}, {2, 2}, {1, 3}}},
			{P, 6, 1, []idDepth{{3, 1}}},
			{S, 1, 0, nil},
			{P, 1, 3, nil},
		} {
			got, err := s.Upline(ctx, c.tree, c.id, c.max)
			if err != nil || !slices.Equal(idDepths(got), c.want) && len(got)+len(c.want) > 0 {
				t.Errorf("Upline(%s, %d, %d) = %v, %v; want %v", c.tree, c.id, c.max, idDepths(got), err, c.want)
			}
			for _, n := range got {
				m, _ := s.Member(ctx, n.ID)
				if !sameMember(n.Member, m) {
					t.Errorf("Upline(%s, %d): node %s differs from Member %s", c.tree, c.id, fmtMember(n.Member), fmtMember(m))
				}
			}
		}
	})

	t.Run("Frontline", func(t *testing.T) {
		for _, c := range []struct {
			tree network.Tree
			id   network.MemberID
			want []network.MemberID
		}{
			{S, 1, []network.MemberID{2, 3, 7}},
			{P, 1, []network.MemberID{2, 3}},
			{S, 2, []network.MemberID{4, 5}},
			{P, 5, []network.MemberID{7, 8}},
			{P, 3, []network.MemberID{6}},
			{S, 5, []network.MemberID{8}},
			{P, 4, nil},
			{S, 8, nil},
		} {
			got, err := s.Frontline(ctx, c.tree, c.id)
			if err != nil || !slices.Equal(ids(got), c.want) {
				t.Errorf("Frontline(%s, %d) = %v, %v; want %v", c.tree, c.id, ids(got), err, c.want)
			}
			for _, n := range got {
				if n.Depth != 1 {
					t.Errorf("Frontline(%s, %d): member %d at depth %d", c.tree, c.id, n.ID, n.Depth)
				}
			}
		}
	})

	t.Run("Downline", func(t *testing.T) {
		for _, c := range []struct {
			name string
			tree network.Tree
			id   network.MemberID
			q    graphstore.DownlineQuery
			want []idDepth
		}{
			{"sponsor all", S, 1, graphstore.DownlineQuery{}, []idDepth{{2, 1}, {3, 1}, {7, 1}, {4, 2}, {5, 2}, {6, 2}, {8, 3}}},
			{"placement all", P, 1, graphstore.DownlineQuery{}, []idDepth{{2, 1}, {3, 1}, {4, 2}, {5, 2}, {6, 2}, {7, 3}, {8, 3}}},
			{"depth 2 only", P, 1, graphstore.DownlineQuery{MinDepth: 2, MaxDepth: 2}, []idDepth{{4, 2}, {5, 2}, {6, 2}}},
			{"from depth 3", S, 1, graphstore.DownlineQuery{MinDepth: 3}, []idDepth{{8, 3}}},
			{"to depth 1", P, 2, graphstore.DownlineQuery{MaxDepth: 1}, []idDepth{{4, 1}, {5, 1}}},
			{"below depth of tree", P, 1, graphstore.DownlineQuery{MinDepth: 4}, nil},
			{"active", P, 1, graphstore.DownlineQuery{Status: []network.Status{network.Active}}, []idDepth{{2, 1}, {3, 1}, {4, 2}, {6, 2}, {8, 3}}},
			{"not active", S, 1, graphstore.DownlineQuery{Status: []network.Status{network.Suspended, network.Terminated}}, []idDepth{{7, 1}, {5, 2}}},
			{"subtree", P, 2, graphstore.DownlineQuery{}, []idDepth{{4, 1}, {5, 1}, {7, 2}, {8, 2}}},
			{"leaf", S, 8, graphstore.DownlineQuery{}, nil},
			{"pages of 3", P, 1, graphstore.DownlineQuery{Limit: 3}, []idDepth{{2, 1}, {3, 1}, {4, 2}, {5, 2}, {6, 2}, {7, 3}, {8, 3}}},
			{"pages of 1, filtered", S, 1, graphstore.DownlineQuery{Limit: 1, Status: []network.Status{network.Active}, MinDepth: 2}, []idDepth{{4, 2}, {6, 2}, {8, 3}}},
		} {
			got := allPages(t, s, c.tree, c.id, c.q)
			if !slices.Equal(idDepths(got), c.want) && len(got)+len(c.want) > 0 {
				t.Errorf("%s: Downline(%s, %d, %+v) = %v; want %v", c.name, c.tree, c.id, c.q, idDepths(got), c.want)
			}
			for _, n := range got {
				m, _ := s.Member(ctx, n.ID)
				if !sameMember(n.Member, m) {
					t.Errorf("%s: node %s differs from Member %s", c.name, fmtMember(n.Member), fmtMember(m))
				}
			}
		}
		// Exactly full pages: Next is "" on the page that holds the last member.
		p, err := s.Downline(ctx, P, 2, graphstore.DownlineQuery{Limit: 4})
		if err != nil || len(p.Nodes) != 4 || p.Next != "" {
			t.Errorf("Downline(P, 2, limit 4) = %d nodes, Next %q, %v; want 4 nodes and no Next", len(p.Nodes), p.Next, err)
		}
	})

	t.Run("Team", func(t *testing.T) {
		for _, c := range []struct {
			tree network.Tree
			id   network.MemberID
			want graphstore.TeamCounts
		}{
			{S, 1, graphstore.TeamCounts{Total: 7, Active: 5, Depth: 3, Legs: []graphstore.LegCount{
				{Head: 2, Total: 4, Active: 3}, {Head: 3, Total: 2, Active: 2}, {Head: 7, Total: 1, Active: 0}}}},
			{P, 1, graphstore.TeamCounts{Total: 7, Active: 5, Depth: 3, Legs: []graphstore.LegCount{
				{Head: 2, Side: L, Total: 5, Active: 3}, {Head: 3, Side: R, Total: 2, Active: 2}}}},
			{P, 5, graphstore.TeamCounts{Total: 2, Active: 1, Depth: 1, Legs: []graphstore.LegCount{
				{Head: 7, Side: L, Total: 1, Active: 0}, {Head: 8, Side: R, Total: 1, Active: 1}}}},
			{S, 2, graphstore.TeamCounts{Total: 3, Active: 2, Depth: 2, Legs: []graphstore.LegCount{
				{Head: 4, Total: 1, Active: 1}, {Head: 5, Total: 2, Active: 1}}}},
			{P, 4, graphstore.TeamCounts{}},
			{S, 7, graphstore.TeamCounts{}},
		} {
			got, err := s.Team(ctx, c.tree, c.id)
			if err != nil || !sameTeam(got, c.want) {
				t.Errorf("Team(%s, %d) = %+v, %v; want %+v", c.tree, c.id, got, err, c.want)
			}
		}
	})

	t.Run("LegOf", func(t *testing.T) {
		for _, c := range []struct {
			tree     network.Tree
			ancestor network.MemberID
			member   network.MemberID
			want     graphstore.LegCount
		}{
			{P, 1, 8, graphstore.LegCount{Head: 2, Side: L, Total: 5, Active: 3}},
			{S, 1, 8, graphstore.LegCount{Head: 2, Total: 4, Active: 3}},
			{S, 2, 8, graphstore.LegCount{Head: 5, Total: 2, Active: 1}},
			{S, 1, 7, graphstore.LegCount{Head: 7, Total: 1}},
			{P, 1, 6, graphstore.LegCount{Head: 3, Side: R, Total: 2, Active: 2}},
			{P, 1, 3, graphstore.LegCount{Head: 3, Side: R, Total: 2, Active: 2}},
			{P, 5, 8, graphstore.LegCount{Head: 8, Side: R, Total: 1, Active: 1}},
		} {
			got, err := s.LegOf(ctx, c.tree, c.ancestor, c.member)
			if err != nil || got != c.want {
				t.Errorf("LegOf(%s, %d, %d) = %+v, %v; want %+v", c.tree, c.ancestor, c.member, got, err, c.want)
			}
		}
		for _, c := range []struct {
			tree             network.Tree
			ancestor, member network.MemberID
		}{{P, 1, 1}, {P, 3, 8}, {S, 2, 7}, {P, 8, 1}, {S, 4, 4}} {
			_, err := s.LegOf(ctx, c.tree, c.ancestor, c.member)
			mustErr(t, "LegOf", err, graphstore.ErrNotInTeam)
		}
	})

	t.Run("IsInDownline", func(t *testing.T) {
		for _, c := range []struct {
			tree             network.Tree
			ancestor, member network.MemberID
			want             bool
		}{
			{P, 1, 8, true}, {P, 2, 7, true}, {S, 2, 7, false}, {S, 1, 7, true}, {P, 3, 7, false},
			{P, 8, 1, false}, {S, 1, 1, false}, {S, 3, 6, true}, {P, 5, 2, false}, {S, 5, 8, true},
		} {
			got, err := s.IsInDownline(ctx, c.tree, c.ancestor, c.member)
			if err != nil || got != c.want {
				t.Errorf("IsInDownline(%s, %d, %d) = %v, %v; want %v", c.tree, c.ancestor, c.member, got, err, c.want)
			}
		}
	})

	t.Run("FreeSlots", func(t *testing.T) {
		all := []network.Slot{{Parent: 3, Side: R}, {Parent: 4, Side: L}, {Parent: 4, Side: R}, {Parent: 6, Side: L}, {Parent: 6, Side: R}, {Parent: 7, Side: L}, {Parent: 7, Side: R}, {Parent: 8, Side: L}, {Parent: 8, Side: R}}
		for _, c := range []struct {
			id    network.MemberID
			limit int
			want  []network.Slot
		}{
			{1, 100, all},
			{1, 2, all[:2]},
			{4, 5, []network.Slot{{Parent: 4, Side: L}, {Parent: 4, Side: R}}},
			{5, 3, []network.Slot{{Parent: 7, Side: L}, {Parent: 7, Side: R}, {Parent: 8, Side: L}}},
			{2, 1, []network.Slot{{Parent: 4, Side: L}}},
			{1, 0, nil},
		} {
			got, err := s.FreeSlots(ctx, c.id, c.limit)
			if err != nil || !slices.Equal(got, c.want) {
				t.Errorf("FreeSlots(%d, %d) = %v, %v; want %v", c.id, c.limit, got, err, c.want)
			}
		}
	})

	t.Run("Place", func(t *testing.T) {
		for _, c := range []struct {
			id   network.MemberID
			how  network.AutoPlace
			want network.Slot
		}{
			{1, network.Leftmost, network.Slot{Parent: 4, Side: L}},
			{1, network.Rightmost, network.Slot{Parent: 3, Side: R}},
			{1, network.Balanced, network.Slot{Parent: 3, Side: R}},
			{1, network.WeakLeg, network.Slot{Parent: 3, Side: R}},
			{2, network.WeakLeg, network.Slot{Parent: 4, Side: L}},
			{3, network.WeakLeg, network.Slot{Parent: 3, Side: R}},
			{4, network.WeakLeg, network.Slot{Parent: 4, Side: L}},
			{5, network.Leftmost, network.Slot{Parent: 7, Side: L}},
			{5, network.Rightmost, network.Slot{Parent: 8, Side: R}},
			{5, network.Balanced, network.Slot{Parent: 7, Side: L}},
			{2, network.Balanced, network.Slot{Parent: 4, Side: L}},
			{6, network.Rightmost, network.Slot{Parent: 6, Side: R}},
		} {
			got, err := s.Place(ctx, c.id, c.how)
			if err != nil || got != c.want {
				t.Errorf("Place(%d, %s) = %v, %v; want %v", c.id, c.how, got, err, c.want)
			}
		}
		_, err := s.Place(ctx, 1, "random")
		mustErr(t, "Place(1, random)", err, graphstore.ErrInvalid)
	})

	t.Run("Export", func(t *testing.T) {
		n := network.NoSide
		for _, c := range []struct {
			tree network.Tree
			asOf time.Time
			want graphstore.Export
		}{
			{S, time.Time{}, graphstore.Export{Tree: S, IDs: []network.MemberID{1, 2, 3, 7, 4, 5, 6, 8},
				Parent: []int32{-1, 0, 0, 0, 1, 1, 2, 5}, Side: []network.Side{n, n, n, n, n, n, n, n}}},
			{P, time.Time{}, graphstore.Export{Tree: P, IDs: []network.MemberID{1, 2, 3, 4, 5, 6, 7, 8},
				Parent: []int32{-1, 0, 0, 1, 1, 2, 4, 4}, Side: []network.Side{n, L, R, L, R, L, L, R}}},
			{S, at(4), graphstore.Export{Tree: S, IDs: []network.MemberID{1, 2, 3, 4},
				Parent: []int32{-1, 0, 0, 1}, Side: []network.Side{n, n, n, n}}},
			{P, at(5).Add(-time.Second), graphstore.Export{Tree: P, IDs: []network.MemberID{1, 2, 3, 4},
				Parent: []int32{-1, 0, 0, 1}, Side: []network.Side{n, L, R, L}}},
			{P, at(100), graphstore.Export{Tree: P, IDs: []network.MemberID{1, 2, 3, 4, 5, 6, 7, 8},
				Parent: []int32{-1, 0, 0, 1, 1, 2, 4, 4}, Side: []network.Side{n, L, R, L, R, L, L, R}}},
			{S, at(0), graphstore.Export{Tree: S}},
		} {
			got, err := s.Export(ctx, c.tree, c.asOf)
			if err != nil || !equalExport(got, c.want) {
				t.Errorf("Export(%s, %s) = %+v, %v; want %+v", c.tree, c.asOf, got, err, c.want)
			}
		}
	})
}

func sameTeam(a, b graphstore.TeamCounts) bool {
	return a.Total == b.Total && a.Active == b.Active && a.Depth == b.Depth && slices.Equal(a.Legs, b.Legs)
}
