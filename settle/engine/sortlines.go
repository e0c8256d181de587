package engine

import (
	"runtime"
	"sync"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// parallel runs f(0), ..., f(k-1) on k goroutines and waits; a panic in one
// (an overflow of the fast path) is raised again in the caller.
func parallel(k int, f func(w int)) {
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		caught any
	)
	for w := 0; w < k; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					mu.Lock()
					caught = r
					mu.Unlock()
				}
			}()
			f(w)
		}()
	}
	wg.Wait()
	if caught != nil {
		panic(caught)
	}
}

// sortLines returns the lines sorted by earner position, stably: every earner's
// lines stay in the order of the bonuses (by name) and, within one bonus, in
// the order made. It is a counting sort on every core: each core counts and
// then places the lines of one run of blocks, after those of the runs before
// it for the same earner. Each block is freed once placed.
func (s *period[N, A]) sortLines() []line[N] {
	n := s.c.n
	var blocks [][]line[N]
	total := 0
	for _, ls := range s.lineSets() {
		blocks = append(blocks, ls.blocks...)
		total += ls.n
		*ls = lineSet[N]{}
	}
	w := max(1, min(runtime.GOMAXPROCS(0), len(blocks)))
	cut := func(i int) int { return len(blocks) * i / w }
	next := make([][]int32, w)
	parallel(w, func(i int) {
		cnt := make([]int32, n)
		for _, blk := range blocks[cut(i):cut(i+1)] {
			for j := range blk {
				cnt[blk[j].earner]++
			}
		}
		next[i] = cnt
	})
	// next[i][e] becomes where run i places its first line of earner e.
	at := int32(0)
	for e := 0; e < n; e++ {
		for i := range next {
			c := next[i][e]
			next[i][e] = at
			at += c
		}
	}
	sorted := make([]line[N], total)
	parallel(w, func(i int) {
		nx := next[i]
		for b := cut(i); b < cut(i+1); b++ {
			blk := blocks[b]
			for j := range blk {
				l := &blk[j]
				sorted[nx[l.earner]] = *l
				nx[l.earner]++
			}
			blocks[b] = nil
		}
	})
	return sorted
}

// lineColumns are the columns of Result.Lines being filled, with the sums of
// the lines kept.
type lineColumns struct {
	member, source, level []int32
	kind                  []uint8
	amount, beforeCap     []decimal128.Num
	n                     int // lines kept
}

// lineTotals are the sums over a range of sorted lines.
type lineTotals[N any] struct {
	before, paid N
	byBonus      [len(BonusNames)]N
	err          error
}

// convertLines applies the payout ratio to the sorted lines and fills the
// columns of the lines whose amount stays non-zero, and earnByPos, on every
// core: each converts a range of whole earners into its own place in the
// columns, and the ranges are then moved together.
func (s *period[N, A]) convertLines(sorted []line[N], ratio bool, earnByPos []N) (*lineColumns, lineTotals[N]) {
	a, m := s.a, s.p.Scale
	total := len(sorted)
	c := &lineColumns{
		member: make([]int32, total), source: make([]int32, total), level: make([]int32, total),
		kind: make([]uint8, total), amount: make([]decimal128.Num, total), beforeCap: make([]decimal128.Num, total),
	}
	w := max(1, runtime.GOMAXPROCS(0))
	bounds := make([]int, w+1)
	for i := 1; i < w; i++ {
		j := max(total*i/w, bounds[i-1])
		for j > 0 && j < total && sorted[j].earner == sorted[j-1].earner {
			j++
		}
		bounds[i] = j
	}
	bounds[w] = total
	kept := make([]int, w)
	parts := make([]lineTotals[N], w)
	inputIndex := s.byPos
	parallel(w, func(i int) {
		t := &parts[i]
		t.before, t.paid = a.zero(), a.zero()
		for k := range t.byBonus {
			t.byBonus[k] = a.zero()
		}
		out := bounds[i]
		for j := bounds[i]; j < bounds[i+1]; j++ {
			l := &sorted[j]
			t.before = a.add(t.before, l.amount)
			after := l.amount
			if ratio {
				after = a.scaleLine(l.amount)
			}
			if a.sign(after) == 0 {
				continue
			}
			t.paid = a.add(t.paid, after)
			t.byBonus[l.kind] = a.add(t.byBonus[l.kind], after)
			earnByPos[l.earner] = a.add(earnByPos[l.earner], after)
			v, ok1 := a.toD128(after, m)
			b, ok2 := a.toD128(l.amount, m)
			if !ok1 || !ok2 {
				t.err = errRange
				return
			}
			c.member[out], c.kind[out], c.source[out], c.level[out] = inputIndex[l.earner], l.kind, l.source, l.level
			c.amount[out], c.beforeCap[out] = v, b
			out++
		}
		kept[i] = out - bounds[i]
	})
	var t lineTotals[N]
	t.before, t.paid = a.zero(), a.zero()
	for k := range t.byBonus {
		t.byBonus[k] = a.zero()
	}
	for i, p := range parts {
		if p.err != nil {
			return nil, p
		}
		t.before, t.paid = a.add(t.before, p.before), a.add(t.paid, p.paid)
		for k := range t.byBonus {
			t.byBonus[k] = a.add(t.byBonus[k], p.byBonus[k])
		}
		lo, to := bounds[i], c.n
		if lo != to {
			copy(c.member[to:], c.member[lo:lo+kept[i]])
			copy(c.kind[to:], c.kind[lo:lo+kept[i]])
			copy(c.source[to:], c.source[lo:lo+kept[i]])
			copy(c.level[to:], c.level[lo:lo+kept[i]])
			copy(c.amount[to:], c.amount[lo:lo+kept[i]])
			copy(c.beforeCap[to:], c.beforeCap[lo:lo+kept[i]])
		}
		c.n += kept[i]
	}
	c.member, c.kind, c.source, c.level = c.member[:c.n], c.kind[:c.n], c.source[:c.n], c.level[:c.n]
	c.amount, c.beforeCap = c.amount[:c.n], c.beforeCap[:c.n]
	return c, t
}
