// Command settle-gen writes a synthetic period (plan.yaml, members.csv,
// orders.csv, carry.csv) for benchmarking `downline settle simulate`.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
)

const planYAML = `name: Benchmark Plan
currency: CNY
scale: 2
active_pv: 100
ranks:
  - name: Member
  - name: Bronze
    pv: 100
    gv: 1000
  - name: Silver
    pv: 100
    gv: 5000
    max_leg_pct: 60
  - name: Gold
    pv: 200
    gv: 20000
    max_leg_pct: 50
    legs: {count: 2, rank: Silver}
  - name: Diamond
    pv: 200
    gv: 100000
    max_leg_pct: 40
    legs: {count: 3, rank: Gold}
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

func main() {
	n := flag.Int("members", 1_000_000, "members")
	orders := flag.Int("orders", 2_000_000, "orders")
	out := flag.String("out", "bench-data", "output directory")
	seed := flag.Uint64("seed", 1, "random seed")
	flag.Parse()
	r := rand.New(rand.NewPCG(*seed, 1))
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	must(os.WriteFile(filepath.Join(*out, "plan.yaml"), []byte(planYAML), 0o644))
	id := func(i int) string { return "M" + strconv.Itoa(i) }
	write(filepath.Join(*out, "members.csv"), func(w *bufio.Writer) {
		w.WriteString("member_id,sponsor_id,placement_id,side\n")
		for i := 0; i < *n; i++ {
			if i == 0 {
				w.WriteString("M0,,,\n")
				continue
			}
			// Half the sponsors are recent members (deep, active teams), half anyone.
			s := r.IntN(i)
			if r.IntN(2) == 0 && i > 1000 {
				s = i - 1 - r.IntN(1000)
			}
			p := (i - 1) / 2
			side := "L"
			if i%2 == 0 {
				side = "R"
			}
			fmt.Fprintf(w, "%s,%s,%s,%s\n", id(i), id(s), id(p), side)
		}
	})
	write(filepath.Join(*out, "orders.csv"), func(w *bufio.Writer) {
		w.WriteString("order_id,member_id,kind,pv,bv\n")
		for k := 0; k < *orders; k++ {
			m, kind := k, "registration"
			if k >= *n {
				m, kind = r.IntN(*n), "repeat"
			}
			pv := 50 + r.IntN(200)
			bv := pv * 8 / 10
			if kind == "repeat" && r.IntN(20) == 0 {
				kind = "return"
				pv, bv = -pv/4, -bv/4
			}
			fmt.Fprintf(w, "O%d,%s,%s,%d.%d,%d\n", k, id(m), kind, pv, r.IntN(10), bv)
		}
	})
	write(filepath.Join(*out, "carry.csv"), func(w *bufio.Writer) {
		w.WriteString("member_id,left,right\n")
		for i := 0; i < *n; i += 7 {
			fmt.Fprintf(w, "%s,%d,%d\n", id(i), r.IntN(3000), r.IntN(300))
		}
	})
}

func write(path string, body func(*bufio.Writer)) {
	f, err := os.Create(path)
	must(err)
	w := bufio.NewWriterSize(f, 1<<20)
	body(w)
	must(w.Flush())
	must(f.Close())
}

func must(err error) {
	if err != nil {
		log.Fatal(err)
	}
}
