package graphstoretest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"downline/graphstore"
	"downline/network"
)

var names = []string{"Ana", "张伟", "Zoë", "Ελένη", "Олег", "محمد", "山田太郎", "José 🌱", "Nguyễn Văn A", "O'Neil"}

// randomNet grows a random network event by event, keeping the model in step.
type randomNet struct {
	rng      *rand.Rand
	m        *model
	log      log
	now      time.Time
	ids      []network.MemberID // registered, in order
	used     map[network.MemberID]bool
	checks   []time.Time // moments worth an Export asOf
	lastMove time.Time
}

func (n *randomNet) tick() time.Time {
	// Some events share a second, so ties in Joined are ordered by id.
	n.now = n.now.Add(time.Duration(n.rng.IntN(3)) * time.Second)
	return n.now
}

func (n *randomNet) pick() network.MemberID { return n.ids[n.rng.IntN(len(n.ids))] }

func (n *randomNet) emit(e network.Event) {
	n.m.apply(e)
}

// freeSlot finds a free placement slot by a random walk down from a random member.
func (n *randomNet) freeSlot(v *view, avoid network.MemberID) (network.MemberID, network.Side, bool) {
	for range 20 {
		p := n.pick()
		if avoid != 0 && (p == avoid || v.isIn(avoid, p)) {
			continue
		}
		for p != avoid {
			side := network.Side(1 + n.rng.IntN(2))
			c := v.child(p, side)
			if c == 0 {
				return p, side, true
			}
			p = c
		}
	}
	return 0, 0, false
}

func (n *randomNet) register() {
	id := network.MemberID(1 + n.rng.IntN(50*len(n.used)+1000))
	for n.used[id] {
		id = network.MemberID(1 + n.rng.IntN(50*len(n.used)+1000))
	}
	n.used[id] = true
	at := n.tick()
	mm := network.Member{ID: id, Code: fmt.Sprintf("CN-%d-%s", id, names[int(id)%len(names)]),
		Name: names[n.rng.IntN(len(names))], Status: network.Active, Joined: at}
	if len(n.ids) > 0 && n.rng.IntN(20) > 0 {
		mm.Sponsor = n.pick()
	}
	if len(n.ids) > 0 && n.rng.IntN(20) > 0 {
		mm.Parent, mm.Side, _ = n.freeSlot(n.m.view(P, time.Time{}), 0)
	}
	// Now and then the ledger records a join backdated, but never before its
	// parents joined or before the last move (which may have freed its slot).
	if n.rng.IntN(10) == 0 {
		floor := n.lastMove
		for _, p := range []network.MemberID{mm.Sponsor, mm.Parent} {
			if p != 0 && n.m.members[p].Joined.After(floor) {
				floor = n.m.members[p].Joined
			}
		}
		if span := int(at.Sub(floor) / time.Second); span > 0 {
			mm.Joined = floor.Add(time.Duration(n.rng.IntN(span+1)) * time.Second)
		}
	}
	n.emit(n.log.register(mm, at))
	n.ids = append(n.ids, id)
}

// step adds one random event; it returns a rejected event (a move making a
// cycle) when it tried one instead, which the caller expects to fail.
func (n *randomNet) step() *network.Event {
	if len(n.ids) < 3 {
		n.register()
		return nil
	}
	switch r := n.rng.IntN(100); {
	case r < 65:
		n.register()
	case r < 75:
		id := n.pick()
		v := n.m.view(S, time.Time{})
		down := v.bfs(id)
		if len(down) > 0 && n.rng.IntN(4) == 0 {
			target := down[n.rng.IntN(len(down))].ID
			e := network.Event{Seq: n.log.seq + 1, At: n.tick(), Kind: network.EventMoved, Tree: S,
				Member: network.Member{ID: id, Sponsor: target}}
			return &e
		}
		var to network.MemberID
		for range 10 {
			c := n.pick()
			if c != id && !v.isIn(id, c) && c != v.parent[id] {
				to = c
				break
			}
		}
		if to == 0 && v.parent[id] == 0 {
			return nil
		}
		n.emit(n.log.moveSponsor(id, to, n.tick()))
		n.checks = append(n.checks, n.now, n.now.Add(-time.Second))
		n.lastMove = n.now
	case r < 85:
		id := n.pick()
		v := n.m.view(P, time.Time{})
		if p, side, ok := n.freeSlot(v, id); ok {
			if n.rng.IntN(15) == 0 {
				p, side = 0, network.NoSide
			}
			if p == 0 && v.parent[id] == 0 {
				return nil
			}
			n.emit(n.log.movePlacement(id, p, side, n.tick()))
			n.checks = append(n.checks, n.now, n.now.Add(-time.Second))
			n.lastMove = n.now
			n.lastMove = n.now
		}
	case r < 95:
		st := []network.Status{network.Active, network.Suspended, network.Terminated}[n.rng.IntN(3)]
		n.emit(n.log.status(n.pick(), st, n.tick()))
	default:
		n.emit(n.log.profile(n.pick(), names[n.rng.IntN(len(names))]+" ✓", n.tick()))
	}
	return nil
}

func testRandom(t *testing.T, newStore func(*testing.T) graphstore.Store, opts Options) {
	for seed := range opts.RandomSeeds {
		t.Run(fmt.Sprintf("seed%d", seed), func(t *testing.T) {
			ctx := context.Background()
			s := newStore(t)
			n := &randomNet{rng: rand.New(rand.NewPCG(uint64(seed), 7)), m: newModel(), now: T0, lastMove: T0,
				used: map[network.MemberID]bool{}}
			applied := 0
			checkpoint := max(opts.RandomMembers/3, 1)
			for len(n.ids) < opts.RandomMembers {
				if bad := n.step(); bad != nil {
					apply(t, s, n.log.events[applied:], 1+n.rng.IntN(40))
					applied = len(n.log.events)
					if err := s.Apply(ctx, []network.Event{*bad}); !errors.Is(err, graphstore.ErrInvalid) {
						t.Fatalf("Apply(move %d under its downline %d) = %v, want ErrInvalid", bad.Member.ID, bad.Member.Sponsor, err)
					}
				}
				if len(n.ids)%checkpoint == 0 && len(n.log.events) > applied {
					apply(t, s, n.log.events[applied:], 1+n.rng.IntN(40))
					applied = len(n.log.events)
					compare(t, s, n, 15)
				}
			}
			apply(t, s, n.log.events[applied:], 1+n.rng.IntN(40))
			compare(t, s, n, 0)
			compareExports(t, s, n)

			// Re-applying the whole log is a no-op.
			before := snapshot(t, s)
			apply(t, s, n.log.events, 1+n.rng.IntN(100))
			if after := snapshot(t, s); after != before {
				t.Errorf("re-applying the log changed the store")
			}
		})
	}
}

// compare checks every query for every member (or for sample random members)
// against the model.
func compare(t *testing.T, s graphstore.Store, n *randomNet, sample int) {
	t.Helper()
	ctx := context.Background()
	if t.Failed() {
		t.FailNow()
	}
	if c, err := s.Count(ctx); err != nil || c != int64(len(n.ids)) {
		t.Fatalf("Count = %d, %v; want %d", c, err, len(n.ids))
	}
	if seq, err := s.LastSeq(ctx); err != nil || seq != n.log.seq {
		t.Fatalf("LastSeq = %d, %v; want %d", seq, err, n.log.seq)
	}
	members := n.ids
	if sample > 0 {
		members = make([]network.MemberID, sample)
		for k := range members {
			members[k] = n.pick()
		}
	}
	views := [2]*view{n.m.view(S, time.Time{}), n.m.view(P, time.Time{})}
	for _, id := range members {
		want := *n.m.members[id]
		if got, err := s.Member(ctx, id); err != nil || !sameMember(got, want) {
			t.Fatalf("Member(%d) = %s, %v; want %s", id, fmtMember(got), err, fmtMember(want))
		}
		if got, err := s.MemberByCode(ctx, want.Code); err != nil || got.ID != id {
			t.Fatalf("MemberByCode(%q) = %d, %v; want %d", want.Code, got.ID, err, id)
		}
		for _, v := range views {
			compareMember(t, s, n, v, id)
		}
	}
}

func compareMember(t *testing.T, s graphstore.Store, n *randomNet, v *view, id network.MemberID) {
	t.Helper()
	ctx := context.Background()
	tree := v.tree
	up, err := s.Upline(ctx, tree, id, 0)
	if err != nil || !slices.Equal(idDepths(up), v.upline(id, 0)) {
		t.Fatalf("Upline(%s, %d) = %v, %v; want %v", tree, id, idDepths(up), err, v.upline(id, 0))
	}
	if lv := n.rng.IntN(4); lv > 0 {
		up, err := s.Upline(ctx, tree, id, lv)
		if err != nil || !slices.Equal(idDepths(up), v.upline(id, lv)) {
			t.Fatalf("Upline(%s, %d, %d) = %v, %v; want %v", tree, id, lv, idDepths(up), err, v.upline(id, lv))
		}
	}
	front, err := s.Frontline(ctx, tree, id)
	if err != nil || !slices.Equal(ids(front), v.children[id]) {
		t.Fatalf("Frontline(%s, %d) = %v, %v; want %v", tree, id, ids(front), err, v.children[id])
	}
	for _, node := range front {
		if !sameMember(node.Member, *n.m.members[node.ID]) {
			t.Fatalf("Frontline(%s, %d): %s, want %s", tree, id, fmtMember(node.Member), fmtMember(*n.m.members[node.ID]))
		}
	}

	all := v.bfs(id)
	q := graphstore.DownlineQuery{Limit: []int{1, 3, 10, 0}[n.rng.IntN(4)]}
	if n.rng.IntN(3) == 0 {
		q.MinDepth = n.rng.IntN(3)
		q.MaxDepth = q.MinDepth + n.rng.IntN(3)
	}
	if n.rng.IntN(3) == 0 {
		q.Status = []network.Status{network.Active, network.Suspended, network.Terminated}[:1+n.rng.IntN(2)]
	}
	var want []idDepth
	for _, nd := range all {
		if nd.Depth < max(q.MinDepth, 1) || q.MaxDepth > 0 && nd.Depth > q.MaxDepth {
			continue
		}
		if len(q.Status) > 0 && !slices.Contains(q.Status, n.m.members[nd.ID].Status) {
			continue
		}
		want = append(want, nd)
	}
	if got := allPages(t, s, tree, id, q); !slices.Equal(idDepths(got), want) {
		t.Fatalf("Downline(%s, %d, %+v) = %v; want %v", tree, id, q, idDepths(got), want)
	}

	team, err := s.Team(ctx, tree, id)
	if wantTeam := v.team(id); err != nil || !sameTeam(team, wantTeam) {
		t.Fatalf("Team(%s, %d) = %+v, %v; want %+v", tree, id, team, err, wantTeam)
	}

	// LegOf and IsInDownline against one member below (if any) and one at random.
	others := []network.MemberID{n.pick()}
	if len(all) > 0 {
		others = append(others, all[n.rng.IntN(len(all))].ID)
	}
	for _, o := range others {
		in, err := s.IsInDownline(ctx, tree, id, o)
		if err != nil || in != v.isIn(id, o) {
			t.Fatalf("IsInDownline(%s, %d, %d) = %v, %v; want %v", tree, id, o, in, err, v.isIn(id, o))
		}
		leg, err := s.LegOf(ctx, tree, id, o)
		if head := v.legOf(id, o); head == 0 {
			if !errors.Is(err, graphstore.ErrNotInTeam) {
				t.Fatalf("LegOf(%s, %d, %d) = %+v, %v; want ErrNotInTeam", tree, id, o, leg, err)
			}
		} else if wantLeg := v.leg(head); err != nil || leg != wantLeg {
			t.Fatalf("LegOf(%s, %d, %d) = %+v, %v; want %+v", tree, id, o, leg, err, wantLeg)
		}
	}

	if tree == network.Placement {
		limit := 1 + n.rng.IntN(6)
		slots, err := s.FreeSlots(ctx, id, limit)
		if want := v.freeSlots(id, limit); err != nil || !slices.Equal(slots, want) {
			t.Fatalf("FreeSlots(%d, %d) = %v, %v; want %v", id, limit, slots, err, want)
		}
		for _, how := range []network.AutoPlace{network.Leftmost, network.Rightmost, network.WeakLeg, network.Balanced} {
			slot, err := s.Place(ctx, id, how)
			if want := v.place(id, how); err != nil || slot != want {
				t.Fatalf("Place(%d, %s) = %v, %v; want %v", id, how, slot, err, want)
			}
		}
	}
}

// compareExports checks Export now and at moments around moves and joins.
func compareExports(t *testing.T, s graphstore.Store, n *randomNet) {
	t.Helper()
	ctx := context.Background()
	times := []time.Time{{}, T0.Add(-time.Hour), n.now, n.now.Add(time.Hour)}
	for range 4 {
		times = append(times, n.m.members[n.pick()].Joined)
	}
	for range 6 {
		if len(n.checks) > 0 {
			times = append(times, n.checks[n.rng.IntN(len(n.checks))])
		}
	}
	for _, asOf := range times {
		for _, tree := range []network.Tree{S, P} {
			got, err := s.Export(ctx, tree, asOf)
			want := n.m.view(tree, asOf).export()
			if err != nil || !equalExport(got, want) {
				t.Fatalf("Export(%s, %s) differs from the model (%v):\n got %v %v\nwant %v %v",
					tree, asOf, err, got.IDs, got.Parent, want.IDs, want.Parent)
			}
		}
	}
}
