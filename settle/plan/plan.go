// Package plan reads and validates compensation plan documents (YAML or JSON) as
// defined by docs/compensation-plan.md. Every number is an exact decimal.
package plan

import "github.com/shopspring/decimal"

// Plan is a validated compensation plan. Rank references are indexes into Ranks.
type Plan struct {
	Name     string
	Currency string
	// Scale is the number of decimals of money (0..6).
	Scale    int32
	ActivePV decimal.Decimal
	Ranks    []Rank

	Referral *Referral
	Unilevel *Unilevel
	Binary   *Binary
	Matching *Matching
	Pool     *Pool

	// PayoutCapPct is nil when the plan has no payout cap.
	PayoutCapPct *decimal.Decimal
}

// Rank is one step of the rank ladder.
type Rank struct {
	Name string
	PV   decimal.Decimal
	GV   decimal.Decimal
	// MaxLegPct is nil when legs are not capped.
	MaxLegPct *decimal.Decimal
	// Legs is nil when no qualified frontline legs are required.
	Legs *LegRule
}

// LegRule asks for Count frontline legs each holding a member of rank >= Rank.
type LegRule struct {
	Count int
	Rank  int
}

// Referral pays Pct% of a sponsored member's registration BV.
type Referral struct{ Pct decimal.Decimal }

// Unilevel pays Levels[k-1]% of BV to the level-k active upline.
type Unilevel struct {
	Levels []decimal.Decimal
	// DepthByRank holds the unlocked depth per rank index; nil means len(Levels) for all.
	DepthByRank []int
}

// Binary pays Pct% of the weaker placement leg.
type Binary struct {
	Pct decimal.Decimal
	// CapByRank holds the cap per rank index; nil means no cap.
	CapByRank []decimal.Decimal
	// CarryCap is nil when carry-out is not capped.
	CarryCap *decimal.Decimal
}

// Matching pays Levels[g-1]% of a downline's binary amount to the level-g active upline.
type Matching struct {
	Levels  []decimal.Decimal
	MinRank int
}

// Pool shares Pct% of the period's BV among members of rank >= MinRank.
type Pool struct {
	Pct     decimal.Decimal
	MinRank int
	// SharesByRank holds shares per rank index; nil means one share each.
	SharesByRank []decimal.Decimal
}

// Depth returns the unilevel depth unlocked by rank r.
func (u *Unilevel) Depth(r int) int {
	if u.DepthByRank == nil {
		return len(u.Levels)
	}
	return u.DepthByRank[r]
}

// Shares returns the pool shares held at rank r.
func (p *Pool) Shares(r int) decimal.Decimal {
	if p.SharesByRank == nil {
		return decimal.NewFromInt(1)
	}
	return p.SharesByRank[r]
}

// RankIndex returns the index of the rank named name, or -1.
func (p *Plan) RankIndex(name string) int {
	for i, r := range p.Ranks {
		if r.Name == name {
			return i
		}
	}
	return -1
}
