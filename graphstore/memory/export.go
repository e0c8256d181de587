package memory

import (
	"context"
	"fmt"
	"slices"
	"time"

	"downline/graphstore"
	"downline/network"
)

// Export implements graphstore.Store. It rebuilds the tree as of asOf into
// compact child arrays (counting sort, so O(n) plus a sort only when members
// registered out of join order) and walks it breadth first into the result.
func (s *Store) Export(ctx context.Context, tree network.Tree, asOf time.Time) (graphstore.Export, error) {
	if err := ctx.Err(); err != nil {
		return graphstore.Export{}, err
	}
	if err := checkTree(tree); err != nil {
		return graphstore.Export{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	l := &s.trees[tree]
	n := len(s.ids)
	now := asOf.IsZero()
	at := graphstore.UnixNanos(asOf)

	// parent as of asOf; -2 marks a member not yet joined.
	const absent = -2
	parent := make([]int32, n)
	side := make([]network.Side, n)
	for i := range parent {
		switch {
		case !now && s.joined[i] > at:
			parent[i] = absent
		case now || len(l.moves) == 0:
			parent[i] = l.parent[i]
			if tree == network.Placement {
				side[i] = l.side[i]
			}
		default:
			parent[i], side[i] = l.linkAt(int32(i), at)
		}
	}

	// Child lists in Frontline order: sponsor children by (Joined, ID), which
	// is dense order while joinSorted; placement children left before right.
	childStart := make([]int32, n+2)
	var roots []int32
	for i, p := range parent {
		switch {
		case p == absent:
		case p < 0 || parent[p] == absent:
			// A parent absent at asOf cannot happen with consistent history;
			// keeping the member as a root loses nobody.
			parent[i] = -1
			roots = append(roots, int32(i))
		default:
			childStart[p+2]++
		}
	}
	for k := 2; k < len(childStart); k++ {
		childStart[k] += childStart[k-1]
	}
	children := make([]int32, childStart[n+1])
	put := func(i int32) {
		if p := parent[i]; p >= 0 {
			children[childStart[p+1]] = i
			childStart[p+1]++
		}
	}
	switch {
	case tree == network.Placement:
		for _, want := range []network.Side{network.Left, network.Right} {
			for i := range parent {
				if side[i] == want {
					put(int32(i))
				}
			}
		}
	case s.joinSorted:
		for i := range parent {
			put(int32(i))
		}
	default:
		for _, i := range s.joinOrder() {
			put(i)
		}
	}
	// childStart[p+1] now ends p's children and childStart[p] starts them.

	slices.SortFunc(roots, func(a, b int32) int { return compareID(s.ids[a], s.ids[b]) })
	out := graphstore.Export{Tree: tree}
	order := append(make([]int32, 0, n), roots...)
	at2 := make([]int32, n) // member -> export index
	for k := 0; k < len(order); k++ {
		i := order[k]
		at2[i] = int32(k)
		order = append(order, children[childStart[i]:childStart[i+1]]...)
	}
	want := 0
	for _, p := range parent {
		if p != absent {
			want++
		}
	}
	if len(order) != want {
		return graphstore.Export{}, fmt.Errorf("%s tree as of %s: link history holds a cycle: %w", tree, asOf, graphstore.ErrInvalid)
	}
	out.IDs = make([]network.MemberID, len(order))
	out.Parent = make([]int32, len(order))
	out.Side = make([]network.Side, len(order))
	for k, i := range order {
		out.IDs[k] = s.ids[i]
		out.Side[k] = side[i]
		if p := parent[i]; p >= 0 {
			out.Parent[k] = at2[p]
		} else {
			out.Parent[k] = -1
		}
	}
	return out, nil
}

// joinOrder lists members by (Joined, ID) when registrations came out of order.
func (s *Store) joinOrder() []int32 {
	order := make([]int32, len(s.ids))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if s.joinLess(a, b) {
			return -1
		}
		if s.joinLess(b, a) {
			return 1
		}
		return 0
	})
	return order
}
