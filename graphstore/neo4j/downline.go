package neo4j

import (
	"context"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
	"downline/network"
)

// cursor is where a page ended: the last member returned and its depth.
// The walk is redone down to that depth on the next page (tree order cannot
// be resumed from a sort key without the path above it), and a member that
// is no longer at that depth makes the cursor stale.
type cursor struct {
	tree  network.Tree
	root  network.MemberID
	depth int64
	after int64
}

func (c cursor) String() string {
	raw := fmt.Sprintf("d2.%d.%d.%d.%d", c.tree, c.root, c.depth, c.after)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// parseCursor checks the cursor was made for this tree and this root: a
// cursor from another query would silently skip or repeat members.
func parseCursor(s string, tree network.Tree, root network.MemberID) (cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, fmt.Errorf("%w: not base64url", graphstore.ErrBadCursor)
	}
	f := strings.Split(string(raw), ".")
	if len(f) != 5 || f[0] != "d2" {
		return cursor{}, fmt.Errorf("%w: unknown format", graphstore.ErrBadCursor)
	}
	var n [4]int64
	for i := range n {
		if n[i], err = strconv.ParseInt(f[i+1], 10, 64); err != nil {
			return cursor{}, fmt.Errorf("%w: unknown format", graphstore.ErrBadCursor)
		}
	}
	c := cursor{tree: network.Tree(n[0]), root: network.MemberID(n[1]), depth: n[2], after: n[3]}
	if c.tree != tree || c.root != root || c.depth < 1 {
		return cursor{}, fmt.Errorf("%w: made for another query", graphstore.ErrBadCursor)
	}
	return c, nil
}

// Downline returns one page of the members below id, in tree order.
// Errors: ErrNotFound, ErrBadCursor, ErrInvalid.
func (s *Store) Downline(ctx context.Context, tree network.Tree, id network.MemberID, q graphstore.DownlineQuery) (graphstore.Page, error) {
	page, err := s.downline(ctx, tree, id, q)
	if err != nil {
		return graphstore.Page{}, fmt.Errorf("neo4j.Downline(%s, %d): %w", tree, id, err)
	}
	return page, nil
}

func (s *Store) downline(ctx context.Context, tree network.Tree, id network.MemberID, q graphstore.DownlineQuery) (graphstore.Page, error) {
	if err := checkTree(tree); err != nil {
		return graphstore.Page{}, err
	}
	minDepth, maxDepth, limit, err := q.Resolve()
	if err != nil {
		return graphstore.Page{}, err
	}
	wanted := map[string]bool{}
	for _, st := range q.Status {
		wanted[string(st)] = true
	}
	var resume *cursor
	if q.Cursor != "" {
		c, err := parseCursor(q.Cursor, tree, id)
		if err != nil {
			return graphstore.Page{}, err
		}
		resume = &c
	}
	return read(ctx, s, func(tx neo4j.ManagedTransaction) (graphstore.Page, error) {
		var picked []int64
		var depths []int
		more := false
		started := resume == nil
		err := walk(ctx, tx, tree, id, maxDepth, func(depth int, level []walked) (bool, error) {
			if !started {
				if depth < int(resume.depth) {
					return true, nil
				}
				k := slices.IndexFunc(level, func(m walked) bool { return m.id == resume.after })
				if k < 0 {
					return false, fmt.Errorf("%w: member %d is no longer at depth %d", graphstore.ErrBadCursor, resume.after, depth)
				}
				level, started = level[k+1:], true
			}
			if depth < minDepth {
				return true, nil
			}
			for _, m := range level {
				if len(wanted) > 0 && !wanted[m.status] {
					continue
				}
				if len(picked) == limit {
					more = true // one more match: the page gets a Next
					return false, nil
				}
				picked = append(picked, m.id)
				depths = append(depths, depth)
			}
			return true, nil
		})
		if err != nil {
			return graphstore.Page{}, err
		}
		if len(picked) == 0 {
			// Only an empty page can come from an unknown member.
			if err := exists(ctx, tx, id); err != nil {
				return graphstore.Page{}, err
			}
		}
		if !started {
			return graphstore.Page{}, fmt.Errorf("%w: depth %d is below the tree", graphstore.ErrBadCursor, resume.depth)
		}
		var page graphstore.Page
		members, err := membersByID(ctx, tx, picked)
		if err != nil {
			return graphstore.Page{}, err
		}
		for k, mid := range picked {
			page.Nodes = append(page.Nodes, graphstore.Node{Member: members[mid], Depth: depths[k]})
		}
		if more {
			page.Next = cursor{tree: tree, root: id, depth: int64(depths[len(depths)-1]), after: picked[len(picked)-1]}.String()
		}
		return page, nil
	})
}

func membersByID(ctx context.Context, tx neo4j.ManagedTransaction, ids []int64) (map[int64]network.Member, error) {
	out := make(map[int64]network.Member, len(ids))
	if len(ids) == 0 {
		return out, nil
	}
	err := each(ctx, tx, `UNWIND $ids AS id MATCH (m:Member {id: id}) RETURN m`, map[string]any{"ids": ids}, func(r *neo4j.Record) error {
		m, err := memberOf(r.Values[0])
		out[int64(m.ID)] = m
		return err
	})
	return out, err
}

// One row per frontline leg, from the heads' team aggregates (team.go):
// O(legs), nothing below the frontline is read. A member without a
// frontline gives one row with no head, an unknown member none.
var qTeam = byTree(`
MATCH (m:Member {id: $id})
OPTIONAL MATCH (m)<-[r:LINK]-(c:Member)
RETURN c.id, r.side, c.T_BELOW, c.T_ACTIVE, c.T_HEIGHT, c.status
ORDER BY CHILD_ORDER`)

// Team counts the members below id, in total and per frontline leg. Errors: ErrNotFound.
func (s *Store) Team(ctx context.Context, tree network.Tree, id network.MemberID) (graphstore.TeamCounts, error) {
	if err := checkTree(tree); err != nil {
		return graphstore.TeamCounts{}, fmt.Errorf("neo4j.Team: %w", err)
	}
	tc, err := read(ctx, s, func(tx neo4j.ManagedTransaction) (graphstore.TeamCounts, error) {
		var tc graphstore.TeamCounts
		found := false
		err := each(ctx, tx, qTeam.of(tree), map[string]any{"id": int64(id)}, func(r *neo4j.Record) error {
			found = true
			if r.Values[0] == nil {
				return nil // no frontline
			}
			leg := graphstore.LegCount{
				Head:   network.MemberID(asInt(r.Values[0])),
				Side:   network.Side(asInt(r.Values[1])),
				Total:  1 + asInt(r.Values[2]),
				Active: asInt(r.Values[3]) + activeCount(network.Status(asString(r.Values[5]))),
			}
			tc.Legs = append(tc.Legs, leg)
			tc.Total += leg.Total
			tc.Active += leg.Active
			tc.Depth = max(tc.Depth, int(asInt(r.Values[4]))+1)
			return nil
		})
		if err == nil && !found {
			err = notFound(id)
		}
		return tc, err
	})
	if err != nil {
		return graphstore.TeamCounts{}, fmt.Errorf("neo4j.Team(%s, %d): %w", tree, id, err)
	}
	return tc, nil
}
