package engine

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/shopspring/decimal"

	"downline/settle/plan"
)

// arith is the exact arithmetic the passes need, over a number type N. There are
// two: fixed (int64 at one scale, fast) and exact (decimal.Decimal, unbounded).
// fixed panics with errOverflow when a value leaves int64; Run then recomputes
// the whole period with exact.
type arith[N any] interface {
	zero() N
	// load reads an input volume held at the input scale.
	load(v decimal128.Num) N
	// fromDec converts a plan number or a pool line (at most scale S decimals).
	fromDec(d decimal.Decimal) N
	toDec(x N) decimal.Decimal
	// toD128 returns x with exactly scale decimals; false when out of range.
	toD128(x N, scale int32) (decimal128.Num, bool)
	add(x, y N) N
	sub(x, y N) N
	cmp(x, y N) int
	sign(x N) int
	// pct returns pcts[i]% of x >= 0, rounded down to the money scale.
	pct(i int, x N) N
	// binary returns min(binary pct% of pair, cap of rank), rounded down.
	binary(rank int, pair N) N
	// qualifies tells whether pv plus the frontline GVs, each capped at the
	// rank's leg cap, reach the rank's gv.
	qualifies(rank int, pv N, legs []N) bool
	// setRatio fixes the payout cap ratio num/den (< 1); scaleLine applies it to
	// a line amount, rounding down to the money scale.
	setRatio(num, den *big.Int)
	scaleLine(x N) N
}

type overflowSignal struct{}

// pctTable lists every percentage applied to a volume, by index.
type pctTable struct {
	all      []decimal.Decimal
	ref, bin int
	uni, mat []int
}

func newPctTable(p *plan.Plan) *pctTable {
	t := &pctTable{ref: -1, bin: -1}
	add := func(d decimal.Decimal) int { t.all = append(t.all, d); return len(t.all) - 1 }
	if p.Referral != nil {
		t.ref = add(p.Referral.Pct)
	}
	if p.Binary != nil {
		t.bin = add(p.Binary.Pct)
	}
	if p.Unilevel != nil {
		for _, l := range p.Unilevel.Levels {
			t.uni = append(t.uni, add(l))
		}
	}
	if p.Matching != nil {
		for _, l := range p.Matching.Levels {
			t.mat = append(t.mat, add(l))
		}
	}
	return t
}

func decimals(d decimal.Decimal) int32 {
	if e := d.Exponent(); e < 0 {
		return -e
	}
	return 0
}

// volumeScale is the scale at which every volume, threshold and amount of the
// period is an integer.
func volumeScale(p *plan.Plan, inScale int32) int32 {
	s := max(p.Scale, inScale, decimals(p.ActivePV))
	for _, r := range p.Ranks {
		s = max(s, decimals(r.PV), decimals(r.GV))
	}
	if b := p.Binary; b != nil {
		for _, c := range b.CapByRank {
			s = max(s, decimals(c))
		}
		if b.CarryCap != nil {
			s = max(s, decimals(*b.CarryCap))
		}
	}
	return s
}

var pow10 = func() (t [19]uint64) {
	t[0] = 1
	for i := 1; i < len(t); i++ {
		t[i] = t[i-1] * 10
	}
	return
}()

// fixed holds every value as an int64 count of 10^-S.
type fixed struct {
	s, m, in int32
	mul      int64  // 10^(S-m): one money unit in volume units
	inMul    int64  // 10^(S-in)
	pctDen   uint64 // 100 * 10^P: a percentage p is pcts[i]/pctDen
	lineDen  uint64 // pctDen * mul
	pcts     []uint64
	bin      int
	binCap   []int64 // nil: no cap
	rank     []fixedRank
	// payout ratio
	rNum, rDen uint64
	rBig       [2]*big.Int
}

type fixedRank struct {
	gv       int64
	capped   bool
	capFloor int64    // floor(leg cap) in volume units
	capExact bool     // leg cap is an integer number of volume units
	capNum   *big.Int // leg cap * pctDen, in volume units
}

// newFixed returns the fixed arithmetic for the period, or false when its scales
// do not fit in int64 (the caller then uses exact).
func newFixed(p *plan.Plan, t *pctTable, inScale int32) (f *fixed, ok bool) {
	s := volumeScale(p, inScale)
	var pd int32
	for _, d := range t.all {
		pd = max(pd, decimals(d))
	}
	for _, r := range p.Ranks {
		if r.MaxLegPct != nil {
			pd = max(pd, decimals(*r.MaxLegPct))
		}
	}
	if s > 18 || 2+pd+s-p.Scale > 19-1 {
		return nil, false
	}
	defer func() {
		if r := recover(); r != nil {
			if _, is := r.(overflowSignal); !is {
				panic(r)
			}
			f, ok = nil, false
		}
	}()
	f = &fixed{s: s, m: p.Scale, in: inScale, mul: int64(pow10[s-p.Scale]), inMul: int64(pow10[s-inScale]), bin: t.bin}
	f.pctDen = 100 * pow10[pd]
	f.lineDen = f.pctDen * uint64(f.mul)
	scalePct := func(d decimal.Decimal) uint64 { return uint64(d.Shift(pd).IntPart()) }
	for _, d := range t.all {
		f.pcts = append(f.pcts, scalePct(d))
	}
	if b := p.Binary; b != nil && b.CapByRank != nil {
		for _, c := range b.CapByRank {
			f.binCap = append(f.binCap, f.fromDec(c))
		}
	}
	for _, r := range p.Ranks {
		fr := fixedRank{gv: f.fromDec(r.GV)}
		if r.MaxLegPct != nil {
			fr.capped = true
			fr.capNum = new(big.Int).Mul(big.NewInt(int64(scalePct(*r.MaxLegPct))), big.NewInt(fr.gv))
			q, rem := new(big.Int).QuoRem(fr.capNum, new(big.Int).SetUint64(f.pctDen), new(big.Int))
			fr.capFloor, fr.capExact = q.Int64(), rem.Sign() == 0
		}
		f.rank = append(f.rank, fr)
	}
	return f, true
}

func (f *fixed) zero() int64 { return 0 }

func (f *fixed) load(v decimal128.Num) int64 {
	lo := int64(v.LowBits())
	if v.HighBits() != lo>>63 {
		panic(overflowSignal{})
	}
	return mulCheck(lo, f.inMul)
}

func mulCheck(x, y int64) int64 {
	if y == 1 {
		return x
	}
	hi, lo := bits.Mul64(uint64(abs(x)), uint64(y))
	if hi != 0 || lo > math.MaxInt64 || x == math.MinInt64 {
		panic(overflowSignal{})
	}
	if x < 0 {
		return -int64(lo)
	}
	return int64(lo)
}

func abs(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}

func (f *fixed) fromDec(d decimal.Decimal) int64 {
	c := d.Shift(f.s)
	if !c.IsInteger() {
		panic("engine: " + d.String() + " has more decimals than the volume scale")
	}
	b := c.BigInt()
	if !b.IsInt64() || b.Int64() == math.MinInt64 {
		panic(overflowSignal{})
	}
	return b.Int64()
}

func (f *fixed) toDec(x int64) decimal.Decimal { return decimal.New(x, -f.s) }

func (f *fixed) toD128(x int64, scale int32) (decimal128.Num, bool) {
	if scale == f.s { // the usual case: spare the division by 1
		return decimal128.FromI64(x), true
	}
	if scale < f.s {
		return decimal128.FromI64(x / int64(pow10[f.s-scale])), true
	}
	return decimal128.FromI64(x).IncreaseScaleBy(scale - f.s), true
}

func (f *fixed) add(x, y int64) int64 {
	s := x + y
	if (y > 0 && s < x) || (y < 0 && s > x) {
		panic(overflowSignal{})
	}
	return s
}

func (f *fixed) sub(x, y int64) int64 {
	s := x - y
	if (y < 0 && s < x) || (y > 0 && s > x) {
		panic(overflowSignal{})
	}
	return s
}

func (f *fixed) cmp(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

func (f *fixed) sign(x int64) int { return f.cmp(x, 0) }

// pct: p*x < pctDen*2^63, so the high word is below lineDen and the quotient fits.
func (f *fixed) pct(i int, x int64) int64 {
	hi, lo := bits.Mul64(f.pcts[i], uint64(x))
	q, _ := bits.Div64(hi, lo, f.lineDen)
	return int64(q) * f.mul
}

func (f *fixed) binary(rank int, pair int64) int64 {
	if f.binCap != nil {
		c := f.binCap[rank]
		h1, l1 := bits.Mul64(f.pcts[f.bin], uint64(pair))
		h2, l2 := bits.Mul64(uint64(c), f.pctDen)
		if h1 > h2 || (h1 == h2 && l1 >= l2) {
			return c / f.mul * f.mul
		}
	}
	return f.pct(f.bin, pair)
}

func (f *fixed) qualifies(rank int, pv int64, legs []int64) bool {
	r := &f.rank[rank]
	a, k := pv, int64(0)
	for _, g := range legs {
		if r.capped && g > r.capFloor {
			k++
		} else {
			a = f.add(a, g)
		}
	}
	if a >= r.gv {
		return true
	}
	if k == 0 {
		return false
	}
	d := r.gv - a // shortfall the k capped legs must cover: k*cap >= d?
	if r.capFloor > 0 && k >= ceilDiv(d, r.capFloor) {
		return true
	}
	if r.capExact || k <= d/(r.capFloor+1) {
		return false
	}
	lhs := new(big.Int).Mul(big.NewInt(k), r.capNum)
	rhs := new(big.Int).Mul(big.NewInt(d), new(big.Int).SetUint64(f.pctDen))
	return lhs.Cmp(rhs) >= 0
}

func (f *fixed) setRatio(num, den *big.Int) {
	f.rBig = [2]*big.Int{num, den}
	f.rNum, f.rDen = 0, 0
	if num.IsUint64() && den.IsUint64() {
		f.rNum, f.rDen = num.Uint64(), den.Uint64()
	}
}

// scaleLine: num < den, so am*num < 2^63*den and the quotient fits.
func (f *fixed) scaleLine(x int64) int64 {
	am := x
	if f.mul != 1 {
		am /= f.mul
	}
	if f.rDen != 0 {
		hi, lo := bits.Mul64(uint64(am), f.rNum)
		q, _ := bits.Div64(hi, lo, f.rDen)
		return int64(q) * f.mul
	}
	q := new(big.Int).Mul(big.NewInt(am), f.rBig[0])
	q.Quo(q, f.rBig[1])
	return q.Int64() * f.mul
}

func ceilDiv(x, y int64) int64 {
	q := x / y
	if x%y != 0 {
		q++
	}
	return q
}
