package graphstoretest

import (
	"context"
	"errors"
	"testing"

	"downline/graphstore"
	"downline/network"
)

// testApply checks idempotency by Seq and how a batch with a bad event ends.
func testApply(t *testing.T, newStore func(*testing.T) graphstore.Store) {
	ctx := context.Background()
	s, l := newFixture(t, newStore)
	before := snapshot(t, s)

	// The whole log again, in one batch and one by one: nothing changes.
	apply(t, s, l.events, len(l.events))
	apply(t, s, l.events, 1)
	if after := snapshot(t, s); after != before {
		t.Errorf("re-applying the log changed the store:\n%s\nbecame\n%s", before, after)
	}
	// An old Seq is skipped even when the event says something else.
	stale := l.events[0]
	stale.Kind, stale.Member = network.EventProfile, network.Member{ID: 1, Name: "Changed"}
	if err := s.Apply(ctx, []network.Event{stale}); err != nil {
		t.Errorf("Apply(old seq): %v", err)
	}
	if m, _ := s.Member(ctx, 1); m.Name != "Root One" {
		t.Errorf("Apply(old seq) renamed member 1 to %q", m.Name)
	}
	if err := s.Apply(ctx, nil); err != nil {
		t.Errorf("Apply(nil): %v", err)
	}

	// A batch stops at its first bad event: those before it stay applied.
	good := l.register(network.Member{ID: 20, Code: "M020", Name: "Twenty", Joined: at(20), Sponsor: 8, Parent: 4, Side: L}, at(20))
	bad := l.movePlacement(1, 20, L, at(21)) // under its own downline
	after := l.register(network.Member{ID: 21, Code: "M021", Name: "Twenty-one", Joined: at(21), Sponsor: 8, Parent: 4, Side: R}, at(21))
	err := s.Apply(ctx, []network.Event{good, bad, after})
	if !errors.Is(err, graphstore.ErrInvalid) {
		t.Fatalf("Apply(good, cycle, good) = %v, want ErrInvalid", err)
	}
	if seq, _ := s.LastSeq(ctx); seq != good.Seq {
		t.Errorf("LastSeq after a failed batch = %d, want %d (the last good event)", seq, good.Seq)
	}
	if _, err := s.Member(ctx, 20); err != nil {
		t.Errorf("member 20 from before the bad event: %v", err)
	}
	if _, err := s.Member(ctx, 21); !errors.Is(err, graphstore.ErrNotFound) {
		t.Errorf("member 21 from after the bad event: %v, want ErrNotFound", err)
	}
	// The consumer skips the bad event (as an operator would) and goes on.
	if err := s.Apply(ctx, []network.Event{after}); err != nil {
		t.Fatalf("Apply(after): %v", err)
	}
	if seq, _ := s.LastSeq(ctx); seq != after.Seq {
		t.Errorf("LastSeq = %d, want %d", seq, after.Seq)
	}
	if n, _ := s.Count(ctx); n != 10 {
		t.Errorf("Count = %d, want 10", n)
	}
	if up, err := s.Upline(ctx, S, 21, 0); err != nil || len(up) != 4 {
		t.Errorf("Upline(S, 21) = %v, %v; want 8 5 2 1", ids(up), err)
	}
}
