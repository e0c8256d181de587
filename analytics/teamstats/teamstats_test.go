package teamstats_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"downline/analytics/teamstats"
	"downline/clock"
	"downline/network"
)

var shanghai = func() *time.Location {
	z, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return z
}()

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04:05", s, shanghai)
	if err != nil {
		panic(err)
	}
	return t
}

// world is a network written member by member, the reference the package
// is checked against: parents by code, PV and ranks by period code.
type world struct {
	periods  []teamstats.Period
	codes    []string // in an order where sponsors come first
	sponsor  map[string]string
	place    map[string]string // placement parent
	side     map[string]network.Side
	joined   map[string]time.Time
	pv       map[string]map[string]int64 // period -> member -> hundredths
	activePV map[string]int64
	ranks    []string
	rank     map[string]map[string]int16 // period -> member -> rank (periods without a run: absent)
}

// network turns the world into the package's input, in a shuffled but
// topological order (parents first), as an export would be.
func (w *world) network() teamstats.Network {
	num := map[string]int32{}
	var net teamstats.Network
	net.Periods = w.periods
	net.Ranks = w.ranks
	for i, c := range w.codes {
		num[c] = int32(i)
		parent := int32(-1)
		if s, ok := w.sponsor[c]; ok {
			parent = num[s]
		}
		net.Sponsor.IDs = append(net.Sponsor.IDs, network.MemberID(i+1))
		net.Sponsor.Parent = append(net.Sponsor.Parent, parent)
		net.Codes = append(net.Codes, c)
		net.Names = append(net.Names, "name "+c)
		net.Joined = append(net.Joined, w.joined[c])
	}
	// The placement export in its own topological order: by depth.
	depth := func(c string) int {
		d := 0
		for p, ok := w.place[c]; ok; p, ok = w.place[p] {
			d++
		}
		return d
	}
	pcodes := append([]string(nil), w.codes...)
	sort.SliceStable(pcodes, func(a, b int) bool { return depth(pcodes[a]) < depth(pcodes[b]) })
	pnum := map[string]int32{}
	for i, c := range pcodes {
		pnum[c] = int32(i)
		parent := int32(-1)
		if p, ok := w.place[c]; ok {
			parent = pnum[p]
		}
		net.Placement.IDs = append(net.Placement.IDs, network.MemberID(num[c]+1))
		net.Placement.Parent = append(net.Placement.Parent, parent)
		net.Placement.Side = append(net.Placement.Side, w.side[c])
	}
	for _, p := range w.periods {
		col := make([]int64, len(w.codes))
		for i, c := range w.codes {
			col[i] = w.pv[p.Code][c]
		}
		net.PV = append(net.PV, col)
		net.ActivePV = append(net.ActivePV, w.activePV[p.Code])
		var rk []int16
		if r, ok := w.rank[p.Code]; ok {
			rk = make([]int16, len(w.codes))
			for i, c := range w.codes {
				v, held := r[c]
				if !held {
					v = -1
				}
				rk[i] = v
			}
		}
		net.Rank = append(net.Rank, rk)
	}
	return net
}

// in says whether m is head or below head in the sponsor tree ("" is HQ).
func (w *world) in(head, m string) bool {
	if head == "" {
		return true
	}
	for c, ok := m, true; ok; c, ok = w.sponsor[c] {
		if c == head {
			return true
		}
	}
	return false
}

func (w *world) inPlacement(head, m string) bool {
	for c, ok := m, true; ok; c, ok = w.place[c] {
		if c == head {
			return true
		}
	}
	return false
}

func (w *world) period(p int) teamstats.Period { return w.periods[p] }

func (w *world) joinedBy(m string, p int) bool { return w.joined[m].Before(w.period(p).To) }

func (w *world) joinedIn(m string, p int) bool {
	return w.joinedBy(m, p) && !w.joined[m].Before(w.period(p).From)
}

func (w *world) active(m string, p int) bool {
	return w.joinedBy(m, p) && w.pv[w.period(p).Code][m] >= w.activePV[w.period(p).Code]
}

func (w *world) rankOf(m string, p int) (int16, bool) {
	r, ok := w.rank[w.period(p).Code]
	if !ok {
		return 0, false
	}
	if !w.joinedBy(m, p) {
		return 0, true
	}
	return max(r[m], 0), true
}

// figures counts one team in period p the slow way.
type figures struct {
	members, joins, active, activeBefore, volume int64
	reached, lost, held                          map[int16]int64
}

func (w *world) count(head string, p int) figures {
	f := figures{reached: map[int16]int64{}, lost: map[int16]int64{}, held: map[int16]int64{}}
	for _, m := range w.codes {
		if !w.in(head, m) {
			continue
		}
		if w.joinedBy(m, p) {
			f.members++
			if r, ok := w.rankOf(m, p); ok {
				f.held[r]++
				var was int16 // the first rank before the data, or without a run
				if p > 0 {
					was, _ = w.rankOf(m, p-1)
				}
				if r > was {
					f.reached[r]++
				} else if r < was {
					f.lost[was]++
				}
			}
		}
		if w.joinedIn(m, p) {
			f.joins++
		}
		if w.active(m, p) {
			f.active++
		}
		if p > 0 && w.active(m, p-1) {
			f.activeBefore++
		}
		f.volume += w.pv[w.period(p).Code][m]
	}
	return f
}

// check compares Compute for head over the last n periods with the slow count.
func (w *world) check(t *testing.T, d *teamstats.Data, head string, n int) teamstats.Stats {
	t.Helper()
	st, err := teamstats.Compute(context.Background(), d, head, n)
	if err != nil {
		t.Fatalf("Compute(%q, %d): %v", head, n, err)
	}
	if len(st.Periods) != n {
		t.Fatalf("Compute(%q, %d): %d periods", head, n, len(st.Periods))
	}
	first := len(w.periods) - n
	for x, ps := range st.Periods {
		p := first + x
		f := w.count(head, p)
		where := fmt.Sprintf("team %q, %s", head, ps.Period)
		if ps.Period != w.period(p).Code || ps.Members != f.members || ps.Joins != f.joins || ps.Active != f.active ||
			!ps.Volume.Equal(decimal.New(f.volume, -2)) {
			t.Errorf("%s: members %d joins %d active %d volume %s, counted %d %d %d %d", where,
				ps.Members, ps.Joins, ps.Active, ps.Volume, f.members, f.joins, f.active, f.volume)
		}
		if p == 0 && ps.Growth != nil {
			t.Errorf("%s: growth %d without the period before", where, *ps.Growth)
		}
		if p > 0 && (ps.Growth == nil || *ps.Growth != f.active-f.activeBefore) {
			t.Errorf("%s: growth %v, counted %d", where, ps.Growth, f.active-f.activeBefore)
		}
		_, ranked := w.rank[ps.Period]
		if ps.Ranked != ranked {
			t.Errorf("%s: ranked %v", where, ps.Ranked)
		}
		for r, rc := range ps.Ranks {
			if rc.Rank != w.ranks[r] || rc.Held != f.held[int16(r)] || rc.Reached != f.reached[int16(r)] || rc.Lost != f.lost[int16(r)] {
				t.Errorf("%s: rank %+v, counted held %d reached %d lost %d", where, rc, f.held[int16(r)], f.reached[int16(r)], f.lost[int16(r)])
			}
		}
		// Legs: the head's frontline (HQ: the root's) that had joined, each
		// counted on its own.
		var heads []string
		for _, m := range w.codes {
			if s, ok := w.sponsor[m]; w.joinedBy(m, p) && ((ok && s == head) || (head == "" && ok && s == w.codes[0])) {
				heads = append(heads, m)
			}
		}
		if ps.LegCount != len(heads) {
			t.Errorf("%s: %d legs, want %d", where, ps.LegCount, len(heads))
		}
		for _, l := range ps.Legs {
			lf := w.count(l.Code, p)
			if l.Members != lf.members || l.Joins != lf.joins || l.Active != lf.active || !l.Volume.Equal(decimal.New(lf.volume, -2)) {
				t.Errorf("%s: leg %+v, counted %+v", where, l, lf)
			}
		}
		// Retention of the period's cohort.
		var joined int64
		after := map[int]int64{}
		for _, m := range w.codes {
			if !w.in(head, m) || !w.joinedIn(m, p) {
				continue
			}
			joined++
			for _, lag := range []int{1, 3, 6} {
				if p+lag < len(w.periods) && w.active(m, p+lag) {
					after[lag]++
				}
			}
		}
		r := ps.Retention
		if r.Joined != joined {
			t.Errorf("%s: cohort of %d, counted %d", where, r.Joined, joined)
		}
		for lag, got := range map[int]*int64{1: r.After1, 3: r.After3, 6: r.After6} {
			switch {
			case p+lag >= len(w.periods) && got != nil:
				t.Errorf("%s: retention after %d months %d before it is known", where, lag, *got)
			case p+lag < len(w.periods) && (got == nil || *got != after[lag]):
				t.Errorf("%s: retention after %d months %v, counted %d", where, lag, got, after[lag])
			}
		}
		// The placement legs.
		var left, right int64
		for _, m := range w.codes {
			for c, s := range w.side {
				if w.place[c] == headOrRoot(w, head) && w.inPlacement(c, m) {
					if s == network.Left {
						left += w.pv[ps.Period][m]
					} else {
						right += w.pv[ps.Period][m]
					}
				}
			}
		}
		if ps.LeftVolume == nil || !ps.LeftVolume.Equal(decimal.New(left, -2)) || !ps.RightVolume.Equal(decimal.New(right, -2)) {
			t.Errorf("%s: placement legs %v / %v, counted %d / %d", where, ps.LeftVolume, ps.RightVolume, left, right)
		}
	}
	return st
}

func headOrRoot(w *world, head string) string {
	if head == "" {
		return w.codes[0]
	}
	return head
}

// checkAll compares every member's figures from the one-pass All with the slow count.
func (w *world) checkAll(t *testing.T, d *teamstats.Data, p int) {
	t.Helper()
	c, err := d.All(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Code) != len(w.codes) {
		t.Fatalf("All: %d members, want %d", len(c.Code), len(w.codes))
	}
	for k, m := range c.Code {
		f := w.count(m, p)
		growth := f.active - f.activeBefore
		var reached, lost int64
		for _, v := range f.reached {
			reached += v
		}
		for _, v := range f.lost {
			lost += v
		}
		if int64(c.Members[k]) != f.members || int64(c.Joins[k]) != f.joins || int64(c.Active[k]) != f.active ||
			int64(c.Growth[k]) != growth || c.Volume[k] != f.volume || int64(c.Reached[k]) != reached || int64(c.Lost[k]) != lost {
			t.Errorf("All %s, %s: members %d joins %d active %d growth %d volume %d reached %d lost %d; counted %+v growth %d reached %d lost %d",
				w.period(p).Code, m, c.Members[k], c.Joins[k], c.Active[k], c.Growth[k], c.Volume[k], c.Reached[k], c.Lost[k], f, growth, reached, lost)
		}
	}
}

// handBuilt is a small network whose members joined on the dates that bite:
// the last second of 2023 and the first of 2024, 29 February 2024 and the
// first minute of March, in the company's zone.
//
//	R (sponsor root; placement root)
//	├── A      joined 2023-11-15        placed L of R
//	│   ├── A1 2023-12-31 23:59:59      L of A
//	│   └── A2 2024-01-01 00:00:00      R of A
//	├── B      2023-12-10               R of R
//	│   └── B1 2024-02-29 23:30:00      L of B
//	│       └── B11 2024-03-01 00:00:00 L of A1 (placed in another leg)
//	└── C      2024-01-20               R of B
func handBuilt(ctx context.Context) *world {
	now := clock.Now(ctx)
	w := &world{
		periods:  teamstats.Months(now, 10, shanghai),
		codes:    []string{"R", "A", "B", "C", "A1", "A2", "B1", "B11"},
		sponsor:  map[string]string{"A": "R", "B": "R", "C": "R", "A1": "A", "A2": "A", "B1": "B", "B11": "B1"},
		place:    map[string]string{"A": "R", "B": "R", "A1": "A", "A2": "A", "B1": "B", "C": "B", "B11": "A1"},
		side:     map[string]network.Side{"A": network.Left, "B": network.Right, "A1": network.Left, "A2": network.Right, "B1": network.Left, "C": network.Right, "B11": network.Left},
		joined:   map[string]time.Time{"R": at("2023-06-01 09:00:00"), "A": at("2023-11-15 10:00:00"), "A1": at("2023-12-31 23:59:59"), "A2": at("2024-01-01 00:00:00"), "B": at("2023-12-10 12:00:00"), "B1": at("2024-02-29 23:30:00"), "B11": at("2024-03-01 00:00:00"), "C": at("2024-01-20 08:00:00")},
		pv:       map[string]map[string]int64{},
		activePV: map[string]int64{},
		ranks:    []string{"Member", "Bronze", "Silver"},
		rank:     map[string]map[string]int16{},
	}
	for _, p := range w.periods {
		w.activePV[p.Code] = 10000
		w.pv[p.Code] = map[string]int64{}
	}
	w.activePV["2024-03"] = 5000 // a plan with a lower bar from March
	// PV by member and month (hundredths): R every month; the others from their join.
	pv := map[string][]int64{ // 2023-09 .. 2024-06
		"R":   {20000, 20000, 20000, 20000, 20000, 20000, 20000, 20000, 20000, 20000},
		"A":   {0, 0, 15000, 10000, 9999, 0, 12000, 0, 10000, 10000},
		"A1":  {0, 0, 0, 10000, 10000, 10000, 0, 10000, 0, 10000},
		"A2":  {0, 0, 0, 0, 10000, 5000, 5000, 0, 0, 0},
		"B":   {0, 0, 0, 30000, 0, 10000, 10000, 10000, 10000, 0},
		"C":   {0, 0, 0, 0, 10000, 0, 0, 10000, 0, 0},
		"B1":  {0, 0, 0, 0, 0, 12345, 6000, 0, 0, 10000},
		"B11": {0, 0, 0, 0, 0, 0, 10000, 10000, 0, 10000},
	}
	for m, col := range pv {
		for p, v := range col {
			w.pv[w.periods[p].Code][m] = v
		}
	}
	// Settled runs for December to April (none for May and June); members
	// a run does not hold are absent.
	runs := map[string]map[string]int16{
		"2023-12": {"R": 1, "A": 0, "B": 0, "A1": 0},
		"2024-01": {"R": 2, "A": 1, "B": 1, "A1": 0, "A2": 0, "C": 0},
		"2024-02": {"R": 2, "A": 0, "B": 1, "A1": 1, "A2": 0, "C": 0, "B1": 1},
		"2024-03": {"R": 1, "A": 0, "B": 2, "A1": 1, "A2": 0, "C": 0, "B1": 0, "B11": 1},
		"2024-04": {"R": 1, "A": 1, "B": 2, "A1": 0, "A2": 0, "C": 0, "B1": 0},
	}
	for p, r := range runs {
		w.rank[p] = r
	}
	return w
}

func TestHandBuiltNetworkMatchesTheCount(t *testing.T) {
	// Asked in June 2024: the window is September 2023 to June 2024.
	ctx := clock.With(context.Background(), clock.Fixed(at("2024-06-30 23:59:59")))
	w := handBuilt(ctx)
	if got := w.periods[0].Code + ".." + w.periods[9].Code; got != "2023-09..2024-06" {
		t.Fatalf("months %s", got)
	}
	d, err := teamstats.New(w.network())
	if err != nil {
		t.Fatal(err)
	}
	for _, head := range append([]string{""}, w.codes...) {
		for _, n := range []int{1, 4, 10} {
			w.check(t, d, head, n)
		}
	}
	for p := range w.periods {
		w.checkAll(t, d, p)
	}

	// A few figures written out by hand, so the reference cannot drift.
	hq := w.check(t, d, "", 10)
	byPeriod := map[string]teamstats.PeriodStats{}
	for _, ps := range hq.Periods {
		byPeriod[ps.Period] = ps
	}
	for period, want := range map[string][3]int64{ // members, joins, active
		"2023-11": {2, 1, 2}, // R, A
		"2023-12": {4, 2, 4}, // A1 at 23:59:59 on New Year's Eve joins in December
		"2024-01": {6, 2, 4}, // A2 at midnight and C; A has 99.99 PV: inactive
		"2024-02": {7, 1, 4}, // B1 on 29 February, active with 123.45; A2 (50) not
		"2024-03": {8, 1, 6}, // B11 at midnight on 1 March; the bar is 50 PV: A2 counts, A1 and C have none
	} {
		ps := byPeriod[period]
		if got := [3]int64{ps.Members, ps.Joins, ps.Active}; got != want {
			t.Errorf("HQ %s: members, joins, active %v, want %v", period, got, want)
		}
	}
	if v := byPeriod["2024-02"].Volume.String(); v != "573.45" {
		t.Errorf("HQ 2024-02 volume %s, want 573.45", v)
	}
	// December's cohort (B and A1): A1 alone active in January, B alone in
	// March, A1 alone in June.
	if r := byPeriod["2023-12"].Retention; r.Joined != 2 || *r.After1 != 1 || *r.After3 != 1 || *r.After6 != 1 {
		t.Errorf("December cohort %d: %d %d %d", r.Joined, *r.After1, *r.After3, *r.After6)
	}
	if r := byPeriod["2024-01"].Retention; r.After6 != nil {
		t.Errorf("January's cohort after 6 months (July) is not known yet: %d", *r.After6)
	}
	// February: A lost Bronze, A1 and B1 reached it; March: R fell from
	// Silver to Bronze (Silver lost), B reached Silver, B1 lost Bronze, B11
	// reached Bronze in its first month.
	feb, mar := byPeriod["2024-02"], byPeriod["2024-03"]
	if feb.Ranks[1] != (teamstats.RankCount{Rank: "Bronze", Held: 3, Reached: 2, Lost: 1}) {
		t.Errorf("February Bronze %+v", feb.Ranks[1])
	}
	if mar.Ranks[2] != (teamstats.RankCount{Rank: "Silver", Held: 1, Reached: 1, Lost: 1}) ||
		mar.Ranks[1] != (teamstats.RankCount{Rank: "Bronze", Held: 3, Reached: 1, Lost: 1}) {
		t.Errorf("March ranks %+v", mar.Ranks)
	}
	// December has the first run: November without one counts as everyone
	// holding the first rank, so R reached Bronze.
	if dec := byPeriod["2023-12"].Ranks; dec[1] != (teamstats.RankCount{Rank: "Bronze", Held: 1, Reached: 1}) || dec[0].Held != 3 {
		t.Errorf("December ranks %+v", dec)
	}
	if byPeriod["2024-05"].Ranked || byPeriod["2024-05"].Ranks != nil {
		t.Errorf("May has no run: %+v", byPeriod["2024-05"])
	}
	// B's team is B, B1, B11: the leg moved under A1 in the placement tree
	// still counts in B's sponsor team.
	b := w.check(t, d, "B", 1).Periods[0]
	if b.Members != 3 || b.Active != 2 || b.Volume.String() != "200" {
		t.Errorf("B in June: %+v", b)
	}
	// March's growth: A's leg 1 (A and A2 against A1), B's 1 (B, B1, B11
	// against B, B1) with a join, so B first; C none.
	if top := byPeriod["2024-03"].TopGrowing; len(top) != 3 || top[0].Code != "B" || *top[0].Growth != 1 || top[1].Code != "A" || *top[2].Growth != 0 {
		t.Errorf("March's top growing legs %+v", top)
	}
}

func TestComputeRefuses(t *testing.T) {
	ctx := clock.With(context.Background(), clock.Fixed(at("2024-06-30 23:59:59")))
	w := handBuilt(ctx)
	d, err := teamstats.New(w.network())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := teamstats.Compute(ctx, d, "NOPE", 3); !errors.Is(err, teamstats.ErrNotFound) {
		t.Errorf("an unknown member: %v", err)
	}
	for _, n := range []int{0, 11, -1} {
		if _, err := teamstats.Compute(ctx, d, "", n); !errors.Is(err, teamstats.ErrInvalid) {
			t.Errorf("%d periods: %v", n, err)
		}
	}
	net := w.network()
	net.PV = net.PV[:3]
	if _, err := teamstats.New(net); !errors.Is(err, teamstats.ErrInvalid) {
		t.Errorf("columns of the wrong length: %v", err)
	}
}

// A random network, checked member by member against the slow count.
func TestRandomNetworkMatchesTheCount(t *testing.T) {
	ctx := clock.With(context.Background(), clock.Fixed(at("2025-03-01 00:00:00")))
	rng := rand.New(rand.NewPCG(7, 11))
	w := &world{
		periods: teamstats.Months(clock.Now(ctx), 14, shanghai),
		sponsor: map[string]string{}, place: map[string]string{}, side: map[string]network.Side{},
		joined: map[string]time.Time{}, pv: map[string]map[string]int64{}, activePV: map[string]int64{},
		ranks: []string{"Member", "Bronze", "Silver", "Gold"}, rank: map[string]map[string]int16{},
	}
	start := w.periods[0].From.AddDate(0, -2, 0)
	span := w.periods[13].To.Sub(start)
	free := []string{}
	for i := range 400 {
		c := fmt.Sprintf("M%03d", i)
		w.codes = append(w.codes, c)
		if i == 0 {
			w.joined[c] = start
		} else {
			s := w.codes[rng.IntN(i)]
			w.sponsor[c] = s
			// Join after the sponsor.
			w.joined[c] = w.joined[s].Add(time.Duration(rng.Int64N(int64(start.Add(span).Sub(w.joined[s])))))
			k := rng.IntN(len(free))
			slot := free[k]
			free = append(free[:k], free[k+1:]...)
			w.place[c], w.side[c] = slot[1:], network.Side(slot[0]-'0')
		}
		free = append(free, fmt.Sprint(int(network.Left))+c, fmt.Sprint(int(network.Right))+c)
	}
	for p, per := range w.periods {
		w.activePV[per.Code] = int64(5000 + 5000*(p%2))
		w.pv[per.Code] = map[string]int64{}
		for _, c := range w.codes {
			if rng.IntN(3) > 0 && w.joined[c].Before(per.To) {
				w.pv[per.Code][c] = rng.Int64N(30000)
			}
		}
		if p%5 != 4 {
			r := map[string]int16{}
			for _, c := range w.codes {
				if w.joined[c].Before(per.To) && rng.IntN(10) > 0 {
					r[c] = int16(rng.IntN(4))
				}
			}
			w.rank[per.Code] = r
		}
	}
	d, err := teamstats.New(w.network())
	if err != nil {
		t.Fatal(err)
	}
	for _, head := range []string{"", "M000", "M001", "M002", "M017", w.codes[len(w.codes)-1]} {
		w.check(t, d, head, 12)
	}
	for p := range w.periods {
		w.checkAll(t, d, p)
	}
}
