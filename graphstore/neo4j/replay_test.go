package neo4j

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"downline/graphstore"
	"downline/network"
)

// replay refuses what Apply would refuse, naming the first bad member in
// the list, with ids dense (a ledger's sequence) or sparse alike.
func TestReplayRejects(t *testing.T) {
	L, R := network.Left, network.Right
	m := func(id, sponsor, parent network.MemberID, side network.Side, code string, h int) network.Member {
		return network.Member{ID: id, Code: code, Status: network.Active, Joined: t0.Add(time.Duration(h) * time.Hour), Sponsor: sponsor, Parent: parent, Side: side}
	}
	move := func(h int, tree network.Tree, id, to network.MemberID, side network.Side) network.Event {
		e := network.Event{At: t0.Add(time.Duration(h) * time.Hour), Kind: network.EventMoved, Tree: tree, Member: network.Member{ID: id, Sponsor: to}}
		if tree == network.Placement {
			e.Member = network.Member{ID: id, Parent: to, Side: side}
		}
		return e
	}
	for _, offset := range []network.MemberID{0, 1_000_000} { // dense, then sparse ids
		id := func(i network.MemberID) network.MemberID {
			if i == 0 {
				return 0
			}
			return i + offset
		}
		mm := func(i, sponsor, parent network.MemberID, side network.Side, code string, h int) network.Member {
			return m(id(i), id(sponsor), id(parent), side, code, h)
		}
		for name, c := range map[string]struct {
			members []network.Member
			moves   []network.Event
			want    string // "" = accepted
		}{
			"fine": {members: []network.Member{mm(1, 0, 0, 0, "A", 1), mm(2, 1, 1, L, "B", 2), mm(3, 1, 1, R, "C", 3)}},
			"duplicate id": {members: []network.Member{mm(1, 0, 0, 0, "A", 1), mm(2, 1, 1, L, "B", 2), mm(2, 1, 1, R, "C", 3)},
				want: "listed twice"},
			"duplicate code first": {members: []network.Member{mm(1, 0, 0, 0, "A", 1), mm(2, 1, 1, L, "A", 2), mm(2, 1, 1, R, "C", 3)},
				want: `code "A" listed twice`},
			"bad status before a duplicate code": {members: []network.Member{mm(1, 0, 0, 0, "A", 1), {ID: id(2), Code: "B", Status: "sleeping"}, mm(3, 1, 1, R, "A", 3)},
				want: `status "sleeping"`},
			"taken slot": {members: []network.Member{mm(1, 0, 0, 0, "A", 1), mm(2, 1, 1, L, "B", 2), mm(3, 1, 1, L, "C", 3)},
				want: "is held by"},
			"slot freed by a move, then taken": {members: []network.Member{mm(1, 0, 0, 0, "A", 1), mm(2, 1, 1, L, "B", 2), mm(3, 1, 1, L, "C", 5)},
				moves: []network.Event{move(4, network.Placement, id(2), id(1), R)}},
			"slot freed by a move too late": {members: []network.Member{mm(1, 0, 0, 0, "A", 1), mm(2, 1, 1, L, "B", 2), mm(3, 1, 1, L, "C", 3)},
				moves: []network.Event{move(4, network.Placement, id(2), id(1), R)}, want: "is held by"},
			"parent not yet a member": {members: []network.Member{mm(1, 0, 0, 0, "A", 2), mm(2, 1, 1, L, "B", 1)},
				want: "is not a member yet"},
			"unknown parent": {members: []network.Member{mm(1, 0, 0, 0, "A", 1), mm(2, 7, 1, L, "B", 2)},
				want: "is not a member yet"},
			"cycle": {members: []network.Member{mm(1, 0, 0, 0, "A", 1), mm(2, 1, 1, L, "B", 2)},
				moves: []network.Event{move(3, network.Sponsor, id(1), id(2), 0)}, want: "own sponsor downline"},
		} {
			_, err := replay(c.members, c.moves)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("offset %d, %s: %v", offset, name, err)
			case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !errors.Is(err, graphstore.ErrInvalid)):
				t.Errorf("offset %d, %s: error %v, want one with %q (ErrInvalid)", offset, name, err, c.want)
			}
		}
	}
}

// Dense and sparse ids give the same history and aggregates.
func TestReplayDenseSparse(t *testing.T) {
	h := randomHistory(t, 4, 200)
	members, moves, _ := h.snapshot()
	// The history's ids are 1000, 1003, ...: as 1, 2, ... and as 2^40+1, ...
	remap := func(f func(network.MemberID) network.MemberID) *history {
		t.Helper()
		g := func(id network.MemberID) network.MemberID {
			if id == 0 {
				return 0
			}
			return f((id-1000)/3 + 1)
		}
		ms := make([]network.Member, len(members))
		for i, m := range members {
			m.ID, m.Sponsor, m.Parent = g(m.ID), g(m.Sponsor), g(m.Parent)
			ms[i] = m
		}
		evs := make([]network.Event, len(moves))
		for i, e := range moves {
			e.Member.ID, e.Member.Sponsor, e.Member.Parent = g(e.Member.ID), g(e.Member.Sponsor), g(e.Member.Parent)
			evs[i] = e
		}
		r, err := replay(ms, evs)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	const far = 1 << 40
	dense := remap(func(id network.MemberID) network.MemberID { return id })
	sparse := remap(func(id network.MemberID) network.MemberID { return id + far })
	if dense.index.dense == nil || sparse.index.sparse == nil {
		t.Fatalf("ids 1..200 dense: %v; ids above 2^40 sparse: %v", dense.index.dense != nil, sparse.index.sparse != nil)
	}
	moved := 0
	for tr := range dense.current {
		for i := range dense.current[tr] {
			d, s := dense.current[tr][i], sparse.current[tr][i]
			if d.to != 0 {
				d.to += far
			}
			if d != s {
				t.Fatalf("tree %d member %d: %+v dense, %+v sparse", tr, i, d, s)
			}
		}
		if len(dense.closed[tr]) != len(sparse.closed[tr]) {
			t.Fatalf("tree %d: %d closed links dense, %d sparse", tr, len(dense.closed[tr]), len(sparse.closed[tr]))
		}
		moved += len(dense.closed[tr])
	}
	if !reflect.DeepEqual(dense.teams(members), sparse.teams(members)) {
		t.Error("the aggregates differ")
	}
	if moved == 0 {
		t.Error("the history has no move")
	}
}
