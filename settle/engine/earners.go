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
// the range k-1 levels below through the first and the one-past-last node's
// start; so a member's unilevel and matching sources are read as up to
// len(levels) ranges of consecutive nodes, where walking up from each source
// costs one random read per level. Only active members have children: an
// inactive one is nobody's up.
type ctree[N any] struct {
	// idx is the node of each member (by internal number).
	idx []int32
	// node has one more entry than members, for the end of the last range.
	node []cnode[N]
}

// cnode is what the lines read of a node, in one place: scanning a range
// reads each node's start, source and amounts with one cache miss, and the
// next level's range begins at the start of a node just read.
type cnode[N any] struct {
	// The children of node i are the nodes [node[i].start, node[i+1].start).
	start int32
	// pos and in are the member's place in id order and its input index.
	pos, in int32
	bv, bin N
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
	t := &ctree[N]{idx: hugemem.Slice[int32](n), node: hugemem.Slice[cnode[N]](n + 1)}
	for h := 0; h < n; h++ {
		x := order[h]
		t.node[h].start = int32(len(order))
		order = append(order, kids[cs[x]:cs[x+1]]...)
	}
	t.node[n].start = int32(n)
	kids, cs = nil, nil
	z := s.a.zero()
	for h, x := range order {
		t.idx[x] = int32(h)
		nd := &t.node[h]
		nd.pos, nd.in, nd.bv, nd.bin = s.pos[x], s.input[x], s.bv[x], z
	}
	t.node[n].bv, t.node[n].bin = z, z
	return t
}

func (t *ctree[N]) fillBinary(binAmt []N) {
	for x, h := range t.idx {
		t.node[h].bin = binAmt[x]
	}
}

// earner is what the lines read of an earner, by internal number, in one
// place. Its sponsor children are the members [kids, kidsEnd) (consecutive in
// sponsor breadth-first numbering).
type earner[N any] struct {
	node, kids, kidsEnd int32
	rank                int16
	bin                 N
}

// referee is what a referral line reads of its source, by internal number.
type referee[N any] struct {
	pos, in int32
	reg     N
}

// earnerRecords gathers the earner and referee records (ct nil when no unilevel
// or matching is paid).
func (s *period[N, A]) earnerRecords(ct *ctree[N]) ([]earner[N], []referee[N]) {
	n, t := s.c.n, s.t
	es := hugemem.Slice[earner[N]](n)
	var refs []referee[N]
	if s.p.Referral != nil {
		refs = hugemem.Slice[referee[N]](n)
	}
	// Sponsor children follow the roots, each frontline a run (see renumber).
	roots := int32(n - len(t.child))
	for x := range es {
		e := &es[x]
		e.kids, e.kidsEnd = roots+t.childStart[x], roots+t.childStart[x+1]
		e.rank, e.bin = s.rank[x], s.binAmt[x]
		if ct != nil {
			e.node = ct.idx[x]
		}
		if refs != nil {
			refs[x] = referee[N]{pos: s.pos[x], in: s.input[x], reg: s.reg[x]}
		}
	}
	return es, refs
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
	es, refs := s.earnerRecords(ct)
	chunks := make([][]line[N], (n+earnerChunk-1)/earnerChunk)
	var next atomic.Int32
	var made, lines atomic.Int64 // earners and lines made so far
	parallel(max(1, min(runtime.GOMAXPROCS(0), len(chunks))), func(int) {
		g := s.newLineGen(pt, ct, pool)
		g.es, g.refs = es, refs
		for c := int(next.Add(1)) - 1; c < len(chunks); c = int(next.Add(1)) - 1 {
			lo := c * earnerChunk
			hi := min(lo+earnerChunk, n)
			chunks[c] = g.earners(lo, hi, chunkCap(hi-lo, made.Load(), lines.Load()))
			made.Add(int64(hi - lo))
			lines.Add(int64(len(chunks[c])))
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
	es       []earner[N]
	refs     []referee[N]
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

// chunkCap is the room reserved for the lines of k earners when made earners
// so far had lines lines: half as much again as their average, at least 8
// lines an earner. A chunk that outgrows its room is copied into a room twice
// as large, the first room then being fresh memory filled for nothing; room
// reserved and never written costs no memory (its pages are never touched).
func chunkCap(k int, made, lines int64) int {
	per := int64(8)
	if made > 0 {
		per = max(per, (3*lines+2*made-1)/(2*made))
	}
	return int(per) * k
}

// earners returns the lines of the earners at id positions [lo, hi), in a
// slice of capacity room to begin with.
func (g *lineGen[N, A]) earners(lo, hi, room int) []line[N] {
	s, a := g.s, g.s.a
	g.out = make([]line[N], 0, room)
	for k := lo; k < hi; k++ {
		if (k-lo)%touchAhead == 0 {
			g.touch(s.xByPos[k:min(k+touchAhead, hi)])
		}
		er := &g.es[s.xByPos[k]]
		e := int32(k)
		if b := er.bin; a.sign(b) > 0 {
			g.out = append(g.out, line[N]{earner: e, source: -1, level: 0, kind: Binary, amount: b})
		}
		r := int(er.rank)
		if r >= g.minMatch {
			g.downline(er.node, len(g.mat), true, g.mat)
			g.emit(e, Matching)
		}
		if r >= g.poolMin && a.sign(g.pool[r]) > 0 {
			g.out = append(g.out, line[N]{earner: e, source: -1, level: 0, kind: Pool, amount: g.pool[r]})
		}
		if g.refs != nil {
			for _, c := range g.refs[er.kids:er.kidsEnd] {
				if a.sign(c.reg) > 0 {
					if v := a.pct(g.ref, c.reg); a.sign(v) > 0 {
						g.tmp = append(g.tmp, srcLine[N]{pos: c.pos, in: c.in, level: 1, amount: v})
					}
				}
			}
			g.emit(e, Referral)
		}
		if g.depth != nil {
			g.downline(er.node, g.depth[r], false, g.uni)
			g.emit(e, Unilevel)
		}
	}
	out := g.out
	g.out = nil
	return out
}

// touchAhead is the number of earners whose records are read ahead at once.
const touchAhead = 32

// touch reads the records of the earners xs, then their nodes and first
// sponsor children, then their first compressed children, and discards what
// it read. Earners in id order are scattered over the members, so each read
// is a cache miss; made one earner at a time they wait for each other, while
// these tight loops have them fetched together.
func (g *lineGen[N, A]) touch(xs []int32) {
	var sum int32
	for _, x := range xs {
		sum += int32(g.es[x].rank)
	}
	for _, x := range xs {
		er := &g.es[x]
		if g.ct != nil {
			sum += g.ct.node[er.node].start
		}
		if g.refs != nil && er.kids < er.kidsEnd {
			sum += g.refs[er.kids].pos
		}
	}
	if g.ct != nil {
		for _, x := range xs {
			if c := g.ct.node[g.es[x].node].start; c < int32(len(g.ct.node)) {
				sum += g.ct.node[c].pos
			}
		}
	}
	runtime.KeepAlive(sum) // keeps the reads
}

// downline puts into tmp a line for each node 1..levels levels below node h
// whose base amount (its binary amount when bin is set, else its BV) is
// positive: pcts[k-1]% of it at level k, when that is not zero.
func (g *lineGen[N, A]) downline(h int32, levels int, bin bool, pcts []int) {
	a, nodes := g.s.a, g.ct.node
	lo, hi := h, h+1
	for k := 1; k <= levels; k++ {
		lo, hi = nodes[lo].start, nodes[hi].start
		if lo == hi {
			return
		}
		for i := lo; i < hi; i++ {
			nd := &nodes[i]
			b := nd.bv
			if bin {
				b = nd.bin
			}
			if a.sign(b) > 0 {
				if v := a.pct(pcts[k-1], b); a.sign(v) > 0 {
					g.tmp = append(g.tmp, srcLine[N]{pos: nd.pos, in: nd.in, level: int32(k), amount: v})
				}
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
