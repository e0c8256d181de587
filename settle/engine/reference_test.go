package engine_test

// The reference evaluator: written straight from docs/compensation-plan.md, naively
// (maps keyed by id, decimals everywhere, quadratic walks), sharing no code with
// the engine. The differential tests compare its CSV text with the engine's.

import (
	"bytes"
	"encoding/csv"
	"math/big"
	"sort"
	"strings"

	"github.com/shopspring/decimal"

	"downline/settle/plan"
)

type refMember struct {
	id, sponsor, placement string
	side                   byte // 'L', 'R' or 0
}

type refOrder struct {
	id, member, kind string
	pv, bv           decimal.Decimal
}

type refCarry struct {
	member      string
	left, right decimal.Decimal
}

type refLine struct {
	member, bonus, source string
	level                 int
	amount                decimal.Decimal
}

// reference returns bonuses.csv, summary.csv and carry.csv.
func reference(p *plan.Plan, members []refMember, orders []refOrder, carry []refCarry) (string, string, string) {
	zero := decimal.Zero
	pv, bv, reg := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
	for _, o := range orders {
		pv[o.member] = pv[o.member].Add(o.pv)
		bv[o.member] = bv[o.member].Add(o.bv)
		if o.kind == "registration" {
			reg[o.member] = reg[o.member].Add(o.bv)
		}
	}
	byID := map[string]refMember{}
	for _, m := range members {
		byID[m.id] = m
		pv[m.id] = decimal.Max(zero, pv[m.id])
		bv[m.id] = decimal.Max(zero, bv[m.id])
		reg[m.id] = decimal.Max(zero, reg[m.id])
	}
	active := func(id string) bool { return pv[id].Cmp(p.ActivePV) >= 0 }
	children := func(id string) []string {
		var out []string
		for _, m := range members {
			if m.sponsor == id {
				out = append(out, m.id)
			}
		}
		return out
	}
	var downline func(id string) []string // the member and everyone below it
	downline = func(id string) []string {
		out := []string{id}
		for _, c := range children(id) {
			out = append(out, downline(c)...)
		}
		return out
	}
	gv := func(id string) decimal.Decimal {
		s := zero
		for _, d := range downline(id) {
			s = s.Add(pv[d])
		}
		return s
	}
	ranks := map[string]int{}
	var rankOf func(id string) int
	rankOf = func(id string) int {
		if r, ok := ranks[id]; ok {
			return r
		}
		got := 0
		for r := len(p.Ranks) - 1; r >= 1 && got == 0; r-- {
			rk := p.Ranks[r]
			if pv[id].LessThan(rk.PV) {
				continue
			}
			q := pv[id]
			for _, c := range children(id) {
				g := gv(c)
				if rk.MaxLegPct != nil {
					g = decimal.Min(g, rk.MaxLegPct.Div(decimal.NewFromInt(100)).Mul(rk.GV))
				}
				q = q.Add(g)
			}
			if q.LessThan(rk.GV) {
				continue
			}
			if rk.Legs != nil {
				n := 0
				for _, c := range children(id) {
					for _, d := range downline(c) {
						if rankOf(d) >= rk.Legs.Rank {
							n++
							break
						}
					}
				}
				if n < rk.Legs.Count {
					continue
				}
			}
			got = r
		}
		ranks[id] = got
		return got
	}
	// The k-th active member met walking up from the sponsor, or "".
	upline := func(id string, k int) string {
		cur := byID[id].sponsor
		for cur != "" {
			if active(cur) {
				k--
				if k == 0 {
					return cur
				}
			}
			cur = byID[cur].sponsor
		}
		return ""
	}
	pct := func(x decimal.Decimal, pc decimal.Decimal) decimal.Decimal {
		return x.Mul(pc).Div(decimal.NewFromInt(100)).RoundDown(p.Scale)
	}
	var lines []refLine
	for _, m := range members {
		rankOf(m.id)
	}
	if r := p.Referral; r != nil {
		for _, m := range members {
			if m.sponsor != "" && reg[m.id].Sign() > 0 {
				lines = append(lines, refLine{m.sponsor, "referral", m.id, 1, pct(reg[m.id], r.Pct)})
			}
		}
	}
	if u := p.Unilevel; u != nil {
		for _, m := range members {
			if bv[m.id].Sign() <= 0 {
				continue
			}
			for k := 1; k <= len(u.Levels); k++ {
				a := upline(m.id, k)
				if a == "" {
					break
				}
				depth := len(u.Levels)
				if u.DepthByRank != nil {
					depth = u.DepthByRank[ranks[a]]
				}
				if depth >= k {
					lines = append(lines, refLine{a, "unilevel", m.id, k, pct(bv[m.id], u.Levels[k-1])})
				}
			}
		}
	}
	lv, rv, cl, cr := map[string]decimal.Decimal{}, map[string]decimal.Decimal{}, map[string]decimal.Decimal{}, map[string]decimal.Decimal{}
	binAmt := map[string]decimal.Decimal{}
	if b := p.Binary; b != nil {
		carryIn := map[string]refCarry{}
		for _, c := range carry {
			carryIn[c.member] = c
		}
		var subtreeBV func(id string) decimal.Decimal
		subtreeBV = func(id string) decimal.Decimal {
			s := bv[id]
			for _, m := range members {
				if m.placement == id {
					s = s.Add(subtreeBV(m.id))
				}
			}
			return s
		}
		for _, m := range members {
			l, r := carryIn[m.id].left, carryIn[m.id].right
			for _, c := range members {
				if c.placement == m.id && c.side == 'L' {
					l = l.Add(subtreeBV(c.id))
				}
				if c.placement == m.id && c.side == 'R' {
					r = r.Add(subtreeBV(c.id))
				}
			}
			pair := decimal.Min(l, r)
			amt := zero
			if active(m.id) {
				amt = pair.Mul(b.Pct).Div(decimal.NewFromInt(100))
				if b.CapByRank != nil {
					amt = decimal.Min(amt, b.CapByRank[ranks[m.id]])
				}
				amt = amt.RoundDown(p.Scale)
			}
			binAmt[m.id] = amt
			lines = append(lines, refLine{m.id, "binary", "", 0, amt})
			ol, or := l.Sub(pair), r.Sub(pair)
			if b.CarryCap != nil {
				ol, or = decimal.Min(ol, *b.CarryCap), decimal.Min(or, *b.CarryCap)
			}
			lv[m.id], rv[m.id], cl[m.id], cr[m.id] = l, r, ol, or
		}
	}
	if mt := p.Matching; mt != nil {
		for _, m := range members {
			if binAmt[m.id].Sign() <= 0 {
				continue
			}
			for g := 1; g <= len(mt.Levels); g++ {
				a := upline(m.id, g)
				if a == "" {
					break
				}
				if ranks[a] >= mt.MinRank {
					lines = append(lines, refLine{a, "matching", m.id, g, pct(binAmt[m.id], mt.Levels[g-1])})
				}
			}
		}
	}
	totalBV := zero
	for _, m := range members {
		totalBV = totalBV.Add(bv[m.id])
	}
	if pl := p.Pool; pl != nil {
		P := totalBV.Mul(pl.Pct).Div(decimal.NewFromInt(100))
		shares := zero
		for _, m := range members {
			if ranks[m.id] >= pl.MinRank {
				shares = shares.Add(pl.Shares(ranks[m.id]))
			}
		}
		for _, m := range members {
			if r := ranks[m.id]; r >= pl.MinRank && shares.Sign() > 0 {
				// P*own/total, exactly, then down to scale.
				x := new(big.Rat).Mul(P.Rat(), pl.Shares(r).Rat())
				x.Quo(x, shares.Rat())
				lines = append(lines, refLine{m.id, "pool", "", 0, ratDown(x, p.Scale)})
			}
		}
	}
	if p.PayoutCapPct != nil {
		T := zero
		for _, l := range lines {
			T = T.Add(l.amount)
		}
		limit := p.PayoutCapPct.Mul(totalBV).Div(decimal.NewFromInt(100))
		if T.GreaterThan(limit) {
			for i := range lines {
				x := new(big.Rat).Mul(lines[i].amount.Rat(), limit.Rat())
				x.Quo(x, T.Rat())
				lines[i].amount = ratDown(x, p.Scale)
			}
		}
	}
	earn := map[string]decimal.Decimal{}
	var kept []refLine
	for _, l := range lines {
		if l.amount.Sign() != 0 {
			kept = append(kept, l)
			earn[l.member] = earn[l.member].Add(l.amount)
		}
	}
	sort.Slice(kept, func(i, j int) bool {
		a, b := kept[i], kept[j]
		if a.member != b.member {
			return a.member < b.member
		}
		if a.bonus != b.bonus {
			return a.bonus < b.bonus
		}
		if a.source != b.source {
			return a.source < b.source
		}
		return a.level < b.level
	})
	ids := make([]string, 0, len(members))
	for _, m := range members {
		ids = append(ids, m.id)
	}
	sort.Strings(ids)

	plain := func(d decimal.Decimal) string { return d.String() }
	var bo, su, ca bytes.Buffer
	w := csv.NewWriter(&bo)
	w.UseCRLF = true
	w.Write([]string{"member_id", "bonus", "amount", "source_member_id", "level"})
	for _, l := range kept {
		w.Write([]string{l.member, l.bonus, l.amount.StringFixed(p.Scale), l.source, decimal.NewFromInt(int64(l.level)).String()})
	}
	w.Flush()
	w = csv.NewWriter(&su)
	w.UseCRLF = true
	w.Write(strings.Split("member_id,pv,bv,gv,active,rank,left_volume,right_volume,carry_left,carry_right,earnings", ","))
	for _, id := range ids {
		act := "false"
		if active(id) {
			act = "true"
		}
		w.Write([]string{id, plain(pv[id]), plain(bv[id]), plain(gv(id)), act, p.Ranks[ranks[id]].Name,
			plain(lv[id]), plain(rv[id]), plain(cl[id]), plain(cr[id]), plain(earn[id])})
	}
	w.Flush()
	w = csv.NewWriter(&ca)
	w.UseCRLF = true
	w.Write([]string{"member_id", "left", "right"})
	for _, id := range ids {
		if cl[id].Sign() != 0 || cr[id].Sign() != 0 {
			w.Write([]string{id, plain(cl[id]), plain(cr[id])})
		}
	}
	w.Flush()
	return bo.String(), su.String(), ca.String()
}

// ratDown rounds a non-negative rational down to scale decimals.
func ratDown(x *big.Rat, scale int32) decimal.Decimal {
	n := new(big.Int).Mul(x.Num(), new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(scale)), nil))
	n.Quo(n, x.Denom())
	return decimal.NewFromBigInt(n, -scale)
}
