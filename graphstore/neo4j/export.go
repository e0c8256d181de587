package neo4j

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
	"downline/network"
)

// Every member with its link as it stands now.
var qExportNow = byTree(`
MATCH (c:Member)
OPTIONAL MATCH (c)-[r:LINK]->(p:Member)
RETURN c.id, p.id, r.side, c.joined`)

// Every member who had joined at $asOf, with the link (current or closed)
// that was in force then: since <= asOf < until.
var qExportAsOf = byTree(`
MATCH (c:Member) WHERE c.joined <= $asOf
OPTIONAL MATCH (c)-[r:LINK|LINK_WAS]->(p:Member)
  WHERE r.since <= $asOf AND (r.until IS NULL OR r.until > $asOf) AND p.joined <= $asOf
RETURN c.id, p.id, r.side, c.joined`)

// Export returns the whole tree as parent-index arrays in topological order
// (breadth first from the roots, roots by id, children in Frontline order),
// as it stood at asOf; a zero asOf means now.
func (s *Store) Export(ctx context.Context, tree network.Tree, asOf time.Time) (graphstore.Export, error) {
	if err := checkTree(tree); err != nil {
		return graphstore.Export{}, fmt.Errorf("neo4j.Export: %w", err)
	}
	type row struct {
		id, parent int64
		side       network.Side
		joined     int64 // unix nanoseconds
	}
	q, params := qExportNow.of(tree), map[string]any{}
	if !asOf.IsZero() {
		q, params = qExportAsOf.of(tree), map[string]any{"asOf": graphstore.UnixNanos(asOf)}
	}
	rows, err := read(ctx, s, func(tx neo4j.ManagedTransaction) ([]row, error) {
		var rows []row
		// Streamed: only the compact rows are held, never the records.
		err := each(ctx, tx, q, params, func(r *neo4j.Record) error {
			rows = append(rows, row{joined: asInt(r.Values[3]),
				id: asInt(r.Values[0]), parent: asInt(r.Values[1]),
				side: network.Side(asInt(r.Values[2])),
			})
			return nil
		})
		return rows, err
	})
	if err != nil {
		return graphstore.Export{}, fmt.Errorf("neo4j.Export(%s, %v): %w", tree, asOf, err)
	}

	// Children lists as index ranges into one slice sorted by parent, then
	// Frontline order: no per-member allocation for a million members.
	present := make(map[int64]bool, len(rows))
	for _, r := range rows {
		present[r.id] = true
	}
	for i := range rows {
		if !present[rows[i].parent] {
			rows[i].parent = 0 // a root (or, defensively, a parent not yet joined)
		}
	}
	slices.SortFunc(rows, func(a, b row) int {
		if a.parent != b.parent {
			return cmp.Compare(a.parent, b.parent)
		}
		if a.parent == 0 {
			return cmp.Compare(a.id, b.id) // roots by id
		}
		if tree == network.Placement && a.side != b.side {
			return cmp.Compare(a.side, b.side)
		}
		if tree == network.Sponsor {
			if c := cmp.Compare(a.joined, b.joined); c != 0 {
				return c
			}
		}
		return cmp.Compare(a.id, b.id)
	})
	first := make(map[int64]int, len(rows)) // parent id -> index of its first child in rows
	for i := len(rows) - 1; i >= 0; i-- {
		first[rows[i].parent] = i
	}

	n := len(rows)
	ex := graphstore.Export{Tree: tree, IDs: make([]network.MemberID, 0, n), Parent: make([]int32, 0, n), Side: make([]network.Side, 0, n)}
	appendChildren := func(parent int64, parentIndex int32) {
		i, ok := first[parent]
		if !ok {
			return
		}
		for ; i < n && rows[i].parent == parent; i++ {
			ex.IDs = append(ex.IDs, network.MemberID(rows[i].id))
			ex.Parent = append(ex.Parent, parentIndex)
			side := rows[i].side
			if tree == network.Sponsor || parentIndex < 0 {
				side = network.NoSide
			}
			ex.Side = append(ex.Side, side)
		}
	}
	appendChildren(0, -1) // the roots
	for next := 0; next < len(ex.IDs); next++ {
		appendChildren(int64(ex.IDs[next]), int32(next))
	}
	if len(ex.IDs) != n {
		return graphstore.Export{}, fmt.Errorf("neo4j.Export(%s, %v): %d members are in a cycle, not a tree", tree, asOf, n-len(ex.IDs))
	}
	return ex, nil
}
