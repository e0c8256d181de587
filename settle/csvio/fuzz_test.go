package csvio

import (
	"bytes"
	"testing"

	"downline/settle/engine"
	"downline/settle/plan"
)

const fuzzPlan = `name: F
currency: CNY
active_pv: 10
ranks:
  - name: M
  - name: G
    pv: 10
    gv: 30
    max_leg_pct: 50
    legs: {count: 1, rank: G}
bonuses:
  referral: {pct: 20}
  unilevel: {levels: [5, 33.3]}
  binary: {pct: 10, carry_cap: 100}
  matching: {levels: [10]}
  pool: {pct: 1, min_rank: G}
payout_cap_pct: 5
`

// FuzzRead feeds arbitrary members, orders and carry files through the readers,
// the builder and the engine: errors are fine, panics are not.
func FuzzRead(f *testing.F) {
	f.Add([]byte("member_id,sponsor_id,placement_id,side\nA,,,\nB,A,A,L\nC,B,A,r\n"),
		[]byte("order_id,member_id,kind,pv,bv\no1,A,repeat,100,100\no2,B,registration,12.5,-3\n"),
		[]byte("member_id,left,right\nA,1.25,0\n"))
	f.Add([]byte("side,member_id,placement_id,sponsor_id\r\nL,\"成,员\",,\n"), []byte("order_id,member_id,kind,pv,bv\n"), []byte(""))
	f.Add([]byte("member_id,sponsor_id,placement_id,side\nA,B,,\nB,A,,\n"), []byte("x"), []byte("member_id,left,right\nA,99999999999999999999999999.5,1\n"))
	p, err := plan.Parse([]byte(fuzzPlan))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, members, orders, carry []byte) {
		b := &engine.Builder{MembersFile: "m", OrdersFile: "o", CarryFile: "c"}
		if err := Read("m", bytes.NewReader(members), []string{"member_id", "sponsor_id", "placement_id", "side"},
			func(line int, v []string) error { return b.AddMember(line, v[0], v[1], v[2], v[3]) }); err != nil {
			return
		}
		if err := Read("o", bytes.NewReader(orders), []string{"order_id", "member_id", "kind", "pv", "bv"},
			func(line int, v []string) error { return b.AddOrder(line, v[0], v[1], v[2], v[3], v[4]) }); err != nil {
			return
		}
		if len(carry) > 0 {
			if err := Read("c", bytes.NewReader(carry), []string{"member_id", "left", "right"},
				func(line int, v []string) error { return b.AddCarry(line, v[0], v[1], v[2]) }); err != nil {
				return
			}
		}
		in, err := b.Build()
		if err != nil {
			return
		}
		res, err := engine.Run(p, in, engine.Options{})
		if err != nil {
			return
		}
		if res.Members.NumRows() != in.Members.NumRows() {
			t.Fatal("lost members")
		}
	})
}
