package engine

import (
	"math/big"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/shopspring/decimal"

	"downline/settle/plan"
)

// exact is the unbounded fallback: every value a decimal.Decimal.
type exact struct {
	m, in  int32
	pcts   []decimal.Decimal
	bin    int
	binCap []decimal.Decimal
	gv     []decimal.Decimal
	legCap []*decimal.Decimal
	rNum   decimal.Decimal
	rDen   decimal.Decimal
}

func newExact(p *plan.Plan, t *pctTable, inScale int32) *exact {
	e := &exact{m: p.Scale, in: inScale, pcts: t.all, bin: t.bin}
	if p.Binary != nil {
		e.binCap = p.Binary.CapByRank
	}
	for _, r := range p.Ranks {
		e.gv = append(e.gv, r.GV)
		var c *decimal.Decimal
		if r.MaxLegPct != nil {
			v := r.MaxLegPct.Mul(r.GV).Shift(-2)
			c = &v
		}
		e.legCap = append(e.legCap, c)
	}
	return e
}

var zeroDec = decimal.Decimal{}

func (e *exact) zero() decimal.Decimal { return zeroDec }
func (e *exact) load(v decimal128.Num) decimal.Decimal {
	return decimal.NewFromBigInt(v.BigInt(), -e.in)
}
func (e *exact) fromDec(d decimal.Decimal) decimal.Decimal { return d }
func (e *exact) toDec(x decimal.Decimal) decimal.Decimal   { return x }
func (e *exact) add(x, y decimal.Decimal) decimal.Decimal  { return x.Add(y) }
func (e *exact) sub(x, y decimal.Decimal) decimal.Decimal  { return x.Sub(y) }
func (e *exact) cmp(x, y decimal.Decimal) int              { return x.Cmp(y) }
func (e *exact) sign(x decimal.Decimal) int                { return x.Sign() }
func (e *exact) pct(i int, x decimal.Decimal) decimal.Decimal {
	return e.floor(x.Mul(e.pcts[i]).Shift(-2))
}
func (e *exact) floor(x decimal.Decimal) decimal.Decimal { return x.Truncate(e.m) }
func (e *exact) setRatio(num, den *big.Int) {
	e.rNum, e.rDen = decimal.NewFromBigInt(num, 0), decimal.NewFromBigInt(den, 0)
}
func (e *exact) scaleLine(x decimal.Decimal) decimal.Decimal {
	q, _ := x.Mul(e.rNum).QuoRem(e.rDen, e.m)
	return q
}

func (e *exact) toD128(x decimal.Decimal, scale int32) (decimal128.Num, bool) {
	b := x.Shift(scale).BigInt()
	if b.BitLen() > 126 {
		return decimal128.Num{}, false
	}
	n := decimal128.FromBigInt(b)
	return n, n.FitsInPrecision(38)
}

func (e *exact) binary(rank int, pair decimal.Decimal) decimal.Decimal {
	v := pair.Mul(e.pcts[e.bin]).Shift(-2)
	if e.binCap != nil && v.Cmp(e.binCap[rank]) > 0 {
		v = e.binCap[rank]
	}
	return e.floor(v)
}

func (e *exact) qualifies(rank int, pv decimal.Decimal, legs []decimal.Decimal) bool {
	q := pv
	c := e.legCap[rank]
	for _, g := range legs {
		if c != nil && g.Cmp(*c) > 0 {
			g = *c
		}
		q = q.Add(g)
	}
	return q.Cmp(e.gv[rank]) >= 0
}
