package csvio

import (
	"bytes"
	"fmt"
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

// FuzzReadBytes checks that the in-memory splitter yields the same records,
// line numbers and errors as the encoding/csv reader.
func FuzzReadBytes(f *testing.F) {
	f.Add([]byte("a,b,c\n1,2,3\r\n\n\"x,\"\"y\",,\n4,5,6\r"))
	f.Add([]byte("\ufeffc,b,a\r\n\"multi\nline\",2,3\n\r\n7,8\n"))
	f.Add([]byte("a,b,c\n1,\"2,3\n"))
	f.Add([]byte("a,b,c\n1,x\"y,3\n4,5,6\n"))
	f.Add([]byte("a,b,c\n1,2\r3,4\n\r"))
	want := []string{"c", "a"}
	f.Fuzz(func(t *testing.T, data []byte) {
		var got, exp []string
		err1 := Read("f", bytes.NewReader(data), want, func(line int, v []string) error {
			exp = append(exp, fmt.Sprintf("%d:%q", line, v))
			return nil
		})
		err2 := ReadBytes("f", data, want, nil, func(line int, v [][]byte) error {
			got = append(got, fmt.Sprintf("%d:%q", line, v))
			return nil
		})
		if fmt.Sprint(err1) != fmt.Sprint(err2) {
			t.Fatalf("errors differ: encoding/csv %v, splitter %v", err1, err2)
		}
		if fmt.Sprint(exp) != fmt.Sprint(got) {
			t.Fatalf("records differ:\nencoding/csv %v\nsplitter     %v", exp, got)
		}
	})
}
