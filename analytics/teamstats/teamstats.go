// Package teamstats computes team and business statistics per month: joins,
// active members (the plan's rule: PV of at least active_pv), ranks reached
// and lost between settled periods, the volume of each first-level leg,
// the retention of new members after 1, 3 and 6 months and the teams that
// grew most, for HQ (the whole network) or for one member's sponsor team.
//
// It reads columns, never a database: the caller loads a Network (the
// sponsor tree from the graph store's Export, join times, each period's PV
// and ranks) and asks New for the Data, which lays the tree out once
// (children lists, pre-order ranges, the period each member joined in).
// Compute answers one team over many periods by walking its pre-order
// range; All answers every member's own team for one period in a single
// bottom-up pass, the pre-order backwards (children before parents).
package teamstats

import (
	"fmt"
	"math/bits"
	"sort"
	"sync"
	"time"

	"downline/analytics"
	"downline/graphstore"
	"downline/network"
)

// Scale is the number of decimals PV is kept with: an int64 of hundredths
// holds every sum exactly.
const Scale = 2

// ErrInvalid and ErrNotFound are what New and Compute fail with (wrapped):
// the analytics package's, so callers tell them apart once.
var (
	ErrInvalid  = analytics.ErrInvalid
	ErrNotFound = analytics.ErrNotFound
)

// Period is one month, [From, To), its boundaries taken in the company's zone.
type Period struct {
	Code     string
	From, To time.Time
}

// Months are the n calendar months ending with the one holding end, in
// zone, oldest first.
func Months(end time.Time, n int, zone *time.Location) []Period {
	end = end.In(zone)
	first := time.Date(end.Year(), end.Month()-time.Month(n-1), 1, 0, 0, 0, 0, zone)
	out := make([]Period, n)
	for k := range n {
		from := first.AddDate(0, k, 0)
		out[k] = Period{Code: from.Format("2006-01"), From: from, To: from.AddDate(0, 1, 0)}
	}
	return out
}

// Network is what the statistics are computed from. Members are numbered in
// the order of Sponsor.IDs; every per-member slice is indexed by that number.
type Network struct {
	// Periods are consecutive, oldest first.
	Periods []Period
	// Sponsor is the sponsor tree (graphstore Export: parents before
	// children); Placement, when its IDs are set, the placement tree, for
	// the left and right volumes.
	Sponsor   graphstore.Export
	Placement graphstore.Export
	Codes     []string
	Names     []string
	Joined    []time.Time
	// PV[p][i] is member i's PV in period p, in hundredths (nil: none).
	PV [][]int64
	// ActivePV[p] is the plan's active_pv for period p, in hundredths.
	ActivePV []int64
	// Ranks is the ladder, lowest first. Rank[p] is nil when period p has
	// no settled run; else Rank[p][i] is member i's rank (an index into
	// Ranks, -1 for a member the run did not hold: the first rank).
	Ranks []string
	Rank  [][]int16
}

// Data is a Network laid out for the questions: every column is reordered
// into the sponsor tree's pre-order, so a team is a contiguous range (its
// head, then its legs one after another) read front to back, and a parent
// always comes before its children. Read-only once made, safe for
// concurrent use.
type Data struct {
	periods []Period
	ranks   []string
	n       int
	code    []string // by pre-order number
	name    []string
	byCode  map[string]int32 // made on the first question about a member
	codeMap sync.Once
	parent  []int32 // pre-order number of the sponsor, -1 for a root
	exit    []int32 // the last pre-order number of k's subtree
	roots   []int32
	joined  []int16 // the period k joined in: -1 before the first, len(periods) after the last
	pv      [][]int64
	active  [][]uint64 // bit k: k active in the period (joined by then and PV ≥ active_pv)
	rank    [][]int16  // nil for a period without a settled run; -1 read as the first rank
	pl      placement
}

// placement is the placement tree laid out over the same numbers.
type placement struct {
	seq         []int32 // sponsor pre-order numbers in placement pre-order
	enter, exit []int32 // by sponsor pre-order number: its range in seq
	left, right []int32 // by sponsor pre-order number: the child on each side, -1 when free
	roots       []int32
}

// New lays out net. It fails with ErrInvalid when the columns disagree.
func New(net Network) (*Data, error) {
	n := len(net.Sponsor.IDs)
	np := len(net.Periods)
	switch {
	case len(net.Sponsor.Parent) != n, len(net.Codes) != n, len(net.Joined) != n:
		return nil, fmt.Errorf("%w: %d members but %d parents, %d codes, %d join times", ErrInvalid, n, len(net.Sponsor.Parent), len(net.Codes), len(net.Joined))
	case net.Names != nil && len(net.Names) != n:
		return nil, fmt.Errorf("%w: %d members but %d names", ErrInvalid, n, len(net.Names))
	case len(net.PV) != np, len(net.ActivePV) != np, len(net.Rank) != np:
		return nil, fmt.Errorf("%w: %d periods but %d PV columns, %d thresholds, %d rank columns", ErrInvalid, np, len(net.PV), len(net.ActivePV), len(net.Rank))
	}
	for p := range np {
		if (net.PV[p] != nil && len(net.PV[p]) != n) || (net.Rank[p] != nil && len(net.Rank[p]) != n) {
			return nil, fmt.Errorf("%w: period %s: a column is not %d long", ErrInvalid, net.Periods[p].Code, n)
		}
		if p > 0 && !net.Periods[p].From.Equal(net.Periods[p-1].To) {
			return nil, fmt.Errorf("%w: period %s does not follow %s", ErrInvalid, net.Periods[p].Code, net.Periods[p-1].Code)
		}
	}
	for i, p := range net.Sponsor.Parent {
		if p >= int32(i) {
			return nil, fmt.Errorf("%w: the sponsor export is not topological at member %d", ErrInvalid, net.Sponsor.IDs[i])
		}
	}
	start, kids, roots := children(net.Sponsor.Parent)
	enter, order := preorder(roots, start, kids)

	d := &Data{periods: net.Periods, ranks: net.Ranks, n: n}
	d.code = make([]string, n)
	d.name = make([]string, n)
	d.parent = make([]int32, n)
	d.joined = make([]int16, n)
	for k, i := range order {
		d.code[k] = net.Codes[i]
		if net.Names != nil {
			d.name[k] = net.Names[i]
		}
		d.parent[k] = -1
		if p := net.Sponsor.Parent[i]; p >= 0 {
			d.parent[k] = enter[p]
		}
		t := net.Joined[i]
		switch {
		case np > 0 && t.Before(net.Periods[0].From):
			d.joined[k] = -1
		default:
			d.joined[k] = int16(sort.Search(np, func(p int) bool { return t.Before(net.Periods[p].To) }))
		}
	}
	for _, r := range roots {
		d.roots = append(d.roots, enter[r])
	}
	// exit, children before parents: the last child's subtree ends the parent's.
	d.exit = make([]int32, n)
	for k := n - 1; k >= 0; k-- {
		i := order[k]
		d.exit[k] = int32(k)
		if s, e := start[i], start[i+1]; e > s {
			d.exit[k] = d.exit[enter[kids[e-1]]]
		}
	}
	words := (n + 63) / 64
	d.pv = make([][]int64, np)
	d.active = make([][]uint64, np)
	d.rank = make([][]int16, np)
	for p := range np {
		pv, set := make([]int64, n), make([]uint64, words)
		for k, i := range order {
			if net.PV[p] != nil {
				pv[k] = net.PV[p][i]
			}
			if int(d.joined[k]) <= p && pv[k] >= net.ActivePV[p] {
				set[k>>6] |= 1 << (k & 63)
			}
		}
		d.pv[p], d.active[p] = pv, set
		if net.Rank[p] != nil {
			rk := make([]int16, n)
			for k, i := range order {
				rk[k] = max(net.Rank[p][i], 0)
			}
			d.rank[p] = rk
		}
	}
	if err := d.layPlacement(net, enter); err != nil {
		return nil, err
	}
	return d, nil
}

// layPlacement lays out the placement tree, when given, over the sponsor
// pre-order numbers.
func (d *Data) layPlacement(net Network, enter []int32) error {
	e := net.Placement
	if len(e.IDs) == 0 {
		return nil
	}
	if len(e.IDs) != d.n || len(e.Parent) != d.n || len(e.Side) != d.n {
		return fmt.Errorf("%w: the placement tree holds %d members, the sponsor tree %d", ErrInvalid, len(e.IDs), d.n)
	}
	num := make(map[network.MemberID]int32, d.n)
	for i, id := range net.Sponsor.IDs {
		num[id] = enter[i]
	}
	at := make([]int32, d.n) // sponsor pre-order number of the placement export's i-th member
	for i, id := range e.IDs {
		k, ok := num[id]
		if !ok {
			return fmt.Errorf("%w: member %d is in the placement tree but not in the sponsor tree", ErrInvalid, id)
		}
		at[i] = k
		if p := e.Parent[i]; p >= int32(i) {
			return fmt.Errorf("%w: the placement export is not topological at member %d", ErrInvalid, id)
		}
	}
	start, kids, roots := children(e.Parent)
	penter, porder := preorder(roots, start, kids)
	pl := &d.pl
	pl.seq = make([]int32, d.n)
	pl.enter, pl.exit = make([]int32, d.n), make([]int32, d.n)
	pl.left, pl.right = make([]int32, d.n), make([]int32, d.n)
	for q, i := range porder {
		pl.seq[q] = at[i]
		pl.enter[at[i]] = int32(q)
		pl.left[at[i]], pl.right[at[i]] = -1, -1
	}
	for q := d.n - 1; q >= 0; q-- {
		i := porder[q]
		last := int32(q)
		if s, t := start[i], start[i+1]; t > s {
			last = pl.exit[at[kids[t-1]]]
		}
		pl.exit[at[i]] = last
		if p := e.Parent[i]; p >= 0 {
			if e.Side[i] == network.Left {
				pl.left[at[p]] = at[i]
			} else {
				pl.right[at[p]] = at[i]
			}
		}
	}
	for _, r := range roots {
		pl.roots = append(pl.roots, at[penter[r]])
	}
	return nil
}

// children turns parent indexes into children lists (in index order) and roots.
func children(parent []int32) (start, kids, roots []int32) {
	n := len(parent)
	start = make([]int32, n+1)
	for _, p := range parent {
		if p >= 0 {
			start[p+1]++
		}
	}
	for i := range n {
		start[i+1] += start[i]
	}
	kids = make([]int32, start[n])
	fill := make([]int32, n)
	copy(fill, start[:n])
	for i, p := range parent {
		if p >= 0 {
			kids[fill[p]] = int32(i)
			fill[p]++
		} else {
			roots = append(roots, int32(i))
		}
	}
	return start, kids, roots
}

// preorder numbers a forest depth first, children in index order, without
// recursion: enter[i] is i's number, order[k] the member numbered k.
func preorder(roots, start, kids []int32) (enter, order []int32) {
	n := len(start) - 1
	enter, order = make([]int32, n), make([]int32, 0, n)
	stack := make([]int32, 0, 64)
	for r := len(roots) - 1; r >= 0; r-- {
		stack = append(stack, roots[r])
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		enter[i] = int32(len(order))
		order = append(order, i)
		for k := start[i+1] - 1; k >= start[i]; k-- {
			stack = append(stack, kids[k])
		}
	}
	return enter, order
}

// member finds a member's number by code.
func (d *Data) member(code string) (int32, bool) {
	d.codeMap.Do(func() {
		d.byCode = make(map[string]int32, d.n)
		for k, c := range d.code {
			d.byCode[c] = int32(k)
		}
	})
	k, ok := d.byCode[code]
	return k, ok
}

// Periods are the periods of the data, oldest first.
func (d *Data) Periods() []Period { return d.periods }

// Members is the number of members.
func (d *Data) Members() int { return d.n }

func (d *Data) isActive(p int, k int32) bool { return d.active[p][k>>6]&(1<<(k&63)) != 0 }

// activeIn counts the active members numbered lo..hi in period p, a word at a time.
func (d *Data) activeIn(p int, lo, hi int32) int64 {
	set := d.active[p]
	var c int
	for k := lo; k <= hi; {
		if k&63 == 0 && k+63 <= hi {
			c += bits.OnesCount64(set[k>>6])
			k += 64
			continue
		}
		if set[k>>6]&(1<<(k&63)) != 0 {
			c++
		}
		k++
	}
	return int64(c)
}
