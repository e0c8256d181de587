// Package explorer keeps the genealogy explorer's figures in memory: for one
// period, both trees as they stood (at the period's end for a past period,
// now for the current one) with every member's PV, the group volume, team
// and active counts of every subtree, left and right volumes, pre-order
// numbers (is X below Y in O(1)), children lists, codes and names for
// search, and the ranks and binary carry from settlement runs.
//
// An Index is built in one pass from the graph store's Export and a handful
// of aggregate queries, and never changes afterwards; a Cache keeps the
// indexes of recent periods and rebuilds the current one when the ledger
// moves on (see Cache).
package explorer

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"golang.org/x/sync/errgroup"

	"downline/graphstore"
	"downline/ledger"
	"downline/ledger/order"
	"downline/network"
	"downline/settle/period"
	"downline/settle/plan"
)

// Scale is the number of decimals volumes are kept with: PV is numeric(20, 2)
// in the ledger, so an int64 of hundredths holds every sum exactly.
const Scale = 2

// Index is one period's figures for both trees. Members are numbered 0..N-1
// in the sponsor tree's export order; every slice is indexed by that number.
// An Index is read-only once built and safe for concurrent use.
type Index struct {
	Period   string
	From, To time.Time // the period, To exclusive
	AsOf     time.Time // the cut-off the trees are taken at; zero for now
	Built    time.Time // when the build started (wall clock, for reporting)
	Took     time.Duration
	// Ranks are the ladder of the plan in force for the period, lowest
	// first (nil without a plan); Plan is that plan.
	Ranks []string
	Plan  *plan.Plan

	ids    []network.MemberID
	byID   []int32                    // dense: byID[id] = number+1, 0 when absent
	sparse map[network.MemberID]int32 // instead, when ids are far apart
	code   text
	name   text
	lname  text    // names lower-cased, for search
	status []uint8 // index into statuses
	joined []int64 // unix nanoseconds
	pv     []int64 // hundredths
	rank   []int16 // index into Ranks, -1 when none
	carryL []int64
	carryR []int64
	trees  [2]tree

	memo      sync.Map
	memoCount atomic.Int64
}

// MemoMax is the most values Memo keeps per index.
const MemoMax = 4096

// Memo returns what fn computes, kept under key for the life of the index
// (which never changes) while fewer than MemoMax values are kept: for
// answers costly to recompute, such as a wide frontline's page.
func (x *Index) Memo(key any, fn func() (any, error)) (any, error) {
	if v, ok := x.memo.Load(key); ok {
		return v, nil
	}
	v, err := fn()
	if err != nil {
		return nil, err
	}
	if x.memoCount.Load() < MemoMax {
		if _, loaded := x.memo.LoadOrStore(key, v); !loaded {
			x.memoCount.Add(1)
		}
	}
	return v, nil
}

// tree is one tree over the index's members.
type tree struct {
	parent     []int32 // -1 for a root
	side       []network.Side
	childStart []int32 // children of i: child[childStart[i]:childStart[i+1]], in Frontline order
	child      []int32
	enter      []int32 // pre-order number
	exit       []int32 // the largest pre-order number in i's subtree
	order      []int32 // member at a pre-order number
	depth      []int32 // from its root
	gv         []int64
	team       []int32
	active     []int32
	best       []int16 // the highest rank in i's subtree, itself included (sponsor tree)
}

// text is many strings in one buffer: few pointers for the collector.
type text struct {
	buf []byte
	end []uint32
}

func (t *text) add(s string) {
	t.buf = append(t.buf, s...)
	t.end = append(t.end, uint32(len(t.buf)))
}

func (t *text) at(i int32) string {
	start := uint32(0)
	if i > 0 {
		start = t.end[i-1]
	}
	return string(t.buf[start:t.end[i]])
}

// bytes is the i-th string without a copy (for comparisons).
func (t *text) bytes(i int32) []byte {
	start := uint32(0)
	if i > 0 {
		start = t.end[i-1]
	}
	return t.buf[start:t.end[i]]
}

// statuses are the member statuses, numbered for Index.status.
var statuses = []network.Status{network.Active, network.Suspended, network.Terminated}

func statusNumber(s string) uint8 {
	for k, st := range statuses {
		if string(st) == s {
			return uint8(k)
		}
	}
	return uint8(len(statuses)) // unknown: not active
}

func (x *Index) active(i int32) bool { return x.status[i] == 0 }

// Source is where an index is built from.
type Source struct {
	DB    *ledger.DB
	Graph graphstore.Store
}

// Build builds the index of the period [from, to) with the trees as of asOf
// (zero: now).
func Build(ctx context.Context, src Source, code string, from, to, asOf time.Time) (*Index, error) {
	start := time.Now()
	x := &Index{Period: code, From: from, To: to, AsOf: asOf, Built: start}
	var ex [2]graphstore.Export
	for _, t := range []network.Tree{network.Sponsor, network.Placement} {
		e, err := src.Graph.Export(ctx, t, asOf)
		if err != nil {
			return nil, fmt.Errorf("export the %s tree: %w", t, err)
		}
		ex[t] = e
	}
	x.ids = ex[network.Sponsor].IDs
	n := len(x.ids)
	var maxID network.MemberID
	for _, id := range x.ids {
		maxID = max(maxID, id)
	}
	if int64(maxID) <= 8*int64(n)+1<<16 {
		x.byID = make([]int32, maxID+1)
		for i, id := range x.ids {
			x.byID[id] = int32(i) + 1
		}
	} else {
		x.sparse = make(map[network.MemberID]int32, n)
		for i, id := range x.ids {
			x.sparse[id] = int32(i)
		}
	}
	// The three reads fill separate slices: they run side by side, each
	// on its own connection.
	x.pv = make([]int64, n)
	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error { return x.readMembers(gctx, src.DB) })
	g.Go(func() error {
		return order.PeriodPV(gctx, src.DB.Pool, from, to, func(id int64, pv decimal.Decimal) error {
			if i, ok := x.number(network.MemberID(id)); ok {
				x.pv[i] = hundredths(pv)
			}
			return nil
		})
	})
	g.Go(func() error { return x.readRuns(gctx, src.DB) })
	if err := g.Wait(); err != nil {
		return nil, err
	}
	for _, t := range []network.Tree{network.Sponsor, network.Placement} {
		if err := x.buildTree(t, ex[t]); err != nil {
			return nil, err
		}
	}
	x.Took = time.Since(start)
	return x, nil
}

func hundredths(d decimal.Decimal) int64 { return d.Shift(Scale).IntPart() }

func money(v int64) decimal.Decimal { return decimal.New(v, -Scale) }

// Amount is a volume in hundredths, exact: cheap to sum and to print.
type Amount int64

// Decimal is the amount as a decimal.
func (a Amount) Decimal() decimal.Decimal { return money(int64(a)) }

// String prints the amount with two decimals: "12.50", "-0.05".
func (a Amount) String() string { return string(a.Append(nil)) }

// Append appends the amount as String prints it.
func (a Amount) Append(b []byte) []byte {
	v := int64(a)
	if v < 0 {
		b = append(b, '-')
		v = -v
	}
	b = strconv.AppendInt(b, v/100, 10)
	b = append(b, '.', byte('0'+v%100/10), byte('0'+v%10))
	return b
}

// readMembers reads codes, names, statuses and join times from the ledger,
// the system of record, in one query.
func (x *Index) readMembers(ctx context.Context, db *ledger.DB) error {
	n := len(x.ids)
	codes, names := make([]string, n), make([]string, n)
	x.status = make([]uint8, n)
	x.joined = make([]int64, n)
	rows, err := db.Pool.Query(ctx, `SELECT id, code, name, status, joined_at FROM members`)
	if err != nil {
		return fmt.Errorf("read members: %w", err)
	}
	var (
		id         int64
		code, name string
		status     string
		joined     time.Time
		seen       int
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &code, &name, &status, &joined}, func() error {
		if i, ok := x.number(network.MemberID(id)); ok {
			codes[i], names[i], x.status[i], x.joined[i] = code, name, statusNumber(status), joined.UnixNano()
			seen++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read members: %w", err)
	}
	if seen != n {
		return fmt.Errorf("the graph store holds %d members the ledger does not: rebuild it (downline graph sync)", n-seen)
	}
	for i := range n {
		x.code.add(codes[i])
		x.name.add(names[i])
		x.lname.add(strings.ToLower(names[i]))
	}
	return nil
}

// readRuns attaches ranks and the binary carry: the rank is the period's
// from its approved (or paid) run, else the one held, from the latest
// approved run of an earlier period; the carry into the period is the
// carry-out of the approved run of the period that ends where it starts.
func (x *Index) readRuns(ctx context.Context, db *ledger.DB) error {
	n := len(x.ids)
	x.rank = make([]int16, n)
	for i := range x.rank {
		x.rank[i] = -1
	}
	x.carryL, x.carryR = make([]int64, n), make([]int64, n)
	sp, err := period.PlanInForce(ctx, db.Pool, x.From)
	switch {
	case errors.Is(err, ledger.ErrNotFound):
	case err != nil:
		return fmt.Errorf("read the plan in force: %w", err)
	default:
		if x.Plan, err = sp.Parse(); err != nil {
			return fmt.Errorf("plan %s: %w", sp.Name, err)
		}
		for _, r := range x.Plan.Ranks {
			x.Ranks = append(x.Ranks, r.Name)
		}
	}
	const approved = `SELECT r.id FROM settle_runs r JOIN settle_periods p ON p.id = r.period_id
		WHERE r.status IN ('approved', 'paid') AND `
	var rankRun, carryRun int64
	if err := db.Pool.QueryRow(ctx, approved+`p.starts_at <= $1 ORDER BY p.starts_at DESC LIMIT 1`, x.From).Scan(&rankRun); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("find the run ranks are held from: %w", err)
	}
	if err := db.Pool.QueryRow(ctx, approved+`p.cutoff_at = $1`, x.From).Scan(&carryRun); err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return fmt.Errorf("find the run of the period before: %w", err)
	}
	if rankRun == 0 && carryRun == 0 {
		return nil
	}
	rankOf := map[string]int16{}
	for i, r := range x.Ranks {
		rankOf[r] = int16(i)
	}
	rows, err := db.Pool.Query(ctx, `SELECT m.id, r.run_id, r.rank, r.carry_left, r.carry_right
		FROM settle_run_members r JOIN members m ON m.code = r.member WHERE r.run_id IN ($1, $2)`, rankRun, carryRun)
	if err != nil {
		return fmt.Errorf("read ranks and carry: %w", err)
	}
	var (
		id, run int64
		rank    string
		cl, cr  decimal.Decimal
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &run, &rank, &cl, &cr}, func() error {
		i, ok := x.number(network.MemberID(id))
		if !ok {
			return nil
		}
		if run == rankRun {
			if r, ok := rankOf[rank]; ok {
				x.rank[i] = r
			}
		}
		if run == carryRun {
			x.carryL[i], x.carryR[i] = hundredths(cl), hundredths(cr)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read ranks and carry: %w", err)
	}
	return nil
}

// buildTree lays out one tree over the index's numbers and sums it bottom up.
func (x *Index) buildTree(t network.Tree, e graphstore.Export) error {
	n := len(x.ids)
	if len(e.IDs) != n {
		return fmt.Errorf("the %s tree holds %d members, the sponsor tree %d: the graph store is inconsistent", t, len(e.IDs), n)
	}
	tr := &x.trees[t]
	// at[k] is the index number of the export's k-th member.
	at := make([]int32, n)
	for k, id := range e.IDs {
		i, ok := x.number(id)
		if !ok {
			return fmt.Errorf("member %d is in the %s tree but not in the sponsor tree", id, t)
		}
		at[k] = i
	}
	tr.parent = make([]int32, n)
	tr.side = make([]network.Side, n)
	tr.childStart = make([]int32, n+1)
	tr.depth = make([]int32, n)
	for k := range n {
		i := at[k]
		tr.parent[i] = -1
		if p := e.Parent[k]; p >= 0 {
			tr.parent[i] = at[p]
			tr.childStart[at[p]+1]++
			tr.depth[i] = tr.depth[at[p]] + 1
		}
		if e.Side != nil {
			tr.side[i] = e.Side[k]
		}
	}
	for i := range n {
		tr.childStart[i+1] += tr.childStart[i]
	}
	tr.child = make([]int32, n)
	fill := make([]int32, n)
	copy(fill, tr.childStart[:n])
	var roots []int32
	for k := range n { // export order: children in Frontline order
		i := at[k]
		if p := tr.parent[i]; p >= 0 {
			tr.child[fill[p]] = i
			fill[p]++
		} else {
			roots = append(roots, i)
		}
	}
	// Bottom up: the export is topological, so its reverse has children first.
	tr.gv = make([]int64, n)
	tr.team = make([]int32, n)
	tr.active = make([]int32, n)
	if t == network.Sponsor {
		tr.best = make([]int16, n)
		for i := range tr.best {
			tr.best[i] = -1
		}
	}
	for k := n - 1; k >= 0; k-- {
		i := at[k]
		tr.gv[i] += x.pv[i]
		if tr.best != nil {
			tr.best[i] = max(tr.best[i], x.rank[i])
		}
		p := tr.parent[i]
		if p < 0 {
			continue
		}
		tr.gv[p] += tr.gv[i]
		tr.team[p] += tr.team[i] + 1
		tr.active[p] += tr.active[i]
		if x.active(i) {
			tr.active[p]++
		}
		if tr.best != nil {
			tr.best[p] = max(tr.best[p], tr.best[i])
		}
	}
	// Pre-order numbers, iteratively (a tree may be a million deep).
	tr.enter, tr.exit, tr.order = make([]int32, n), make([]int32, n), make([]int32, n)
	next := int32(0)
	stack := make([]int32, 0, 64)
	for r := len(roots) - 1; r >= 0; r-- {
		stack = append(stack, roots[r])
	}
	for len(stack) > 0 {
		i := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		tr.enter[i] = next
		tr.order[next] = i
		next++
		kids := tr.child[tr.childStart[i]:tr.childStart[i+1]]
		for c := len(kids) - 1; c >= 0; c-- {
			stack = append(stack, kids[c])
		}
	}
	for i := range n {
		tr.exit[i] = tr.enter[i] + tr.team[i]
	}
	return nil
}

func (x *Index) statusOf(i int32) network.Status {
	if int(x.status[i]) < len(statuses) {
		return statuses[x.status[i]]
	}
	return ""
}

// Len is the number of members in the index.
func (x *Index) Len() int { return len(x.ids) }

func (x *Index) number(id network.MemberID) (int32, bool) {
	if x.sparse != nil {
		i, ok := x.sparse[id]
		return i, ok
	}
	if id <= 0 || int(id) >= len(x.byID) || x.byID[id] == 0 {
		return 0, false
	}
	return x.byID[id] - 1, true
}

// Lookup finds a member's number; false when the member is not in the
// index (it joined after the cut-off, or does not exist).
func (x *Index) Lookup(id network.MemberID) (int32, bool) { return x.number(id) }

// Contains reports whether member i is root or in root's subtree, in O(1).
func (x *Index) Contains(t network.Tree, root, i int32) bool {
	tr := &x.trees[t]
	return tr.enter[i] >= tr.enter[root] && tr.enter[i] <= tr.exit[root]
}

// Children are i's direct children in t: placement left then right,
// sponsor in the order they joined.
func (x *Index) Children(t network.Tree, i int32) []int32 {
	tr := &x.trees[t]
	return tr.child[tr.childStart[i]:tr.childStart[i+1]]
}

// Path is the members from root down to i, both included; nil when i is
// not in root's subtree.
func (x *Index) Path(t network.Tree, root, i int32) []int32 {
	if !x.Contains(t, root, i) {
		return nil
	}
	tr := &x.trees[t]
	var p []int32
	for j := i; ; j = tr.parent[j] {
		p = append(p, j)
		if j == root {
			break
		}
	}
	for a, b := 0, len(p)-1; a < b; a, b = a+1, b-1 {
		p[a], p[b] = p[b], p[a]
	}
	return p
}

// LegEnd follows i's children on side (Left or Right) in the placement tree
// to the bottom: the path from i to the last of them.
func (x *Index) LegEnd(i int32, side network.Side) []int32 {
	tr := &x.trees[network.Placement]
	p := []int32{i}
	for {
		next := int32(-1)
		for _, c := range x.Children(network.Placement, i) {
			if tr.side[c] == side {
				next = c
			}
		}
		if next < 0 {
			return p
		}
		i = next
		p = append(p, i)
	}
}

// Search finds up to limit members of root's subtree in t (root included)
// whose code starts with q, case folded, or whose name contains it, in
// pre-order (nearer the top first within a branch).
func (x *Index) Search(t network.Tree, root int32, q string, limit int) []int32 {
	tr := &x.trees[t]
	bq, lq := []byte(q), []byte(strings.ToLower(q))
	var out []int32
	for o := tr.enter[root]; o <= tr.exit[root] && len(out) < limit; o++ {
		i := tr.order[o]
		c := x.code.bytes(i)
		if (len(c) >= len(bq) && bytes.EqualFold(c[:len(bq)], bq)) || bytes.Contains(x.lname.bytes(i), lq) {
			out = append(out, i)
		}
	}
	return out
}

// NewMembers lists up to limit members below root in the sponsor tree who
// joined within the period, newest first.
func (x *Index) NewMembers(root int32, limit int) []int32 {
	from, to := x.From.UnixNano(), x.To.UnixNano()
	tr := &x.trees[network.Sponsor]
	var out []int32
	for o := tr.enter[root] + 1; o <= tr.exit[root]; o++ {
		i := tr.order[o]
		if j := x.joined[i]; j >= from && j < to {
			out = append(out, i)
		}
	}
	sort.Slice(out, func(a, b int) bool {
		ja, jb := x.joined[out[a]], x.joined[out[b]]
		if ja != jb {
			return ja > jb
		}
		return x.ids[out[a]] > x.ids[out[b]]
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out
}

// Node is a member's figures in one tree for the index's period.
type Node struct {
	ID     network.MemberID
	Code   string
	Name   string
	Status network.Status
	Joined time.Time
	// Depth is from the top of the tree; Side the side under the placement
	// parent; Sponsor and Parent the codes of the sponsor and the placement
	// parent ("" for none), all as of the cut-off.
	Depth     int
	Side      network.Side
	Sponsor   string
	Parent    string
	Spillover bool
	// Team and Active count the members below in the tree.
	Team, Active int64
	PV, GV       Amount
	// LeftGV and RightGV are the GV of the placement children's subtrees
	// (zero in the sponsor tree).
	LeftGV, RightGV       Amount
	CarryLeft, CarryRight Amount
	// Rank is "" and RankIndex -1 when no run gives one.
	Rank      string
	RankIndex int
	New       bool
}

// Node returns member i's figures in t.
func (x *Index) Node(t network.Tree, i int32) Node {
	tr := &x.trees[t]
	sp, pl := x.trees[network.Sponsor].parent[i], x.trees[network.Placement].parent[i]
	n := Node{ID: x.ids[i], Code: x.code.at(i), Name: x.name.at(i), Status: x.statusOf(i), Joined: time.Unix(0, x.joined[i]).UTC(),
		Depth: int(tr.depth[i]), Side: x.trees[network.Placement].side[i], Spillover: pl >= 0 && pl != sp,
		Team: int64(tr.team[i]), Active: int64(tr.active[i]), PV: Amount(x.pv[i]), GV: Amount(tr.gv[i]),
		CarryLeft: Amount(x.carryL[i]), CarryRight: Amount(x.carryR[i]), RankIndex: int(x.rank[i])}
	if sp >= 0 {
		n.Sponsor = x.code.at(sp)
	}
	if pl >= 0 {
		n.Parent = x.code.at(pl)
	}
	if t == network.Placement {
		n.LeftGV, n.RightGV = x.sideGV(i)
	}
	if r := x.rank[i]; r >= 0 {
		n.Rank = x.Ranks[r]
	}
	j := x.joined[i]
	n.New = j >= x.From.UnixNano() && j < x.To.UnixNano()
	return n
}

// sideGV is the GV of i's left and right placement subtrees.
func (x *Index) sideGV(i int32) (l, r Amount) {
	tr := &x.trees[network.Placement]
	var lv, rv int64
	for _, c := range x.Children(network.Placement, i) {
		switch tr.side[c] {
		case network.Left:
			lv = tr.gv[c]
		case network.Right:
			rv = tr.gv[c]
		}
	}
	return Amount(lv), Amount(rv)
}
