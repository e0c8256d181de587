package neo4j

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
	"downline/graphstore/memory"
	"downline/network"
)

// eventLog is a random company's outbox: registrations, moves in both trees
// (to the root and to the link a member already has, too), status and name
// changes. The embedded store, fed alongside, keeps the moves valid.
type eventLog struct {
	events []network.Event
	// checks are times worth an Export(asOf): around every move.
	checks []time.Time
}

func randomHistory(t *testing.T, seed uint64, members int) *eventLog {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(seed, 11))
	ref := memory.New()
	h := &eventLog{}
	var ids []network.MemberID
	now := t0
	emit := func(e network.Event) {
		now = now.Add(time.Minute)
		e.Seq, e.At = int64(len(h.events)+1), now
		if e.Kind == network.EventRegistered {
			e.Member.Joined = now
		}
		if err := ref.Apply(ctx, []network.Event{e}); err != nil {
			t.Fatalf("reference store: %v", err)
		}
		h.events = append(h.events, e)
	}
	pick := func() network.MemberID { return ids[rng.IntN(len(ids))] }
	slot := func(under network.MemberID) (network.Slot, bool) {
		slots, err := ref.FreeSlots(ctx, under, 8)
		if err != nil || len(slots) == 0 {
			return network.Slot{}, false
		}
		return slots[rng.IntN(len(slots))], true
	}
	for len(ids) < members {
		r := rng.IntN(100)
		switch {
		case len(ids) < 2 || r < 70:
			id := network.MemberID(1000 + 3*len(ids))
			m := network.Member{ID: id, Code: code(id), Name: "m", Status: network.Active}
			if len(ids) > 0 {
				m.Sponsor = pick()
				if s, ok := slot(m.Sponsor); ok {
					m.Parent, m.Side = s.Parent, s.Side
				}
			}
			emit(network.Event{Kind: network.EventRegistered, Member: m})
			ids = append(ids, id)
		case r < 80:
			id, to := pick(), pick()
			if rng.IntN(10) == 0 {
				to = 0
			} else if in, _ := ref.IsInDownline(ctx, network.Sponsor, id, to); in || to == id {
				m, _ := ref.Member(ctx, id)
				to = m.Sponsor // a move to the sponsor it has: no change
			}
			emit(network.Event{Kind: network.EventMoved, Tree: network.Sponsor, Member: network.Member{ID: id, Sponsor: to}})
			h.checks = append(h.checks, now.Add(-time.Second), now)
		case r < 90:
			id := pick()
			mv := network.Member{ID: id}
			if rng.IntN(10) > 0 {
				s, ok := slot(pick())
				if !ok || s.Parent == id {
					continue
				}
				if in, _ := ref.IsInDownline(ctx, network.Placement, id, s.Parent); in {
					continue
				}
				mv.Parent, mv.Side = s.Parent, s.Side
			}
			emit(network.Event{Kind: network.EventMoved, Tree: network.Placement, Member: mv})
			h.checks = append(h.checks, now.Add(-time.Second), now)
		case r < 96:
			st := []network.Status{network.Active, network.Suspended, network.Terminated}[rng.IntN(3)]
			emit(network.Event{Kind: network.EventStatus, Member: network.Member{ID: pick(), Status: st}})
		default:
			emit(network.Event{Kind: network.EventProfile, Member: network.Member{ID: pick(), Name: fmt.Sprintf("n%d", rng.IntN(99))}})
		}
	}
	// A sample of the times around moves keeps the comparison quick.
	if len(h.checks) > 12 {
		step := len(h.checks) / 12
		var few []time.Time
		for i := 0; i < len(h.checks); i += step {
			few = append(few, h.checks[i])
		}
		h.checks = few
	}
	h.checks = append(h.checks, t0.Add(time.Hour*24*365))
	return h
}

// snapshot is what member.TakeSnapshot reads from the ledger after these
// events: members as they are now but with the links they joined with, and
// the moves in order (without outbox seqs, as the ledger's member_moves).
func (h *eventLog) snapshot() (members []network.Member, moves []network.Event, lastSeq int64) {
	index := map[network.MemberID]int{}
	for _, e := range h.events {
		switch e.Kind {
		case network.EventRegistered:
			index[e.Member.ID] = len(members)
			members = append(members, e.Member)
		case network.EventMoved:
			mv := e
			mv.Seq = 0
			moves = append(moves, mv)
		case network.EventStatus:
			members[index[e.Member.ID]].Status = e.Member.Status
		case network.EventProfile:
			members[index[e.Member.ID]].Name = e.Member.Name
		}
	}
	return members, moves, h.events[len(h.events)-1].Seq
}

// graphDump lists every member and relationship with every property but
// seq (which a bulk load cannot know), sorted: two equal dumps are the same graph.
func graphDump(t *testing.T, s *Store) []string {
	t.Helper()
	ctx := context.Background()
	out, err := read(ctx, s, func(tx neo4j.ManagedTransaction) ([]string, error) {
		var out []string
		err := each(ctx, tx, `MATCH (m:Member) RETURN m {.*}`, nil, func(r *neo4j.Record) error {
			out = append(out, fmt.Sprint(r.Values[0]))
			return nil
		})
		if err != nil {
			return nil, err
		}
		err = each(ctx, tx, `MATCH (c:Member)-[r]->(p:Member)
RETURN c.id, type(r), p.id, r.side, toString(r.since), toString(r.until)`, nil, func(r *neo4j.Record) error {
			out = append(out, fmt.Sprint(r.Values...))
			return nil
		})
		return out, err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// storeView is what the queries answer, for comparing two fillings of a store.
func storeView(t *testing.T, s graphstore.Store, h *eventLog) map[string]any {
	t.Helper()
	ctx := context.Background()
	v := map[string]any{}
	for _, tree := range []network.Tree{network.Sponsor, network.Placement} {
		for _, at := range append([]time.Time{{}}, h.checks...) {
			ex, err := s.Export(ctx, tree, at)
			if err != nil {
				t.Fatal(err)
			}
			v[fmt.Sprintf("export %s %v", tree, at)] = ex
		}
		for _, e := range h.events[:len(h.events):len(h.events)] {
			if e.Kind != network.EventRegistered || e.Member.ID%31 != 0 {
				continue
			}
			id := e.Member.ID
			up, err := s.Upline(ctx, tree, id, 0)
			if err != nil {
				t.Fatal(err)
			}
			team, err := s.Team(ctx, tree, id)
			if err != nil {
				t.Fatal(err)
			}
			page, err := s.Downline(ctx, tree, id, graphstore.DownlineQuery{Limit: 50})
			if err != nil {
				t.Fatal(err)
			}
			front, err := s.Frontline(ctx, tree, id)
			if err != nil {
				t.Fatal(err)
			}
			v[fmt.Sprintf("%s %d", tree, id)] = []any{up, team, page, front}
		}
	}
	seq, err := s.LastSeq(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v["lastSeq"] = seq
	return v
}

// sameFilling fails unless a store filled by how holds the graph (dump) and
// answers the queries (view) as the store that applied the events did.
func sameFilling(t *testing.T, how string, applied, got []string, appliedView, gotView map[string]any) {
	t.Helper()
	if !slices.Equal(applied, got) {
		for i := range min(len(applied), len(got)) {
			if applied[i] != got[i] {
				t.Fatalf("graphs differ (%d vs %d lines); first difference:\napply: %s\n%s: %s", len(applied), len(got), applied[i], how, got[i])
			}
		}
		t.Fatalf("graphs differ: %d lines after Apply, %d after %s", len(applied), len(got), how)
	}
	for k, want := range appliedView {
		if g := gotView[k]; !reflect.DeepEqual(g, want) {
			t.Errorf("%s after %s:\n%+v\nafter Apply:\n%+v", k, how, g, want)
		}
	}
}

// Load leaves the same graph, and the same answers, as applying the events.
func TestLoadMatchesApply(t *testing.T) {
	ctx := context.Background()
	s := freshStore(t)
	h := randomHistory(t, 1, 300)
	if err := s.Apply(ctx, h.events); err != nil {
		t.Fatal(err)
	}
	applied, appliedView := graphDump(t, s), storeView(t, s, h)

	if err := s.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	members, moves, lastSeq := h.snapshot()
	// Any order of members: the ledger reads them by id.
	rand.New(rand.NewPCG(3, 3)).Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
	var calls []int
	if err := s.Load(ctx, members, moves, lastSeq, func(done int) { calls = append(calls, done) }); err != nil {
		t.Fatal(err)
	}
	if len(calls) == 0 || calls[len(calls)-1] != len(members) {
		t.Errorf("progress calls %v, want the last to be %d", calls, len(members))
	}
	loaded := graphDump(t, s)
	sameFilling(t, "Load", applied, loaded, appliedView, storeView(t, s, h))

	// The feed resumes where the load ended: re-delivered events are no-ops,
	// new ones apply.
	if err := s.Apply(ctx, h.events[len(h.events)-5:]); err != nil {
		t.Fatal(err)
	}
	if again := graphDump(t, s); !slices.Equal(again, loaded) {
		t.Fatal("re-delivering events after Load changed the graph")
	}
	if err := s.Load(ctx, members, moves, lastSeq, nil); err == nil {
		t.Fatal("Load into a non-empty store succeeded")
	}
}

// A snapshot the ledger could not hold (a cycle) is refused before anything
// is written.
func TestLoadRejectsBadSnapshot(t *testing.T) {
	ctx := context.Background()
	s := freshStore(t)
	members := []network.Member{
		{ID: 1, Code: "A", Status: network.Active, Joined: t0},
		{ID: 2, Code: "B", Status: network.Active, Joined: t0.Add(time.Hour), Sponsor: 1, Parent: 1, Side: network.Left},
	}
	moves := []network.Event{{At: t0.Add(2 * time.Hour), Kind: network.EventMoved, Tree: network.Sponsor, Member: network.Member{ID: 1, Sponsor: 2}}}
	if err := s.Load(ctx, members, moves, 9, nil); err == nil {
		t.Fatal("Load of a cycle succeeded")
	}
	if n, _ := s.Count(ctx); n != 0 {
		t.Fatalf("a refused Load left %d members", n)
	}
}
