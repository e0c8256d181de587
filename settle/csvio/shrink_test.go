package csvio

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writePeriod writes a valid period of n members (a binary placement tree),
// two orders each and a carry-in for every tenth member into dir.
func writePeriod(t *testing.T, dir string, n int) Files {
	t.Helper()
	var m, o, c strings.Builder
	m.WriteString("member_id,sponsor_id,placement_id,side\n")
	o.WriteString("order_id,member_id,kind,pv,bv\n")
	c.WriteString("member_id,left,right\n")
	for i := 0; i < n; i++ {
		if i == 0 {
			m.WriteString("M0,,,\n")
		} else {
			side := "L"
			if i%2 == 0 {
				side = "R"
			}
			fmt.Fprintf(&m, "M%d,M%d,M%d,%s\n", i, (i-1)/2, (i-1)/2, side)
		}
		fmt.Fprintf(&o, "O%d,M%d,registration,10.5,8\nP%d,M%d,repeat,3,2.25\n", i, i, i, i)
		if i%10 == 0 {
			fmt.Fprintf(&c, "M%d,%d,%d\n", i, i%7, i%5)
		}
	}
	f := Files{Members: filepath.Join(dir, "members.csv"), Orders: filepath.Join(dir, "orders.csv"), Carry: filepath.Join(dir, "carry.csv")}
	for name, b := range map[string]*strings.Builder{f.Members: &m, f.Orders: &o, f.Carry: &c} {
		if err := os.WriteFile(name, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

// TestFileCutShortWhileRead checks that a file truncated once mapped (reading
// past its new end faults) gives an error naming it, whether it is read in
// runs on every core or in one go, instead of ending the process.
func TestFileCutShortWhileRead(t *testing.T) {
	for _, tc := range []struct {
		members int
		which   string
		size    int64
	}{
		{100_000, "members", 0},    // in runs
		{100_000, "members", 4096}, // in runs, the header still there
		{100_000, "orders", 8192},
		{100_000, "carry", 0},
		{1000, "members", 0}, // in one go
		{1000, "orders", 0},
	} {
		t.Run(fmt.Sprintf("%s/%d/%d", tc.which, tc.members, tc.size), func(t *testing.T) {
			f := writePeriod(t, t.TempDir(), tc.members)
			if _, err := Load(f, nil); err != nil {
				t.Fatalf("the whole period: %v", err)
			}
			cut := map[string]string{"members": f.Members, "orders": f.Orders, "carry": f.Carry}[tc.which]
			if st, _ := os.Stat(cut); tc.members == 100_000 && tc.which != "carry" && st.Size() < chunkedMin {
				t.Fatalf("%s has %d bytes, too few to be read in runs", cut, st.Size())
			}
			afterMap = func(path string) {
				if path == cut {
					if err := os.Truncate(path, tc.size); err != nil {
						t.Error(err)
					}
				}
			}
			defer func() { afterMap = nil }()
			_, err := Load(f, nil)
			if err == nil || !strings.Contains(err.Error(), cut+": the file was cut short") {
				t.Fatalf("got error %v, want one saying %s was cut short", err, cut)
			}
		})
	}
}
