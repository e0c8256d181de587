package engine

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"downline/settle/internal/hugemem"
)

// volume is a decimal read from a CSV cell: mant*10^-scale, or big*10^-scale when
// the digits do not fit in an int64.
type volume struct {
	mant  int64
	scale int32
	big   *big.Int
}

// parseVolume reads [+-]digits[.digits] exactly, without a float.
func parseVolume[T string | []byte](s T) (volume, bool) {
	i, neg := 0, false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var v volume
	digits, point := 0, false
	var m uint64
	wide := false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
			if point {
				v.scale++
			}
			if !wide {
				hi, lo := bits.Mul64(m, 10)
				lo, carry := bits.Add64(lo, uint64(c-'0'), 0)
				if hi != 0 || carry != 0 || lo > math.MaxInt64 {
					wide = true
				} else {
					m = lo
				}
			}
		case c == '.' && !point && digits > 0:
			point = true
			if i == len(s)-1 {
				return v, false
			}
		default:
			return v, false
		}
	}
	if digits == 0 || v.scale > 38 || len(s) > 80 {
		return v, false
	}
	if wide {
		digitsOnly := make([]byte, 0, len(s))
		for j := 0; j < len(s); j++ {
			if s[j] >= '0' && s[j] <= '9' {
				digitsOnly = append(digitsOnly, s[j])
			}
		}
		v.big, _ = new(big.Int).SetString(string(digitsOnly), 10)
		if neg {
			v.big.Neg(v.big)
		}
		return v, true
	}
	v.mant = int64(m)
	if neg {
		v.mant = -v.mant
	}
	return v, true
}

// sums accumulates per-member volumes exactly: int64 at a common scale raised as
// more decimals show up, switching to big.Int for good on overflow. The int64
// columns are interleaved (member m's are vals[m*k:m*k+k]): an order adds to
// one cache line, not one per column.
type sums struct {
	scale int32
	k     int     // columns
	vals  []int64 // nil once wide
	wide  [][]*big.Int
}

func newSums(cols, n int) *sums {
	// The orders add to members in no order: on huge pages, few of these
	// random reads also miss the TLB.
	return &sums{k: cols, vals: hugemem.Slice[int64](cols * n)}
}

func (s *sums) toWide() {
	n := len(s.vals) / s.k
	s.wide = make([][]*big.Int, s.k)
	for c := range s.wide {
		w := make([]*big.Int, n)
		for j := range w {
			w[j] = big.NewInt(s.vals[j*s.k+c])
		}
		s.wide[c] = w
	}
	s.vals = nil
}

func pow10Big(k int32) *big.Int {
	return new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(k)), nil)
}

// rescale raises the common scale to `to`.
func (s *sums) rescale(to int32) {
	d := to - s.scale
	if s.wide == nil && d <= 18 {
		f := int64(pow10[d])
		limit := math.MaxInt64 / f
		fits := true
		for _, x := range s.vals {
			if x > limit || x < -limit {
				fits = false
			}
		}
		if fits {
			for j := range s.vals {
				s.vals[j] *= f
			}
			s.scale = to
			return
		}
	}
	if s.wide == nil {
		s.toWide()
	}
	f := pow10Big(d)
	for _, c := range s.wide {
		for _, x := range c {
			x.Mul(x, f)
		}
	}
	s.scale = to
}

// add adds v to column col of member m.
func (s *sums) add(col, m int, v volume) {
	if v.scale > s.scale {
		s.rescale(v.scale)
	}
	d := s.scale - v.scale
	if s.wide == nil && v.big == nil && d <= 18 {
		f := int64(pow10[d])
		if v.mant <= math.MaxInt64/f && v.mant >= -(math.MaxInt64/f) {
			x := v.mant * f
			p := &s.vals[m*s.k+col]
			old := *p
			sum := old + x
			if !((x > 0 && sum < old) || (x < 0 && sum > old)) {
				*p = sum
				return
			}
		}
	}
	if s.wide == nil {
		s.toWide()
	}
	x := v.big
	if x == nil {
		x = big.NewInt(v.mant)
	}
	x = new(big.Int).Mul(x, pow10Big(d))
	s.wide[col][m].Add(s.wide[col][m], x)
}

// column returns column col as Decimal128 values at the common scale; false
// when one needs more than 38 digits.
func (s *sums) column(col int) ([]decimal128.Num, int, bool) {
	if s.wide == nil {
		out := make([]decimal128.Num, len(s.vals)/s.k)
		for i := range out {
			out[i] = decimal128.FromI64(s.vals[i*s.k+col])
		}
		return out, -1, true
	}
	c := s.wide[col]
	out := make([]decimal128.Num, len(c))
	for i, x := range c {
		if x.BitLen() > 126 {
			return nil, i, false
		}
		out[i] = decimal128.FromBigInt(x)
		if !out[i].FitsInPrecision(38) {
			return nil, i, false
		}
	}
	return out, -1, true
}

// merge adds o into s, column by column; o is left rescaled.
func (s *sums) merge(o *sums) {
	to := max(s.scale, o.scale)
	if s.scale < to {
		s.rescale(to)
	}
	if o.scale < to {
		o.rescale(to)
	}
	if s.wide == nil && o.wide == nil {
		fits := true
		for j, x := range o.vals {
			if old := s.vals[j]; (x > 0 && old+x < old) || (x < 0 && old+x > old) {
				fits = false
			}
		}
		if fits {
			for j, x := range o.vals {
				s.vals[j] += x
			}
			return
		}
	}
	if s.wide == nil {
		s.toWide()
	}
	if o.wide == nil {
		o.toWide()
	}
	for c, col := range s.wide {
		for j, x := range o.wide[c] {
			col[j].Add(col[j], x)
		}
	}
}
