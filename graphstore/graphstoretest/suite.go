// Package graphstoretest is the conformance suite every graphstore.Store
// passes. Each subtest starts from an empty store and builds its networks
// only through Apply, so the same cases run against any implementation.
package graphstoretest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"downline/graphstore"
	"downline/network"
)

// Options sizes the suite so a store behind a network can run it in time.
type Options struct {
	// DeepChain is the length of the one-member-per-level chain; 0 means
	// 1,000,000, negative skips the test.
	DeepChain int
	// RandomMembers is the size of each random network; 0 means 400.
	RandomMembers int
	// RandomSeeds is how many random networks are built; 0 means 3.
	RandomSeeds int
	// Batch is how many events go into one Apply when building big trees; 0 means 10,000.
	Batch int
}

func (o Options) withDefaults() Options {
	if o.DeepChain == 0 {
		o.DeepChain = 1_000_000
	}
	if o.RandomMembers == 0 {
		o.RandomMembers = 400
	}
	if o.RandomSeeds == 0 {
		o.RandomSeeds = 3
	}
	if o.Batch == 0 {
		o.Batch = 10_000
	}
	return o
}

// Run runs every conformance test; newStore returns a fresh, empty store
// for each subtest (and registers its cleanup with t).
func Run(t *testing.T, newStore func(t *testing.T) graphstore.Store, opts Options) {
	opts = opts.withDefaults()
	t.Run("Fixture", func(t *testing.T) { testFixture(t, newStore) })
	t.Run("Moves", func(t *testing.T) { testMoves(t, newStore) })
	t.Run("Errors", func(t *testing.T) { testErrors(t, newStore) })
	t.Run("ApplyIdempotent", func(t *testing.T) { testApply(t, newStore) })
	t.Run("Random", func(t *testing.T) { testRandom(t, newStore, opts) })
	t.Run("DeepChain", func(t *testing.T) {
		if opts.DeepChain < 0 {
			t.Skip("DeepChain < 0")
		}
		testDeepChain(t, newStore, opts)
	})
}

// T0 is the fixtures' epoch; times are whole seconds so that every store
// can hold them exactly.
var T0 = time.Date(2024, 3, 1, 8, 0, 0, 0, time.UTC)

// log records the events a test applies, numbering them.
type log struct {
	seq    int64
	events []network.Event
}

func (l *log) add(e network.Event) network.Event {
	l.seq++
	e.Seq = l.seq
	l.events = append(l.events, e)
	return e
}

func (l *log) register(m network.Member, at time.Time) network.Event {
	if m.Status == "" {
		m.Status = network.Active
	}
	return l.add(network.Event{At: at, Kind: network.EventRegistered, Member: m})
}

func (l *log) moveSponsor(id, sponsor network.MemberID, at time.Time) network.Event {
	return l.add(network.Event{At: at, Kind: network.EventMoved, Tree: network.Sponsor,
		Member: network.Member{ID: id, Sponsor: sponsor}})
}

func (l *log) movePlacement(id, parent network.MemberID, side network.Side, at time.Time) network.Event {
	return l.add(network.Event{At: at, Kind: network.EventMoved, Tree: network.Placement,
		Member: network.Member{ID: id, Parent: parent, Side: side}})
}

func (l *log) status(id network.MemberID, st network.Status, at time.Time) network.Event {
	return l.add(network.Event{At: at, Kind: network.EventStatus, Member: network.Member{ID: id, Status: st}})
}

func (l *log) profile(id network.MemberID, name string, at time.Time) network.Event {
	return l.add(network.Event{At: at, Kind: network.EventProfile, Member: network.Member{ID: id, Name: name}})
}

func apply(t *testing.T, s graphstore.Store, events []network.Event, batch int) {
	t.Helper()
	ctx := context.Background()
	for len(events) > 0 {
		n := min(batch, len(events))
		if err := s.Apply(ctx, events[:n]); err != nil {
			t.Fatalf("Apply: %v", err)
		}
		events = events[n:]
	}
}

func sameMember(a, b network.Member) bool {
	return a.ID == b.ID && a.Code == b.Code && a.Name == b.Name && a.Status == b.Status &&
		a.Joined.Equal(b.Joined) && a.Sponsor == b.Sponsor && a.Parent == b.Parent && a.Side == b.Side
}

func fmtMember(m network.Member) string {
	return fmt.Sprintf("{%d %q %q %s %s sp=%d pl=%d%s}", m.ID, m.Code, m.Name, m.Status,
		m.Joined.UTC().Format(time.RFC3339Nano), m.Sponsor, m.Parent, m.Side)
}

// idDepth is the part of a Node the table cases spell out.
type idDepth struct {
	ID    network.MemberID
	Depth int
}

func idDepths(nodes []graphstore.Node) []idDepth {
	out := make([]idDepth, len(nodes))
	for k, n := range nodes {
		out[k] = idDepth{n.ID, n.Depth}
	}
	return out
}

func ids(nodes []graphstore.Node) []network.MemberID {
	out := make([]network.MemberID, len(nodes))
	for k, n := range nodes {
		out[k] = n.ID
	}
	return out
}

// allPages walks a downline to the end, checking the paging contract: full
// pages while Next is set, Next empty on the last one.
func allPages(t *testing.T, s graphstore.Store, tree network.Tree, id network.MemberID, q graphstore.DownlineQuery) []graphstore.Node {
	t.Helper()
	ctx := context.Background()
	limit := q.Limit
	if limit == 0 {
		limit = 100
	}
	var all []graphstore.Node
	seen := map[network.MemberID]bool{}
	for pages := 0; ; pages++ {
		p, err := s.Downline(ctx, tree, id, q)
		if err != nil {
			t.Fatalf("Downline(%s, %d, %+v) page %d: %v", tree, id, q, pages, err)
		}
		for _, n := range p.Nodes {
			if seen[n.ID] {
				t.Fatalf("Downline(%s, %d) page %d: member %d returned twice", tree, id, pages, n.ID)
			}
			seen[n.ID] = true
		}
		all = append(all, p.Nodes...)
		if p.Next == "" {
			if len(p.Nodes) > limit {
				t.Fatalf("Downline(%s, %d): last page has %d nodes, limit %d", tree, id, len(p.Nodes), limit)
			}
			return all
		}
		if len(p.Nodes) != limit {
			t.Fatalf("Downline(%s, %d) page %d: %d nodes with a Next cursor, want a full page of %d", tree, id, pages, len(p.Nodes), limit)
		}
		q.Cursor = p.Next
	}
}

func equalExport(a, b graphstore.Export) bool {
	return a.Tree == b.Tree && slices.Equal(a.IDs, b.IDs) && slices.Equal(a.Parent, b.Parent) && slices.Equal(a.Side, b.Side)
}

func mustErr(t *testing.T, what string, err, want error) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want %v", what, want)
		return
	}
	if !errors.Is(err, want) {
		t.Errorf("%s: error %v, want %v", what, err, want)
	}
}
