package neo4j

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"downline/graphstore"
	"downline/graphstore/memory"
	"downline/graphstore/neo4j/neo4jtest"
	"downline/network"
)

// The team aggregates Apply keeps give, for every member of both trees, the
// Team the embedded store computes from its intervals: a random history of
// joins, moves (to the root, to the parent a member has, across the tree)
// and status changes, applied in batches of random size, each batch
// re-delivering some events already applied, as the feed may.
func TestTeamsMatchEmbedded(t *testing.T) {
	ctx := context.Background()
	s := freshStore(t)
	h := randomHistory(t, 5, 400)
	ref := memory.New()
	rng := rand.New(rand.NewPCG(5, 5))
	checks, nextCheck := 0, len(h.events)/4
	for done := 0; done < len(h.events); {
		next := min(done+1+rng.IntN(60), len(h.events))
		again := done - rng.IntN(min(done, 20)+1) // re-delivered: no-ops
		if err := s.Apply(ctx, h.events[again:next]); err != nil {
			t.Fatal(err)
		}
		if err := ref.Apply(ctx, h.events[done:next]); err != nil {
			t.Fatal(err)
		}
		done = next
		if done >= nextCheck || done == len(h.events) {
			checks, nextCheck = checks+1, done+len(h.events)/4
			t0 := time.Now()
			sameTeams(t, s, ref)
			t1 := time.Now()
			noTeamDrift(t, s)
			t.Logf("after %d events: teams compared in %s, drift checked in %s", done, t1.Sub(t0), time.Since(t1))
		}
	}
	if checks < 4 {
		t.Fatalf("only %d checkpoints", checks)
	}
}

// sameTeams compares Team for every member of both trees.
func sameTeams(t *testing.T, s *Store, ref graphstore.Store) {
	t.Helper()
	ctx := context.Background()
	for _, tree := range []network.Tree{network.Sponsor, network.Placement} {
		ex, err := ref.Export(ctx, tree, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		for _, id := range ex.IDs {
			want, err := ref.Team(ctx, tree, id)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Team(ctx, tree, id)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s Team(%d) = %+v, embedded %+v", tree, id, got, want)
			}
		}
	}
}

func noTeamDrift(t *testing.T, s *Store) {
	t.Helper()
	for _, tree := range []network.Tree{network.Sponsor, network.Placement} {
		err := s.CheckTeams(context.Background(), tree, func(id network.MemberID, computed, stored string) {
			t.Errorf("%s member %d: links give %s, stored %s", tree, id, computed, stored)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if t.Failed() {
		t.FailNow()
	}
}

// CheckTeams reports a stored aggregate that disagrees with the links, and
// New computes the aggregates of a store filled before they were kept.
func TestTeamsDriftAndRebuild(t *testing.T) {
	ctx := context.Background()
	s := freshStore(t)
	h := randomHistory(t, 6, 120)
	if err := s.Apply(ctx, h.events); err != nil {
		t.Fatal(err)
	}
	noTeamDrift(t, s)
	ref := memory.New()
	if err := ref.Apply(ctx, h.events); err != nil {
		t.Fatal(err)
	}
	root := h.events[0].Member.ID
	if err := s.writeParams(ctx, `MATCH (m:Member {id: $id}) SET m.spBelow = m.spBelow + 1`, map[string]any{"id": int64(root)}); err != nil {
		t.Fatal(err)
	}
	var found []string
	err := s.CheckTeams(ctx, network.Sponsor, func(id network.MemberID, computed, stored string) {
		found = append(found, fmt.Sprintf("%d: %s / %s", id, computed, stored))
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || !strings.HasPrefix(found[0], fmt.Sprintf("%d:", root)) {
		t.Fatalf("CheckTeams after corrupting member %d: %q", root, found)
	}

	// A store from before the aggregates: no properties, no mark.
	err = s.writeParams(ctx, `MATCH (m:Member) REMOVE m.spBelow, m.spActive, m.spHeight, m.plBelow, m.plActive, m.plHeight
WITH count(*) AS n MATCH (x:Meta {id: $id}) REMOVE x.teams`, map[string]any{"id": metaID})
	if err != nil {
		t.Fatal(err)
	}
	found = nil
	if err := s.CheckTeams(ctx, network.Placement, func(id network.MemberID, computed, stored string) { found = append(found, stored) }); err != nil {
		t.Fatal(err)
	}
	if len(found) != 120 || found[0] != "none" {
		t.Fatalf("CheckTeams without aggregates: %d differences, first %q", len(found), found[0])
	}
	s2, err := New(ctx, neo4jtest.URI(t), os.Getenv("NEO4J_USER"), os.Getenv("NEO4J_PASSWORD"))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	noTeamDrift(t, s2)
	sameTeams(t, s2, ref)
}

func TestTeamsOf(t *testing.T) {
	//     0
	//    / \
	//   1   2      3 (a root of its own)
	//   |
	//   4
	//   |
	//   5
	parent := []int32{-1, 0, 0, -1, 1, 4}
	active := []bool{true, false, true, true, true, false}
	got, stuck := teamsOf(parent, active)
	want := []teamAgg{{4, 2, 3}, {2, 1, 2}, {0, 0, 0}, {0, 0, 0}, {1, 0, 1}, {0, 0, 0}}
	if stuck != 0 || !reflect.DeepEqual(got, want) {
		t.Fatalf("teamsOf = %v, %d stuck; want %v", got, stuck, want)
	}
	if _, stuck := teamsOf([]int32{1, 2, 0, -1}, make([]bool, 4)); stuck != 3 {
		t.Fatalf("a 3-cycle: %d stuck, want 3", stuck)
	}
}
