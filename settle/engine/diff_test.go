package engine_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"downline/settle/csvio"
	"downline/settle/engine"
	"downline/settle/plan"
)

// period is one generated case: a plan document and three CSV files.
type period struct {
	plan                   string
	members, orders, carry string
	refMembers             []refMember
	refOrders              []refOrder
	refCarry               []refCarry
}

var idAlphabet = []string{"a", "b", "Z", "0", "9", "é", "成", "员", "😀", "-", "_", ",", `"`, " ", "Ω"}

func genID(r *rand.Rand, used map[string]bool, i int) string {
	for {
		var b strings.Builder
		switch r.IntN(4) {
		case 0:
			fmt.Fprintf(&b, "M%d", i)
		case 1:
			fmt.Fprintf(&b, "%06d", r.IntN(1000000))
		default:
			for k := 1 + r.IntN(4); k > 0; k-- {
				b.WriteString(idAlphabet[r.IntN(len(idAlphabet))])
			}
		}
		if s := b.String(); !used[s] {
			used[s] = true
			return s
		}
	}
}

var pcts = []string{"0", "0.75", "1", "2.5", "5", "10", "12.345", "33.3", "50", "100"}

// huge makes some periods overflow int64 so that the decimal fallback runs.
var huge bool

func genVolume(r *rand.Rand, decimals int, allowNeg bool) decimal.Decimal {
	v := decimal.New(r.Int64N(30000), -int32(decimals))
	if huge && r.IntN(3) == 0 {
		v = decimal.New(r.Int64N(1<<62), -int32(decimals))
	}
	if r.IntN(8) == 0 {
		v = decimal.Zero
	}
	if allowNeg && r.IntN(6) == 0 {
		v = v.Neg()
	}
	return v
}

func genPeriod(r *rand.Rand, n int, shape int) period {
	var pd period
	used := map[string]bool{}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = genID(r, used, i)
	}
	sponsor := make([]int, n)
	for i := range sponsor {
		switch {
		case i == 0 || r.IntN(40) == 0:
			sponsor[i] = -1
		case shape == 0: // long chain
			sponsor[i] = i - 1
		case shape == 1: // wide fan
			sponsor[i] = 0
		default:
			sponsor[i] = r.IntN(i)
		}
	}
	// Placement: each member under a random earlier member with a free slot.
	pl := make([]int, n)
	side := make([]byte, n)
	taken := map[[2]int]bool{}
	for i := range pl {
		pl[i] = -1
		if i == 0 || r.IntN(30) == 0 {
			continue
		}
		for try := 0; try < 20; try++ {
			p := r.IntN(i)
			if shape == 0 {
				p = i - 1
			}
			s := 0
			if r.IntN(2) == 0 {
				s = 1
			}
			if taken[[2]int{p, s}] {
				s = 1 - s
			}
			if !taken[[2]int{p, s}] {
				taken[[2]int{p, s}] = true
				pl[i], side[i] = p, "LR"[s]
				break
			}
		}
	}
	decimals := r.IntN(3)
	var mb, ob, cb bytes.Buffer
	mw := csv.NewWriter(&mb)
	mw.Write([]string{"side", "member_id", "extra", "placement_id", "sponsor_id"})
	for _, i := range r.Perm(n) {
		m := refMember{id: ids[i]}
		if sponsor[i] >= 0 {
			m.sponsor = ids[sponsor[i]]
		}
		sd := ""
		if pl[i] >= 0 {
			m.placement, m.side = ids[pl[i]], side[i]
			sd = string(side[i])
			if r.IntN(3) == 0 {
				sd = strings.ToLower(sd)
			}
		}
		pd.refMembers = append(pd.refMembers, m)
		mw.Write([]string{sd, m.id, "x", m.placement, m.sponsor})
	}
	mw.Flush()
	ow := csv.NewWriter(&ob)
	ow.Write([]string{"order_id", "member_id", "kind", "pv", "bv"})
	kinds := []string{"registration", "repeat", "return"}
	for k := 0; n > 0 && k < n*2; k++ {
		o := refOrder{id: fmt.Sprintf("o%d", k), member: ids[r.IntN(n)], kind: kinds[r.IntN(3)]}
		o.pv, o.bv = genVolume(r, decimals, false), genVolume(r, decimals, false)
		if o.kind == "return" {
			o.pv, o.bv = o.pv.Neg(), o.bv.Neg()
		}
		pd.refOrders = append(pd.refOrders, o)
		ow.Write([]string{o.id, o.member, o.kind, o.pv.String(), o.bv.String()})
	}
	ow.Flush()
	if r.IntN(2) == 0 {
		cw := csv.NewWriter(&cb)
		cw.Write([]string{"member_id", "left", "right"})
		for i := 0; i < n; i++ {
			if r.IntN(4) == 0 {
				c := refCarry{ids[i], genVolume(r, r.IntN(3), false), genVolume(r, 0, false)}
				pd.refCarry = append(pd.refCarry, c)
				cw.Write([]string{c.member, c.left.String(), c.right.String()})
			}
		}
		cw.Flush()
		pd.carry = cb.String()
	}
	pd.members, pd.orders = mb.String(), ob.String()
	pd.plan = genPlan(r)
	return pd
}

func genPlan(r *rand.Rand) string {
	pick := func() string { return pcts[r.IntN(len(pcts))] }
	var b strings.Builder
	fmt.Fprintf(&b, "name: Random\ncurrency: CNY\nscale: %d\nactive_pv: %d\nranks:\n  - name: R0\n", r.IntN(4), r.IntN(3)*1000)
	nr := 1 + r.IntN(4)
	for k := 1; k < nr; k++ {
		fmt.Fprintf(&b, "  - name: R%d\n    pv: %d\n    gv: \"%d.%d\"\n", k, r.IntN(3)*500, r.IntN(60000*k), r.IntN(10))
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, "    max_leg_pct: %s\n", pick())
		}
		if r.IntN(3) == 0 {
			fmt.Fprintf(&b, "    legs: {count: %d, rank: R%d}\n", 1+r.IntN(2), r.IntN(nr))
		}
	}
	byRank := func(from int, val func() string) string {
		var parts []string
		for k := from; k < nr; k++ {
			parts = append(parts, fmt.Sprintf("R%d: %s", k, val()))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	levels := func() string {
		var ls []string
		for k := 1 + r.IntN(5); k > 0; k-- {
			ls = append(ls, pick())
		}
		return "[" + strings.Join(ls, ", ") + "]"
	}
	b.WriteString("bonuses:\n")
	if r.IntN(3) > 0 {
		fmt.Fprintf(&b, "  referral: {pct: %s}\n", pick())
	}
	if r.IntN(3) > 0 {
		fmt.Fprintf(&b, "  unilevel:\n    levels: %s\n", levels())
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, "    depth_by_rank: %s\n", byRank(0, func() string { return fmt.Sprint(r.IntN(6)) }))
		}
	}
	binary := r.IntN(3) > 0
	if binary {
		fmt.Fprintf(&b, "  binary:\n    pct: %s\n", pick())
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, "    cap_by_rank: %s\n", byRank(0, func() string { return fmt.Sprintf("%d.%03d", r.IntN(2000), r.IntN(1000)) }))
		}
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, "    carry_cap: %d.5\n", r.IntN(50000))
		}
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, "  matching: {levels: %s, min_rank: R%d}\n", levels(), r.IntN(nr))
		}
	}
	if r.IntN(2) == 0 {
		min := r.IntN(nr)
		fmt.Fprintf(&b, "  pool:\n    pct: %s\n    min_rank: R%d\n", pick(), min)
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, "    shares_by_rank: %s\n", byRank(min, func() string { return fmt.Sprintf("%d.%d", r.IntN(3), r.IntN(10)) }))
		}
	}
	if r.IntN(2) == 0 {
		fmt.Fprintf(&b, "payout_cap_pct: %s\n", []string{"1", "5", "20", "33.3", "45", "100"}[r.IntN(6)])
	}
	return b.String()
}

// engineCSV runs the engine on the period's files and returns the three outputs.
func engineCSV(t *testing.T, pd period, exact bool) (string, string, string) {
	t.Helper()
	dir := t.TempDir()
	write := func(name, s string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	files := csvio.Files{Members: write("members.csv", pd.members), Orders: write("orders.csv", pd.orders)}
	if pd.carry != "" {
		files.Carry = write("carry.csv", pd.carry)
	}
	p, err := plan.Parse([]byte(pd.plan))
	if err != nil {
		t.Fatalf("plan: %v\n%s", err, pd.plan)
	}
	in, err := csvio.Load(files, nil)
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	res, err := engine.Run(p, in, engine.Options{Exact: exact})
	if err != nil {
		t.Fatalf("run: %v", err)
	}
	out := filepath.Join(dir, "out")
	if err := csvio.WriteDir(out, res); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	return read("bonuses.csv"), read("summary.csv"), read("carry.csv")
}

func TestDifferential(t *testing.T) {
	cases := 400
	if testing.Short() {
		cases = 60
	}
	for c := 0; c < cases; c++ {
		r := rand.New(rand.NewPCG(uint64(c), 7))
		n := []int{0, 1, 2, 3, 5, 8, 13, 30, 60}[r.IntN(9)]
		if c%50 == 49 {
			n = 250
		}
		shape := r.IntN(4)
		huge = c%10 == 9
		pd := genPeriod(r, n, shape)
		huge = false
		p, err := plan.Parse([]byte(pd.plan))
		if err != nil {
			t.Fatalf("case %d plan: %v\n%s", c, err, pd.plan)
		}
		wb, ws, wc := reference(p, pd.refMembers, pd.refOrders, pd.refCarry)
		for _, exact := range []bool{false, true} {
			gb, gs, gc := engineCSV(t, pd, exact)
			for _, f := range []struct{ name, got, want string }{{"bonuses", gb, wb}, {"summary", gs, ws}, {"carry", gc, wc}} {
				if f.got != f.want {
					t.Fatalf("case %d (n=%d shape=%d exact=%v) %s differs\nplan:\n%s\nmembers:\n%s\norders:\n%s\ncarry:\n%s\ngot:\n%s\nwant:\n%s",
						c, n, shape, exact, f.name, pd.plan, pd.members, pd.orders, pd.carry, f.got, f.want)
				}
			}
		}
	}
}

// TestOverflowFallback: volumes whose sums leave int64 are settled exactly by the
// decimal path, with the same results as the reference.
func TestOverflowFallback(t *testing.T) {
	pd := period{
		plan:    "name: O\ncurrency: CNY\nranks: [{name: M}]\nbonuses:\n  unilevel: {levels: [33.3]}\n  binary: {pct: 10}\npayout_cap_pct: 50\n",
		members: "member_id,sponsor_id,placement_id,side\nA,,,\nB,A,A,L\nC,A,A,R\n",
		orders:  "order_id,member_id,kind,pv,bv\no1,B,repeat,9000000000000000000.5,9000000000000000000.5\no2,C,repeat,8000000000000000000,8000000000000000000\n",
	}
	pd.refMembers = []refMember{{id: "A"}, {id: "B", sponsor: "A", placement: "A", side: 'L'}, {id: "C", sponsor: "A", placement: "A", side: 'R'}}
	big1, _ := decimal.NewFromString("9000000000000000000.5")
	big2, _ := decimal.NewFromString("8000000000000000000")
	pd.refOrders = []refOrder{{"o1", "B", "repeat", big1, big1}, {"o2", "C", "repeat", big2, big2}}
	p, err := plan.Parse([]byte(pd.plan))
	if err != nil {
		t.Fatal(err)
	}
	wb, ws, wc := reference(p, pd.refMembers, pd.refOrders, nil)
	gb, gs, gc := engineCSV(t, pd, false)
	if gb != wb || gs != ws || gc != wc {
		t.Fatalf("got\n%s%s%s\nwant\n%s%s%s", gb, gs, gc, wb, ws, wc)
	}
	in, err := csvio.Load(csvio.Files{Members: writeTemp(t, pd.members), Orders: writeTemp(t, pd.orders)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := engine.Run(p, in, engine.Options{})
	if err != nil || !res.Exact {
		t.Fatalf("exact fallback not used: %v", err)
	}
}

func writeTemp(t *testing.T, s string) string {
	path := filepath.Join(t.TempDir(), "f.csv")
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
