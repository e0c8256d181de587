package neo4j

import "testing"

func TestNextWindow(t *testing.T) {
	for _, c := range []struct{ window, prev, last, want int }{
		{1, 1, 1, 2},       // a chain doubles
		{32, 1, 1, 64},     // up to the cap
		{64, 1, 1, 64},     //
		{1, 1, 3, 2},       // a small team: 3, then 9 and 27 fit
		{4, 1000, 2000, 1}, // a bushy tree: one level at a time
		{8, 3000, 3000, 1}, // a wide flat level already fills a query
		{2, 10, 20, 4},     // 40+80+160+320 fit
		{1, 100000, 1, 2},  // shrinking levels
	} {
		if got := nextWindow(c.window, c.prev, c.last); got != c.want {
			t.Errorf("nextWindow(%d, %d, %d) = %d, want %d", c.window, c.prev, c.last, got, c.want)
		}
	}
}
