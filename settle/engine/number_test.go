package engine

import (
	"math/big"
	"testing"

	"github.com/shopspring/decimal"
)

func FuzzParseVolume(f *testing.F) {
	for _, s := range []string{"0", "12.5", "-20", "+3.000", "99999999999999999999.123", ".5", "5.", "1e3", "", "-", "1.2.3"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, ok := parseVolume(s)
		if !ok {
			return
		}
		want, err := decimal.NewFromString(s)
		if err != nil {
			t.Fatalf("%q accepted but not a decimal", s)
		}
		got := v.big
		if got == nil {
			got = big.NewInt(v.mant)
		}
		if !decimal.NewFromBigInt(got, -v.scale).Equal(want) {
			t.Fatalf("%q read as %v", s, decimal.NewFromBigInt(got, -v.scale))
		}
	})
}
