package graphstoretest

import (
	"context"
	"strconv"
	"testing"
	"time"

	"downline/graphstore"
	"downline/network"
)

func testErrors(t *testing.T, newStore func(*testing.T) graphstore.Store) {
	ctx := context.Background()
	s, l := newFixture(t, newStore)
	const ghost = 999

	t.Run("NotFound", func(t *testing.T) {
		nf := graphstore.ErrNotFound
		_, err := s.Member(ctx, ghost)
		mustErr(t, "Member", err, nf)
		_, err = s.MemberByCode(ctx, "nobody")
		mustErr(t, "MemberByCode", err, nf)
		_, err = s.MemberByCode(ctx, "")
		mustErr(t, "MemberByCode(\"\")", err, nf)
		for _, tree := range []network.Tree{S, P} {
			_, err = s.Upline(ctx, tree, ghost, 0)
			mustErr(t, "Upline", err, nf)
			_, err = s.Frontline(ctx, tree, ghost)
			mustErr(t, "Frontline", err, nf)
			_, err = s.Downline(ctx, tree, ghost, graphstore.DownlineQuery{})
			mustErr(t, "Downline", err, nf)
			_, err = s.Team(ctx, tree, ghost)
			mustErr(t, "Team", err, nf)
			_, err = s.LegOf(ctx, tree, ghost, 1)
			mustErr(t, "LegOf(ghost, 1)", err, nf)
			_, err = s.LegOf(ctx, tree, 1, ghost)
			mustErr(t, "LegOf(1, ghost)", err, nf)
			_, err = s.IsInDownline(ctx, tree, ghost, 1)
			mustErr(t, "IsInDownline(ghost, 1)", err, nf)
			_, err = s.IsInDownline(ctx, tree, 1, ghost)
			mustErr(t, "IsInDownline(1, ghost)", err, nf)
		}
		_, err = s.FreeSlots(ctx, ghost, 1)
		mustErr(t, "FreeSlots", err, nf)
		_, err = s.Place(ctx, ghost, network.Balanced)
		mustErr(t, "Place", err, nf)
	})

	t.Run("Downline", func(t *testing.T) {
		for _, c := range []struct {
			name string
			q    graphstore.DownlineQuery
			want error
		}{
			{"garbage cursor", graphstore.DownlineQuery{Cursor: "!!not a cursor!!"}, graphstore.ErrBadCursor},
			{"truncated cursor", graphstore.DownlineQuery{Cursor: "AQ"}, graphstore.ErrBadCursor},
			{"negative limit", graphstore.DownlineQuery{Limit: -1}, graphstore.ErrInvalid},
			{"limit too big", graphstore.DownlineQuery{Limit: 10001}, graphstore.ErrInvalid},
			{"negative min depth", graphstore.DownlineQuery{MinDepth: -1}, graphstore.ErrInvalid},
			{"max below min", graphstore.DownlineQuery{MinDepth: 3, MaxDepth: 2}, graphstore.ErrInvalid},
			{"unknown status", graphstore.DownlineQuery{Status: []network.Status{"retired"}}, graphstore.ErrInvalid},
		} {
			_, err := s.Downline(ctx, P, 1, c.q)
			mustErr(t, c.name, err, c.want)
		}
		// A cursor belongs to its query: another member's or tree's is refused.
		p, err := s.Downline(ctx, P, 1, graphstore.DownlineQuery{Limit: 2})
		if err != nil || p.Next == "" {
			t.Fatalf("Downline(P, 1, limit 2) = %+v, %v", p, err)
		}
		_, err = s.Downline(ctx, P, 2, graphstore.DownlineQuery{Limit: 2, Cursor: p.Next})
		mustErr(t, "cursor of member 1 used for member 2", err, graphstore.ErrBadCursor)
		_, err = s.Downline(ctx, S, 1, graphstore.DownlineQuery{Limit: 2, Cursor: p.Next})
		mustErr(t, "placement cursor used for the sponsor tree", err, graphstore.ErrBadCursor)
		if q, err := s.Downline(ctx, P, 1, graphstore.DownlineQuery{Limit: 10000}); err != nil || len(q.Nodes) != 7 {
			t.Errorf("Downline(limit 10000) = %d nodes, %v", len(q.Nodes), err)
		}
	})

	t.Run("Apply", func(t *testing.T) {
		m := func(id, sponsor, parent network.MemberID, side network.Side, code string) network.Member {
			return network.Member{ID: id, Code: code, Name: "x", Status: network.Active, Joined: at(20),
				Sponsor: sponsor, Parent: parent, Side: side}
		}
		reg := func(mm network.Member) network.Event {
			return network.Event{Kind: network.EventRegistered, At: at(20), Member: mm}
		}
		move := func(tree network.Tree, mm network.Member) network.Event {
			return network.Event{Kind: network.EventMoved, Tree: tree, At: at(20), Member: mm}
		}
		for _, c := range []struct {
			name string
			e    network.Event
		}{
			{"unknown kind", network.Event{Kind: "member.teleported", Member: network.Member{ID: 1}}},
			{"duplicate id", reg(m(3, 1, 4, L, "NEW1"))},
			{"duplicate code", reg(m(20, 1, 4, L, "M003"))},
			{"zero id", reg(m(0, 1, 4, L, "NEW2"))},
			{"unknown sponsor", reg(m(20, ghost, 4, L, "NEW3"))},
			{"unknown parent", reg(m(20, 1, ghost, L, "NEW4"))},
			{"taken slot", reg(m(20, 1, 2, R, "NEW5"))},
			{"root with a side", reg(m(20, 1, 0, L, "NEW6"))},
			{"parent without a side", reg(m(20, 1, 4, network.NoSide, "NEW7"))},
			{"own sponsor", reg(m(20, 20, 4, L, "NEW8"))},
			{"bad status", reg(network.Member{ID: 20, Code: "NEW9", Status: "retired", Sponsor: 1, Parent: 4, Side: L})},
			{"status of unknown member", network.Event{Kind: network.EventStatus, Member: network.Member{ID: ghost, Status: network.Active}}},
			{"unknown status", network.Event{Kind: network.EventStatus, Member: network.Member{ID: 1, Status: "retired"}}},
			{"profile of unknown member", network.Event{Kind: network.EventProfile, Member: network.Member{ID: ghost, Name: "x"}}},
			{"move unknown member", move(S, network.Member{ID: ghost, Sponsor: 1})},
			{"move to unknown sponsor", move(S, network.Member{ID: 4, Sponsor: ghost})},
			{"sponsor cycle", move(S, network.Member{ID: 2, Sponsor: 8})},
			{"sponsor self", move(S, network.Member{ID: 2, Sponsor: 2})},
			{"placement cycle", move(P, network.Member{ID: 1, Parent: 4, Side: L})},
			{"placement into own subtree", move(P, network.Member{ID: 2, Parent: 7, Side: R})},
			{"placement taken slot", move(P, network.Member{ID: 6, Parent: 2, Side: L})},
			{"placement without side", move(P, network.Member{ID: 6, Parent: 4})},
			{"unknown tree", move(network.Tree(7), network.Member{ID: 6, Sponsor: 1})},
		} {
			before := snapshot(t, s)
			c.e.Seq = l.seq + 1
			err := s.Apply(ctx, []network.Event{c.e})
			mustErr(t, c.name, err, graphstore.ErrInvalid)
			if after := snapshot(t, s); after != before {
				t.Errorf("%s: a rejected event changed the store:\n%s\nbecame\n%s", c.name, before, after)
			}
		}
	})
}

// snapshot renders what a store holds, to compare before and after.
func snapshot(t *testing.T, s graphstore.Store) string {
	t.Helper()
	ctx := context.Background()
	out := ""
	seq, _ := s.LastSeq(ctx)
	n, _ := s.Count(ctx)
	out += "seq " + itoa(seq) + " count " + itoa(n) + "\n"
	for _, tree := range []network.Tree{S, P} {
		e, err := s.Export(ctx, tree, time.Time{})
		if err != nil {
			t.Fatalf("Export: %v", err)
		}
		for k, id := range e.IDs {
			m, _ := s.Member(ctx, id)
			out += fmtMember(m) + " " + itoa(int64(e.Parent[k])) + "\n"
		}
	}
	return out
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
