package csvio

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"

	"downline/settle/engine"
)

// loadWith reads members, orders and carry files held in memory, the members
// in memberCores runs at once and the orders in orderCores (1: in one go), and
// returns the input or the first error.
func loadWith(members, orders, carry []byte, memberCores, orderCores int) (string, error) {
	b := &engine.Builder{MembersFile: "m", OrdersFile: "o", CarryFile: "c"}
	if err := readMembers("m", members, b, nil, memberCores, 0); err != nil {
		return "", err
	}
	var readCarry func(add engine.CarryRow) error
	if len(carry) > 0 {
		readCarry = func(add engine.CarryRow) error {
			return ReadBytes("c", carry, carryColumns, nil, func(line int, v [][]byte) error { return add(line, v[0], v[1], v[2]) })
		}
	}
	if err := readOrders("o", orders, b, nil, orderCores, 0, readCarry); err != nil {
		return "", err
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

// checkChunks compares reading the members and the orders in runs on several
// cores with reading them in one go: the same input or the same first error.
func checkChunks(t *testing.T, members, orders, carry []byte, memberCores, orderCores int) {
	t.Helper()
	want, err1 := loadWith(members, orders, carry, 1, 1)
	got, err2 := loadWith(members, orders, carry, memberCores, orderCores)
	if fmt.Sprint(err1) != fmt.Sprint(err2) {
		t.Fatalf("%d, %d runs: error %v, in one go %v\nmembers:\n%s\norders:\n%s", memberCores, orderCores, err2, err1, members, orders)
	}
	if got != want {
		t.Fatalf("%d, %d runs: input differs from one go\ngot  %s\nwant %s", memberCores, orderCores, got, want)
	}
}

// randomPeriod writes a small period whose files go wrong in the ways a reader
// can see: unknown or repeated ids, bad kinds and numbers, short rows, bad
// trees, blank lines and CRLF, numbers beyond int64.
func randomPeriod(r *rand.Rand) (members, orders, carry []byte) {
	n := 1 + r.IntN(20)
	var m strings.Builder
	mnl := "\n"
	if r.IntN(3) == 0 {
		mnl = "\r\n"
	}
	m.WriteString("side,member_id,placement_id,sponsor_id" + mnl)
	badMembers := r.IntN(3) == 0
	for i := 0; i < n; i++ {
		id, sp, pl, side := fmt.Sprintf("M%d", i), "", "", ""
		if i > 0 {
			sp = fmt.Sprintf("M%d", r.IntN(i))
			pl, side = fmt.Sprintf("M%d", (i-1)/2), []string{"R", "L"}[i%2]
		}
		if r.IntN(150) == 0 {
			sp = fmt.Sprintf("M%d", n+1) // unknown sponsor
		}
		if r.IntN(150) == 0 && i > 0 {
			sp = fmt.Sprintf("M%d", i) // cycle
		}
		if badMembers {
			switch r.IntN(40) {
			case 0:
				id = fmt.Sprintf("M%d", r.IntN(i+1)) // repeated, or an unknown one after
			case 1:
				id = ""
			case 2:
				side = "X"
			case 3:
				side = ""
			case 4:
				pl = ""
			case 5:
				pl = fmt.Sprintf("M%d", r.IntN(i+1)) // a taken slot, or a cycle
			case 6:
				fmt.Fprintf(&m, "%s,%s%s", side, id, mnl)
				continue
			case 7:
				id = "m" + id[1:] // another id, then unknown as a parent
			}
		}
		if r.IntN(20) == 0 {
			m.WriteString(mnl)
		}
		fmt.Fprintf(&m, "%s,%s,%s,%s", side, id, pl, sp)
		if i < n-1 || r.IntN(2) == 0 {
			m.WriteString(mnl)
		}
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
			id, left := fmt.Sprintf("M%d", i), fmt.Sprintf("%d.5", r.IntN(100))
			switch r.IntN(60) {
			case 0:
				id = "nobody"
			case 1:
				id = "M0" // repeated, unless first
			case 2:
				left = "-1"
			case 3:
				left = "x"
			}
			fmt.Fprintf(&c, "%s,%s,%d\n", id, left, r.IntN(100))
		}
	}
	return []byte(m.String()), []byte(o.String()), []byte(c.String())
}

func TestReadOrdersInRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for i := 0; i < 3000; i++ {
		m, o, c := randomPeriod(r)
		runtime.GOMAXPROCS(1 + i%4) // runs taken by up to that many workers
		checkChunks(t, m, o, c, 1, 2+r.IntN(12))
	}
}

func TestReadMembersInRuns(t *testing.T) {
	r := rand.New(rand.NewPCG(8, 8))
	for i := 0; i < 3000; i++ {
		m, o, c := randomPeriod(r)
		checkChunks(t, m, o, c, 2+r.IntN(5), 1+r.IntN(3))
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
		checkChunks(t, members, orders, nil, 1, 2+int(cores%6))
	})
}

// FuzzReadMembersInRuns checks reading a members file in runs against reading
// it in one go.
func FuzzReadMembersInRuns(f *testing.F) {
	orders := []byte("order_id,member_id,kind,pv,bv\no1,A,repeat,100,100\no2,B,registration,12.5,-3\n")
	f.Add([]byte("member_id,sponsor_id,placement_id,side\nA,,,\nB,A,A,L\nC,B,A,R\n"), uint8(2))
	f.Add([]byte("member_id,sponsor_id,placement_id,side\r\n\r\nA,,,\r\nB,A,A,l\r\nA,B,B,x\r\n"), uint8(3))
	f.Add([]byte("side,placement_id,sponsor_id,member_id\n,,,A\nL,A,A,B\nL,A,B,C\nR,A,Z,D\n,,,\n"), uint8(4))
	f.Fuzz(func(t *testing.T, members []byte, cores uint8) {
		checkChunks(t, members, orders, nil, 2+int(cores%6), 1+int(cores/6%3))
	})
}
