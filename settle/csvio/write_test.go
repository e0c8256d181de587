package csvio

import (
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
		c := newIDColumn(arr)
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
