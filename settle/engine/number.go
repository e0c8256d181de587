package engine

import (
	"math"
	"math/big"
	"math/bits"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
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
// more decimals show up, switching to big.Int for good on overflow.
type sums struct {
	scale int32
	cols  [][]int64
	wide  [][]*big.Int
}

func newSums(cols, n int) *sums {
	s := &sums{cols: make([][]int64, cols)}
	for i := range s.cols {
		s.cols[i] = make([]int64, n)
	}
	return s
}

func (s *sums) toWide() {
	s.wide = make([][]*big.Int, len(s.cols))
	for i, c := range s.cols {
		w := make([]*big.Int, len(c))
		for j, x := range c {
			w[j] = big.NewInt(x)
		}
		s.wide[i] = w
	}
	s.cols = nil
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
		for _, c := range s.cols {
			for _, x := range c {
				if x > limit || x < -limit {
					fits = false
				}
			}
		}
		if fits {
			for _, c := range s.cols {
				for j := range c {
					c[j] *= f
				}
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
			old := s.cols[col][m]
			sum := old + x
			if !((x > 0 && sum < old) || (x < 0 && sum > old)) {
				s.cols[col][m] = sum
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
		c := s.cols[col]
		out := make([]decimal128.Num, len(c))
		for i, x := range c {
			out[i] = decimal128.FromI64(x)
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
		for c, col := range s.cols {
			for j, x := range o.cols[c] {
				if old := col[j]; (x > 0 && old+x < old) || (x < 0 && old+x > old) {
					fits = false
				}
			}
		}
		if fits {
			for c, col := range s.cols {
				for j, x := range o.cols[c] {
					col[j] += x
				}
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
