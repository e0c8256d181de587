package memory

import (
	"downline/network"
	"slices"
)

// incrementalLimit is the largest batch whose registrations patch the index
// in place. A patch is a few sequential sweeps over the arrays; a rebuild is
// a random walk over them, some 50 times dearer per member, so bigger
// batches drop the index and let the next read rebuild it once.
const incrementalLimit = 32

// insertLeaf patches x for the new member i, a leaf just attached under p
// (-1: a new root). It reports false when it cannot place i cheaply, in which
// case the caller drops the index.
func (x *index) insertLeaf(s *Store, l *links, i, p int32) bool {
	n := int32(len(x.ord))
	var q, d int32 // i's preorder position and depth
	switch {
	case p >= 0:
		d = x.depth[p] + 1
		q = x.end[p]
		if sib := l.nextSibling(i); sib >= 0 {
			q = x.pre[sib]
		}
	case n > 0:
		roots := x.level(0)
		if s.ids[x.ord[roots[len(roots)-1]]] > s.ids[i] {
			return false // roots go by id; a new root is rarely not the last
		}
		q = n
	}

	for j := range x.pre {
		if x.pre[j] >= q {
			x.pre[j]++
		}
		if x.end[j] > q {
			x.end[j]++
		}
	}
	// Ancestors whose subtree ended exactly at q now end after i.
	for a := p; a >= 0; a = l.parent[a] {
		if x.end[a] == q {
			x.end[a]++
		}
		if x.maxd[a] < d {
			x.maxd[a] = d
		}
	}
	x.pre = append(x.pre, q)
	x.end = append(x.end, q+1)
	x.depth = append(x.depth, d)
	x.maxd = append(x.maxd, d)
	x.ord = slices.Insert(x.ord, int(q), i)

	var one int32
	if s.status[i] == statusActive {
		one = 1
	}
	x.act = slices.Insert(x.act, int(q)+1, x.act[q])
	for k := int(q) + 1; k < len(x.act); k++ {
		x.act[k] += one
	}

	for k, pos := range x.levelPos {
		if pos >= q {
			x.levelPos[k] = pos + 1
		}
	}
	if int(d)+1 == len(x.levelStart) {
		x.levelStart = append(x.levelStart, x.levelStart[d])
	}
	at := int(x.levelStart[d]) + lowerBound(x.level(d), q)
	x.levelPos = slices.Insert(x.levelPos, at, q)
	for k := int(d) + 1; k < len(x.levelStart); k++ {
		x.levelStart[k]++
	}
	return true
}

// patchOrDrop keeps tree t's index current after registering i, or drops it.
func (s *Store) patchOrDrop(t network.Tree, i int32) {
	x := s.idx[t]
	if x == nil {
		return
	}
	l := &s.trees[t]
	if !s.incremental || !x.insertLeaf(s, l, i, l.parent[i]) {
		s.idx[t] = nil
	}
}
