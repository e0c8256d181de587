package engine

import (
	"encoding/binary"
	"slices"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/array"
)

// byID sorts member indexes by id, bytewise: a radix sort on the first eight
// bytes of each id (zero-padded, which keeps the bytewise order), then a
// comparison sort of each run of equal prefixes on the whole ids.
func byID(ids *array.String) []int32 {
	n := ids.Len()
	if sortedIDs(ids) { // as the Builder makes them
		perm := make([]int32, n)
		for i := range perm {
			perm[i] = int32(i)
		}
		return perm
	}
	type entry struct {
		key uint64
		i   int32
	}
	a := make([]entry, n)
	var seen, differ uint64 // bits that vary between keys
	for i := range a {
		var pre [8]byte
		copy(pre[:], ids.Value(i))
		k := binary.BigEndian.Uint64(pre[:])
		a[i] = entry{k, int32(i)}
		if i == 0 {
			seen = k
		}
		differ |= k ^ seen
	}
	tmp := make([]entry, n)
	for shift := uint(0); shift < 64; shift += 8 {
		if (differ>>shift)&0xff == 0 {
			continue
		}
		var cnt [257]int
		for _, e := range a {
			cnt[(e.key>>shift)&0xff+1]++
		}
		for b := 1; b < 257; b++ {
			cnt[b] += cnt[b-1]
		}
		for _, e := range a {
			d := (e.key >> shift) & 0xff
			tmp[cnt[d]] = e
			cnt[d]++
		}
		a, tmp = tmp, a
	}
	tmp = nil
	perm := make([]int32, n)
	for i, e := range a {
		perm[i] = e.i
	}
	for lo := 0; lo < n; {
		hi := lo + 1
		for hi < n && a[hi].key == a[lo].key {
			hi++
		}
		if hi-lo > 1 {
			slices.SortFunc(perm[lo:hi], func(x, y int32) int { return strings.Compare(ids.Value(int(x)), ids.Value(int(y))) })
		}
		lo = hi
	}
	return perm
}

// sortedIDs tells whether ids are in strictly increasing bytewise order.
func sortedIDs(ids *array.String) bool {
	for i := 1; i < ids.Len(); i++ {
		if ids.Value(i-1) >= ids.Value(i) {
			return false
		}
	}
	return true
}
