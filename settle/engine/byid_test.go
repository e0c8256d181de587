package engine

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// TestByID compares the radix sort of ids with a plain comparison sort, on ids
// that share long prefixes, hold zero bytes and are shorter or longer than the
// eight-byte radix key.
func TestByID(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"\x00", "a", "b", "\xff", "é", "M", "1"}
	for round := 0; round < 50; round++ {
		n := r.IntN(300)
		ids := make([]string, n)
		for i := range ids {
			var b strings.Builder
			for k := r.IntN(12); k > 0; k-- {
				b.WriteString(alphabet[r.IntN(len(alphabet))])
			}
			ids[i] = b.String()
		}
		if round%5 == 0 { // already in order, as the Builder makes them
			slices.Sort(ids)
			ids = slices.Compact(ids)
			n = len(ids)
		}
		sb := array.NewStringBuilder(memory.DefaultAllocator)
		sb.AppendValues(ids, nil)
		arr := sb.NewStringArray()
		got := byID(arr)
		want := make([]int32, n)
		for i := range want {
			want[i] = int32(i)
		}
		slices.SortStableFunc(want, func(x, y int32) int { return strings.Compare(ids[x], ids[y]) })
		for i := range got {
			if ids[got[i]] != ids[want[i]] {
				t.Fatalf("round %d: position %d holds %q, want %q", round, i, ids[got[i]], ids[want[i]])
			}
		}
	}
}
