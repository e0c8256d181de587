package simulate

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"downline/settle/csvio"
)

const goodMembers = "member_id,sponsor_id,placement_id,side\nA,,,\nB,A,A,L\nC,A,A,R\n"
const goodOrders = "order_id,member_id,kind,pv,bv\no1,A,repeat,100,100\no2,B,registration,50.5,40\n"

// TestBadInput: every kind of bad input is refused with a message naming the
// file, the line and the culprit, and nothing at all is written.
func TestBadInput(t *testing.T) {
	planText, err := os.ReadFile(filepath.Join(tiny, "plan.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name                         string
		plan, members, orders, carry string
		want                         []string
	}{
		{"sponsor cycle", "", "member_id,sponsor_id,placement_id,side\nA,C,,\nB,A,,\nC,B,,\n", "", "", []string{"members.csv line", "sponsor cycle", `"A"`}},
		{"self sponsor", "", "member_id,sponsor_id,placement_id,side\nA,A,,\n", "", "", []string{"members.csv line 2", "sponsor cycle"}},
		{"placement cycle", "", "member_id,sponsor_id,placement_id,side\nA,,B,L\nB,,A,R\n", "", "", []string{"members.csv line", "placement cycle"}},
		{"both cycles: the sponsor one is named", "", "member_id,sponsor_id,placement_id,side\nA,C,B,L\nB,A,A,R\nC,B,,\n", "", "", []string{"members.csv line", "sponsor cycle"}},
		{"unknown sponsor", "", "member_id,sponsor_id,placement_id,side\nA,,,\nB,Z,,\n", "", "", []string{"members.csv line 3", `unknown sponsor_id "Z"`}},
		{"unknown placement", "", "member_id,sponsor_id,placement_id,side\nA,,,\nB,A,Q,L\n", "", "", []string{"members.csv line 3", `unknown placement_id "Q"`}},
		{"duplicate member", "", "member_id,sponsor_id,placement_id,side\nA,,,\nA,,,\n", "", "", []string{"members.csv line 3", `duplicate member_id "A"`}},
		{"taken slot", "", "member_id,sponsor_id,placement_id,side\nA,,,\nB,A,A,L\nC,A,A,l\n", "", "", []string{"members.csv line 4", `slot L of "A" is already taken by "B"`}},
		{"bad side", "", "member_id,sponsor_id,placement_id,side\nA,,,\nB,A,A,X\n", "", "", []string{"members.csv line 3", `bad side "X"`}},
		{"missing side", "", "member_id,sponsor_id,placement_id,side\nA,,,\nB,A,A,\n", "", "", []string{"members.csv line 3", "no side"}},
		{"side without placement", "", "member_id,sponsor_id,placement_id,side\nA,,,R\n", "", "", []string{"members.csv line 2", "no placement_id"}},
		{"missing column", "", "member_id,sponsor_id,side\nA,,\n", "", "", []string{"members.csv line 1", `missing column "placement_id"`}},
		{"empty members", "", "", "", "", []string{"members.csv line 1", "empty file"}},
		{"bad csv", "", "member_id,sponsor_id,placement_id,side\n\"A,,,\n", "", "", []string{"members.csv line 2"}},
		{"short row", "", "member_id,sponsor_id,placement_id,side\nA,,\n", "", "", []string{"members.csv line 2", "3 fields"}},
		{"bad kind", "", "", "order_id,member_id,kind,pv,bv\no1,A,gift,1,1\n", "", []string{"orders.csv line 2", `bad kind "gift"`}},
		{"bad pv", "", "", "order_id,member_id,kind,pv,bv\no1,A,repeat,1x,1\n", "", []string{"orders.csv line 2", `pv "1x" is not a number`}},
		{"bad bv", "", "", "order_id,member_id,kind,pv,bv\no1,A,repeat,1,1e3\n", "", []string{"orders.csv line 2", `bv "1e3" is not a number`}},
		{"empty bv", "", "", "order_id,member_id,kind,pv,bv\no1,A,repeat,1,\n", "", []string{"orders.csv line 2", `bv "" is not a number`}},
		{"unknown order member", "", "", "order_id,member_id,kind,pv,bv\no1,NOPE,repeat,1,1\n", "", []string{"orders.csv line 2", `unknown member_id "NOPE"`}},
		{"duplicate order", "", "", "order_id,member_id,kind,pv,bv\no1,A,repeat,1,1\no1,B,repeat,1,1\n", "", []string{"orders.csv line 3", `duplicate order_id "o1"`}},
		{"orders missing column", "", "", "order_id,member_id,kind,pv\no1,A,repeat,1\n", "", []string{"orders.csv line 1", `missing column "bv"`}},
		{"carry unknown member", "", "", "", "member_id,left,right\nX,1,1\n", []string{"carry.csv line 2", `unknown member_id "X"`}},
		{"carry negative", "", "", "", "member_id,left,right\nA,-1,1\n", []string{"carry.csv line 2", `left "-1"`}},
		{"carry duplicate", "", "", "", "member_id,left,right\nA,1,1\nA,2,2\n", []string{"carry.csv line 3", `duplicate member_id "A"`}},
		{"carry bad number", "", "", "", "member_id,left,right\nA,1,abc\n", []string{"carry.csv line 2", `right "abc"`}},
		{"plan bad number", strings.Replace(string(planText), "levels: [5, 3, 2]", "levels: [5, 3, abc]", 1), "", "", "", []string{"plan.yaml line", `bonuses.unilevel.levels[2]: "abc" is not a number`}},
		{"plan unknown key", string(planText) + "bogus: 1\n", "", "", "", []string{"plan.yaml line", `bogus: unknown key (known keys: `}},
		{"plan unknown rank", strings.Replace(string(planText), "min_rank: Silver", "min_rank: Platinum", 1), "", "", "", []string{"plan.yaml line", `no rank named "Platinum"`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			write := func(name, s, def string) string {
				if s == "" {
					s = def
				}
				p := filepath.Join(dir, name)
				if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
					t.Fatal(err)
				}
				return p
			}
			if c.name == "empty members" {
				c.members = ""
			}
			members := write("members.csv", c.members, goodMembers)
			if c.name == "empty members" {
				os.WriteFile(members, nil, 0o644)
			}
			cfg := Config{
				Plan:  write("plan.yaml", c.plan, string(planText)),
				Files: csvio.Files{Members: members, Orders: write("orders.csv", c.orders, goodOrders)},
				Out:   filepath.Join(dir, "out"),
			}
			if c.carry != "" {
				cfg.Files.Carry = write("carry.csv", c.carry, "")
			}
			var stdout, stderr bytes.Buffer
			err := Run(cfg, &stdout, &stderr)
			if err == nil {
				t.Fatal("accepted")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if _, serr := os.Stat(cfg.Out); !os.IsNotExist(serr) {
				t.Errorf("output directory created on bad input")
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout on bad input: %q", stdout.String())
			}
		})
	}
}
