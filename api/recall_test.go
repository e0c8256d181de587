package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"downline/analytics"
	"downline/graphstore"
)

// A lot sold to 250 members and customers: the trace carries the first
// page of its recall list and the totals, the pages after it follow the
// cursor to the end, and the CSV holds the same list whole, in the same
// order.
func TestLotRecallPaged(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	cs := w.srv.Graph.(graphstore.Circulation)
	if err := cs.AddLots(ctx, []graphstore.Lot{{ID: "rc-1", SKU: "RC-1", Batch: "B 1"}}); err != nil {
		t.Fatal(err)
	}
	t0 := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	hq := graphstore.Holder{Kind: graphstore.Warehouse, ID: "HQ-SH"}
	ag := graphstore.Holder{Kind: graphstore.Agency, ID: "AG1-WH"}
	seq := int64(1_000_000_000) // far above the ledger's own movements
	var moves []graphstore.Movement
	move := func(from, to graphstore.Holder, qty int64) {
		seq++
		moves = append(moves, graphstore.Movement{Seq: seq, Lot: "rc-1", From: from, To: to, Qty: qty, At: t0.Add(time.Duration(seq%10_000) * time.Minute)})
	}
	move(graphstore.Holder{Kind: graphstore.Supplier, ID: "supplier"}, hq, 1000)
	move(hq, ag, 600)
	var recipients []graphstore.Holder
	for k := range 250 {
		to := graphstore.Holder{Kind: graphstore.MemberHolder, ID: fmt.Sprintf("RC%03d", k)}
		switch {
		case k == 0:
			to.ID = "AAA1" // a member the ledger names
		case k%10 == 3:
			to = graphstore.Holder{Kind: graphstore.Customer, ID: fmt.Sprintf("=SO%03d", k)}
		}
		recipients = append(recipients, to)
		move(ag, to, 2)
		if k%7 == 1 { // gives both back: to the end of the list
			move(to, ag, 2)
		}
	}
	if err := cs.RecordMoves(ctx, moves); err != nil {
		t.Fatal(err)
	}
	// The recall order: those still holding, then those who gave all back.
	var want []string
	for _, holding := range []bool{true, false} {
		for k, r := range recipients {
			if (k%7 != 1) == holding {
				want = append(want, r.ID)
			}
		}
	}
	base := "/api/v1/analytics/lots/RC-1/" + url.PathEscape("B 1")
	res := w.call("GET", base+"/trace?limit=100", w.token("analyst"), nil)
	if res.status != 200 {
		t.Fatalf("trace: %d %s", res.status, res.body)
	}
	var tr analytics.Trace
	if err := json.Unmarshal(res.body, &tr); err != nil {
		t.Fatal(err)
	}
	if tr.Recipients != (analytics.Recipients{Count: 250, Holding: 214, Received: 500, Holds: 428}) ||
		len(tr.Recall) != 100 || tr.Next == "" || tr.Movements != 288 || tr.InCirculation != 1000 || len(tr.Holders) != 2 {
		t.Fatalf("trace: recipients %+v, %d on the first page, next %q, %d movements, %d in circulation, %d holders",
			tr.Recipients, len(tr.Recall), tr.Next, tr.Movements, tr.InCirculation, len(tr.Holders))
	}
	if tr.Recall[0].ID != "AAA1" || tr.Recall[0].Name != "Ann" {
		t.Errorf("first on the list: %+v", tr.Recall[0])
	}
	got := ids(tr.Recall)
	for next, pages := tr.Next, 1; next != ""; pages++ {
		res := w.call("GET", base+"/recall?limit=100&cursor="+url.QueryEscape(next), w.token("admin"), nil)
		var p analytics.RecallPage
		if res.status != 200 || json.Unmarshal(res.body, &p) != nil {
			t.Fatalf("page %d: %d %s", pages+1, res.status, res.body)
		}
		if pages > 3 || len(p.Recall) == 0 {
			t.Fatalf("page %d has %d, next %q", pages+1, len(p.Recall), p.Next)
		}
		got, next = append(got, ids(p.Recall)...), p.Next
	}
	if !slices.Equal(got, want) {
		t.Errorf("the recall list in pages:\n%v\nwant\n%v", got, want)
	}

	res = w.call("GET", base+"/recall.csv", w.token("analyst"), nil)
	if res.status != 200 || !strings.HasPrefix(res.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(res.header.Get("Content-Disposition"), `recall-RC-1-B_1.csv`) {
		t.Fatalf("recall.csv: %d %v %.200s", res.status, res.header, res.body)
	}
	body, ok := strings.CutPrefix(string(res.body), "\ufeff")
	if !ok {
		t.Errorf("recall.csv does not start with a byte-order mark")
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 251 || strings.Join(rows[0], ",") != "kind,holder,name,received,sent_on,holds,moves,first,last" {
		t.Fatalf("recall.csv: %d rows, header %v", len(rows), rows[0])
	}
	var inCSV []string
	for _, r := range rows[1:] {
		inCSV = append(inCSV, strings.TrimPrefix(r[1], "'"))
		if strings.HasPrefix(r[1], "=") {
			t.Errorf("recall.csv: a formula cell %q", r[1])
		}
	}
	if !slices.Equal(inCSV, want) || rows[1][2] != "Ann" || rows[1][5] != "2" || rows[1][7] == "" {
		t.Errorf("recall.csv rows %v..., holders\n%v\nwant\n%v", rows[1], inCSV, want)
	}

	for _, c := range []struct {
		path, login string
		status      int
	}{
		{base + "/recall?cursor=nonsense", "analyst", 422},
		{base + "/recall?limit=0", "analyst", 422},
		{base + "/trace?limit=1001", "analyst", 422},
		{"/api/v1/analytics/lots/RC-1/none/recall", "analyst", 404},
		{"/api/v1/analytics/lots/RC-1/none/recall.csv", "analyst", 404},
		{base + "/recall", "AAA", 403},
		{base + "/recall.csv", "finance", 403},
	} {
		if res := w.call("GET", c.path, w.token(c.login), nil); res.status != c.status {
			t.Errorf("GET %s as %s: %d %s, want %d", c.path, c.login, res.status, res.body, c.status)
		}
	}
}

func ids(hs []analytics.Holding) []string {
	out := make([]string, len(hs))
	for k, h := range hs {
		out[k] = h.ID
	}
	return out
}
