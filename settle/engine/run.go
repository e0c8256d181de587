package engine

import (
	"errors"
	"fmt"
	"math/big"
	"sync"
	"sync/atomic"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/shopspring/decimal"

	"downline/settle/internal/hugemem"
	"downline/settle/plan"
)

// Options tune a Run.
type Options struct {
	// Exact skips the int64 fast path (tests use it to check both paths).
	Exact bool
	// Progress, when set, is called as each stage starts.
	Progress func(stage string)
}

// Result is one computed period.
type Result struct {
	Plan *plan.Plan
	// IDs are the member ids, row i of Members describing member i of the input.
	IDs *array.String
	// VolumeScale is the scale of the volume columns of Members.
	VolumeScale int32
	// Members has one row per input member (SummarySchema).
	Members arrow.RecordBatch
	// Lines holds the bonus lines with a non-zero amount after the cap
	// (LinesSchema), sorted by member id (bytewise), bonus name, source member id
	// (bytewise, none first) and level.
	Lines arrow.RecordBatch
	// ByID lists member indexes sorted by id, bytewise.
	ByID   []int32
	Totals Totals
	// Exact is true when the arbitrary-precision path computed the period.
	Exact bool
}

// Totals sum up a period.
type Totals struct {
	Members, Active int
	RankCounts      []int
	TotalBV         decimal.Decimal
	// ByBonus are the totals per Bonus kind after the cap.
	ByBonus [len(BonusNames)]decimal.Decimal
	// BeforeCap is the total of all lines before the payout cap; Paid after it.
	BeforeCap, Paid decimal.Decimal
	// CapFactor is limit/T when the payout cap applied, else nil.
	CapFactor *big.Rat
}

// SummarySchema returns the schema of Result.Members.
func SummarySchema(volumeScale, moneyScale int32) *arrow.Schema {
	vol := &arrow.Decimal128Type{Precision: 38, Scale: volumeScale}
	return arrow.NewSchema([]arrow.Field{
		{Name: "pv", Type: vol}, {Name: "bv", Type: vol}, {Name: "gv", Type: vol},
		{Name: "active", Type: arrow.FixedWidthTypes.Boolean},
		{Name: "rank", Type: arrow.PrimitiveTypes.Int16},
		{Name: "left_volume", Type: vol}, {Name: "right_volume", Type: vol},
		{Name: "carry_left", Type: vol}, {Name: "carry_right", Type: vol},
		{Name: "earnings", Type: &arrow.Decimal128Type{Precision: 38, Scale: moneyScale}},
	}, nil)
}

// Summary column indexes in SummarySchema.
const (
	ColPV = iota
	ColBV
	ColGV
	ColActive
	ColRank
	ColLeftVolume
	ColRightVolume
	ColCarryLeft
	ColCarryRight
	ColEarnings
)

// LinesSchema returns the schema of Result.Lines: member and source are member
// indexes (source -1 for none), bonus a Bonus.
func LinesSchema(moneyScale int32) *arrow.Schema {
	money := &arrow.Decimal128Type{Precision: 38, Scale: moneyScale}
	return arrow.NewSchema([]arrow.Field{
		{Name: "member", Type: arrow.PrimitiveTypes.Int32},
		{Name: "bonus", Type: arrow.PrimitiveTypes.Uint8},
		{Name: "source", Type: arrow.PrimitiveTypes.Int32},
		{Name: "level", Type: arrow.PrimitiveTypes.Int32},
		{Name: "amount", Type: money},
		{Name: "before_cap", Type: money},
	}, nil)
}

var errRange = errors.New("a value exceeds 38 digits")

// Run computes the period in for plan p.
func Run(p *plan.Plan, in Input, opt Options) (*Result, error) {
	if len(p.Ranks) > 1<<15-1 {
		return nil, fmt.Errorf("engine: plan has %d ranks, at most 32767 are supported", len(p.Ranks))
	}
	c, err := readColumns(in)
	if err != nil {
		return nil, err
	}
	if opt.Progress != nil {
		opt.Progress("checking trees")
	}
	// The members in id order are sorted meanwhile (a radix sort when the ids
	// do not come in order).
	sorted := make(chan []int32, 1)
	go func() { sorted <- byID(c.ids) }()
	t, err := buildTrees(c)
	if err != nil {
		return nil, err
	}
	r := renumber(c, t)
	byPos := <-sorted
	pt := newPctTable(p)
	if !opt.Exact {
		if f, ok := newFixed(p, pt, c.scale); ok {
			res, err := runWith[int64](f, p, r, byPos, pt, opt)
			if !errors.Is(err, errOverflow) {
				return res, err
			}
		}
	}
	res, err := runWith[decimal.Decimal](newExact(p, pt, c.scale), p, r, byPos, pt, opt)
	if res != nil {
		res.Exact = true
	}
	return res, err
}

var errOverflow = errors.New("int64 overflow")

func runWith[N any, A arith[N]](a A, p *plan.Plan, r *renumbered, byPos []int32, pt *pctTable, opt Options) (res *Result, err error) {
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(overflowSignal); !ok {
				panic(r)
			}
			res, err = nil, errOverflow
		}
	}()
	n := r.c.n
	s := &period[N, A]{a: a, p: p, c: r.c, t: r.t, prog: opt.Progress, input: r.input, internal: r.internal}
	s.byPos = byPos
	s.xByPos, s.pos = hugemem.Slice[int32](n), hugemem.Slice[int32](n)
	for k, i := range s.byPos {
		x := r.internal[i]
		s.xByPos[k], s.pos[x] = x, int32(k)
	}
	s.stage("volumes")
	if err := s.volumes(); err != nil {
		return nil, err
	}
	s.stage("ranks")
	s.ranks()
	s.stage("bonuses")
	if err := s.bonuses(pt); err != nil {
		return nil, err
	}
	ratio := s.payoutCap()
	s.stage("sorting")
	return s.result(ratio)
}

func (s *period[N, A]) result(ratio *big.Rat) (*Result, error) {
	a, n, p := s.a, s.c.n, s.p
	// The summary columns but earnings are converted meanwhile, and on this
	// goroutine too once the lines are converted.
	sum := s.summaryColumns()
	go sum.work()
	tot := Totals{Members: n, RankCounts: make([]int, len(p.Ranks)), TotalBV: a.toDec(s.totalBV)}
	z := a.zero()
	earnByPos := hugemem.Slice[N](n)
	for i := range earnByPos {
		earnByPos[i] = z
	}
	m := p.Scale
	lc, lt := s.convertLines(s.lines, ratio != nil, earnByPos)
	s.lines = nil
	if lt.err != nil {
		return nil, lt.err
	}
	byBonus, before, paid := lt.byBonus[:], lt.before, lt.paid
	inputIndex := s.byPos
	lines := array.NewRecordBatch(LinesSchema(m), []arrow.Array{
		int32Array(lc.member), uint8Array(lc.kind), int32Array(lc.source), int32Array(lc.level),
		decimalArray(lc.amount, m), decimalArray(lc.beforeCap, m),
	}, int64(lc.n))
	earn := hugemem.Slice[N](n) // in input order
	for k, e := range earnByPos {
		earn[inputIndex[k]] = e
	}
	earnByPos = nil

	arr, err := s.decimalColumn(earn, m, nil)
	sum.work()
	sum.wg.Wait()
	if err == nil {
		err = sum.err()
	}
	if err != nil {
		return nil, err
	}
	cols := append(sum.cols, arr)
	members := array.NewRecordBatch(SummarySchema(sum.scale, m), cols, int64(n))

	for i := 0; i < n; i++ {
		if s.active[i] {
			tot.Active++
		}
		tot.RankCounts[s.rank[i]]++
	}
	for k := range byBonus {
		tot.ByBonus[k] = a.toDec(byBonus[k])
	}
	tot.BeforeCap, tot.Paid, tot.CapFactor = a.toDec(before), a.toDec(paid), ratio
	s.c.ids.Retain()
	return &Result{Plan: p, IDs: s.c.ids, VolumeScale: sum.scale, Members: members, Lines: lines, ByID: s.byPos, Totals: tot}, nil
}

// summaryColumns are the columns of Result.Members up to carry_right, made
// by tasks that whichever goroutine calls work takes in turn: the conversion
// starts beside the lines' and ends on every core.
type summaryColumns struct {
	scale int32
	cols  []arrow.Array
	errs  []error
	tasks []func(sum *summaryColumns) error
	next  atomic.Int32
	wg    sync.WaitGroup // done when every task is
}

func (s *period[N, A]) summaryColumns() *summaryColumns {
	n := s.c.n
	sum := &summaryColumns{scale: volumeScale(s.p, s.c.scale)}
	for c, v := range [][]N{s.pv, s.bv, s.gv, nil, nil, s.lv, s.rv, s.cl, s.cr} {
		switch {
		case v != nil:
			sum.tasks = append(sum.tasks, func(sum *summaryColumns) (err error) {
				sum.cols[c], err = s.decimalColumn(v, sum.scale, s.input)
				return err
			})
		case c == ColActive: // and rank
			sum.tasks = append(sum.tasks, func(sum *summaryColumns) error {
				active, rank := hugemem.Slice[bool](n), hugemem.Slice[int16](n)
				for x, i := range s.input {
					active[i], rank[i] = s.active[x], s.rank[x]
				}
				sum.cols[ColActive], sum.cols[ColRank] = boolArray(active), int16Array(rank)
				return nil
			})
		}
	}
	sum.cols, sum.errs = make([]arrow.Array, ColEarnings), make([]error, len(sum.tasks))
	sum.wg.Add(len(sum.tasks))
	return sum
}

// work does tasks until none is left.
func (sum *summaryColumns) work() {
	for t := int(sum.next.Add(1)) - 1; t < len(sum.tasks); t = int(sum.next.Add(1)) - 1 {
		sum.errs[t] = sum.tasks[t](sum)
		sum.wg.Done()
	}
}

// err returns the first task's error, once all are done.
func (sum *summaryColumns) err() error {
	for _, err := range sum.errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// decimalColumn converts a column to input order, unless it is in input order
// already (index nil).
func (s *period[N, A]) decimalColumn(v []N, scale int32, index []int32) (arrow.Array, error) {
	out := hugemem.Slice[decimal128.Num](len(v))
	for x, v := range v {
		d, ok := s.a.toD128(v, scale)
		if !ok {
			return nil, errRange
		}
		if index != nil {
			out[index[x]] = d
		} else {
			out[x] = d
		}
	}
	return decimalArray(out, scale), nil
}
