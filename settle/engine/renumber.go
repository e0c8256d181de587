package engine

import (
	"runtime"

	"downline/settle/internal/hugemem"
)

// renumbered is the period's input with members numbered in the breadth-first
// order of the sponsor forest. In that order every member's frontline is one
// run of consecutive numbers and parents never decrease, so the tree passes
// (GV, ranks, compressed upline) read and write their columns as streams
// instead of at random. Results go back to input order at the end.
type renumbered struct {
	// c has the parents and sides renumbered; its ids and volumes are the
	// input's, indexed by input index.
	c *columns
	t *trees
	// input is the input index of each member; internal its inverse.
	input, internal []int32
}

// renumber reorders c and t, already validated by buildTrees, in sponsor
// breadth-first order. The ids and volumes are not copied: they stay in input
// order and are read through input (volumes once, when loaded).
func renumber(c *columns, t *trees) *renumbered {
	n := c.n
	input := t.sponsorOrder
	internal := hugemem.Slice[int32](n)
	inRanges(n, func(lo, hi int) {
		for x := lo; x < hi; x++ {
			internal[input[x]] = int32(x)
		}
	})
	mapParent := func(p int32) int32 {
		if p < 0 {
			return -1
		}
		return internal[p]
	}
	c2 := &columns{n: n, ids: c.ids, scale: c.scale, pv: c.pv, bv: c.bv, rg: c.rg, cl: c.cl, cr: c.cr,
		sponsor: hugemem.Slice[int32](n), placement: hugemem.Slice[int32](n), side: hugemem.Slice[int8](n)}
	inRanges(n, func(lo, hi int) {
		for x := lo; x < hi; x++ {
			i := input[x]
			c2.sponsor[x] = mapParent(c.sponsor[i])
			c2.placement[x] = mapParent(c.placement[i])
			c2.side[x] = c.side[i]
		}
	})

	t2 := &trees{n: n, sponsorOrder: hugemem.Slice[int32](n), childStart: hugemem.Slice[int32](n + 1)}
	for x := range t2.sponsorOrder {
		t2.sponsorOrder[x] = int32(x)
	}
	// Breadth-first, a frontline is a run: member x's children follow those of
	// x-1, after the roots.
	roots := 0
	for _, p := range c2.sponsor {
		if p >= 0 {
			t2.childStart[p+1]++
		} else {
			roots++
		}
	}
	for x := 0; x < n; x++ {
		t2.childStart[x+1] += t2.childStart[x]
	}
	t2.child = hugemem.Slice[int32](n - roots)
	for j := range t2.child {
		t2.child[j] = int32(roots + j)
	}
	t2.left, t2.right = hugemem.Slice[int32](n), hugemem.Slice[int32](n)
	t2.placementOrder = hugemem.Slice[int32](n)
	inRanges(n, func(lo, hi int) {
		for x := lo; x < hi; x++ {
			i := input[x]
			t2.left[x], t2.right[x] = mapParent(t.left[i]), mapParent(t.right[i])
			t2.placementOrder[x] = internal[t.placementOrder[x]]
		}
	})
	return &renumbered{c: c2, t: t2, input: input, internal: internal}
}

// inRanges calls f on ranges covering [0, n), on every core for large n
// (each range written by one core only).
func inRanges(n int, f func(lo, hi int)) {
	workers := runtime.GOMAXPROCS(0)
	if n < 1<<16 {
		workers = 1
	}
	parallel(workers, func(w int) { f(n*w/workers, n*(w+1)/workers) })
}
