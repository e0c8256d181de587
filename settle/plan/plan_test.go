package plan

import (
	"strings"
	"testing"
)

func TestTinyPlan(t *testing.T) {
	p, err := ReadFile("../testdata/tiny/plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Tiny" || len(p.Ranks) != 3 || p.Ranks[2].Legs.Rank != 1 || p.Unilevel.Depth(1) != 2 ||
		p.Binary.CapByRank[0].String() != "10" || p.Matching.MinRank != 1 || p.Pool.MinRank != 2 || p.PayoutCapPct.String() != "60" {
		t.Fatalf("unexpected plan %+v", p)
	}
}

const base = `name: X
currency: CNY
ranks:
  - name: Member
  - name: Gold
    gv: 10
`

func TestErrors(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{base + "bonuses:\n  unilevel: {levels: [5, 3, abc]}\n", `line 8: bonuses.unilevel.levels[2]: "abc" is not a number`},
		{base + "bogus: 1\n", `bogus: unknown key`},
		{base + "bonuses:\n  referral: {pct: 101}\n", `bonuses.referral.pct: 101 is not a percentage`},
		{base + "bonuses:\n  referral: {pct: 1, x: 2}\n", `bonuses.referral.x: unknown key`},
		{base + "bonuses:\n  binary: {pct: 1}\n  matching: {levels: [1], min_rank: Silver}\n", `no rank named "Silver"`},
		{base + "bonuses:\n  matching: {levels: [1]}\n", `matching needs a binary section`},
		{base + "bonuses:\n  unilevel: {levels: []}\n", `levels: must not be empty`},
		{base + "bonuses:\n  unilevel: {levels: [1], depth_by_rank: {Member: 1}}\n", `rank "Gold" is missing`},
		{base + "scale: 7\n", `scale: 7 is not an integer in 0..6`},
		{base + "active_pv: -1\n", `active_pv: -1 is negative`},
		{strings.Replace(base, "CNY", "yuan", 1), `"yuan" is not an ISO 4217 code`},
		{strings.Replace(base, "Gold", "Member", 1), `duplicate rank name "Member"`},
		{"name: X\ncurrency: CNY\n", `ranks: required`},
		{base + "    legs: {count: 0, rank: Member}\n", `count: 0 is not a positive integer`},
		{"{", `not a valid YAML`},
		{"", `empty document`},
	} {
		_, err := Parse([]byte(c.doc))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.doc, err, c.want)
		}
	}
}

// TestMisspeltKeys: a key the plan format does not have is reported as
// unknown, with the closest known key when one is close, before anything else
// of its mapping is read: a misspelt required key is not reported as missing.
func TestMisspeltKeys(t *testing.T) {
	for _, c := range []struct{ doc, want string }{
		{base + "bonuses:\n  unilevel: {levles: [5]}\n", `line 8: bonuses.unilevel.levles: unknown key (did you mean "levels"?)`},
		{`{"name":"J","currency":"USD","ranks":[{"name":"M"}],"bonuses":{"unilevel":{"levles":[5]}}}`, `bonuses.unilevel.levles: unknown key (did you mean "levels"?)`},
		{strings.Replace(base, "name: X", "nmae: X", 1), `line 1: nmae: unknown key (did you mean "name"?)`},
		{strings.Replace(base, "name: Gold", "Name: Gold", 1), `line 5: ranks[1].Name: unknown key (did you mean "name"?)`},
		{base + "    legs: {cuont: 1, rank: Member}\n", `ranks[1].legs.cuont: unknown key (did you mean "count"?)`},
		{base + "    max_leg: 50\n", `ranks[1].max_leg: unknown key (did you mean "max_leg_pct"?)`},
		{base + "    volume: 50\n", `ranks[1].volume: unknown key (known keys: name, pv, gv, max_leg_pct, legs)`},
		{base + "bonuses:\n  referal: {pct: 1}\n", `bonuses.referal: unknown key (did you mean "referral"?)`},
		{base + "bonuses:\n  binary: {pcct: 10}\n", `bonuses.binary.pcct: unknown key (did you mean "pct"?)`},
		{base + "bonuses:\n  binary: {pct: 10}\n  matching: {levels: [1], minrank: Gold}\n", `bonuses.matching.minrank: unknown key (did you mean "min_rank"?)`},
		{base + "bonuses:\n  pool: {pct: 1, min_rank: Gold, share_by_rank: {Gold: 1}}\n", `bonuses.pool.share_by_rank: unknown key (did you mean "shares_by_rank"?)`},
		{base + "payout_cap: 50\n", `payout_cap: unknown key (did you mean "payout_cap_pct"?)`},
		// Reported before the other errors of the same mapping.
		{base + "bonuses:\n  referral: {pct: 101, x: 2}\n", `bonuses.referral.x: unknown key (known keys: pct)`},
		{base + "scale: 7\nbogus: 1\n", `line 8: bogus: unknown key (known keys: name, currency, scale, active_pv, ranks, bonuses, payout_cap_pct)`},
		// Rank names used as keys are suggested too.
		{base + "bonuses:\n  unilevel: {levels: [1], depth_by_rank: {Member: 1, Gld: 2}}\n", `bonuses.unilevel.depth_by_rank.Gld: no rank named "Gld" (did you mean "Gold"?)`},
	} {
		_, err := Parse([]byte(c.doc))
		if err == nil || !strings.HasSuffix(err.Error(), c.want) {
			t.Errorf("%q: got %v, want %q", c.doc, err, c.want)
		}
	}
}

func TestJSONAndStrings(t *testing.T) {
	p, err := Parse([]byte(`{"name":"J","currency":"USD","scale":"3","ranks":[{"name":"M"}],"bonuses":{"referral":{"pct":"33.3"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if p.Scale != 3 || p.Referral.Pct.String() != "33.3" {
		t.Fatalf("%+v", p)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(base))
	f.Add([]byte(base + "bonuses:\n  unilevel: {levels: [5, 3], depth_by_rank: {Member: 1, Gold: 2}}\n  binary: {pct: 10, cap_by_rank: {Member: 1, Gold: 2}, carry_cap: 5}\n  matching: {levels: [1]}\n  pool: {pct: 1, min_rank: Gold}\npayout_cap_pct: 50\n"))
	f.Add([]byte(`{"name":"J","currency":"USD","ranks":[{"name":"M"}]}`))
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := Parse(src)
		if err == nil && (p == nil || len(p.Ranks) == 0) {
			t.Fatal("nil plan without error")
		}
	})
}

func TestEditDistance(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want int
	}{
		{"levles", "levels", 1}, {"levels", "levels", 0}, {"", "pct", 3}, {"kitten", "sitting", 3},
		{"ca", "abc", 3}, {"级别", "级别数", 1},
	} {
		if got := editDistance(c.a, c.b); got != c.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}
