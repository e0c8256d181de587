package csvio

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"downline/settle/engine"
)

// loadOrdersWith reads members, orders and carry files held in memory, the
// orders in cores runs at once (1: in one go), and returns the input or the
// first error.
func loadOrdersWith(members, orders, carry []byte, cores int) (string, error) {
	b := &engine.Builder{MembersFile: "m", OrdersFile: "o", CarryFile: "c"}
	if err := ReadBytes("m", members, []string{"member_id", "sponsor_id", "placement_id", "side"}, nil,
		func(line int, v [][]byte) error { return b.AddMemberBytes(line, v[0], v[1], v[2], v[3]) }); err != nil {
		return "", err
	}
	if err := readOrders("o", orders, b, nil, cores, 0); err != nil {
		return "", err
	}
	if len(carry) > 0 {
		if err := ReadBytes("c", carry, []string{"member_id", "left", "right"}, nil,
			func(line int, v [][]byte) error { return b.AddCarryBytes(line, v[0], v[1], v[2]) }); err != nil {
			return "", err
		}
	}
	in, err := b.Build()
	if err != nil {
		return "", err
	}
	var d strings.Builder
	for c := 0; c < int(in.Members.NumCols()); c++ {
		fmt.Fprintf(&d, "%s\n", in.Members.Column(c))
	}
	for c := 0; c < int(in.Volumes.NumCols()); c++ {
		col := in.Volumes.Column(c).(*array.Decimal128)
		fmt.Fprintf(&d, "%s %s\n", col.DataType(), col)
	}
	return d.String(), nil
}

// checkChunks compares reading the orders in runs on several cores with
// reading them in one go: the same input or the same first error.
func checkChunks(t *testing.T, members, orders, carry []byte, cores int) {
	t.Helper()
	want, err1 := loadOrdersWith(members, orders, carry, 1)
	got, err2 := loadOrdersWith(members, orders, carry, cores)
	if fmt.Sprint(err1) != fmt.Sprint(err2) {
		t.Fatalf("%d runs: error %v, in one go %v\norders:\n%s", cores, err2, err1, orders)
	}
	if got != want {
		t.Fatalf("%d runs: input differs from one go\ngot  %s\nwant %s", cores, got, want)
	}
}

// randomPeriod writes a small period whose files go wrong in the ways a reader
// can see: unknown or repeated ids, bad kinds and numbers, short rows, bad
// trees, blank lines and CRLF, numbers beyond int64.
func randomPeriod(r *rand.Rand) (members, orders, carry []byte) {
	n := 1 + r.IntN(20)
	var m strings.Builder
	m.WriteString("member_id,sponsor_id,placement_id,side\n")
	for i := 0; i < n; i++ {
		sp := ""
		if i > 0 {
			sp = fmt.Sprintf("M%d", r.IntN(i))
		}
		if r.IntN(150) == 0 {
			sp = fmt.Sprintf("M%d", n+1) // unknown sponsor
		}
		if r.IntN(150) == 0 && i > 0 {
			sp = fmt.Sprintf("M%d", i) // cycle
		}
		fmt.Fprintf(&m, "M%d,%s,,\n", i, sp)
	}
	var o strings.Builder
	nl := "\n"
	if r.IntN(3) == 0 {
		nl = "\r\n"
	}
	o.WriteString("member_id,pv,order_id,bv,kind" + nl)
	rows := r.IntN(60)
	bad := r.IntN(3) == 0
	for k := 0; k < rows; k++ {
		id := fmt.Sprintf("o%d", k)
		if r.IntN(25) == 0 && k > 0 {
			id = fmt.Sprintf("o%d", r.IntN(k))
		}
		if r.IntN(40) == 0 {
			id = fmt.Sprintf("o%d", k) + "x"
		}
		member := fmt.Sprintf("M%d", r.IntN(n))
		kind := []string{"registration", "repeat", "return"}[r.IntN(3)]
		pv := fmt.Sprintf("%d.%d", r.IntN(300)-30, r.IntN(100))
		bv := fmt.Sprint(r.IntN(200))
		switch {
		case r.IntN(30) == 0:
			bv = "9" + strings.Repeat("8", 20+r.IntN(30))
		case r.IntN(30) == 0:
			pv = "0." + strings.Repeat("0", r.IntN(20)) + "1"
		}
		if bad {
			switch r.IntN(40) {
			case 0:
				member = "nobody"
			case 1:
				kind = "refund"
			case 2:
				pv = "1e3"
			case 3:
				bv = ""
			case 4:
				id = ""
			case 5:
				fmt.Fprintf(&o, "%s,%s%s", member, pv, nl)
				continue
			}
		}
		if r.IntN(20) == 0 {
			o.WriteString(nl)
		}
		fmt.Fprintf(&o, "%s,%s,%s,%s,%s", member, pv, id, bv, kind)
		if k < rows-1 || r.IntN(2) == 0 {
			o.WriteString(nl)
		}
	}
	var c strings.Builder
	if r.IntN(2) == 0 {
		c.WriteString("member_id,left,right\n")
		for i := 0; i < n; i += 1 + r.IntN(3) {
			fmt.Fprintf(&c, "M%d,%d.5,%d\n", i, r.IntN(100), r.IntN(100))
		}
	}
	return []byte(m.String()), []byte(o.String()), []byte(c.String())
}

func TestReadOrdersInRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	for i := 0; i < 3000; i++ {
		m, o, c := randomPeriod(r)
		checkChunks(t, m, o, c, 2+r.IntN(5))
	}
}

// FuzzReadOrdersInRuns checks reading an orders file in runs against reading
// it in one go.
func FuzzReadOrdersInRuns(f *testing.F) {
	members := []byte("member_id,sponsor_id,placement_id,side\nA,,,\nB,A,A,L\nC,B,A,R\n")
	f.Add([]byte("order_id,member_id,kind,pv,bv\no1,A,repeat,100,100\no2,B,registration,12.5,-3\no1,C,repeat,1,1\n"), uint8(2))
	f.Add([]byte("order_id,member_id,kind,pv,bv\r\n\r\no1,A,repeat,1,1\r\no2,X,repeat,1,1\r\n"), uint8(3))
	f.Add([]byte("bv,pv,kind,member_id,order_id\n1,2,return,C,\n3,4,refund,B,o\n5,6,repeat,A,o\n"), uint8(4))
	f.Fuzz(func(t *testing.T, orders []byte, cores uint8) {
		checkChunks(t, members, orders, nil, 2+int(cores%6))
	})
}
