package engine

import (
	"fmt"
	"math/big"
	"runtime"
	"slices"
	"sync/atomic"

	"github.com/shopspring/decimal"

	"downline/settle/plan"
)

// Bonus is the kind of a bonus line. The values sort as the names do.
type Bonus = uint8

// Bonus kinds.
const (
	Binary Bonus = iota
	Matching
	Pool
	Referral
	Unilevel
)

// BonusNames are the names of the Bonus kinds, as written in bonuses.csv.
var BonusNames = [...]string{"binary", "matching", "pool", "referral", "unilevel"}

// line is one bonus line before the payout cap. Lines are kept as structs, not
// parallel slices: sorting them by earner moves each line with one random
// access instead of five. The earner is a position in id order, so the sort
// needs no lookup; the source is a member index (-1 for none), in id order
// among each earner's lines of one bonus because every bonus visits its sources
// in id order. The amount after the cap is computed as the sorted lines are
// turned into columns.
type line[N any] struct {
	earner, source, level int32
	kind                  uint8
	amount                N
}

// lineBlock is the number of lines per block of a lineSet.
const lineBlock = 1 << 16

// lineSet holds the lines in fixed-size blocks: growing never copies them, and
// the sort frees each block once its lines are placed.
type lineSet[N any] struct {
	blocks [][]line[N]
	n      int
}

func (l *lineSet[N]) add(earner int32, kind Bonus, source int32, level int32, amount N) {
	k := len(l.blocks) - 1
	if k < 0 || len(l.blocks[k]) == lineBlock {
		l.blocks = append(l.blocks, make([]line[N], 0, lineBlock))
		k++
	}
	l.blocks[k] = append(l.blocks[k], line[N]{earner: earner, source: source, level: level, kind: kind, amount: amount})
	l.n++
}

// period is the state of one computation over N.
type period[N any, A arith[N]] struct {
	a    A
	p    *plan.Plan
	c    *columns
	t    *trees
	prog func(string)

	pv, bv, reg, gv []N
	active          []bool
	rank            []int16
	up              []int32 // nearest active strict sponsor ancestor, -1
	lv, rv, cl, cr  []N     // binary legs and carry-out
	binAmt          []N
	// Members are numbered in sponsor breadth-first order (see renumber); input
	// is each one's input index. byPos lists the input indexes in id order and
	// xByPos the same members by number; pos is each member's place in id order.
	// Each bonus visits its sources in id order, so a stable sort of the lines
	// by earner position leaves every earner's lines in final order.
	input, internal, byPos, xByPos, pos []int32
	// lines holds each bonus's lines apart, the bonuses being computed at once;
	// unilevel's are in uniLines, one set per part of the sources.
	lines    [len(BonusNames)]lineSet[N]
	uniLines []lineSet[N]
	hopCache []hop
	totalBV  N
}

func (s *period[N, A]) stage(name string) {
	if s.prog != nil {
		s.prog(name)
	}
}

func (s *period[N, A]) max0(x N) N {
	if s.a.sign(x) < 0 {
		return s.a.zero()
	}
	return x
}

func (s *period[N, A]) volumes() error {
	n, a := s.c.n, s.a
	s.pv, s.bv, s.reg = make([]N, n), make([]N, n), make([]N, n)
	s.active = make([]bool, n)
	activePV := a.fromDec(s.p.ActivePV)
	total := a.zero()
	// Input order: reading the input sequentially and scattering to member
	// numbers stalls less than gathering.
	for in, x := range s.internal {
		pv, bv := s.max0(a.load(s.c.pv[in])), s.max0(a.load(s.c.bv[in]))
		s.pv[x], s.bv[x] = pv, bv
		s.reg[x] = s.max0(a.load(s.c.rg[in]))
		s.active[x] = a.cmp(pv, activePV) >= 0
		total = a.add(total, bv)
	}
	s.totalBV = total
	// GV bottom-up: children come after their sponsor in sponsorOrder.
	s.gv = slices.Clone(s.pv)
	ord := s.t.sponsorOrder
	for h := n - 1; h >= 0; h-- {
		m := ord[h]
		if p := s.c.sponsor[m]; p >= 0 {
			s.gv[p] = a.add(s.gv[p], s.gv[m])
		}
	}
	return nil
}

func (s *period[N, A]) ranks() {
	n, a, t := s.c.n, s.a, s.t
	ranks := s.p.Ranks
	rpv := make([]N, len(ranks))
	for r := range ranks {
		rpv[r] = a.fromDec(ranks[r].PV)
	}
	s.rank = make([]int16, n)
	best := make([]int16, n) // highest rank anywhere in the member's sponsor subtree
	var legs []N
	for h := n - 1; h >= 0; h-- {
		m := t.sponsorOrder[h]
		kids := t.child[t.childStart[m]:t.childStart[m+1]]
		legs = legs[:0]
		got := int16(0)
		for r := len(ranks) - 1; r >= 1; r-- {
			rk := &ranks[r]
			if a.cmp(s.pv[m], rpv[r]) < 0 {
				continue
			}
			if rk.Legs != nil {
				cnt := 0
				for _, k := range kids {
					if int(best[k]) >= rk.Legs.Rank {
						cnt++
					}
				}
				if cnt < rk.Legs.Count {
					continue
				}
			}
			if len(legs) == 0 && len(kids) > 0 {
				for _, k := range kids {
					legs = append(legs, s.gv[k])
				}
			}
			if a.qualifies(r, s.pv[m], legs) {
				got = int16(r)
				break
			}
		}
		s.rank[m] = got
		b := got
		for _, k := range kids {
			b = max(b, best[k])
		}
		best[m] = b
	}
	// Dynamic compression: each member's nearest active ancestor, top-down.
	s.up = make([]int32, n)
	for _, m := range t.sponsorOrder {
		p := s.c.sponsor[m]
		switch {
		case p < 0:
			s.up[m] = -1
		case s.active[p]:
			s.up[m] = p
		default:
			s.up[m] = s.up[p]
		}
	}
}

func (s *period[N, A]) referral(pt *pctTable) {
	if s.p.Referral == nil {
		return
	}
	a := s.a
	for k, m := range s.xByPos {
		if sp := s.c.sponsor[m]; sp >= 0 && a.sign(s.reg[m]) > 0 {
			if v := a.pct(pt.ref, s.reg[m]); a.sign(v) > 0 {
				s.lines[Referral].add(s.pos[sp], Referral, s.byPos[k], 1, v)
			}
		}
	}
}

// unilevel makes the unilevel lines of the sources at id positions [lo, hi)
// into ls.
func (s *period[N, A]) unilevel(pt *pctTable, lo, hi int, ls *lineSet[N]) {
	u := s.p.Unilevel
	a := s.a
	depth := make([]int, len(s.p.Ranks))
	for r := range depth {
		depth[r] = u.Depth(r)
	}
	hops := s.hops()
	for src := lo; src < hi; src++ {
		m := s.xByPos[src]
		if a.sign(s.bv[m]) <= 0 {
			continue
		}
		up := hops[m].up
		for k := 1; k <= len(u.Levels) && up >= 0; k++ {
			h := &hops[up]
			if depth[h.rank] >= k {
				if v := a.pct(pt.uni[k-1], s.bv[m]); a.sign(v) > 0 {
					ls.add(h.pos, Unilevel, s.byPos[src], int32(k), v)
				}
			}
			up = h.up
		}
	}
}

// hop is what a walk up the compressed upline reads of each member, in one
// place: one cache miss per level instead of three.
type hop struct {
	up, pos int32
	rank    int16
}

func (s *period[N, A]) hops() []hop {
	if s.hopCache == nil {
		s.hopCache = make([]hop, s.c.n)
		for x := range s.hopCache {
			s.hopCache[x] = hop{up: s.up[x], pos: s.pos[x], rank: s.rank[x]}
		}
	}
	return s.hopCache
}

func (s *period[N, A]) binary() error {
	b := s.p.Binary
	n, a, t := s.c.n, s.a, s.t
	s.lv, s.rv, s.cl, s.cr = make([]N, n), make([]N, n), make([]N, n), make([]N, n)
	s.binAmt = make([]N, n)
	z := a.zero()
	for i := range s.lv {
		s.lv[i], s.rv[i], s.cl[i], s.cr[i], s.binAmt[i] = z, z, z, z, z
	}
	if b == nil {
		return nil
	}
	// Placement subtree BV, bottom-up.
	sub := slices.Clone(s.bv)
	for h := n - 1; h >= 0; h-- {
		m := t.placementOrder[h]
		if p := s.c.placement[m]; p >= 0 {
			sub[p] = a.add(sub[p], sub[m])
		}
	}
	var carryCap N
	if b.CarryCap != nil {
		carryCap = a.fromDec(*b.CarryCap)
	}
	// The carry-in, scattered from input order into lv and rv.
	for in, x := range s.internal {
		l, r := a.load(s.c.cl[in]), a.load(s.c.cr[in])
		if a.sign(l) < 0 || a.sign(r) < 0 {
			return fmt.Errorf("member %q: negative carry-in", s.c.ids.Value(in))
		}
		s.lv[x], s.rv[x] = l, r
	}
	for m := 0; m < n; m++ {
		l, r := s.lv[m], s.rv[m]
		if c := t.left[m]; c >= 0 {
			l = a.add(l, sub[c])
		}
		if c := t.right[m]; c >= 0 {
			r = a.add(r, sub[c])
		}
		pair := l
		if a.cmp(r, l) < 0 {
			pair = r
		}
		s.lv[m], s.rv[m] = l, r
		if s.active[m] && a.sign(pair) > 0 {
			if v := a.binary(int(s.rank[m]), pair); a.sign(v) > 0 {
				s.binAmt[m] = v
				s.lines[Binary].add(s.pos[m], Binary, -1, 0, v)
			}
		}
		ol, or := a.sub(l, pair), a.sub(r, pair)
		if b.CarryCap != nil {
			if a.cmp(ol, carryCap) > 0 {
				ol = carryCap
			}
			if a.cmp(or, carryCap) > 0 {
				or = carryCap
			}
		}
		s.cl[m], s.cr[m] = ol, or
	}
	return nil
}

func (s *period[N, A]) matching(pt *pctTable) {
	mt := s.p.Matching
	if mt == nil {
		return
	}
	a := s.a
	hops := s.hops()
	for src, m := range s.xByPos {
		b := s.binAmt[m]
		if a.sign(b) <= 0 {
			continue
		}
		up := hops[m].up
		for g := 1; g <= len(mt.Levels) && up >= 0; g++ {
			h := &hops[up]
			if int(h.rank) >= mt.MinRank {
				if v := a.pct(pt.mat[g-1], b); a.sign(v) > 0 {
					s.lines[Matching].add(h.pos, Matching, s.byPos[src], int32(g), v)
				}
			}
			up = h.up
		}
	}
}

func (s *period[N, A]) pool() {
	pl := s.p.Pool
	if pl == nil {
		return
	}
	a := s.a
	shares := decimal.Zero
	perRank := make([]int, len(s.p.Ranks))
	for _, r := range s.rank {
		perRank[r]++
	}
	for r := pl.MinRank; r < len(perRank); r++ {
		shares = shares.Add(pl.Shares(r).Mul(decimal.NewFromInt(int64(perRank[r]))))
	}
	if shares.Sign() <= 0 {
		return
	}
	// Each qualifier earns P * own shares / total shares, P = pct% of all BV; the
	// amount depends only on the rank, so compute it once per rank.
	num := pl.Pct.Mul(a.toDec(s.totalBV))
	den := shares.Shift(2)
	amount := make([]N, len(s.p.Ranks))
	for r := pl.MinRank; r < len(amount); r++ {
		q, _ := num.Mul(pl.Shares(r)).QuoRem(den, s.p.Scale)
		amount[r] = a.fromDec(q)
	}
	for m, r := range s.rank {
		if int(r) >= pl.MinRank && a.sign(amount[r]) > 0 {
			s.lines[Pool].add(s.pos[m], Pool, -1, 0, amount[r])
		}
	}
}

// payoutCap fixes the ratio the lines are scaled by and returns the factor
// limit/T when the cap applies.
func (s *period[N, A]) payoutCap() *big.Rat {
	a := s.a
	if s.p.PayoutCapPct == nil {
		return nil
	}
	total := a.zero()
	for _, ls := range s.lineSets() {
		for _, blk := range ls.blocks {
			for i := range blk {
				total = a.add(total, blk[i].amount)
			}
		}
	}
	t := a.toDec(total)
	limit := s.p.PayoutCapPct.Mul(a.toDec(s.totalBV)).Shift(-2)
	if t.Cmp(limit) <= 0 {
		return nil
	}
	ratio := new(big.Rat).SetFrac(limit.Coefficient(), t.Coefficient())
	if e := limit.Exponent() - t.Exponent(); e > 0 {
		ratio.Mul(ratio, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(e)), nil)))
	} else if e < 0 {
		ratio.Quo(ratio, new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-e)), nil)))
	}
	a.setRatio(ratio.Num(), ratio.Denom())
	return ratio
}

// uniParts is the number of parts of the sources the unilevel lines are made
// in, as separate tasks.
const uniParts = 4

// bonuses computes every bonus's lines on every core: binary then matching
// (which needs binary) is one task, pool and referral one each, and unilevel,
// which makes most lines, is cut into parts by source, each made into its own
// set (the sort takes them in order).
func (s *period[N, A]) bonuses(pt *pctTable) error {
	if s.p.Unilevel != nil || s.p.Matching != nil {
		s.hops() // shared by unilevel and matching
	}
	var binErr error
	tasks := []func(){func() {
		if binErr = s.binary(); binErr == nil {
			s.matching(pt)
		}
	}}
	if s.p.Unilevel != nil {
		n := s.c.n
		s.uniLines = make([]lineSet[N], uniParts)
		for i := range s.uniLines {
			tasks = append(tasks, func() { s.unilevel(pt, n*i/uniParts, n*(i+1)/uniParts, &s.uniLines[i]) })
		}
	}
	tasks = append(tasks, s.pool, func() { s.referral(pt) })
	var next atomic.Int32
	parallel(min(runtime.GOMAXPROCS(0), len(tasks)), func(int) {
		for t := int(next.Add(1)) - 1; t < len(tasks); t = int(next.Add(1)) - 1 {
			tasks[t]()
		}
	})
	return binErr
}

// lineSets lists the sets of lines in the order of the bonus names, unilevel's
// parts in order.
func (s *period[N, A]) lineSets() []*lineSet[N] {
	var sets []*lineSet[N]
	for k := range s.lines {
		if Bonus(k) != Unilevel {
			sets = append(sets, &s.lines[k])
			continue
		}
		for i := range s.uniLines {
			sets = append(sets, &s.uniLines[i])
		}
	}
	return sets
}
