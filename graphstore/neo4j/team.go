package neo4j

import (
	"context"
	"downline/network"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// Team aggregates. Every member keeps, per tree, the size of its team so
// that Team reads a member's frontline and nothing below it:
//
//	spBelow, plBelow     members below it (itself excluded)
//	spActive, plActive   of which with status active
//	spHeight, plHeight   levels below it (0 = no downline)
//
// Apply keeps them in step (a join adds to its ancestors, a status change
// adjusts their active counts, a move takes its subtree's counts off the old
// ancestors and adds them to the new); Load and WriteImport compute them in
// Go from the snapshot; CheckTeams compares them with what the links give.
// Queries name them through the placeholders T_BELOW, T_ACTIVE and T_HEIGHT
// (byTree), one set per tree.
var teamProps = [2][3]string{
	network.Sponsor:   {"spBelow", "spActive", "spHeight"},
	network.Placement: {"plBelow", "plActive", "plHeight"},
}

// teamAgg is one member's team aggregates in one tree.
type teamAgg struct {
	below, active int64
	height        int64
}

func (a teamAgg) String() string {
	return fmt.Sprintf("%d below, %d active, %d levels", a.below, a.active, a.height)
}

// teamsOf computes every member's aggregates from parent indexes (-1 for a
// root) and which members are active, bottom up in O(n): a member is added
// to its parent once all its children have been. Members on a cycle never
// complete; their count is returned as stuck (0 for a tree).
func teamsOf(parent []int32, active []bool) (aggs []teamAgg, stuck int) {
	n := len(parent)
	aggs = make([]teamAgg, n)
	pending := make([]int32, n) // children not yet added
	for _, p := range parent {
		if p >= 0 {
			pending[p]++
		}
	}
	ready := make([]int32, 0, n)
	for i := range pending {
		if pending[i] == 0 {
			ready = append(ready, int32(i))
		}
	}
	done := 0
	for len(ready) > 0 {
		i := ready[len(ready)-1]
		ready = ready[:len(ready)-1]
		done++
		p := parent[i]
		if p < 0 {
			continue
		}
		a, pa := aggs[i], &aggs[p]
		pa.below += 1 + a.below
		pa.active += a.active
		if active[i] {
			pa.active++
		}
		pa.height = max(pa.height, a.height+1)
		if pending[p]--; pending[p] == 0 {
			ready = append(ready, p)
		}
	}
	return aggs, n - done
}

// Every member with its current parent, status and stored aggregates.
var qTeamsStored = byTree(`
MATCH (c:Member)
OPTIONAL MATCH (c)-[:LINK]->(p:Member)
RETURN c.id, p.id, c.status, c.T_BELOW, c.T_ACTIVE, c.T_HEIGHT`)

// teamRows reads one tree's links and stored aggregates and computes the
// aggregates the links give. stored[i] is nil where a member has none.
func (s *Store) teamRows(ctx context.Context, tree network.Tree) (ids []int64, computed []teamAgg, stored []*teamAgg, err error) {
	var parents []int64
	var active []bool
	_, err = read(ctx, s, func(tx neo4j.ManagedTransaction) (struct{}, error) {
		ids, parents, active, stored = ids[:0], parents[:0], active[:0], stored[:0]
		return struct{}{}, each(ctx, tx, qTeamsStored.of(tree), nil, func(r *neo4j.Record) error {
			ids = append(ids, asInt(r.Values[0]))
			parents = append(parents, asInt(r.Values[1]))
			active = append(active, asString(r.Values[2]) == string(network.Active))
			var st *teamAgg
			if r.Values[3] != nil && r.Values[4] != nil && r.Values[5] != nil {
				st = &teamAgg{asInt(r.Values[3]), asInt(r.Values[4]), asInt(r.Values[5])}
			}
			stored = append(stored, st)
			return nil
		})
	})
	if err != nil {
		return nil, nil, nil, err
	}
	index := make(map[int64]int32, len(ids))
	for i, id := range ids {
		index[id] = int32(i)
	}
	parent := make([]int32, len(ids))
	for i, p := range parents {
		parent[i] = -1
		if k, ok := index[p]; ok && p != 0 {
			parent[i] = k
		}
	}
	computed, stuck := teamsOf(parent, active)
	if stuck > 0 {
		return nil, nil, nil, fmt.Errorf("%d members are in a cycle, not a tree", stuck)
	}
	return ids, computed, stored, nil
}

// CheckTeams compares every member's stored team aggregates in tree with
// those its current links and statuses give, calling differ for each member
// whose differ (stored is "none" when a member has no aggregates at all).
// projection.Check calls it, so drift shows in graph check.
func (s *Store) CheckTeams(ctx context.Context, tree network.Tree, differ func(id network.MemberID, computed, stored string)) error {
	if err := checkTree(tree); err != nil {
		return fmt.Errorf("neo4j.CheckTeams: %w", err)
	}
	ids, computed, stored, err := s.teamRows(ctx, tree)
	if err != nil {
		return fmt.Errorf("neo4j.CheckTeams(%s): %w", tree, err)
	}
	for i, id := range ids {
		switch {
		case stored[i] == nil:
			differ(network.MemberID(id), computed[i].String(), "none")
		case *stored[i] != computed[i]:
			differ(network.MemberID(id), computed[i].String(), stored[i].String())
		}
	}
	return nil
}

// qSetTeams writes computed aggregates, one column each.
var qSetTeams = byTree(`
UNWIND range(0, size($id) - 1) AS i
MATCH (m:Member {id: $id[i]})
SET m.T_BELOW = $below[i], m.T_ACTIVE = $active[i], m.T_HEIGHT = $height[i]`)

// rebuildTeams recomputes and writes both trees' aggregates from the links:
// for a store filled before they existed (New does it once; see teamsMark).
func (s *Store) rebuildTeams(ctx context.Context) error {
	for _, tree := range []network.Tree{network.Sponsor, network.Placement} {
		ids, computed, _, err := s.teamRows(ctx, tree)
		if err != nil {
			return fmt.Errorf("%s team aggregates: %w", tree, err)
		}
		for lo := 0; lo < len(ids); lo += loadBatch {
			hi := min(lo+loadBatch, len(ids))
			below, active, height := make([]int64, 0, hi-lo), make([]int64, 0, hi-lo), make([]int64, 0, hi-lo)
			for _, a := range computed[lo:hi] {
				below, active, height = append(below, a.below), append(active, a.active), append(height, a.height)
			}
			p := map[string]any{"id": ids[lo:hi], "below": below, "active": active, "height": height}
			if err := s.writeParams(ctx, qSetTeams.of(tree), p); err != nil {
				return fmt.Errorf("%s team aggregates: %w", tree, err)
			}
		}
	}
	return nil
}

// teamsMark is the Meta property saying every member's team aggregates are
// kept. A store without it that holds members was filled by an earlier
// version: New computes the aggregates once and sets it. An empty store gets
// it at once (Apply keeps the aggregates from the first member on), Load and
// WriteImport with the members.
const teamsMark = "teams"

func (s *Store) ensureTeams(ctx context.Context) error {
	marked, err := s.marked(ctx, teamsMark)
	if err != nil || marked {
		return err
	}
	n, err := s.Count(ctx)
	if err != nil {
		return err
	}
	if n > 0 {
		if err := s.rebuildTeams(ctx); err != nil {
			return err
		}
	}
	return s.mark(ctx, teamsMark)
}
