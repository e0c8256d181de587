package csvio

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestIDColumn checks that ids copied into 16-byte records are written as the
// Arrow array holds them, and that a longer or quoted id keeps the array.
func TestIDColumn(t *testing.T) {
	for _, ids := range [][]string{
		{"M1", "", "123456789012345", "成员", "a b"},
		{"M1", "1234567890123456"},
		{"M1", "x,y"},
	} {
		b := array.NewStringBuilder(memory.DefaultAllocator)
		b.AppendValues(ids, nil)
		arr := b.NewStringArray()
		c := newIDColumn(arr, 1)
		plain := idColumn{ids: arr, quote: c.quote}
		if (c.short != nil) != (len(ids) == 5) {
			t.Fatalf("%q: short records %v", ids, c.short != nil)
		}
		for i := range ids {
			got, want := string(c.append(nil, int32(i))), string(plain.append(nil, int32(i)))
			if got != want {
				t.Fatalf("id %q written as %q, want %q", ids[i], got, want)
			}
		}
	}
}

// TestIDColumnOnCores checks that the id column made on several cores is the
// one made on one: a quoted or long id anywhere, in any core's range, is
// found, and the records are the same bytes.
func TestIDColumnOnCores(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for round := 0; round < 200; round++ {
		n := rng.IntN(2000)
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("M%d", rng.IntN(1<<30))
		}
		odd := ""
		if n > 0 {
			switch rng.IntN(3) {
			case 0:
				odd = "x,y"
			case 1:
				odd = "1234567890123456"
			}
			if odd != "" {
				ids[rng.IntN(n)] = odd
			}
		}
		b := array.NewStringBuilder(memory.DefaultAllocator)
		b.AppendValues(ids, nil)
		arr := b.NewStringArray()
		one := newIDColumn(arr, 1)
		if one.quote != (odd == "x,y") || (one.short == nil) != (odd != "") {
			t.Fatalf("one core, odd id %q: quote %v, short records %v", odd, one.quote, one.short != nil)
		}
		for cores := 2; cores <= 5; cores++ {
			c := newIDColumn(arr, cores)
			if c.quote != one.quote || (c.short == nil) != (one.short == nil) || !bytes.Equal(c.short, one.short) {
				t.Fatalf("%d ids, odd id %q, %d cores: quote %v short %v, one core: quote %v short %v",
					n, odd, cores, c.quote, c.short != nil, one.quote, one.short != nil)
			}
		}
	}
}
