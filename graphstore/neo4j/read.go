package neo4j

import (
	"context"
	"fmt"
	"strconv"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
	"downline/network"
)

// Member returns one member. Errors: ErrNotFound.
func (s *Store) Member(ctx context.Context, id network.MemberID) (network.Member, error) {
	m, err := read(ctx, s, func(tx neo4j.ManagedTransaction) (network.Member, error) {
		rec, err := single(ctx, tx, `MATCH (m:Member {id: $id}) RETURN m`, map[string]any{"id": int64(id)})
		if err != nil || rec == nil {
			return network.Member{}, err
		}
		return memberOf(rec.Values[0])
	})
	if err == nil && m.ID == 0 {
		err = notFound(id)
	}
	if err != nil {
		return network.Member{}, fmt.Errorf("neo4j.Member(%d): %w", id, err)
	}
	return m, nil
}

// MemberByCode returns one member by external code. Errors: ErrNotFound.
func (s *Store) MemberByCode(ctx context.Context, code string) (network.Member, error) {
	m, err := read(ctx, s, func(tx neo4j.ManagedTransaction) (network.Member, error) {
		// ORDER BY makes the answer deterministic should the ledger ever
		// hand two members the same code.
		rec, err := single(ctx, tx, `MATCH (m:Member {code: $code}) RETURN m ORDER BY m.id LIMIT 1`, map[string]any{"code": code})
		if err != nil || rec == nil {
			return network.Member{}, err
		}
		return memberOf(rec.Values[0])
	})
	if err == nil && m.ID == 0 {
		err = fmt.Errorf("member code %q: %w", code, graphstore.ErrNotFound)
	}
	if err != nil {
		return network.Member{}, fmt.Errorf("neo4j.MemberByCode(%q): %w", code, err)
	}
	return m, nil
}

// Count returns the number of members held.
func (s *Store) Count(ctx context.Context) (int64, error) {
	n, err := read(ctx, s, func(tx neo4j.ManagedTransaction) (int64, error) {
		rec, err := single(ctx, tx, `MATCH (m:Member) RETURN count(m)`, nil)
		if err != nil || rec == nil {
			return 0, err
		}
		return asInt(rec.Values[0]), nil
	})
	if err != nil {
		return 0, fmt.Errorf("neo4j.Count: %w", err)
	}
	return n, nil
}

// exists reports whether every id is a member; the first missing one is
// returned as ErrNotFound.
func exists(ctx context.Context, tx neo4j.ManagedTransaction, ids ...network.MemberID) error {
	list := make([]int64, len(ids))
	for i, id := range ids {
		list[i] = int64(id)
	}
	found := make(map[int64]bool, len(ids))
	err := each(ctx, tx, `UNWIND $ids AS id MATCH (m:Member {id: id}) RETURN m.id`, map[string]any{"ids": list},
		func(r *neo4j.Record) error { found[asInt(r.Values[0])] = true; return nil })
	if err != nil {
		return err
	}
	for _, id := range ids {
		if !found[int64(id)] {
			return notFound(id)
		}
	}
	return nil
}

// upWindow is how many ancestors one query fetches. Variable-length
// expansion checks each step against the path so far, so one long
// expansion costs O(depth^2) or worse on a deep chain; short windows
// chained from Go keep it linear.
const upWindow = 64

// The longest upward path of at most upWindow steps: the next ancestors in
// order (a member has one parent, so upward paths form a chain).
var qUpline = byTree(`
MATCH (m:Member {id: $id})
OPTIONAL MATCH p = (m)-[:LINK*1..` + strconv.Itoa(upWindow) + `]->(:Member)
WITH p ORDER BY length(p) DESC LIMIT 1
RETURN nodes(p)[1..] AS up`)

// Upline returns the ancestors of id, nearest first. Errors: ErrNotFound.
func (s *Store) Upline(ctx context.Context, tree network.Tree, id network.MemberID, maxLevels int) ([]graphstore.Node, error) {
	if err := checkTree(tree); err != nil {
		return nil, fmt.Errorf("neo4j.Upline: %w", err)
	}
	if maxLevels < 0 {
		return nil, fmt.Errorf("neo4j.Upline: maxLevels %d: %w", maxLevels, graphstore.ErrInvalid)
	}
	nodes, err := read(ctx, s, func(tx neo4j.ManagedTransaction) ([]graphstore.Node, error) {
		var out []graphstore.Node
		from := id
		for {
			rec, err := single(ctx, tx, qUpline.of(tree), map[string]any{"id": int64(from)})
			if err != nil {
				return nil, err
			}
			if rec == nil {
				return nil, notFound(id) // a root still gets a row, with no path
			}
			up, _ := rec.Values[0].([]any)
			for _, v := range up {
				if maxLevels > 0 && len(out) == maxLevels {
					return out, nil
				}
				m, err := memberOf(v)
				if err != nil {
					return nil, err
				}
				out = append(out, graphstore.Node{Member: m, Depth: len(out) + 1})
			}
			if len(up) < upWindow || (maxLevels > 0 && len(out) >= maxLevels) {
				return out, nil
			}
			from = out[len(out)-1].ID
		}
	})
	if err != nil {
		return nil, fmt.Errorf("neo4j.Upline(%s, %d): %w", tree, id, err)
	}
	return nodes, nil
}

// One row with a null child for a member without children, none for an
// unknown member: the existence check rides along with the query.
var qFrontline = byTree(`
MATCH (m:Member {id: $id})
OPTIONAL MATCH (m)<-[r:LINK]-(c:Member)
RETURN c ORDER BY CHILD_ORDER`)

// Frontline returns the direct children of id. Errors: ErrNotFound.
func (s *Store) Frontline(ctx context.Context, tree network.Tree, id network.MemberID) ([]graphstore.Node, error) {
	if err := checkTree(tree); err != nil {
		return nil, fmt.Errorf("neo4j.Frontline: %w", err)
	}
	nodes, err := read(ctx, s, func(tx neo4j.ManagedTransaction) ([]graphstore.Node, error) {
		var out []graphstore.Node
		found := false
		err := each(ctx, tx, qFrontline.of(tree), map[string]any{"id": int64(id)}, func(r *neo4j.Record) error {
			found = true
			if r.Values[0] == nil {
				return nil
			}
			m, err := memberOf(r.Values[0])
			out = append(out, graphstore.Node{Member: m, Depth: 1})
			return err
		})
		if err == nil && !found {
			err = notFound(id)
		}
		return out, err
	})
	if err != nil {
		return nil, fmt.Errorf("neo4j.Frontline(%s, %d): %w", tree, id, err)
	}
	return nodes, nil
}

// shortestPath between two fixed ends runs a bidirectional breadth-first
// search: O(depth), where a plain variable-length pattern checks every
// step against the path so far.
var qIsBelow = byTree(`
MATCH (a:Member {id: $ancestor}), (m:Member {id: $member})
OPTIONAL MATCH p = shortestPath((m)-[:LINK*1..]->(a))
RETURN p IS NOT NULL`)

// IsInDownline reports whether member is strictly below ancestor. Errors: ErrNotFound.
func (s *Store) IsInDownline(ctx context.Context, tree network.Tree, ancestor, member network.MemberID) (bool, error) {
	if err := checkTree(tree); err != nil {
		return false, fmt.Errorf("neo4j.IsInDownline: %w", err)
	}
	in, err := read(ctx, s, func(tx neo4j.ManagedTransaction) (bool, error) {
		if err := exists(ctx, tx, ancestor, member); err != nil {
			return false, err
		}
		if ancestor == member {
			return false, nil // strictly below; shortestPath refuses equal ends
		}
		rec, err := single(ctx, tx, qIsBelow.of(tree), map[string]any{"ancestor": int64(ancestor), "member": int64(member)})
		if err != nil || rec == nil {
			return false, err
		}
		b, _ := rec.Values[0].(bool)
		return b, nil
	})
	if err != nil {
		return false, fmt.Errorf("neo4j.IsInDownline(%s, %d, %d): %w", tree, ancestor, member, err)
	}
	return in, nil
}

// The head of the leg is the node just below the ancestor on the member's
// (unique) upward path; the leg's size is the head's team aggregates
// (team.go) and the head itself: O(depth), nothing of the leg is read.
var qLegOf = byTree(`
MATCH (a:Member {id: $ancestor}), (m:Member {id: $member})
MATCH p = shortestPath((m)-[:LINK*1..]->(a))
WITH nodes(p)[-2] AS head, relationships(p)[-1] AS r
RETURN head.id, r.side, 1 + head.T_BELOW, head.T_ACTIVE + CASE WHEN head.status = 'active' THEN 1 ELSE 0 END`)

// LegOf tells which frontline leg of ancestor holds member, with the leg's
// size. Errors: ErrNotFound, ErrNotInTeam.
func (s *Store) LegOf(ctx context.Context, tree network.Tree, ancestor, member network.MemberID) (graphstore.LegCount, error) {
	if err := checkTree(tree); err != nil {
		return graphstore.LegCount{}, fmt.Errorf("neo4j.LegOf: %w", err)
	}
	leg, err := read(ctx, s, func(tx neo4j.ManagedTransaction) (graphstore.LegCount, error) {
		if err := exists(ctx, tx, ancestor, member); err != nil {
			return graphstore.LegCount{}, err
		}
		if ancestor == member {
			return graphstore.LegCount{}, fmt.Errorf("member %d under itself: %w", member, graphstore.ErrNotInTeam)
		}
		rec, err := single(ctx, tx, qLegOf.of(tree), map[string]any{"ancestor": int64(ancestor), "member": int64(member)})
		if err != nil {
			return graphstore.LegCount{}, err
		}
		if rec == nil {
			return graphstore.LegCount{}, fmt.Errorf("member %d under %d: %w", member, ancestor, graphstore.ErrNotInTeam)
		}
		return graphstore.LegCount{
			Head:   network.MemberID(asInt(rec.Values[0])),
			Side:   network.Side(asInt(rec.Values[1])),
			Total:  asInt(rec.Values[2]),
			Active: asInt(rec.Values[3]),
		}, nil
	})
	if err != nil {
		return graphstore.LegCount{}, fmt.Errorf("neo4j.LegOf(%s, %d, %d): %w", tree, ancestor, member, err)
	}
	return leg, nil
}
