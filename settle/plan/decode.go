package plan

import (
	"fmt"
	"regexp"

	"github.com/goccy/go-yaml/ast"
	"github.com/shopspring/decimal"
)

var currencyCode = regexp.MustCompile(`^[A-Z]{3}$`)

func decodePlan(n ast.Node) (*Plan, error) {
	top, err := fields(n, "", "name", "currency", "scale", "active_pv", "ranks", "bonuses", "payout_cap_pct")
	if err != nil {
		return nil, err
	}
	p := &Plan{Scale: 2}
	if p.Name, err = requiredText(top, "name"); err != nil {
		return nil, err
	}
	if p.Currency, err = requiredText(top, "currency"); err != nil {
		return nil, err
	}
	if !currencyCode.MatchString(p.Currency) {
		return nil, &Error{Line: line(top.get("currency")), Path: "currency", Msg: fmt.Sprintf("%q is not an ISO 4217 code", short(p.Currency))}
	}
	if v := top.get("scale"); v != nil {
		s, err := integer(v, "scale", 0, 6, "an integer in 0..6")
		if err != nil {
			return nil, err
		}
		p.Scale = int32(s)
	}
	if v := top.get("active_pv"); v != nil {
		if p.ActivePV, err = nonNegative(v, "active_pv"); err != nil {
			return nil, err
		}
	}
	v := top.get("ranks")
	if v == nil {
		return nil, &Error{Path: "ranks", Msg: "required"}
	}
	if err := decodeRanks(p, v); err != nil {
		return nil, err
	}
	if v := top.get("bonuses"); v != nil {
		if err := decodeBonuses(p, v); err != nil {
			return nil, err
		}
	}
	if v := top.get("payout_cap_pct"); v != nil {
		d, err := percent(v, "payout_cap_pct")
		if err != nil {
			return nil, err
		}
		p.PayoutCapPct = &d
	}
	return p, nil
}

func requiredText(m *mapping, key string) (string, error) {
	v := m.get(key)
	if v == nil {
		return "", &Error{Path: join(m.path, key), Msg: "required"}
	}
	s, err := text(v, join(m.path, key))
	if err != nil {
		return "", err
	}
	if s == "" {
		return "", &Error{Line: line(v), Path: join(m.path, key), Msg: "must not be empty"}
	}
	return s, nil
}

func rankNames(p *Plan) []string {
	names := make([]string, len(p.Ranks))
	for i, r := range p.Ranks {
		names[i] = r.Name
	}
	return names
}

// rankRef resolves a rank name written at path.
func rankRef(p *Plan, n ast.Node, path string) (int, error) {
	s, err := text(n, path)
	if err != nil {
		return 0, err
	}
	i := p.RankIndex(s)
	if i < 0 {
		return 0, &Error{Line: line(n), Path: path, Msg: fmt.Sprintf("no rank named %q", short(s))}
	}
	return i, nil
}

func decodeRanks(p *Plan, n ast.Node) error {
	items, err := asSequence(n, "ranks")
	if err != nil {
		return err
	}
	if len(items) == 0 {
		return &Error{Line: line(n), Path: "ranks", Msg: "at least one rank is required"}
	}
	// Names first: legs.rank may name any rank of the ladder.
	maps := make([]*mapping, len(items))
	for i, it := range items {
		path := fmt.Sprintf("ranks[%d]", i)
		m, err := fields(it, path, "name", "pv", "gv", "max_leg_pct", "legs")
		if err != nil {
			return err
		}
		maps[i] = m
		name, err := requiredText(m, "name")
		if err != nil {
			return err
		}
		if p.RankIndex(name) >= 0 {
			return &Error{Line: line(m.get("name")), Path: path + ".name", Msg: fmt.Sprintf("duplicate rank name %q", short(name))}
		}
		p.Ranks = append(p.Ranks, Rank{Name: name})
	}
	for i, m := range maps {
		r := &p.Ranks[i]
		if v := m.get("pv"); v != nil {
			if r.PV, err = nonNegative(v, m.path+".pv"); err != nil {
				return err
			}
		}
		if v := m.get("gv"); v != nil {
			if r.GV, err = nonNegative(v, m.path+".gv"); err != nil {
				return err
			}
		}
		if v := m.get("max_leg_pct"); v != nil {
			d, err := percent(v, m.path+".max_leg_pct")
			if err != nil {
				return err
			}
			r.MaxLegPct = &d
		}
		if v := m.get("legs"); v != nil {
			lm, err := fields(v, m.path+".legs", "count", "rank")
			if err != nil {
				return err
			}
			c := lm.get("count")
			if c == nil {
				return &Error{Line: line(v), Path: lm.path + ".count", Msg: "required"}
			}
			count, err := integer(c, lm.path+".count", 1, 1<<31-1, "a positive integer")
			if err != nil {
				return err
			}
			rn := lm.get("rank")
			if rn == nil {
				return &Error{Line: line(v), Path: lm.path + ".rank", Msg: "required"}
			}
			ri, err := rankRef(p, rn, lm.path+".rank")
			if err != nil {
				return err
			}
			r.Legs = &LegRule{Count: int(count), Rank: ri}
		}
		if i == 0 && (r.PV.Sign() != 0 || r.GV.Sign() != 0 || r.MaxLegPct != nil || r.Legs != nil) {
			return &Error{Line: line(items[0]), Path: "ranks[0]", Msg: fmt.Sprintf("the first rank %q must have no requirements", short(r.Name))}
		}
	}
	return nil
}

// byRank reads a mapping from rank name to a value for every rank index >= from.
func byRank[T any](p *Plan, n ast.Node, path string, from int, read func(ast.Node, string) (T, error)) ([]T, error) {
	m, err := asMapping(n, path)
	if err != nil {
		return nil, err
	}
	out := make([]T, len(p.Ranks))
	seen := make([]bool, len(p.Ranks))
	for i, k := range m.keys {
		ri := p.RankIndex(k)
		if ri < 0 {
			return nil, &Error{Line: m.lines[i], Path: join(path, k), Msg: fmt.Sprintf("no rank named %q", short(k)) + didYouMean(k, rankNames(p), false)}
		}
		v, err := read(m.get(k), join(path, k))
		if err != nil {
			return nil, err
		}
		out[ri], seen[ri] = v, true
	}
	for ri := from; ri < len(p.Ranks); ri++ {
		if !seen[ri] {
			return nil, &Error{Line: line(n), Path: path, Msg: fmt.Sprintf("rank %q is missing (list every rank)", short(p.Ranks[ri].Name))}
		}
	}
	return out, nil
}

func levelList(n ast.Node, path string) ([]decimal.Decimal, error) {
	items, err := asSequence(n, path)
	if err != nil {
		return nil, err
	}
	if len(items) == 0 {
		return nil, &Error{Line: line(n), Path: path, Msg: "must not be empty"}
	}
	out := make([]decimal.Decimal, len(items))
	for i, it := range items {
		if out[i], err = percent(it, fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// section reads the bonus section key of b, nil when absent.
func section(b *mapping, key string, known ...string) (*mapping, error) {
	v := b.get(key)
	if v == nil {
		return nil, nil
	}
	return fields(v, join(b.path, key), known...)
}

func requiredPct(m *mapping, key string) (decimal.Decimal, error) {
	v := m.get(key)
	if v == nil {
		return decimal.Decimal{}, &Error{Line: line(m.node), Path: join(m.path, key), Msg: "required"}
	}
	return percent(v, join(m.path, key))
}

func depth(n ast.Node, path string) (int, error) {
	d, err := integer(n, path, 0, 1<<31-1, "a non-negative integer")
	return int(d), err
}

func decodeBonuses(p *Plan, n ast.Node) error {
	if _, empty := unwrap(n).(*ast.NullNode); empty {
		return nil // "bonuses:" with nothing under it pays nothing
	}
	b, err := fields(n, "bonuses", "referral", "unilevel", "binary", "matching", "pool")
	if err != nil {
		return err
	}
	if m, err := section(b, "referral", "pct"); err != nil {
		return err
	} else if m != nil {
		r := &Referral{}
		if r.Pct, err = requiredPct(m, "pct"); err != nil {
			return err
		}
		p.Referral = r
	}
	if m, err := section(b, "unilevel", "levels", "depth_by_rank"); err != nil {
		return err
	} else if m != nil {
		u := &Unilevel{}
		v := m.get("levels")
		if v == nil {
			return &Error{Line: line(m.node), Path: m.path + ".levels", Msg: "required"}
		}
		if u.Levels, err = levelList(v, m.path+".levels"); err != nil {
			return err
		}
		if v := m.get("depth_by_rank"); v != nil {
			if u.DepthByRank, err = byRank(p, v, m.path+".depth_by_rank", 0, depth); err != nil {
				return err
			}
		}
		p.Unilevel = u
	}
	if m, err := section(b, "binary", "pct", "cap_by_rank", "carry_cap"); err != nil {
		return err
	} else if m != nil {
		bi := &Binary{}
		if bi.Pct, err = requiredPct(m, "pct"); err != nil {
			return err
		}
		if v := m.get("cap_by_rank"); v != nil {
			if bi.CapByRank, err = byRank(p, v, m.path+".cap_by_rank", 0, nonNegative); err != nil {
				return err
			}
		}
		if v := m.get("carry_cap"); v != nil {
			d, err := nonNegative(v, m.path+".carry_cap")
			if err != nil {
				return err
			}
			bi.CarryCap = &d
		}
		p.Binary = bi
	}
	if m, err := section(b, "matching", "levels", "min_rank"); err != nil {
		return err
	} else if m != nil {
		mt := &Matching{}
		v := m.get("levels")
		if v == nil {
			return &Error{Line: line(m.node), Path: m.path + ".levels", Msg: "required"}
		}
		if mt.Levels, err = levelList(v, m.path+".levels"); err != nil {
			return err
		}
		if v := m.get("min_rank"); v != nil {
			if mt.MinRank, err = rankRef(p, v, m.path+".min_rank"); err != nil {
				return err
			}
		}
		if p.Binary == nil {
			return &Error{Line: line(m.node), Path: m.path, Msg: "matching needs a binary section"}
		}
		p.Matching = mt
	}
	if m, err := section(b, "pool", "pct", "min_rank", "shares_by_rank"); err != nil {
		return err
	} else if m != nil {
		pl := &Pool{}
		if pl.Pct, err = requiredPct(m, "pct"); err != nil {
			return err
		}
		if v := m.get("min_rank"); v != nil {
			if pl.MinRank, err = rankRef(p, v, m.path+".min_rank"); err != nil {
				return err
			}
		}
		if v := m.get("shares_by_rank"); v != nil {
			if pl.SharesByRank, err = byRank(p, v, m.path+".shares_by_rank", pl.MinRank, nonNegative); err != nil {
				return err
			}
		}
		p.Pool = pl
	}
	return nil
}
