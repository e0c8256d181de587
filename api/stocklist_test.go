package api_test

import (
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"downline/api"
)

// TestStockListPagesFiltersAndExports reads HQ-SH's lots (VC-100 B1 and B2,
// TEA-200 T1 in the fixture) a page at a time in both orders, through each
// filter, and as CSV.
func TestStockListPagesFiltersAndExports(t *testing.T) {
	w := newWorld(t)
	wh := w.token("warehouse")
	batches := func(q string) []string {
		t.Helper()
		var out []string
		next := ""
		for pages := 0; pages < 10; pages++ {
			path := "/api/v1/warehouses/HQ-SH/stock?limit=1&" + q
			if next != "" {
				path += "&cursor=" + next
			}
			r := w.call("GET", path, wh, nil)
			if r.status != 200 {
				t.Fatalf("%s: %d %s", path, r.status, r.body)
			}
			p := decode[api.StockPage](t, r)
			for _, b := range p.Items {
				out = append(out, b.Batch)
			}
			if next = p.Next; next == "" {
				return out
			}
		}
		t.Fatalf("%s: more pages than lots", q)
		return nil
	}
	in200 := time.Now().UTC().AddDate(0, 0, 250).Format(time.DateOnly)
	for q, want := range map[string]string{
		"":                                   "B2 T1 B1",
		"sort=sku":                           "T1 B2 B1",
		"product=vc":                         "B2 B1",
		"product=VC-100&lot=b1":              "B1",
		"expires_before=" + in200:            "B2",
		"product=nothing":                    "",
		"sort=sku&expires_before=2099-01-01": "T1 B2 B1",
	} {
		if got := strings.Join(batches(q), " "); got != want {
			t.Errorf("%q: %q, want %q", q, got, want)
		}
	}
	for q, want := range map[string]string{"sort=name": "sort must be expiry or sku", "expires_before=soon": "expires_before must be a date"} {
		if r := w.call("GET", "/api/v1/warehouses/HQ-SH/stock?"+q, wh, nil); r.status != 400 || !strings.Contains(string(r.body), want) {
			t.Errorf("%s: %d %s", q, r.status, r.body)
		}
	}
	r := w.call("GET", "/api/v1/warehouses/HQ-SH/stock.csv?product=VC", wh, nil)
	rows, err := csv.NewReader(strings.NewReader(string(r.body))).ReadAll()
	if r.status != 200 || err != nil || len(rows) != 3 || strings.Join(rows[0], ",") != "warehouse,sku,lot,expires_on,on_hand,reserved,available" ||
		rows[1][2] != "B2" || rows[1][4] != "100" {
		t.Fatalf("stock.csv: %d %v %q", r.status, err, rows)
	}
	if cd := r.header.Get("Content-Disposition"); !strings.Contains(cd, "stock-HQ-SH.csv") {
		t.Fatalf("Content-Disposition %q", cd)
	}
	if r := w.call("GET", "/api/v1/warehouses/HQ-SH/stock.csv", w.token("agency1"), nil); r.status != 404 {
		t.Fatalf("an agency reading HQ's CSV: %d", r.status)
	}
}
