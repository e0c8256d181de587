package analytics_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"downline/analytics"
	"downline/graphstore"
	"downline/graphstore/memory"
)

var (
	supplier = graphstore.Holder{Kind: graphstore.Supplier, ID: "supplier"}
	hq       = graphstore.Holder{Kind: graphstore.Warehouse, ID: "HQ"}
	ag1      = graphstore.Holder{Kind: graphstore.Agency, ID: "AG1-WH"}
	ag2      = graphstore.Holder{Kind: graphstore.Agency, ID: "AG2-WH"}
	writeOff = graphstore.Holder{Kind: graphstore.WriteOff, ID: "writeoff"}
)

func member(code string) graphstore.Holder {
	return graphstore.Holder{Kind: graphstore.MemberHolder, ID: code}
}

// day d of March 2026, noon in Shanghai.
func day(d int) time.Time {
	return time.Date(2026, 3, d, 12, 0, 0, 0, time.FixedZone("CST", 8*3600))
}

// circulationStore holds two lots: one that flows HQ → AG1 → members (one
// of them in AG2's region, one loading up, one returning to the wrong
// agency), one that sits in AG2 unsold.
func circulationStore(t *testing.T) *memory.Store {
	t.Helper()
	ctx := context.Background()
	s := memory.New()
	if err := s.AddLots(ctx, []graphstore.Lot{{ID: "1", SKU: "TEA", Batch: "T1"}, {ID: "2", SKU: "VC", Batch: "B1"}}); err != nil {
		t.Fatal(err)
	}
	moves := []graphstore.Movement{
		{Seq: 1, Lot: "1", From: supplier, To: hq, Qty: 500, At: day(1)},
		{Seq: 2, Lot: "2", From: supplier, To: hq, Qty: 100, At: day(1)},
		{Seq: 3, Lot: "1", From: hq, To: ag1, Qty: 200, At: day(2), Order: "SO1"},
		{Seq: 4, Lot: "2", From: hq, To: ag2, Qty: 40, At: day(2), Order: "SO2"},
		{Seq: 5, Lot: "1", From: ag1, To: member("M1"), Qty: 5, At: day(3), Order: "SO3"},       // in AG1's region
		{Seq: 6, Lot: "1", From: ag1, To: member("M2"), Qty: 4, At: day(4), Order: "SO4"},       // in AG2's region: diverted
		{Seq: 7, Lot: "1", From: ag1, To: member("M3"), Qty: 150, At: day(5), Order: "SO5"},     // loading
		{Seq: 8, Lot: "1", From: member("M3"), To: ag1, Qty: 10, At: day(6), Order: "SO5"},      // returned where bought
		{Seq: 9, Lot: "1", From: member("M1"), To: ag2, Qty: 2, At: day(7), Order: "SO3"},       // returned elsewhere
		{Seq: 10, Lot: "1", From: member("M2"), To: writeOff, Qty: 1, At: day(8), Order: "SO4"}, // written off on return
	}
	if err := s.RecordMoves(ctx, moves); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestDiversion(t *testing.T) {
	ctx := context.Background()
	s := circulationStore(t)
	terr := analytics.Territories{
		Agencies: map[string][]string{"AG1-WH": {"上海"}, "AG2-WH": {"浙江"}},
		Members:  map[string]string{"M1": "上海", "M2": "浙江"}, // M3's region is not known: never flagged
	}
	p := analytics.DiversionParams{Since: day(1), Until: day(10), Months: 1, Use: 30, Factor: 2}
	d, err := analytics.Divert(ctx, s, terr, p)
	if err != nil {
		t.Fatal(err)
	}
	if got := words(len(d.Territory), d.Territory[0].Agency, d.Territory[0].Member, d.Territory[0].Region, d.Territory[0].Qty, d.Territory[0].Order); got != "1 AG1-WH M2 浙江 4 SO4" {
		t.Errorf("territory = %+v", d.Territory)
	}
	// M3 received 150 and returned 10: 140 > 2 × 30.
	if len(d.Loading) != 1 || d.Loading[0].Member != "M3" || d.Loading[0].Load != 140 || d.Loading[0].Allowance != 30 ||
		fmt.Sprint(d.Loading[0].Orders) != "[SO5]" {
		t.Errorf("loading = %+v", d.Loading)
	}
	if len(d.CrossReturns) != 1 || d.CrossReturns[0].From.ID != "M1" || d.CrossReturns[0].To != (analytics.Ref{Kind: graphstore.Agency, ID: "AG2-WH"}) ||
		fmt.Sprint(d.CrossReturns[0].SoldBy) != "[{agency AG1-WH}]" || d.CrossReturns[0].Order != "SO3" {
		t.Errorf("cross returns = %+v", d.CrossReturns)
	}
	// A higher factor lets M3 through; a window after the sales sees nothing.
	p.Factor = 5
	if d, _ = analytics.Divert(ctx, s, terr, p); len(d.Loading) != 0 {
		t.Errorf("factor 5: loading = %+v", d.Loading)
	}
	p.Since, p.Until = day(9), day(20)
	if d, _ = analytics.Divert(ctx, s, terr, p); len(d.Territory)+len(d.Loading)+len(d.CrossReturns) != 0 {
		t.Errorf("a later window: %+v", d)
	}
	for _, bad := range []analytics.DiversionParams{{Since: day(2), Until: day(1), Months: 1, Factor: 1}, {Since: day(1), Until: day(2), Months: 0, Factor: 1},
		{Since: day(1), Until: day(2), Months: 1, Factor: 0}, {Since: day(1), Until: day(2), Months: 1, Factor: 1, Use: -1}} {
		if _, err := analytics.Divert(ctx, s, terr, bad); !errors.Is(err, analytics.ErrInvalid) {
			t.Errorf("Divert(%+v) err = %v, want ErrInvalid", bad, err)
		}
	}
}

func TestStockAgeing(t *testing.T) {
	ctx := context.Background()
	s := circulationStore(t)
	exp := map[string]string{"1": "2026-04-01", "2": "2026-03-20"}
	// 20 March, 00:30 in Shanghai: still the 19th in UTC.
	today := time.Date(2026, 3, 20, 0, 30, 0, 0, time.FixedZone("CST", 8*3600))
	a, err := analytics.StockAgeing(ctx, s, exp, today, 14)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range a.Lines {
		last := "never"
		if l.LastOut != nil {
			last = l.LastOut.Format("01-02")
		}
		got = append(got, fmt.Sprintf("%s %s/%s holds %d expires %s in %d, last out %s, idle %d, slow %v",
			l.Holder.ID, l.SKU, l.Batch, l.Holds, l.Expires, *l.DaysToExpiry, last, l.IdleDays, l.Slow))
	}
	want := []string{
		// VC B1 expires today: HQ sent some on the 2nd (18 days ago), AG2 never (received the 2nd).
		"HQ VC/B1 holds 60 expires 2026-03-20 in 0, last out 03-02, idle 18, slow true",
		"AG2-WH VC/B1 holds 40 expires 2026-03-20 in 0, last out never, idle 18, slow true",
		"HQ TEA/T1 holds 300 expires 2026-04-01 in 12, last out 03-02, idle 18, slow true",
		// AG1 last sold on the 5th; AG2 got 2 back on the 7th and sent none
		// on. The same expiry: the longer idle first.
		"AG1-WH TEA/T1 holds 51 expires 2026-04-01 in 12, last out 03-05, idle 15, slow true",
		"AG2-WH TEA/T1 holds 2 expires 2026-04-01 in 12, last out never, idle 13, slow false",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ageing =\n%s\nwant\n%s", joinLines(got), joinLines(want))
	}
	if a.Slow != 4 || a.Expired != 0 {
		t.Errorf("slow %d expired %d, want 4 and 0", a.Slow, a.Expired)
	}
	if _, err := analytics.StockAgeing(ctx, s, exp, today, 0); !errors.Is(err, analytics.ErrInvalid) {
		t.Errorf("slow_days 0: err = %v", err)
	}
}

func TestReconcilePeriod(t *testing.T) {
	ctx := context.Background()
	s := circulationStore(t)
	// AG1 in 3–6 March: opened with 200, sold 5+4+150, got 10 back.
	r, err := analytics.Reconcile(ctx, s, ag1, day(3).Add(-12*time.Hour), day(6).Add(12*time.Hour),
		[]analytics.LedgerStock{{Lot: "1", SKU: "TEA", Batch: "T1", OnHand: 50}, {Lot: "9", SKU: "X", Batch: "Z", OnHand: 3}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, l := range r.Lines {
		got = append(got, fmt.Sprintf("%s/%s %d+%d-%d=%d ledger %d diff %d flagged %v", l.SKU, l.Batch, l.Opening, l.In, l.Out, l.Closing, *l.Ledger, l.Difference, l.Flagged))
	}
	want := []string{"TEA/T1 200+10-159=51 ledger 50 diff 1 flagged true", "X/Z 0+0-0=0 ledger 3 diff -3 flagged true"}
	if fmt.Sprint(got) != fmt.Sprint(want) || r.Differences != 2 || r.In != 10 || r.Out != 159 {
		t.Errorf("reconciliation =\n%s\nwant\n%s (%+v)", joinLines(got), joinLines(want), r)
	}
	if _, err := analytics.Reconcile(ctx, s, ag1, day(3), day(3), nil); !errors.Is(err, analytics.ErrInvalid) {
		t.Errorf("an empty period: err = %v", err)
	}
}

func TestBackTrace(t *testing.T) {
	ctx := context.Background()
	s := circulationStore(t)
	bt, err := analytics.Back(ctx, s, member("M2"), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(bt.Lines) != 1 {
		t.Fatalf("lines = %+v", bt.Lines)
	}
	l := bt.Lines[0]
	got := words(l.SKU, l.Batch, l.From, l.Qty, l.Returned, l.Orders, l.Agencies, l.Warehouses, len(l.Receipts), l.Receipts[0].Warehouse, l.Receipts[0].Qty)
	if got != "TEA T1 {agency AG1-WH} 4 1 [SO4] [{agency AG1-WH}] [{warehouse HQ}] 1 HQ 500" {
		t.Errorf("back trace of M2 = %s", got)
	}
	// AG2 got lot 2 from HQ and lot 1 back from M1, who had it from AG1.
	bt, err = analytics.Back(ctx, s, ag2, "")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range bt.Lines {
		lines = append(lines, fmt.Sprint(l.SKU, " from ", l.From.ID, " ", l.Qty, " via ", l.Agencies, " ", l.Warehouses))
	}
	if fmt.Sprint(lines) != "[VC from HQ 40 via [] [{warehouse HQ}] TEA from M1 2 via [{agency AG1-WH}] [{warehouse HQ}]]" {
		t.Errorf("back trace of AG2 = %v", lines)
	}
	// An order's back trace holds that order's movements only.
	if bt, _ = analytics.Back(ctx, s, member("M3"), "SO-NONE"); len(bt.Lines) != 0 {
		t.Errorf("another order's back trace = %+v", bt.Lines)
	}
	if _, err := analytics.ParseHolder("truck", "T1"); !errors.Is(err, analytics.ErrInvalid) {
		t.Errorf("ParseHolder(truck) err = %v", err)
	}
}

// words prints values with a space between each.
func words(v ...any) string { return strings.TrimSuffix(fmt.Sprintln(v...), "\n") }

func joinLines(s []string) string {
	out := ""
	for _, x := range s {
		out += x + "\n"
	}
	return out
}

// A trace's flows keep the biggest recipients' edges and fold the others'
// into one recipient with no id, their returns and write-offs too.
func TestTraceFlowsFolded(t *testing.T) {
	ctx := context.Background()
	s := circulationStore(t)
	tr, err := analytics.LotTrace(ctx, s, nil, "TEA", "T1")
	if err != nil {
		t.Fatal(err)
	}
	flows := func() string {
		var out []string
		for _, f := range tr.Flows {
			out = append(out, fmt.Sprintf("%s:%s>%s:%s %d/%d", f.From.Kind, f.From.ID, f.To.Kind, f.To.ID, f.Qty, f.Moves))
		}
		return strings.Join(out, ", ")
	}
	if err := analytics.WithFlows(ctx, s, &tr, 1); err != nil {
		t.Fatal(err)
	}
	want := "supplier:supplier>warehouse:HQ 500/1, warehouse:HQ>agency:AG1-WH 200/1, agency:AG1-WH>member: 9/2, agency:AG1-WH>member:M3 150/1, " +
		"member:M3>agency:AG1-WH 10/1, member:>agency:AG2-WH 2/1, member:>writeoff:writeoff 1/1"
	if got := flows(); got != want || tr.FlowsFolded != 2 {
		t.Errorf("folded flows (%d folded):\n%s\nwant\n%s", tr.FlowsFolded, got, want)
	}
	if err := analytics.WithFlows(ctx, s, &tr, 0); err != nil {
		t.Fatal(err)
	}
	if got := flows(); !strings.Contains(got, "agency:AG1-WH>member:M1 5/1") || strings.Contains(got, "member: ") {
		t.Errorf("every flow: %s", got)
	}
}
