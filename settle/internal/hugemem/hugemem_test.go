package hugemem

import "testing"

func TestSlice(t *testing.T) {
	for _, n := range []int{0, 1, 1000, Min/8 - 1, Min / 8, 3*Min/8 + 5} {
		s := Slice[int64](n)
		if len(s) != n || cap(s) != n {
			t.Fatalf("Slice(%d): len %d cap %d", n, len(s), cap(s))
		}
		for i := range s {
			if s[i] != 0 {
				t.Fatalf("Slice(%d)[%d] = %d, want 0", n, i, s[i])
			}
			s[i] = int64(i)
		}
		for i := range s {
			if s[i] != int64(i) {
				t.Fatalf("Slice(%d)[%d] = %d after writing %d", n, i, s[i], i)
			}
		}
	}
}
