package engine

import (
	"runtime"
	"slices"
	"sync/atomic"

	"downline/settle/internal/hugemem"
)

// ctree is the compressed sponsor forest, each member under its nearest
// active strict ancestor (up), numbered in its own breadth-first order. In
// that order the members k levels below a member form one range, found from
// the range k-1 levels below with two reads of start; so a member's unilevel
// and matching sources are read as up to len(levels) ranges of consecutive
// entries, where walking up from each source costs one random read per
// level. Only active members have children: an inactive one is nobody's up.
type ctree[N any] struct {
	// idx is the number of each member (by internal number) in this order.
	idx []int32
	// The children of node i are the nodes [start[i], start[i+1]).
	start []int32
	// pos and in are each node's place in id order and its input index; bv
	// and bin its BV and binary amount.
	pos, in []int32
	bv, bin []N
}

// compressed builds the ctree of s (up, bv, pos and input set; bin is filled
// by fillBinary once the binary amounts are known).
func (s *period[N, A]) compressed() *ctree[N] {
	n := s.c.n
	// Children by parent, CSR over internal numbers.
	cs := hugemem.Slice[int32](n + 1)
	roots := 0
	for _, u := range s.up {
		if u >= 0 {
			cs[u+1]++
		} else {
			roots++
		}
	}
	for x := 0; x < n; x++ {
		cs[x+1] += cs[x]
	}
	kids := hugemem.Slice[int32](n - roots)
	fill := hugemem.Slice[int32](n)
	copy(fill, cs[:n])
	order := hugemem.Slice[int32](n)[:0]
	for x, u := range s.up {
		if u >= 0 {
			kids[fill[u]] = int32(x)
			fill[u]++
		} else {
			order = append(order, int32(x))
		}
	}
	fill = nil
	start := hugemem.Slice[int32](n + 1)
	for h := 0; h < n; h++ {
		x := order[h]
		start[h] = int32(len(order))
		order = append(order, kids[cs[x]:cs[x+1]]...)
	}
	start[n] = int32(n)
	kids, cs = nil, nil
	t := &ctree[N]{idx: hugemem.Slice[int32](n), start: start, pos: hugemem.Slice[int32](n), in: hugemem.Slice[int32](n), bv: hugemem.Slice[N](n)}
	for h, x := range order {
		t.idx[x] = int32(h)
		t.pos[h], t.in[h], t.bv[h] = s.pos[x], s.input[x], s.bv[x]
	}
	return t
}

func (t *ctree[N]) fillBinary(binAmt []N) {
	t.bin = hugemem.Slice[N](len(t.idx))
	for x, h := range t.idx {
		t.bin[h] = binAmt[x]
	}
}

// earnerChunk is the number of earners (consecutive in id order) whose lines
// are made as one unit of parallel work.
const earnerChunk = 1 << 13

// srcLine is a line being made for one earner, before it is put in order.
type srcLine[N any] struct {
	pos, in, level int32
	amount         N
}

// earnerLines makes every bonus line, earner by earner in id order, on every
// core: each core takes the next chunk of earners and makes their lines, in
// final order, into the chunk's own slice. Within an earner the lines follow
// the bonus names; the lines of one bonus are sorted by source id (each
// source appears once per earner and bonus). Nothing is scattered: the
// lines come out sorted.
func (s *period[N, A]) earnerLines(pt *pctTable, ct *ctree[N], pool []N) [][]line[N] {
	n := s.c.n
	chunks := make([][]line[N], (n+earnerChunk-1)/earnerChunk)
	var next atomic.Int32
	parallel(max(1, min(runtime.GOMAXPROCS(0), len(chunks))), func(int) {
		g := s.newLineGen(pt, ct, pool)
		for c := int(next.Add(1)) - 1; c < len(chunks); c = int(next.Add(1)) - 1 {
			lo := c * earnerChunk
			chunks[c] = g.earners(lo, min(lo+earnerChunk, n))
		}
	})
	return chunks
}

// lineGen makes the lines of runs of earners; one per core.
type lineGen[N any, A arith[N]] struct {
	s        *period[N, A]
	ct       *ctree[N]
	pool     []N
	depth    []int // unlocked unilevel depth by rank, at most len(levels)
	uni, mat []int // pctTable indexes by level
	ref      int
	minMatch int
	poolMin  int
	out      []line[N]
	tmp      []srcLine[N]
}

func (s *period[N, A]) newLineGen(pt *pctTable, ct *ctree[N], pool []N) *lineGen[N, A] {
	g := &lineGen[N, A]{s: s, ct: ct, pool: pool, uni: pt.uni, mat: pt.mat, ref: -1, minMatch: len(s.p.Ranks), poolMin: len(s.p.Ranks)}
	if u := s.p.Unilevel; u != nil {
		g.depth = make([]int, len(s.p.Ranks))
		for r := range g.depth {
			g.depth[r] = min(u.Depth(r), len(u.Levels))
		}
	}
	if s.p.Matching != nil {
		g.minMatch = s.p.Matching.MinRank
	}
	if s.p.Referral != nil {
		g.ref = pt.ref
	}
	if pool != nil {
		g.poolMin = s.p.Pool.MinRank
	}
	return g
}

// earners returns the lines of the earners at id positions [lo, hi).
func (g *lineGen[N, A]) earners(lo, hi int) []line[N] {
	s, a, ct := g.s, g.s.a, g.ct
	g.out = make([]line[N], 0, 8*(hi-lo))
	for k := lo; k < hi; k++ {
		x := s.xByPos[k]
		e := int32(k)
		if s.binAmt != nil {
			if b := s.binAmt[x]; a.sign(b) > 0 {
				g.out = append(g.out, line[N]{earner: e, source: -1, level: 0, kind: Binary, amount: b})
			}
		}
		r := int(s.rank[x])
		if r >= g.minMatch {
			g.downline(x, len(g.mat), ct.bin, g.mat)
			g.emit(e, Matching)
		}
		if r >= g.poolMin && a.sign(g.pool[r]) > 0 {
			g.out = append(g.out, line[N]{earner: e, source: -1, level: 0, kind: Pool, amount: g.pool[r]})
		}
		if g.ref >= 0 {
			g.referrals(x)
			g.emit(e, Referral)
		}
		if g.depth != nil {
			g.downline(x, g.depth[r], ct.bv, g.uni)
			g.emit(e, Unilevel)
		}
	}
	out := g.out
	g.out = nil
	return out
}

// downline puts into tmp a line for each member 1..levels levels below x in
// the compressed tree whose base amount is positive: pcts[k-1]% of it at
// level k, when that is not zero.
func (g *lineGen[N, A]) downline(x int32, levels int, base []N, pcts []int) {
	a, ct := g.s.a, g.ct
	lo := ct.idx[x]
	hi := lo + 1
	for k := 1; k <= levels; k++ {
		lo, hi = ct.start[lo], ct.start[hi]
		if lo == hi {
			return
		}
		for i := lo; i < hi; i++ {
			if b := base[i]; a.sign(b) > 0 {
				if v := a.pct(pcts[k-1], b); a.sign(v) > 0 {
					g.tmp = append(g.tmp, srcLine[N]{pos: ct.pos[i], in: ct.in[i], level: int32(k), amount: v})
				}
			}
		}
	}
}

// referrals puts into tmp the referral line of each of x's sponsor children
// with a positive REG. In sponsor breadth-first numbering the children of x
// are consecutive numbers.
func (g *lineGen[N, A]) referrals(x int32) {
	s, a, t := g.s, g.s.a, g.s.t
	for _, c := range t.child[t.childStart[x]:t.childStart[x+1]] {
		if rg := s.reg[c]; a.sign(rg) > 0 {
			if v := a.pct(g.ref, rg); a.sign(v) > 0 {
				g.tmp = append(g.tmp, srcLine[N]{pos: s.pos[c], in: s.input[c], level: 1, amount: v})
			}
		}
	}
}

// emit appends the lines in tmp, sorted by source id position, as earner e's
// lines of bonus kind, and empties tmp.
func (g *lineGen[N, A]) emit(e int32, kind Bonus) {
	t := g.tmp
	switch {
	case len(t) == 0:
		return
	case len(t) <= 12:
		for i := 1; i < len(t); i++ {
			for j := i; j > 0 && t[j].pos < t[j-1].pos; j-- {
				t[j], t[j-1] = t[j-1], t[j]
			}
		}
	default:
		slices.SortFunc(t, func(p, q srcLine[N]) int { return int(p.pos) - int(q.pos) })
	}
	for i := range t {
		g.out = append(g.out, line[N]{earner: e, source: t[i].in, level: t[i].level, kind: kind, amount: t[i].amount})
	}
	g.tmp = t[:0]
}
