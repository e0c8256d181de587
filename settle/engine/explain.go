package engine

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/shopspring/decimal"

	"downline/settle/plan"
)

// Explain tells how member id's rank was reached or missed (PV, QGV per leg with
// the caps, qualifying legs) and where each of its bonus lines came from. It
// reads the Input and the Result of the same period.
func Explain(in Input, res *Result, id string) (string, error) {
	c, err := readColumns(in)
	if err != nil {
		return "", err
	}
	me := -1
	for i := 0; i < c.n; i++ {
		if c.ids.Value(i) == id {
			me = i
			break
		}
	}
	if me < 0 {
		return "", fmt.Errorf("no member with id %q", id)
	}
	t, err := buildTrees(c)
	if err != nil {
		return "", err
	}
	x := newExplanation(c, t, res, me)
	x.standing()
	x.ranks()
	x.binary()
	x.bonusLines()
	return x.b.String(), nil
}

// explanation is the text Explain writes about member me, with the columns
// of the Input and the Result it reads.
type explanation struct {
	b    strings.Builder
	c    *columns
	res  *Result
	p    *plan.Plan
	me   int
	vs   int32 // scale of the Result's volumes
	m    MemberColumns
	best []int16 // highest rank anywhere in each sponsor subtree
	kids []int32 // me's frontline legs
	pv   decimal.Decimal
}

func newExplanation(c *columns, t *trees, res *Result, me int) *explanation {
	x := &explanation{c: c, res: res, p: res.Plan, me: me, vs: res.VolumeScale, m: res.MemberColumns()}
	// Highest rank anywhere in each sponsor subtree, bottom-up.
	x.best = make([]int16, c.n)
	for h := c.n - 1; h >= 0; h-- {
		m := t.sponsorOrder[h]
		x.best[m] = max(x.best[m], x.m.Rank[m])
		if s := c.sponsor[m]; s >= 0 {
			x.best[s] = max(x.best[s], x.best[m])
		}
	}
	x.kids = t.child[t.childStart[me]:t.childStart[me+1]]
	x.pv = decimalAt(x.m.PV[me], x.vs)
	return x
}

// decimalAt is v, a fixed-point number of the given scale, as a decimal.
func decimalAt(v decimal128.Num, scale int32) decimal.Decimal {
	return decimal.NewFromBigInt(v.BigInt(), -scale)
}

func (x *explanation) name(i int) string       { return fmt.Sprintf("%q", x.c.ids.Value(i)) }
func (x *explanation) rankName(r int16) string { return x.p.Ranks[r].Name }

// standing writes the member's rank, activity, volumes and frontline legs.
func (x *explanation) standing() {
	me, p := x.me, x.p
	pv, gv := x.pv, decimalAt(x.m.GV[me], x.vs)
	fmt.Fprintf(&x.b, "member %s: rank %s, ", x.name(me), x.rankName(x.m.Rank[me]))
	if x.m.Active.Value(me) {
		fmt.Fprintf(&x.b, "active (PV %s >= %s)\n", pv, p.ActivePV)
	} else {
		fmt.Fprintf(&x.b, "inactive (PV %s < %s): skipped by unilevel and matching compression, no binary\n", pv, p.ActivePV)
	}
	fmt.Fprintf(&x.b, "PV %s, BV %s, GV %s\n", pv, decimalAt(x.m.BV[me], x.vs), gv)
	fmt.Fprintf(&x.b, "frontline legs: %d\n", len(x.kids))
	for _, k := range x.kids {
		fmt.Fprintf(&x.b, "  %s GV %s, highest rank in leg %s\n", x.name(int(k)), decimalAt(x.m.GV[k], x.vs), x.rankName(x.best[k]))
	}
}

// ranks writes each rank from the highest down, with what it needs against
// what the member has, until one is reached.
func (x *explanation) ranks() {
	p := x.p
	x.b.WriteString("ranks, highest first:\n")
	for r := len(p.Ranks) - 1; r >= 1; r-- {
		rk := p.Ranks[r]
		why, ok := x.rankCheck(rk)
		verdict := "missed"
		if ok {
			verdict = "reached"
		}
		fmt.Fprintf(&x.b, "  %s: %s (%s)\n", rk.Name, verdict, strings.Join(why, "; "))
		if ok {
			break
		}
	}
	if x.m.Rank[x.me] == 0 {
		fmt.Fprintf(&x.b, "  %s: the first rank, no requirements\n", p.Ranks[0].Name)
	}
}

// rankCheck compares the member with each requirement of rk (PV, QGV with
// the leg cap, qualifying legs) and tells whether all are met.
func (x *explanation) rankCheck(rk plan.Rank) (why []string, ok bool) {
	pv := x.pv
	ok = pv.Cmp(rk.PV) >= 0
	why = append(why, fmt.Sprintf("PV %s %s %s", pv, cmpSign(ok), rk.PV))
	q := pv
	var parts []string
	var legCap *decimal.Decimal
	if rk.MaxLegPct != nil {
		v := rk.MaxLegPct.Mul(rk.GV).Shift(-2)
		legCap = &v
	}
	for _, k := range x.kids {
		g := decimalAt(x.m.GV[k], x.vs)
		if legCap != nil && g.Cmp(*legCap) > 0 {
			parts = append(parts, fmt.Sprintf("%s %s capped to %s", x.name(int(k)), g, legCap))
			g = *legCap
		}
		q = q.Add(g)
	}
	qok := q.Cmp(rk.GV) >= 0
	ok = ok && qok
	s := fmt.Sprintf("QGV %s %s %s", q, cmpSign(qok), rk.GV)
	if legCap != nil {
		s += fmt.Sprintf(" (each leg counts at most %s%% of %s = %s", rk.MaxLegPct, rk.GV, legCap)
		if len(parts) > 0 {
			s += "; " + strings.Join(parts, ", ")
		}
		s += ")"
	}
	why = append(why, s)
	if rk.Legs != nil {
		n := 0
		for _, k := range x.kids {
			if int(x.best[k]) >= rk.Legs.Rank {
				n++
			}
		}
		lok := n >= rk.Legs.Count
		ok = ok && lok
		why = append(why, fmt.Sprintf("legs holding %s or higher: %d %s %d", x.p.Ranks[rk.Legs.Rank].Name, n, cmpSign(lok), rk.Legs.Count))
	}
	return why, ok
}

// pair is the member's left and right volume this period.
func (x *explanation) pair() (l, r decimal.Decimal) {
	return decimalAt(x.m.LeftVolume[x.me], x.vs), decimalAt(x.m.RightVolume[x.me], x.vs)
}

// binary writes the member's binary legs, pair and carry, under a binary plan.
func (x *explanation) binary() {
	if x.p.Binary == nil {
		return
	}
	me, c, vs := x.me, x.c, x.vs
	l, r := x.pair()
	fmt.Fprintf(&x.b, "binary: left %s, right %s (carry-in %s / %s), pair %s, carry-out %s / %s\n", l, r,
		decimalAt(c.cl[me], c.scale), decimalAt(c.cr[me], c.scale), decimal.Min(l, r), decimalAt(x.m.CarryLeft[me], vs), decimalAt(x.m.CarryRight[me], vs))
}

// bonusLines writes each bonus line of the member with its basis, and the
// total earnings.
func (x *explanation) bonusLines() {
	p, ms := x.p, x.p.Scale
	l := x.res.LineColumns()
	member, kind, source, level, amount, before := l.Member, l.Kind, l.Source, l.Level, l.Amount, l.BeforeCap
	x.b.WriteString("bonus lines:\n")
	total, totalBefore := decimal.Zero, decimal.Zero
	n := 0
	for i := range member {
		if int(member[i]) != x.me {
			continue
		}
		n++
		a, bf := decimalAt(amount[i], ms), decimalAt(before[i], ms)
		total, totalBefore = total.Add(a), totalBefore.Add(bf)
		fmt.Fprintf(&x.b, "  %-9s %12s  %s", BonusNames[kind[i]], a.StringFixed(ms), x.basis(kind[i], int(source[i]), level[i]))
		if !a.Equal(bf) {
			fmt.Fprintf(&x.b, " (%s before the payout cap)", bf.StringFixed(ms))
		}
		x.b.WriteByte('\n')
	}
	if n == 0 {
		x.b.WriteString("  none\n")
	}
	fmt.Fprintf(&x.b, "earnings: %s %s", total.StringFixed(ms), p.Currency)
	if !total.Equal(totalBefore) {
		fmt.Fprintf(&x.b, " (%s before the payout cap)", totalBefore.StringFixed(ms))
	}
	x.b.WriteByte('\n')
}

// basis tells what a bonus line of the given kind was paid on: s is the
// member whose volume or bonus it came from, level its level.
func (x *explanation) basis(kind uint8, s int, level int32) string {
	p, me, c := x.p, x.me, x.c
	switch kind {
	case Referral:
		return fmt.Sprintf("%s%% of %s's registration BV %s", p.Referral.Pct, x.name(s), decimalAt(c.rg[s], c.scale))
	case Unilevel:
		return fmt.Sprintf("level %d: %s%% of %s's BV %s", level, p.Unilevel.Levels[level-1], x.name(s), decimalAt(x.m.BV[s], x.vs))
	case Binary:
		l, r := x.pair()
		basis := fmt.Sprintf("%s%% of pair %s", p.Binary.Pct, decimal.Min(l, r))
		if p.Binary.CapByRank != nil {
			basis += fmt.Sprintf(", capped at %s for %s", p.Binary.CapByRank[x.m.Rank[me]], x.rankName(x.m.Rank[me]))
		}
		return basis
	case Matching:
		return fmt.Sprintf("level %d: %s%% of %s's binary bonus", level, p.Matching.Levels[level-1], x.name(s))
	case Pool:
		return fmt.Sprintf("%s%% of total BV %s shared by rank >= %s, %s share(s) for %s", p.Pool.Pct, x.res.Totals.TotalBV,
			p.Ranks[p.Pool.MinRank].Name, p.Pool.Shares(int(x.m.Rank[me])), x.rankName(x.m.Rank[me]))
	}
	return ""
}

func cmpSign(ok bool) string {
	if ok {
		return ">="
	}
	return "<"
}
