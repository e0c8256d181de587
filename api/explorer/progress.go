package explorer

import (
	"github.com/shopspring/decimal"

	"downline/network"
)

// Progress is how far a member is from the rank above the one it holds,
// by the plan's three tests (docs/compensation-plan.md, Ranks), with the
// period's figures so far.
type Progress struct {
	Rank           int // index of the next rank in Ranks
	Name           string
	PVNeed, PVHave decimal.Decimal
	// QGVHave is PV plus each sponsor frontline leg's GV, each capped at
	// Cap when the rank caps legs (Cap nil otherwise).
	QGVNeed, QGVHave decimal.Decimal
	Cap              *decimal.Decimal
	// Legs is nil when the rank asks for no qualified legs; LegsHave counts
	// the frontline legs holding a member of LegsRank or higher (ranks held).
	Legs    *LegsNeed
	Missing []string // of "pv", "qgv", "legs", in that order
}

// LegsNeed is a rank's leg requirement and how many legs meet it.
type LegsNeed struct {
	Need int
	Rank string
	Have int
}

// NextRank is member i's progress to the rank above its own (a member
// without a rank holds the first); nil without a plan or at the top rank.
func (x *Index) NextRank(i int32) *Progress {
	if x.Plan == nil {
		return nil
	}
	r := max(int(x.rank[i]), 0) + 1
	if r >= len(x.Plan.Ranks) {
		return nil
	}
	rk := x.Plan.Ranks[r]
	tr := &x.trees[network.Sponsor]
	p := &Progress{Rank: r, Name: rk.Name, PVNeed: rk.PV, PVHave: money(x.pv[i]), QGVNeed: rk.GV, Missing: []string{}}
	p.Cap = x.legCap(r)
	p.QGVHave = p.PVHave
	for _, c := range x.Children(network.Sponsor, i) {
		p.QGVHave = p.QGVHave.Add(Counted(money(tr.gv[c]), p.Cap))
	}
	if rk.Legs != nil {
		p.Legs = &LegsNeed{Need: rk.Legs.Count, Rank: x.Plan.Ranks[rk.Legs.Rank].Name}
		for _, c := range x.Children(network.Sponsor, i) {
			if int(tr.best[c]) >= rk.Legs.Rank {
				p.Legs.Have++
			}
		}
	}
	if p.PVHave.LessThan(p.PVNeed) {
		p.Missing = append(p.Missing, "pv")
	}
	if p.QGVHave.LessThan(p.QGVNeed) {
		p.Missing = append(p.Missing, "qgv")
	}
	if p.Legs != nil && p.Legs.Have < p.Legs.Need {
		p.Missing = append(p.Missing, "legs")
	}
	return p
}

// legCap is the most one leg counts for rank r: max_leg_pct% of the rank's
// GV; nil when the rank does not cap legs.
func (x *Index) legCap(r int) *decimal.Decimal {
	rk := x.Plan.Ranks[r]
	if rk.MaxLegPct == nil {
		return nil
	}
	c := rk.GV.Mul(*rk.MaxLegPct).Shift(-2)
	return &c
}

// Counted is a leg's GV as a rank test counts it: at most cap (nil: no cap).
func Counted(gv decimal.Decimal, cap *decimal.Decimal) decimal.Decimal {
	if cap != nil && gv.GreaterThan(*cap) {
		return *cap
	}
	return gv
}
