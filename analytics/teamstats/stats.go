package teamstats

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// Stats are one team's figures over consecutive periods.
type Stats struct {
	// Member is the team's head, empty for HQ (every member).
	Member string   `json:"member,omitempty"`
	Name   string   `json:"name,omitempty"`
	Ranks  []string `json:"ranks"` // the ladder, lowest first
	// Periods are oldest first.
	Periods []PeriodStats `json:"periods"`
}

// PeriodStats are a team's figures in one period. The team is the head and
// everyone below it in the sponsor tree (HQ: every member), as the tree
// stands now.
type PeriodStats struct {
	Period string    `json:"period"`
	From   time.Time `json:"from"`
	To     time.Time `json:"to"`
	// Members had joined by the period's end; Joins joined within it.
	Members int64 `json:"members"`
	Joins   int64 `json:"joins"`
	// Active had PV of at least the plan's active_pv in the period.
	Active int64 `json:"active"`
	// Growth is Active less the active members of the period before (net
	// growth), null when that period is not known.
	Growth *int64          `json:"growth"`
	Volume decimal.Decimal `json:"volume"` // the team's PV
	// LeftVolume and RightVolume are the PV of the head's two placement
	// legs (null without a placement tree).
	LeftVolume  *decimal.Decimal `json:"left_volume"`
	RightVolume *decimal.Decimal `json:"right_volume"`
	// Ranked says whether the period has a settled run; Ranks then counts,
	// per rank of the ladder, the members holding it, those who reached it
	// (a higher rank than in the period before) and those who lost it. A
	// member who had not joined, or a period before without a run, counts
	// as the first rank (as the rank announcements count it).
	Ranked bool        `json:"ranked"`
	Ranks  []RankCount `json:"ranks"`
	// Legs are the first-level sponsor legs that had joined by the period's
	// end (HQ: those of the root, or the roots when there are several), the
	// LegLimit largest by volume; LegCount is how many there are.
	Legs     []Leg `json:"legs"`
	LegCount int   `json:"leg_count"`
	// TopGrowing are the TopLimit legs with the most net growth.
	TopGrowing []Leg `json:"top_growing"`
	// Retention follows the members who joined in this period.
	Retention Retention `json:"retention"`
}

// RankCount is one rank's movement in a period.
type RankCount struct {
	Rank    string `json:"rank"`
	Held    int64  `json:"held"`
	Reached int64  `json:"reached"`
	Lost    int64  `json:"lost"`
}

// Leg is one first-level leg: its head and everyone below.
type Leg struct {
	Code    string          `json:"code"`
	Name    string          `json:"name"`
	Members int64           `json:"members"`
	Joins   int64           `json:"joins"`
	Active  int64           `json:"active"`
	Growth  *int64          `json:"growth"`
	Volume  decimal.Decimal `json:"volume"`
}

// Retention is what became of a period's new members: how many of them
// were active 1, 3 and 6 months later (null while that month is not in the
// data: the future, or beyond the periods loaded).
type Retention struct {
	Joined int64  `json:"joined"`
	After1 *int64 `json:"after_1"`
	After3 *int64 `json:"after_3"`
	After6 *int64 `json:"after_6"`
}

// Limits of the lists in a period's figures.
const (
	LegLimit = 20
	TopLimit = 5
)

// lags are the retention's months.
var lags = [3]int{1, 3, 6}

// counts are a range's figures per period.
type counts struct {
	members, joins, active, volume []int64
}

// Compute returns the figures of member's sponsor team (HQ, every member,
// when member is empty) for the last n periods of d. The period before the
// first of them, when d holds it, gives the first period's growth and
// ranks reached and lost.
//
// Errors: ErrInvalid when n is not between 1 and the periods of d;
// ErrNotFound for a member d does not hold.
func Compute(ctx context.Context, d *Data, member string, n int) (Stats, error) {
	np := len(d.periods)
	if n < 1 || n > np {
		return Stats{}, fmt.Errorf("%w: periods must be between 1 and %d, not %d", ErrInvalid, np, n)
	}
	head, lo, hi := int32(-1), int32(0), int32(d.n-1)
	var legs []int32
	st := Stats{Ranks: d.ranks}
	if member != "" {
		k, ok := d.member(member)
		if !ok {
			return Stats{}, fmt.Errorf("%w: member %s", ErrNotFound, member)
		}
		head, lo, hi = k, k, d.exit[k]
		st.Member, st.Name = d.code[k], d.name[k]
	} else if len(d.roots) == 1 {
		head = d.roots[0]
	}
	if head >= 0 {
		legs = d.kidsOf(head)
	} else {
		legs = d.roots
	}
	first := np - n
	if d.n == 0 {
		lo, hi = 0, -1
	}
	total := d.count(lo, hi)
	legCounts := make([]counts, len(legs))
	for l, h := range legs {
		if l%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return Stats{}, err
			}
		}
		legCounts[l] = d.count(h, d.exit[h])
	}
	ret := d.retention(lo, hi)
	for p := first; p < np; p++ {
		if err := ctx.Err(); err != nil {
			return Stats{}, err
		}
		ps := PeriodStats{
			Period: d.periods[p].Code, From: d.periods[p].From, To: d.periods[p].To,
			Members: total.members[p], Joins: total.joins[p], Active: total.active[p],
			Growth: growth(total.active, p), Volume: amount(total.volume[p]),
			Retention: ret[p],
		}
		if head >= 0 && d.pl.seq != nil {
			l, r := d.plVolume(p, d.pl.left[head]), d.plVolume(p, d.pl.right[head])
			ps.LeftVolume, ps.RightVolume = &l, &r
		}
		ps.Ranked, ps.Ranks = d.rankMoves(p, lo, hi)
		all := make([]Leg, 0, len(legs))
		for l, h := range legs {
			c := legCounts[l]
			if c.members[p] == 0 {
				continue // not joined yet
			}
			all = append(all, Leg{Code: d.code[h], Name: d.name[h], Members: c.members[p], Joins: c.joins[p],
				Active: c.active[p], Growth: growth(c.active, p), Volume: amount(c.volume[p])})
		}
		ps.LegCount = len(all)
		ps.TopGrowing = topGrowing(all)
		sort.SliceStable(all, func(a, b int) bool {
			if c := all[a].Volume.Cmp(all[b].Volume); c != 0 {
				return c > 0
			}
			return all[a].Code < all[b].Code
		})
		ps.Legs = all[:min(len(all), LegLimit)]
		st.Periods = append(st.Periods, ps)
	}
	return st, nil
}

// kidsOf lists k's frontline: in pre-order each child's subtree follows the
// one before it.
func (d *Data) kidsOf(k int32) []int32 {
	var out []int32
	for c := k + 1; c <= d.exit[k]; c = d.exit[c] + 1 {
		out = append(out, c)
	}
	return out
}

// count sums the members numbered lo..hi per period: one pass over the
// join periods, then a sum of PV and a count of active bits per period.
func (d *Data) count(lo, hi int32) counts {
	np := len(d.periods)
	c := counts{make([]int64, np), make([]int64, np), make([]int64, np), make([]int64, np)}
	if hi < lo {
		return c
	}
	hist := make([]int64, np+2) // hist[j+1]: joined in period j (j = -1: before)
	for _, j := range d.joined[lo : hi+1] {
		hist[int(j)+1]++
	}
	sofar := hist[0]
	for p := range np {
		sofar += hist[p+1]
		c.members[p], c.joins[p] = sofar, hist[p+1]
		c.active[p] = d.activeIn(p, lo, hi)
		var v int64
		for _, x := range d.pv[p][lo : hi+1] {
			v += x
		}
		c.volume[p] = v
	}
	return c
}

// retention follows each period's new members among lo..hi.
func (d *Data) retention(lo, hi int32) []Retention {
	np := len(d.periods)
	out := make([]Retention, np)
	after := make([][3]int64, np)
	for k := lo; k <= hi; k++ {
		j := int(d.joined[k])
		if j < 0 || j >= np {
			continue
		}
		out[j].Joined++
		for x, lag := range lags {
			if j+lag < np && d.isActive(j+lag, k) {
				after[j][x]++
			}
		}
	}
	for j := range out {
		slots := [3]**int64{&out[j].After1, &out[j].After3, &out[j].After6}
		for x, lag := range lags {
			if j+lag < np {
				v := after[j][x]
				*slots[x] = &v
			}
		}
	}
	return out
}

// rankMoves counts the ranks held, reached and lost among lo..hi in period
// p. As the rank announcements count it, a member held the first rank in
// the period before when it had not joined yet or that period has no
// settled run.
func (d *Data) rankMoves(p int, lo, hi int32) (bool, []RankCount) {
	now := d.rank[p]
	if now == nil {
		return false, nil
	}
	held, reached, lost := make([]int64, len(d.ranks)), make([]int64, len(d.ranks)), make([]int64, len(d.ranks))
	var before []int16
	if p > 0 {
		before = d.rank[p-1]
	}
	for k := lo; k <= hi; k++ {
		j := int(d.joined[k])
		if j > p {
			continue
		}
		r := now[k]
		if int(r) < len(held) {
			held[r]++
		}
		var was int16
		if j < p && before != nil {
			was = before[k]
		}
		switch {
		case r > was && int(r) < len(reached):
			reached[r]++
		case r < was && int(was) < len(lost):
			lost[was]++
		}
	}
	out := make([]RankCount, len(d.ranks))
	for r, name := range d.ranks {
		out[r] = RankCount{Rank: name, Held: held[r], Reached: reached[r], Lost: lost[r]}
	}
	return true, out
}

// plVolume is the PV of the placement subtree under k (0 for a free slot).
func (d *Data) plVolume(p int, k int32) decimal.Decimal {
	if k < 0 {
		return decimal.Zero
	}
	var v int64
	pv := d.pv[p]
	for _, m := range d.pl.seq[d.pl.enter[k] : d.pl.exit[k]+1] {
		v += pv[m]
	}
	return amount(v)
}

// topGrowing are the TopLimit legs with the most net growth (then the most
// joins, then by code).
func topGrowing(legs []Leg) []Leg {
	top := append([]Leg(nil), legs...)
	g := func(l Leg) int64 {
		if l.Growth == nil {
			return l.Active
		}
		return *l.Growth
	}
	sort.SliceStable(top, func(a, b int) bool {
		if ga, gb := g(top[a]), g(top[b]); ga != gb {
			return ga > gb
		}
		if top[a].Joins != top[b].Joins {
			return top[a].Joins > top[b].Joins
		}
		return top[a].Code < top[b].Code
	})
	return top[:min(len(top), TopLimit)]
}

func growth(active []int64, p int) *int64 {
	if p == 0 {
		return nil
	}
	g := active[p] - active[p-1]
	return &g
}

func amount(hundredths int64) decimal.Decimal { return decimal.New(hundredths, -Scale) }

// Columns are every member's own team figures in one period, by the
// members' numbers in Data (pre-order of the sponsor tree: Code[k] is
// member k). The team is the member and everyone below it.
type Columns struct {
	Period  Period
	Code    []string // shared with the Data: read only
	Members []int32
	Joins   []int32
	Active  []int32
	// Growth is Active less the team's active members in the period before
	// (zero in the first period of the data).
	Growth  []int32
	Volume  []int64 // PV in hundredths
	Reached []int32 // members who reached a higher rank than in the period before
	Lost    []int32 // members who fell to a lower rank
}

// All computes period p's figures of every member's team in one pass over
// the tree, children before parents: each member adds its own figures to
// its subtree's and hands the sum to its sponsor.
func (d *Data) All(ctx context.Context, p int) (Columns, error) {
	if p < 0 || p >= len(d.periods) {
		return Columns{}, fmt.Errorf("%w: period %d of %d", ErrInvalid, p, len(d.periods))
	}
	n := d.n
	c := Columns{Period: d.periods[p], Code: d.code,
		Members: make([]int32, n), Joins: make([]int32, n), Active: make([]int32, n), Growth: make([]int32, n),
		Volume: make([]int64, n), Reached: make([]int32, n), Lost: make([]int32, n)}
	pv := d.pv[p]
	now, before := d.rank[p], []int16(nil)
	if p > 0 {
		before = d.rank[p-1]
	}
	for k := int32(n - 1); k >= 0; k-- {
		if k&0xFFFF == 0 {
			if err := ctx.Err(); err != nil {
				return Columns{}, err
			}
		}
		j := int(d.joined[k])
		if j <= p {
			c.Members[k]++
			if j == p {
				c.Joins[k]++
			}
			if d.isActive(p, k) {
				c.Active[k]++
				c.Growth[k]++
			}
			if now != nil {
				var was int16
				if j < p && before != nil {
					was = before[k]
				}
				if now[k] > was {
					c.Reached[k]++
				} else if now[k] < was {
					c.Lost[k]++
				}
			}
		}
		if p > 0 && d.isActive(p-1, k) {
			c.Growth[k]--
		}
		c.Volume[k] += pv[k]
		if q := d.parent[k]; q >= 0 {
			c.Members[q] += c.Members[k]
			c.Joins[q] += c.Joins[k]
			c.Active[q] += c.Active[k]
			c.Growth[q] += c.Growth[k]
			c.Volume[q] += c.Volume[k]
			c.Reached[q] += c.Reached[k]
			c.Lost[q] += c.Lost[k]
		}
	}
	return c, nil
}
