package memory

import (
	"context"
	"fmt"

	"downline/graphstore"
	"downline/network"
)

// Downline implements graphstore.Store. Breadth-first order is preorder
// within each depth, so a page walks the level lists from the cursor's
// position; the cursor names the last member returned, which keeps it valid
// while members join elsewhere.
func (s *Store) Downline(ctx context.Context, tree network.Tree, id network.MemberID, q graphstore.DownlineQuery) (graphstore.Page, error) {
	if err := ctx.Err(); err != nil {
		return graphstore.Page{}, err
	}
	if err := checkTree(tree); err != nil {
		return graphstore.Page{}, err
	}
	minDepth, maxDepth, limit, err := q.Resolve()
	if err != nil {
		return graphstore.Page{}, err
	}
	var want [4]bool
	for _, st := range q.Status {
		v, _ := parseStatus(st) // Resolve checked them
		want[v] = true
	}
	anyStatus := len(q.Status) == 0
	var after graphstore.Cursor
	if q.Cursor != "" {
		c, err := graphstore.DecodeCursor(q.Cursor)
		if err != nil {
			return graphstore.Page{}, err
		}
		if c.Tree != tree || c.Root != id {
			return graphstore.Page{}, fmt.Errorf("cursor of another query: %w", graphstore.ErrBadCursor)
		}
		after = c
	}

	s.rlock()
	defer s.mu.RUnlock()
	r, err := s.lookup(id)
	if err != nil {
		return graphstore.Page{}, err
	}
	x := s.idx[tree]
	base, lo, hi := x.depth[r], x.pre[r]+1, x.end[r]
	top := x.maxd[r]
	if maxDepth > 0 && int64(base)+int64(maxDepth) < int64(top) {
		top = base + int32(maxDepth)
	}
	d, start := base+int32(min(minDepth, 1<<30)), lo
	if after.After != 0 {
		a, ok := s.byID.get(after.After)
		if !ok || !x.below(r, a) || int(x.depth[a]-base) != after.Depth {
			return graphstore.Page{}, fmt.Errorf("cursor member %d moved or left: %w", after.After, graphstore.ErrBadCursor)
		}
		if x.depth[a] >= d {
			d, start = x.depth[a], x.pre[a]+1
		}
	}

	var page graphstore.Page
	last := int32(-1)
scan:
	for ; d <= top; d, start = d+1, lo {
		lvl := x.level(d)
		for k := lowerBound(lvl, start); k < len(lvl) && lvl[k] < hi; k++ {
			i := x.ord[lvl[k]]
			if !anyStatus && !want[s.status[i]] {
				continue
			}
			if len(page.Nodes) == limit {
				page.Next = graphstore.Cursor{Tree: tree, Root: id, Depth: int(x.depth[last] - base), After: s.ids[last]}.Encode()
				break scan
			}
			if page.Nodes == nil {
				page.Nodes = make([]graphstore.Node, 0, min(limit, int(hi-lo)))
			}
			page.Nodes = append(page.Nodes, s.node(i, int(d-base)))
			last = i
		}
	}
	return page, nil
}
