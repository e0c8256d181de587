package engine

import (
	"fmt"
	"math/big"
	"runtime"
	"sync/atomic"

	"github.com/shopspring/decimal"

	"downline/settle/internal/hugemem"
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

// line is one bonus line before the payout cap. The earner is a position in id
// order; the source is a member index (-1 for none). The amount after the cap
// is computed as the lines are turned into columns.
type line[N any] struct {
	earner, source, level int32
	kind                  uint8
	amount                N
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
	input, internal, byPos, xByPos, pos []int32
	// lines holds the bonus lines in chunks of earners, in final order.
	lines   [][]line[N]
	totalBV N
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
	s.pv, s.bv, s.reg = hugemem.Slice[N](n), hugemem.Slice[N](n), hugemem.Slice[N](n)
	s.active = hugemem.Slice[bool](n)
	activePV := a.fromDec(s.p.ActivePV)
	// Input order: reading the input sequentially and scattering to member
	// numbers stalls less than gathering. Each core takes a range of the
	// input; internal is a permutation, so no two write the same member. The
	// BV are never negative, so a part's sum overflows only if the total does.
	workers := runtime.GOMAXPROCS(0)
	if n < 1<<16 {
		workers = 1
	}
	totals := make([]N, workers)
	parallel(workers, func(w int) {
		total := a.zero()
		lo, hi := n*w/workers, n*(w+1)/workers
		for in, x := range s.internal[lo:hi] {
			in += lo
			pv, bv := s.max0(a.load(s.c.pv[in])), s.max0(a.load(s.c.bv[in]))
			s.pv[x], s.bv[x] = pv, bv
			s.reg[x] = s.max0(a.load(s.c.rg[in]))
			s.active[x] = a.cmp(pv, activePV) >= 0
			total = a.add(total, bv)
		}
		totals[w] = total
	})
	total := a.zero()
	for _, t := range totals {
		total = a.add(total, t)
	}
	s.totalBV = total
	// GV bottom-up: children come after their sponsor in sponsorOrder.
	s.gv = hugemem.Slice[N](n)
	copy(s.gv, s.pv)
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
	s.rank = hugemem.Slice[int16](n)
	best := hugemem.Slice[int16](n) // highest rank anywhere in the member's sponsor subtree
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
	s.up = hugemem.Slice[int32](n)
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

func (s *period[N, A]) binary() error {
	b := s.p.Binary
	n, a, t := s.c.n, s.a, s.t
	s.lv, s.rv, s.cl, s.cr = hugemem.Slice[N](n), hugemem.Slice[N](n), hugemem.Slice[N](n), hugemem.Slice[N](n)
	s.binAmt = hugemem.Slice[N](n)
	z := a.zero()
	for i := range s.lv {
		s.lv[i], s.rv[i], s.cl[i], s.cr[i], s.binAmt[i] = z, z, z, z, z
	}
	if b == nil {
		return nil
	}
	// Placement subtree BV, bottom-up.
	sub := hugemem.Slice[N](n)
	copy(sub, s.bv)
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

// poolAmounts returns the pool amount of a qualifier of each rank, or nil
// when no pool is paid.
func (s *period[N, A]) poolAmounts() []N {
	pl := s.p.Pool
	if pl == nil {
		return nil
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
		return nil
	}
	// Each qualifier earns P * own shares / total shares, P = pct% of all BV; the
	// amount depends only on the rank, so compute it once per rank.
	num := pl.Pct.Mul(a.toDec(s.totalBV))
	den := shares.Shift(2)
	amount := make([]N, len(s.p.Ranks))
	for r := range amount {
		amount[r] = a.zero()
	}
	for r := pl.MinRank; r < len(amount); r++ {
		q, _ := num.Mul(pl.Shares(r)).QuoRem(den, s.p.Scale)
		amount[r] = a.fromDec(q)
	}
	return amount
}

// payoutCap fixes the ratio the lines are scaled by and returns the factor
// limit/T when the cap applies.
func (s *period[N, A]) payoutCap() *big.Rat {
	a := s.a
	if s.p.PayoutCapPct == nil {
		return nil
	}
	total := a.zero()
	for _, c := range s.lines {
		for i := range c {
			total = a.add(total, c[i].amount)
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

// bonuses computes every bonus line. Binary amounts come first (matching
// pays on them), beside the compressed tree; then the lines are made earner
// by earner (see earnerLines).
func (s *period[N, A]) bonuses(pt *pctTable) error {
	var (
		binErr error
		ct     *ctree[N]
	)
	downline := s.p.Unilevel != nil || s.p.Matching != nil
	tasks := []func(){func() { binErr = s.binary() }}
	if downline {
		tasks = append(tasks, func() { ct = s.compressed() })
	}
	var next atomic.Int32
	parallel(min(runtime.GOMAXPROCS(0), len(tasks)), func(int) {
		for t := int(next.Add(1)) - 1; t < len(tasks); t = int(next.Add(1)) - 1 {
			tasks[t]()
		}
	})
	if binErr != nil {
		return binErr
	}
	if s.p.Matching != nil {
		ct.fillBinary(s.binAmt)
	}
	s.lines = s.earnerLines(pt, ct, s.poolAmounts())
	return nil
}
