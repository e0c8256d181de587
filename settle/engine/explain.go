package engine

import (
	"fmt"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/shopspring/decimal"
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
	p := res.Plan
	vs, ms := res.VolumeScale, p.Scale
	col := func(k int) []decimal128.Num { return res.Members.Column(k).(*array.Decimal128).Values() }
	dec := func(v decimal128.Num, scale int32) decimal.Decimal { return decimal.NewFromBigInt(v.BigInt(), -scale) }
	pvs, bvs, gvs := col(ColPV), col(ColBV), col(ColGV)
	rank := res.Members.Column(ColRank).(*array.Int16).Int16Values()
	active := res.Members.Column(ColActive).(*array.Boolean)
	name := func(i int) string { return fmt.Sprintf("%q", c.ids.Value(i)) }
	rankName := func(r int16) string { return p.Ranks[r].Name }
	// Highest rank anywhere in each sponsor subtree, bottom-up.
	best := make([]int16, c.n)
	for h := c.n - 1; h >= 0; h-- {
		m := t.sponsorOrder[h]
		best[m] = max(best[m], rank[m])
		if s := c.sponsor[m]; s >= 0 {
			best[s] = max(best[s], best[m])
		}
	}

	var b strings.Builder
	pv, gv := dec(pvs[me], vs), dec(gvs[me], vs)
	fmt.Fprintf(&b, "member %s: rank %s, ", name(me), rankName(rank[me]))
	if active.Value(me) {
		fmt.Fprintf(&b, "active (PV %s >= %s)\n", pv, p.ActivePV)
	} else {
		fmt.Fprintf(&b, "inactive (PV %s < %s): skipped by unilevel and matching compression, no binary\n", pv, p.ActivePV)
	}
	fmt.Fprintf(&b, "PV %s, BV %s, GV %s\n", pv, dec(bvs[me], vs), gv)
	kids := t.child[t.childStart[me]:t.childStart[me+1]]
	fmt.Fprintf(&b, "frontline legs: %d\n", len(kids))
	for _, k := range kids {
		fmt.Fprintf(&b, "  %s GV %s, highest rank in leg %s\n", name(int(k)), dec(gvs[k], vs), rankName(best[k]))
	}
	b.WriteString("ranks, highest first:\n")
	for r := len(p.Ranks) - 1; r >= 1; r-- {
		rk := p.Ranks[r]
		var why []string
		ok := pv.Cmp(rk.PV) >= 0
		why = append(why, fmt.Sprintf("PV %s %s %s", pv, cmpSign(ok), rk.PV))
		q := pv
		var parts []string
		var legCap *decimal.Decimal
		if rk.MaxLegPct != nil {
			v := rk.MaxLegPct.Mul(rk.GV).Shift(-2)
			legCap = &v
		}
		for _, k := range kids {
			g := dec(gvs[k], vs)
			if legCap != nil && g.Cmp(*legCap) > 0 {
				parts = append(parts, fmt.Sprintf("%s %s capped to %s", name(int(k)), g, legCap))
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
			for _, k := range kids {
				if int(best[k]) >= rk.Legs.Rank {
					n++
				}
			}
			lok := n >= rk.Legs.Count
			ok = ok && lok
			why = append(why, fmt.Sprintf("legs holding %s or higher: %d %s %d", p.Ranks[rk.Legs.Rank].Name, n, cmpSign(lok), rk.Legs.Count))
		}
		verdict := "missed"
		if ok {
			verdict = "reached"
		}
		fmt.Fprintf(&b, "  %s: %s (%s)\n", rk.Name, verdict, strings.Join(why, "; "))
		if ok {
			break
		}
	}
	if rank[me] == 0 {
		fmt.Fprintf(&b, "  %s: the first rank, no requirements\n", p.Ranks[0].Name)
	}
	if p.Binary != nil {
		l, r := dec(col(ColLeftVolume)[me], vs), dec(col(ColRightVolume)[me], vs)
		fmt.Fprintf(&b, "binary: left %s, right %s (carry-in %s / %s), pair %s, carry-out %s / %s\n", l, r,
			dec(c.cl[me], c.scale), dec(c.cr[me], c.scale), decimal.Min(l, r), dec(col(ColCarryLeft)[me], vs), dec(col(ColCarryRight)[me], vs))
	}

	lines := res.Lines
	member := lines.Column(0).(*array.Int32).Int32Values()
	kind := lines.Column(1).(*array.Uint8).Uint8Values()
	source := lines.Column(2).(*array.Int32).Int32Values()
	level := lines.Column(3).(*array.Int32).Int32Values()
	amount := lines.Column(4).(*array.Decimal128).Values()
	before := lines.Column(5).(*array.Decimal128).Values()
	b.WriteString("bonus lines:\n")
	total, totalBefore := decimal.Zero, decimal.Zero
	n := 0
	for i := range member {
		if int(member[i]) != me {
			continue
		}
		n++
		a, bf := dec(amount[i], ms), dec(before[i], ms)
		total, totalBefore = total.Add(a), totalBefore.Add(bf)
		s := int(source[i])
		var basis string
		switch kind[i] {
		case Referral:
			basis = fmt.Sprintf("%s%% of %s's registration BV %s", p.Referral.Pct, name(s), dec(c.rg[s], c.scale))
		case Unilevel:
			basis = fmt.Sprintf("level %d: %s%% of %s's BV %s", level[i], p.Unilevel.Levels[level[i]-1], name(s), dec(bvs[s], vs))
		case Binary:
			l, r := dec(col(ColLeftVolume)[me], vs), dec(col(ColRightVolume)[me], vs)
			basis = fmt.Sprintf("%s%% of pair %s", p.Binary.Pct, decimal.Min(l, r))
			if p.Binary.CapByRank != nil {
				basis += fmt.Sprintf(", capped at %s for %s", p.Binary.CapByRank[rank[me]], rankName(rank[me]))
			}
		case Matching:
			basis = fmt.Sprintf("level %d: %s%% of %s's binary bonus", level[i], p.Matching.Levels[level[i]-1], name(s))
		case Pool:
			basis = fmt.Sprintf("%s%% of total BV %s shared by rank >= %s, %s share(s) for %s", p.Pool.Pct, res.Totals.TotalBV,
				p.Ranks[p.Pool.MinRank].Name, p.Pool.Shares(int(rank[me])), rankName(rank[me]))
		}
		fmt.Fprintf(&b, "  %-9s %12s  %s", BonusNames[kind[i]], a.StringFixed(ms), basis)
		if !a.Equal(bf) {
			fmt.Fprintf(&b, " (%s before the payout cap)", bf.StringFixed(ms))
		}
		b.WriteByte('\n')
	}
	if n == 0 {
		b.WriteString("  none\n")
	}
	fmt.Fprintf(&b, "earnings: %s %s", total.StringFixed(ms), p.Currency)
	if !total.Equal(totalBefore) {
		fmt.Fprintf(&b, " (%s before the payout cap)", totalBefore.StringFixed(ms))
	}
	b.WriteByte('\n')
	return b.String(), nil
}

func cmpSign(ok bool) string {
	if ok {
		return ">="
	}
	return "<"
}
