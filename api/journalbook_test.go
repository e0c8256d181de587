package api_test

import (
	"context"
	"encoding/csv"
	"strconv"
	"strings"
	"testing"
	"time"

	"downline/ledger"
)

type listedEntry struct {
	ID, Reverses                int64
	ReversedBy                  int64 `json:"reversed_by"`
	Kind, Ref, Memo, By, Debits string
	Lines                       []struct{ Account, Holder, Amount string }
}

type balanceLine struct {
	Account, Name, Type, Holder, Balance string
	PerHolder                            bool `json:"per_holder"`
	Holders                              int
}

// TestJournalFiltersReversalAndBalances confirms a payment, then reads the
// journal through its filters and its CSV, reverses the entry under one
// key twice (one reversal), is refused a second reversal under another
// key, and reads the balances now and as of a day before.
func TestJournalFiltersReversalAndBalances(t *testing.T) {
	w := newWorld(t)
	fin := w.token("finance")
	if r := w.call("POST", "/api/v1/payments/"+w.pay["AAA1"]+"/confirm", fin, map[string]any{}, "Idempotency-Key", "c1"); r.status != 200 {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	if r := w.call("POST", "/api/v1/payments/"+w.pay["BBB1"]+"/confirm", fin, map[string]any{}, "Idempotency-Key", "c2"); r.status != 200 {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	type page struct {
		Items []listedEntry
		Next  string
	}
	all := decode[page](t, w.call("GET", "/api/v1/journal?kind=payment.confirmed", fin, nil))
	if len(all.Items) != 2 || all.Items[0].ID < all.Items[1].ID || all.Items[0].Debits != "100.00" {
		t.Fatalf("entries of kind payment.confirmed, newest first: %+v", all)
	}
	one := decode[page](t, w.call("GET", "/api/v1/journal?limit=1&kind=payment.confirmed", fin, nil))
	two := decode[page](t, w.call("GET", "/api/v1/journal?limit=1&kind=payment.confirmed&cursor="+one.Next, fin, nil))
	if len(one.Items) != 1 || len(two.Items) != 1 || two.Items[0].ID != all.Items[1].ID {
		t.Fatalf("pages: %+v then %+v", one, two)
	}
	byRef := decode[page](t, w.call("GET", "/api/v1/journal?ref="+w.pay["AAA1"], fin, nil))
	if len(byRef.Items) != 1 || !strings.Contains(byRef.Items[0].Ref, w.pay["AAA1"]) {
		t.Fatalf("by reference %s: %+v", w.pay["AAA1"], byRef)
	}
	id := strconv.FormatInt(byRef.Items[0].ID, 10)
	today := time.Now().In(zone(t)).Format(time.DateOnly)
	yesterday := time.Now().In(zone(t)).AddDate(0, 0, -1).Format(time.DateOnly)
	if got := decode[page](t, w.call("GET", "/api/v1/journal?from="+today+"&to="+today+"&account=2200", fin, nil)); len(got.Items) != 2 {
		t.Fatalf("today on 2200: %+v", got)
	}
	if got := decode[page](t, w.call("GET", "/api/v1/journal?to="+yesterday, fin, nil)); len(got.Items) != 0 {
		t.Fatalf("before today: %+v", got)
	}
	for q, want := range map[string]string{"from=31-01-2026": "from must be a date", "from=" + today + "&to=" + yesterday: "from must be on or before to",
		"holder=AG1": "holder needs an account"} {
		if r := w.call("GET", "/api/v1/journal?"+q, fin, nil); r.status != 400 || !strings.Contains(string(r.body), want) {
			t.Fatalf("%s: %d %s", q, r.status, r.body)
		}
	}

	// Reversal: a memo is required; one key twice reverses once.
	if r := w.call("POST", "/api/v1/journal/"+id+"/reverse", fin, map[string]string{"memo": "  "}, "Idempotency-Key", "rv1"); r.status != 422 {
		t.Fatalf("blank memo: %d %s", r.status, r.body)
	}
	r1 := w.call("POST", "/api/v1/journal/"+id+"/reverse", fin, map[string]string{"memo": "confirmed twice by mistake"}, "Idempotency-Key", "rv1")
	r2 := w.call("POST", "/api/v1/journal/"+id+"/reverse", fin, map[string]string{"memo": "confirmed twice by mistake"}, "Idempotency-Key", "rv1")
	if r1.status != 201 || r2.status != 201 || string(r1.body) != string(r2.body) {
		t.Fatalf("reverse and its retry: %d %s / %d %s", r1.status, r1.body, r2.status, r2.body)
	}
	rev := decode[listedEntry](t, r1)
	if rev.Reverses != byRef.Items[0].ID || rev.Kind != "reversal" || len(rev.Lines) != 2 {
		t.Fatalf("reversing entry: %+v", rev)
	}
	if n := w.count(t, "journal_entries WHERE reverses IS NOT NULL"); n != 1 {
		t.Fatalf("%d reversals in the journal", n)
	}
	again := w.call("POST", "/api/v1/journal/"+id+"/reverse", fin, map[string]string{"memo": "again"}, "Idempotency-Key", "rv2")
	if again.status != 409 || !strings.Contains(string(again.body), "already reversed by entry "+strconv.FormatInt(rev.ID, 10)) {
		t.Fatalf("second reversal: %d %s", again.status, again.body)
	}
	orig := decode[listedEntry](t, w.call("GET", "/api/v1/journal/"+id, fin, nil))
	if orig.ReversedBy != rev.ID {
		t.Fatalf("original after reversal: %+v %s", orig, w.call("GET", "/api/v1/journal/"+id, fin, nil).body)
	}

	// The CSV: one row per line, formula text escaped.
	c := w.call("GET", "/api/v1/journal.csv?kind=reversal", fin, nil)
	rows, err := csv.NewReader(strings.NewReader(string(c.body))).ReadAll()
	if c.status != 200 || err != nil || len(rows) != 3 || rows[0][0] != "entry" || rows[1][0] != strconv.FormatInt(rev.ID, 10) ||
		rows[1][6] != id || rows[1][4] != "confirmed twice by mistake" {
		t.Fatalf("journal.csv: %d %v %q", c.status, err, rows)
	}
	if r := w.call("POST", "/api/v1/journal/"+strconv.FormatInt(all.Items[0].ID, 10)+"/reverse", fin, map[string]string{"memo": "=HYPERLINK(1)"}, "Idempotency-Key", "rv3"); r.status != 201 {
		t.Fatalf("reverse: %d %s", r.status, r.body)
	}
	if c := w.call("GET", "/api/v1/journal.csv?kind=reversal", fin, nil); !strings.Contains(string(c.body), ",'=HYPERLINK(1),") {
		t.Fatalf("formula memo not escaped: %s", c.body)
	}

	// Balances: deferred revenue back to zero now, nothing as of yesterday.
	bals := decode[[]balanceLine](t, w.call("GET", "/api/v1/balances", fin, nil))
	var seen int
	for _, b := range bals {
		if b.Account == "2200" || b.Account == "1000" {
			seen++
			if b.Balance != "0.00" {
				t.Fatalf("%s after both reversals: %+v", b.Account, b)
			}
		}
	}
	if seen != 2 || len(bals) < 10 {
		t.Fatalf("balances: %+v", bals)
	}
	if r := w.call("GET", "/api/v1/balances?as_of=2026-02-30", fin, nil); r.status != 400 {
		t.Fatalf("bad as_of: %d %s", r.status, r.body)
	}
	lines := decode[struct {
		Items []struct {
			Entry  int64
			Amount string
		}
	}](t, w.call("GET", "/api/v1/accounts/2200/lines", fin, nil))
	if len(lines.Items) != 4 || lines.Items[0].Amount != "100.00" || lines.Items[3].Amount != "-100.00" {
		t.Fatalf("lines of 2200: %+v", lines)
	}
	if r := w.call("GET", "/api/v1/accounts/2200/lines?as_of="+yesterday, fin, nil); !strings.Contains(string(r.body), `"items":[]`) {
		t.Fatalf("lines of 2200 as of yesterday: %s", r.body)
	}
	if r := w.call("GET", "/api/v1/accounts/9999/lines", fin, nil); r.status != 404 {
		t.Fatalf("unknown account: %d %s", r.status, r.body)
	}
	if r := w.call("GET", "/api/v1/accounts/1000/holders", fin, nil); r.status != 400 {
		t.Fatalf("holders of the bank: %d %s", r.status, r.body)
	}
}

func zone(t *testing.T) *time.Location {
	t.Helper()
	loc, err := ledger.CompanyZone()
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// TestJournalDaysAtTheCompanyMidnight posts entries a second either side
// of midnight in Asia/Shanghai at the end of January 2026 (16:00 UTC) and
// of a leap February, and reads them back by day and as balances at a
// day's end: each falls on its company day, not its UTC one. A per-holder
// account lists its holders with their balances and each holder's lines.
func TestJournalDaysAtTheCompanyMidnight(t *testing.T) {
	t.Setenv("COMPANY_TZ", "Asia/Shanghai")
	w := newWorld(t)
	fin := w.token("finance")
	post := func(ref, holder, amount, at string) {
		t.Helper()
		if _, err := w.db.Pool.Exec(context.Background(), `WITH e AS (
				INSERT INTO journal_entries (kind, ref, posted_by, posted_at) VALUES ('test', $1, 'test', $4::timestamptz) RETURNING id)
			INSERT INTO journal_lines (entry_id, account, holder, amount)
			SELECT e.id, a, h, m FROM e, (VALUES ('1100', $2, $3::numeric), ('1000', '', -$3::numeric)) v(a, h, m)`,
			ref, holder, amount, at); err != nil {
			t.Fatal(err)
		}
	}
	post("JAN-LAST", "AG1", "10.00", "2026-01-31T23:59:59+08:00")
	post("FEB-FIRST", "AG2", "20.00", "2026-02-01T00:00:00+08:00")
	post("LEAP-DAY", "AG1", "30.00", "2028-02-29T23:59:59+08:00")
	post("MAR-FIRST", "AG1", "40.00", "2028-03-01T00:00:00+08:00")
	kinds := decode[[]string](t, w.call("GET", "/api/v1/journal-kinds", fin, nil))
	if strings.Join(kinds, " ") != "stock.receipt test" {
		t.Errorf("kinds: %q", kinds)
	}
	if r := w.call("POST", "/api/v1/payments/"+w.pay["AAA1"]+"/confirm", fin, map[string]any{}, "Idempotency-Key", "k1"); r.status != 200 {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	if kinds := decode[[]string](t, w.call("GET", "/api/v1/journal-kinds", fin, nil)); strings.Join(kinds, " ") != "payment.confirmed stock.receipt test" {
		t.Errorf("kinds after a confirmation: %q", kinds)
	}
	refs := func(q string) string {
		t.Helper()
		var out []string
		for _, e := range decode[struct{ Items []listedEntry }](t, w.call("GET", "/api/v1/journal?kind=test&"+q, fin, nil)).Items {
			out = append(out, e.Ref)
		}
		return strings.Join(out, " ")
	}
	for q, want := range map[string]string{
		"from=2026-01-31&to=2026-01-31": "JAN-LAST",
		"from=2026-02-01&to=2026-02-01": "FEB-FIRST",
		"to=2026-01-31":                 "JAN-LAST",
		"from=2028-02-29&to=2028-02-29": "LEAP-DAY",
		"from=2028-03-01":               "MAR-FIRST",
		"account=1100&holder=AG2":       "FEB-FIRST",
		"ref=FIRST":                     "MAR-FIRST FEB-FIRST",
	} {
		if got := refs(q); got != want {
			t.Errorf("%s: %q, want %q", q, got, want)
		}
	}
	bank := func(asOf string) string {
		t.Helper()
		for _, b := range decode[[]balanceLine](t, w.call("GET", "/api/v1/balances?account=1100&as_of="+asOf, fin, nil)) {
			return b.Balance + "/" + strconv.Itoa(b.Holders)
		}
		t.Fatalf("no balance of 1100 as of %s", asOf)
		return ""
	}
	for asOf, want := range map[string]string{"2026-01-30": "0.00/0", "2026-01-31": "10.00/1", "2026-02-01": "30.00/2",
		"2028-02-28": "30.00/2", "2028-02-29": "60.00/2", "2028-03-01": "100.00/2"} {
		if got := bank(asOf); got != want {
			t.Errorf("1100 as of %s: %s, want %s", asOf, got, want)
		}
	}
	type holders struct {
		Items []struct{ Holder, Balance string }
		Next  string
	}
	h1 := decode[holders](t, w.call("GET", "/api/v1/accounts/1100/holders?limit=1&as_of=2028-02-29", fin, nil))
	h2 := decode[holders](t, w.call("GET", "/api/v1/accounts/1100/holders?limit=1&as_of=2028-02-29&cursor="+h1.Next, fin, nil))
	if len(h1.Items) != 1 || h1.Items[0].Holder != "AG1" || h1.Items[0].Balance != "40.00" || len(h2.Items) != 1 || h2.Items[0].Holder != "AG2" {
		t.Fatalf("holders of 1100 as of 29 February 2028: %+v then %+v", h1, h2)
	}
	lines := decode[struct {
		Items []struct{ Ref, Amount string }
	}](t, w.call("GET", "/api/v1/accounts/1100/lines?holder=AG1&as_of=2028-02-29", fin, nil))
	if len(lines.Items) != 2 || lines.Items[0].Ref != "LEAP-DAY" || lines.Items[1].Ref != "JAN-LAST" {
		t.Fatalf("AG1's lines of 1100 as of 29 February 2028: %+v", lines)
	}
}
