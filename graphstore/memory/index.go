package memory

import (
	"fmt"
	"slices"

	"downline/graphstore"
	"downline/network"
)

// index numbers one tree in preorder (roots by id, children in Frontline
// order). A subtree is then the position range [pre, end), and the members of
// one depth, listed by position, are in breadth-first order: a downline page
// is a walk over a few level lists, each entered by binary search.
type index struct {
	pre, end []int32 // per member: preorder position and one past its subtree
	depth    []int32 // per member: distance from its root
	maxd     []int32 // per member: deepest depth within its subtree
	ord      []int32 // per position: the member
	act      []int32 // prefix count of active members by position (len n+1)

	// levelPos[levelStart[d]:levelStart[d+1]] are the positions at depth d, ascending.
	levelStart []int32
	levelPos   []int32
}

func (s *Store) roots(l *links) []int32 {
	var roots []int32
	for i, p := range l.parent {
		if p < 0 {
			roots = append(roots, int32(i))
		}
	}
	slices.SortFunc(roots, func(a, b int32) int {
		return compareID(s.ids[a], s.ids[b])
	})
	return roots
}

func compareID(a, b network.MemberID) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// buildIndex walks the tree without recursion or a stack: down to the first
// child, across to the next sibling, or back up until a sibling exists.
// Members left unvisited sit on a cycle, which only bad Build input can make.
func (s *Store) buildIndex(t network.Tree) (*index, error) {
	l := &s.trees[t]
	n := len(s.ids)
	x := &index{
		pre:   make([]int32, n),
		end:   make([]int32, n),
		depth: make([]int32, n),
		maxd:  make([]int32, n),
		ord:   make([]int32, n),
	}
	var p, maxDepth int32
	for _, r := range s.roots(l) {
		i, d := r, int32(0)
	walk:
		for {
			x.pre[i], x.depth[i] = p, d
			x.ord[p] = i
			p++
			if d > maxDepth {
				maxDepth = d
			}
			if c := l.firstChild(i); c >= 0 {
				i, d = c, d+1
				continue
			}
			for {
				x.end[i] = p
				if i == r {
					break walk
				}
				if sib := l.nextSibling(i); sib >= 0 {
					i = sib
					break
				}
				i, d = l.parent[i], d-1
			}
		}
	}
	if int(p) != n {
		return nil, fmt.Errorf("%s tree: %d members are on a cycle: %w", t, n-int(p), graphstore.ErrInvalid)
	}

	copy(x.maxd, x.depth)
	for q := n - 1; q >= 0; q-- {
		i := x.ord[q]
		if par := l.parent[i]; par >= 0 && x.maxd[i] > x.maxd[par] {
			x.maxd[par] = x.maxd[i]
		}
	}

	x.levelStart = make([]int32, maxDepth+2)
	for _, d := range x.depth {
		x.levelStart[d+1]++
	}
	for d := 1; d < len(x.levelStart); d++ {
		x.levelStart[d] += x.levelStart[d-1]
	}
	fill := slices.Clone(x.levelStart[:len(x.levelStart)-1])
	x.levelPos = make([]int32, n)
	for q, i := range x.ord {
		d := x.depth[i]
		x.levelPos[fill[d]] = int32(q)
		fill[d]++
	}
	x.act = make([]int32, n+1)
	x.countActive(s)
	return x, nil
}

func (x *index) countActive(s *Store) {
	var c int32
	for q, i := range x.ord {
		x.act[q] = c
		if s.status[i] == statusActive {
			c++
		}
	}
	x.act[len(x.ord)] = c
}

// level returns the positions at depth d.
func (x *index) level(d int32) []int32 {
	if d < 0 || int(d)+1 >= len(x.levelStart) {
		return nil
	}
	return x.levelPos[x.levelStart[d]:x.levelStart[d+1]]
}

// below reports whether m is strictly inside a's subtree.
func (x *index) below(a, m int32) bool {
	return x.pre[a] < x.pre[m] && x.pre[m] < x.end[a]
}

func (x *index) leg(s *Store, head int32, side network.Side) graphstore.LegCount {
	return graphstore.LegCount{
		Head:   s.ids[head],
		Side:   side,
		Total:  int64(x.end[head] - x.pre[head]),
		Active: int64(x.act[x.end[head]] - x.act[x.pre[head]]),
	}
}

// lowerBound returns the first k with lvl[k] >= pos.
func lowerBound(lvl []int32, pos int32) int {
	k, _ := slices.BinarySearch(lvl, pos)
	return k
}
