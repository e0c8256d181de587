package engine_test

import (
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"downline/settle/engine"
	"downline/settle/plan"
)

// benchPlan is the realistic plan of bench/settle.
const benchPlan = `name: Benchmark Plan
currency: CNY
active_pv: 100
ranks:
  - name: Member
  - {name: Bronze, pv: 100, gv: 1000}
  - {name: Silver, pv: 100, gv: 5000, max_leg_pct: 60}
  - {name: Gold, pv: 200, gv: 20000, max_leg_pct: 50, legs: {count: 2, rank: Silver}}
  - {name: Diamond, pv: 200, gv: 100000, max_leg_pct: 40, legs: {count: 3, rank: Gold}}
bonuses:
  referral: {pct: 20}
  unilevel:
    levels: [5, 5, 4, 3, 2, 1, 1]
    depth_by_rank: {Member: 1, Bronze: 3, Silver: 5, Gold: 7, Diamond: 7}
  binary:
    pct: 10
    cap_by_rank: {Member: 500, Bronze: 2000, Silver: 5000, Gold: 20000, Diamond: 50000}
    carry_cap: 50000
  matching: {levels: [10, 5], min_rank: Silver}
  pool: {pct: 2, min_rank: Gold, shares_by_rank: {Gold: 1, Diamond: 3}}
payout_cap_pct: 45
`

// benchInput generates n members in memory, shaped like bench/settle: half the
// sponsors recent members, placement a complete binary tree, about two orders'
// worth of volume per member at scale 1.
func benchInput(n int) engine.Input {
	r := rand.New(rand.NewPCG(1, 1))
	ids := make([]string, n)
	sp, pl := make([]int32, n), make([]int32, n)
	side := make([]int8, n)
	pv, bv, reg := make([]decimal128.Num, n), make([]decimal128.Num, n), make([]decimal128.Num, n)
	cl, cr := make([]decimal128.Num, n), make([]decimal128.Num, n)
	for i := 0; i < n; i++ {
		ids[i] = "M" + strconv.Itoa(i)
		sp[i], pl[i] = -1, -1
		if i > 0 {
			s := r.IntN(i)
			if r.IntN(2) == 0 && i > 1000 {
				s = i - 1 - r.IntN(1000)
			}
			sp[i], pl[i] = int32(s), int32((i-1)/2)
			side[i] = engine.Left
			if i%2 == 0 {
				side[i] = engine.Right
			}
		}
		p := int64(500 + r.IntN(4000))
		pv[i], bv[i], reg[i] = decimal128.FromI64(p), decimal128.FromI64(p*8/10), decimal128.FromI64(p*4/10)
		if i%7 == 0 {
			cl[i], cr[i] = decimal128.FromI64(int64(r.IntN(30000))), decimal128.FromI64(int64(r.IntN(3000)))
		}
	}
	return engine.Input{Members: engine.NewMembers(ids, sp, pl, side), Volumes: engine.NewVolumes(1, pv, bv, reg, cl, cr)}
}

// BenchmarkEngine runs the engine alone on SETTLE_BENCH_MEMBERS members
// (default 100,000; the documented figure uses 10,000,000).
func BenchmarkEngine(b *testing.B) {
	n := 100_000
	if s := os.Getenv("SETTLE_BENCH_MEMBERS"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	p, err := plan.Parse([]byte(benchPlan))
	if err != nil {
		b.Fatal(err)
	}
	in := benchInput(n)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		stages := map[string]time.Time{}
		last := ""
		res, err := engine.Run(p, in, engine.Options{Progress: func(s string) {
			now := time.Now()
			if last != "" {
				b.ReportMetric(now.Sub(stages[last]).Seconds(), "s/"+strings.ReplaceAll(last, " ", "_"))
			}
			stages[s], last = now, s
		}})
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(time.Since(stages[last]).Seconds(), "s/"+last)
		b.ReportMetric(float64(res.Lines.NumRows()), "lines")
	}
}
