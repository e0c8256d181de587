package engine

import (
	"runtime"
	"sync"
	"sync/atomic"

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

// convertLines applies the payout ratio to the lines (chunks of whole earners,
// in order) and fills the columns of the lines whose amount stays non-zero,
// and earnByPos, on every core: each chunk is converted into its own place in
// the columns, and the chunks are then moved together. Each chunk is freed
// once converted.
func (s *period[N, A]) convertLines(chunks [][]line[N], ratio bool, earnByPos []N) (*lineColumns, lineTotals[N]) {
	a, m := s.a, s.p.Scale
	base := make([]int, len(chunks)+1)
	for i, c := range chunks {
		base[i+1] = base[i] + len(c)
	}
	total := base[len(chunks)]
	c := &lineColumns{
		member: make([]int32, total), source: make([]int32, total), level: make([]int32, total),
		kind: make([]uint8, total), amount: make([]decimal128.Num, total), beforeCap: make([]decimal128.Num, total),
	}
	w := max(1, min(runtime.GOMAXPROCS(0), len(chunks)))
	kept := make([]int, len(chunks))
	parts := make([]lineTotals[N], w)
	inputIndex := s.byPos
	var next atomic.Int32
	parallel(w, func(i int) {
		t := &parts[i]
		t.before, t.paid = a.zero(), a.zero()
		for k := range t.byBonus {
			t.byBonus[k] = a.zero()
		}
		for ch := int(next.Add(1)) - 1; ch < len(chunks); ch = int(next.Add(1)) - 1 {
			out := base[ch]
			lines := chunks[ch]
			for j := range lines {
				l := &lines[j]
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
			kept[ch] = out - base[ch]
			chunks[ch] = nil
		}
	})
	var t lineTotals[N]
	t.before, t.paid = a.zero(), a.zero()
	for k := range t.byBonus {
		t.byBonus[k] = a.zero()
	}
	for _, p := range parts {
		if p.err != nil {
			return nil, p
		}
		t.before, t.paid = a.add(t.before, p.before), a.add(t.paid, p.paid)
		for k := range t.byBonus {
			t.byBonus[k] = a.add(t.byBonus[k], p.byBonus[k])
		}
	}
	for ch := range chunks {
		lo, to, k := base[ch], c.n, kept[ch]
		if lo != to {
			copy(c.member[to:], c.member[lo:lo+k])
			copy(c.kind[to:], c.kind[lo:lo+k])
			copy(c.source[to:], c.source[lo:lo+k])
			copy(c.level[to:], c.level[lo:lo+k])
			copy(c.amount[to:], c.amount[lo:lo+k])
			copy(c.beforeCap[to:], c.beforeCap[lo:lo+k])
		}
		c.n += k
	}
	c.member, c.kind, c.source, c.level = c.member[:c.n], c.kind[:c.n], c.source[:c.n], c.level[:c.n]
	c.amount, c.beforeCap = c.amount[:c.n], c.beforeCap[:c.n]
	return c, t
}
