package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"

	"downline/graphstore/memory"
	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/order"
	"downline/ledger/user"
	"downline/projection"
	"downline/settle/plan/plantest"
)

// testPlan pays referral, unilevel and binary bonuses to members with 10
// PV or more: in the test world AAA earns from AAA1's order.
const testPlan = plantest.Office

var moneyRE = regexp.MustCompile(`^-?[0-9]+\.[0-9]{2}$`)

// settleWorld is the API test world with a second finance user and
// confirmed payments, so that the period has volumes.
func settleWorld(t *testing.T) *world {
	w := newWorld(t)
	w.startWorker(t)
	goodstest.Tx(t, w.db, func(ctx context.Context, tx pgx.Tx) error {
		u, err := user.Create(ctx, tx, user.New{Login: "finance2", Role: user.Finance, Password: password})
		w.users[u.Login] = u
		return err
	})
	// AAA's order gets paid, and BBB orders too: both earn from their recruits.
	goodstest.Tx(t, w.db, func(ctx context.Context, tx pgx.Tx) error {
		o, err := order.Place(ctx, tx, order.Request{Key: "o-bbb", Kind: order.Repeat, Member: "BBB", Lines: []order.LineRequest{{SKU: "VC-100", Qty: 1}}, By: "test"})
		if err != nil {
			return err
		}
		w.orders["BBB"] = o.No
		for _, who := range []string{"AAA", "BBB"} {
			o, err := order.Get(ctx, tx, w.orders[who])
			if err != nil {
				return err
			}
			p, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: "pay-" + who, Order: o.No, Method: order.BankTransfer, Amount: o.Total, By: "test"})
			if err != nil {
				return err
			}
			w.pay[who] = p.No
		}
		return nil
	})
	for _, who := range []string{"AAA1", "AAA", "BBB1", "BBB"} {
		res := w.call("POST", "/api/v1/payments/"+w.pay[who]+"/confirm", w.token("finance"), "{}", "Idempotency-Key", "confirm-"+who)
		if res.status != 200 {
			t.Fatalf("confirm the payment of %s: %d %s", who, res.status, res.body)
		}
	}
	return w
}

func (w *world) count(t *testing.T, table string) int {
	t.Helper()
	var n int
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// runPeriod starts a run and waits for its job; it returns the job.
func (w *world) runPeriod(t *testing.T, login, code string, body any, key string) map[string]any {
	t.Helper()
	res := w.call("POST", "/api/v1/periods/"+code+"/run?wait=60", w.token(login), body, "Idempotency-Key", key)
	if res.status != 202 {
		t.Fatalf("run %s: %d %s", code, res.status, res.body)
	}
	job := res.json(t)
	if loc := res.header.Get("Location"); loc != fmt.Sprintf("/api/v1/run-jobs/%v", job["id"]) {
		t.Errorf("Location %q for job %v", loc, job["id"])
	}
	job = w.awaitJob(t, job)
	if job["status"] != "succeeded" {
		t.Fatalf("run job of %s: %v", code, job)
	}
	return job
}

// awaitJob polls job until it is no longer running (or two minutes pass).
func (w *world) awaitJob(t *testing.T, job map[string]any) map[string]any {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); job["status"] == "running" && time.Now().Before(deadline); {
		time.Sleep(50 * time.Millisecond)
		job = w.call("GET", fmt.Sprintf("/api/v1/run-jobs/%v", job["id"]), w.token("admin"), nil).json(t)
	}
	return job
}

// moneyFields checks that every named field of m is money: a string with two decimals.
func moneyFields(t *testing.T, what string, m map[string]any, names ...string) {
	t.Helper()
	for _, n := range names {
		s, ok := m[n].(string)
		if !ok || !moneyRE.MatchString(s) {
			t.Errorf("%s: %s = %#v, want a decimal string with two decimals", what, n, m[n])
		}
	}
}

// TestSettlementOverHTTP walks a period through the API: plan, run, re-run,
// adjustment, four-eyes approval, payout with an idempotent replay, the
// bank files, and the statement as its member and as another.
func TestSettlementOverHTTP(t *testing.T) {
	w := settleWorld(t)
	fin, fin2, admin, aaa, bbb := w.token("finance"), w.token("finance2"), w.token("admin"), w.token("AAA"), w.token("BBB")

	// A plan with a mistake is refused, naming where and what.
	bad := strings.Replace(testPlan, "pct: 20", "pct: lots", 1)
	res := w.call("POST", "/api/v1/plans", fin, map[string]any{"document": bad, "effective": "2020-01-01"})
	if res.status != 422 || !strings.Contains(string(res.body), "referral") || !strings.Contains(string(res.body), "lots") {
		t.Errorf("invalid plan: %d %s", res.status, res.body)
	}
	res = w.call("POST", "/api/v1/plans", fin, map[string]any{"document": testPlan, "effective": "1 Jan 2020"})
	if res.status != 422 || !strings.Contains(string(res.body), `effective \"1 Jan 2020\"`) {
		t.Errorf("bad effective date: %d %s", res.status, res.body)
	}
	if n := w.count(t, "settle_plans"); n != 0 {
		t.Fatalf("refused uploads stored %d plans", n)
	}
	res = w.call("POST", "/api/v1/plans", fin, map[string]any{"document": testPlan, "effective": "2020-01-01"})
	if res.status != 201 {
		t.Fatalf("upload plan: %d %s", res.status, res.body)
	}
	pl := res.json(t)
	if pl["name"] != "Office" || pl["version"] != 1.0 || pl["uploaded_by"] != "user:finance" {
		t.Errorf("uploaded plan: %v", pl)
	}
	got := w.call("GET", fmt.Sprintf("/api/v1/plans/%v", pl["id"]), admin, nil).json(t)
	if got["document"] != testPlan {
		t.Errorf("stored document: %v", got["document"])
	}
	var list []map[string]any
	if res := w.call("GET", "/api/v1/plans", admin, nil); res.status != 200 || json.Unmarshal(res.body, &list) != nil || len(list) != 1 {
		t.Errorf("plans: %d %s", res.status, res.body)
	}

	// Run the month of the world's orders as a draft, closed now while it
	// is the current month (or at its end, if it ended since they were
	// confirmed: the test does not depend on the minute it runs); re-run it.
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	var confirmed time.Time
	if err := w.db.Pool.QueryRow(context.Background(), `SELECT max(confirmed_at) FROM orders`).Scan(&confirmed); err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(shanghai)
	code := confirmed.In(shanghai).Format("2006-01")
	var cutoff map[string]any
	if code == now.Format("2006-01") {
		cutoff = map[string]any{"cutoff": now.Format(time.RFC3339Nano)}
	}
	job := w.runPeriod(t, "finance", code, cutoff, "run-1")
	run := job["run"].(map[string]any)
	if run["status"] != "draft" || run["attempt"] != 1.0 || run["run_by"] != "user:finance" || run["lines"].(float64) < 1 {
		t.Fatalf("first run: %v", run)
	}
	moneyFields(t, "run", run, "bonus_total", "before_cap", "clawback_total")
	if again := w.call("POST", "/api/v1/periods/"+code+"/run", fin, cutoff, "Idempotency-Key", "run-1").json(t); again["id"] != job["id"] {
		t.Errorf("a retry of the run under its key started job %v, not %v", again["id"], job["id"])
	}
	rerun := w.runPeriod(t, "finance", code, nil, "run-2")
	if rerun["id"] == job["id"] || rerun["replaced"] != true || rerun["run"].(map[string]any)["attempt"] != 2.0 {
		t.Errorf("re-run: %v", rerun)
	}
	if rerun["run"].(map[string]any)["lines_sha256"] != run["lines_sha256"] {
		t.Errorf("the re-run of unchanged input gave other lines")
	}
	if res := w.call("POST", "/api/v1/periods/"+code+"/run", fin, map[string]any{"cutoff": "2020-01-01"}, "Idempotency-Key", "run-3"); res.status != 409 {
		t.Errorf("a new cut-off for a defined period: %d %s", res.status, res.body)
	}

	// A draft is finance's: the member does not see it yet.
	if res := w.call("GET", "/api/v1/members/AAA/statements", aaa, nil); res.status != 200 || string(res.body) != "[]" {
		t.Errorf("statements listed while the run is a draft: %d %s", res.status, res.body)
	}
	if res := w.call("GET", "/api/v1/members/AAA/statements/"+code, aaa, nil); res.status != 404 {
		t.Errorf("member reads a draft statement: %d %s", res.status, res.body)
	}

	// The lines, a page at a time, and one member's.
	all := w.call("GET", "/api/v1/periods/"+code+"/lines?limit=1000", admin, nil).json(t)["items"].([]any)
	if len(all) < 2 {
		t.Fatalf("lines %v: want several, to page through", all)
	}
	var paged []any
	for cursor := ""; ; {
		page := w.call("GET", "/api/v1/periods/"+code+"/lines?limit=1&cursor="+cursor, fin, nil).json(t)
		paged = append(paged, page["items"].([]any)...)
		next, _ := page["next"].(string)
		if next == "" || len(paged) > len(all) {
			break
		}
		cursor = next
	}
	if fmt.Sprint(paged) != fmt.Sprint(all) {
		t.Errorf("pages of one line:\n%v\nall at once:\n%v", paged, all)
	}
	for _, l := range all {
		moneyFields(t, "line", l.(map[string]any), "amount", "before_cap")
	}
	mine := w.call("GET", "/api/v1/periods/"+code+"/lines?member=AAA", admin, nil).json(t)["items"].([]any)
	if len(mine) == 0 {
		t.Fatal("AAA has no lines")
	}
	for _, l := range mine {
		if l.(map[string]any)["member"] != "AAA" {
			t.Errorf("member filter let through %v", l)
		}
	}
	if res := w.call("GET", "/api/v1/periods/"+code+"/lines?cursor=bm9wZQ", admin, nil); res.status != 400 {
		t.Errorf("a forged cursor: %d %s", res.status, res.body)
	}

	// A manual adjustment by finance, idempotent under its key.
	adj := map[string]any{"member": "AAA", "amount": "5.00", "reason": "late order credited"}
	res = w.call("POST", "/api/v1/periods/"+code+"/adjustments", fin, adj, "Idempotency-Key", "adj-1")
	if res.status != 201 {
		t.Fatalf("adjust: %d %s", res.status, res.body)
	}
	first := res.json(t)
	moneyFields(t, "adjustment", first, "amount")
	replay := w.call("POST", "/api/v1/periods/"+code+"/adjustments", fin, adj, "Idempotency-Key", "adj-1")
	if replay.status != 201 || replay.json(t)["id"] != first["id"] || w.count(t, "settle_manual_adjustments") != 1 {
		t.Errorf("adjustment replay: %d %s, %d adjustments", replay.status, replay.body, w.count(t, "settle_manual_adjustments"))
	}
	if res := w.call("POST", "/api/v1/periods/"+code+"/adjustments", fin, map[string]any{"member": "AAA", "amount": "6.00", "reason": "x"},
		"Idempotency-Key", "adj-1"); res.status != 409 {
		t.Errorf("another adjustment under a used key: %d %s", res.status, res.body)
	}

	// Four eyes: whoever ran the period (or adjusted it) may not approve it.
	entries := w.count(t, "journal_entries")
	res = w.call("POST", "/api/v1/periods/"+code+"/approve", fin, map[string]any{"reason": "checked"}, "Idempotency-Key", "ap-1")
	if res.status != 422 || !strings.Contains(res.json(t)["detail"].(string), "a second finance user must approve") {
		t.Errorf("approval by whoever ran it: %d %s", res.status, res.body)
	}
	res = w.call("POST", "/api/v1/periods/"+code+"/approve", fin2, map[string]any{"reason": " "}, "Idempotency-Key", "ap-2")
	if res.status != 422 {
		t.Errorf("approval without a reason: %d %s", res.status, res.body)
	}
	if w.count(t, "journal_entries") != entries {
		t.Fatal("refused approvals posted to the journal")
	}
	res = w.call("POST", "/api/v1/periods/"+code+"/approve", fin2, map[string]any{"reason": "totals checked against the sales report"}, "Idempotency-Key", "ap-3")
	if res.status != 200 {
		t.Fatalf("approval by a second finance user: %d %s", res.status, res.body)
	}
	approved := res.json(t)
	if approved["status"] != "approved" || approved["approved_by"] != "user:finance2" || approved["approve_reason"] != "totals checked against the sales report" {
		t.Errorf("approved run: %v", approved)
	}
	if again := w.call("POST", "/api/v1/periods/"+code+"/approve", fin2, map[string]any{"reason": "totals checked against the sales report"},
		"Idempotency-Key", "ap-3"); again.status != 200 || !bytes.Equal(again.body, res.body) {
		t.Errorf("approval replay: %d %s", again.status, again.body)
	}
	if res := w.call("POST", "/api/v1/periods/"+code+"/adjustments", fin, adj, "Idempotency-Key", "adj-2"); res.status != 409 {
		t.Errorf("adjusting an approved period: %d %s", res.status, res.body)
	}
	if res := w.call("POST", "/api/v1/periods/"+code+"/run", fin, nil, "Idempotency-Key", "run-4"); res.status != 409 {
		t.Errorf("re-running an approved period: %d %s", res.status, res.body)
	}
	one := w.call("GET", "/api/v1/periods/"+code+"/run", admin, nil).json(t)
	if m := one["manual_adjustments"].(map[string]any); m["count"] != 1.0 || m["total"] != "5.00" {
		t.Errorf("the run's manual adjustments: %v", m)
	}

	// Pay: a payout batch, and a replay that creates nothing.
	if res := w.call("POST", "/api/v1/periods/"+code+"/pay", fin, map[string]any{"min_payout": "0.00"}); res.status != 400 {
		t.Errorf("pay without an Idempotency-Key: %d %s", res.status, res.body)
	}
	// Three clients send the same payout at once (a retry racing the
	// original): one batch is paid, and all three get it.
	var wg sync.WaitGroup
	racing := make([]resp, 3)
	for i := range racing {
		wg.Add(1)
		go func() {
			defer wg.Done()
			racing[i] = w.call("POST", "/api/v1/periods/"+code+"/pay", fin, map[string]any{"min_payout": "1.00"}, "Idempotency-Key", "pay-1")
		}()
	}
	wg.Wait()
	res = racing[0]
	for _, r := range racing {
		if r.status != 201 || !bytes.Equal(r.body, res.body) {
			t.Fatalf("pay: %d %s; first answer %d %s", r.status, r.body, res.status, res.body)
		}
	}
	payout := res.json(t)
	moneyFields(t, "payout", payout, "paid_total", "carried_total", "min_payout")
	if payout["paid_count"].(float64) < 1 || payout["currency"] != "CNY" {
		t.Errorf("payout: %v", payout)
	}
	entries, payouts, items := w.count(t, "journal_entries"), w.count(t, "settle_payouts"), w.count(t, "settle_payout_items")
	again := w.call("POST", "/api/v1/periods/"+code+"/pay", fin, map[string]any{"min_payout": "1.00"}, "Idempotency-Key", "pay-1")
	if again.status != 201 || !bytes.Equal(again.body, res.body) {
		t.Errorf("pay replay: %d %s, first %s", again.status, again.body, res.body)
	}
	if w.count(t, "journal_entries") != entries || w.count(t, "settle_payouts") != payouts || w.count(t, "settle_payout_items") != items || payouts != 1 {
		t.Errorf("the replay created something: entries %d -> %d, payouts %d -> %d", entries, w.count(t, "journal_entries"), payouts, w.count(t, "settle_payouts"))
	}
	if res := w.call("POST", "/api/v1/periods/"+code+"/pay", fin, map[string]any{"min_payout": "2.00"}, "Idempotency-Key", "pay-1"); res.status != 409 {
		t.Errorf("another payout under a used key: %d %s", res.status, res.body)
	}
	if res := w.call("POST", "/api/v1/periods/"+code+"/pay", fin, map[string]any{"min_payout": "1.00"}, "Idempotency-Key", "pay-2"); res.status != 409 {
		t.Errorf("paying twice: %d %s", res.status, res.body)
	}
	if w.count(t, "journal_entries") != entries {
		t.Error("refused payouts posted to the journal")
	}

	// The bank files.
	res = w.call("GET", "/api/v1/periods/"+code+"/payout.csv", admin, nil)
	if res.status != 200 || res.header.Get("Content-Type") != "text/csv; charset=utf-8" ||
		!strings.Contains(res.header.Get("Content-Disposition"), "payout-"+code+".csv") {
		t.Fatalf("payout.csv: %d %v %s", res.status, res.header, res.body)
	}
	rows, err := csv.NewReader(bytes.NewReader(res.body)).ReadAll()
	if err != nil || len(rows) < 2 || strings.Join(rows[0], ",") != "member_id,name,phone,amount,currency,period,status" {
		t.Fatalf("payout.csv rows %v (%v)", rows, err)
	}
	var paid int
	for _, r := range rows[1:] {
		if !moneyRE.MatchString(r[3]) {
			t.Errorf("csv amount %q", r[3])
		}
		if r[6] == "pay" {
			paid++
		}
	}
	if float64(paid) != payout["paid_count"] {
		t.Errorf("csv pays %d members, the payout %v", paid, payout["paid_count"])
	}
	res = w.call("GET", "/api/v1/periods/"+code+"/payout.xlsx", fin, nil)
	if res.status != 200 || res.header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("payout.xlsx: %d %v", res.status, res.header)
	}
	f, err := excelize.OpenReader(bytes.NewReader(res.body))
	if err != nil {
		t.Fatal(err)
	}
	sheet, err := f.GetRows("Payout")
	if err != nil || len(sheet) != len(rows) || sheet[1][0] != rows[1][0] {
		t.Errorf("xlsx rows %v, csv rows %v (%v)", sheet, rows, err)
	}
	if res := w.call("GET", "/api/v1/periods/"+code+"/payout.csv", aaa, nil); res.status != 403 {
		t.Errorf("member downloads the bank file: %d", res.status)
	}

	// The statement: the member reads its own, not another's.
	res = w.call("GET", "/api/v1/members/AAA/statements/"+code+"?lang=en", aaa, nil)
	if res.status != 200 {
		t.Fatalf("own statement: %d %s", res.status, res.body)
	}
	st := res.json(t)
	moneyFields(t, "statement", st, "total")
	if st["status"] != "paid" || st["member"] != "AAA" || !strings.Contains(st["text"].(string), "Bonus statement") {
		t.Errorf("statement: %v", st)
	}
	// The statement's dates read in the company's zone: the month starts at midnight in Shanghai.
	if first := code + "-01 00:00 to"; !strings.Contains(st["text"].(string), first) || st["time_zone"] != "Asia/Shanghai" {
		t.Errorf("the statement's text does not start the period at %q in Shanghai: %q (zone %v)", first, st["text"], st["time_zone"])
	}
	var hasManual bool
	for _, l := range st["lines"].([]any) {
		moneyFields(t, "statement line", l.(map[string]any), "amount")
		hasManual = hasManual || l.(map[string]any)["bonus"] == "manual"
	}
	if !hasManual {
		t.Errorf("the manual adjustment is missing from the statement: %v", st["lines"])
	}
	zh := w.call("GET", "/api/v1/members/AAA/statements/"+code+"?lang=zh-CN", aaa, nil).json(t)
	if !strings.Contains(zh["text"].(string), "奖金明细") || zh["total"] != st["total"] {
		t.Errorf("zh-CN statement: %v", zh)
	}
	// The list of statements names the period with the statement's total.
	var listed []map[string]any
	if res := w.call("GET", "/api/v1/members/AAA/statements", aaa, nil); res.status != 200 || json.Unmarshal(res.body, &listed) != nil ||
		len(listed) != 1 || listed[0]["period"] != code || listed[0]["total"] != st["total"] || listed[0]["status"] != "paid" ||
		listed[0]["lines"] != float64(len(st["lines"].([]any))) || listed[0]["time_zone"] != "Asia/Shanghai" ||
		listed[0]["starts_at"] != st["starts_at"] {
		t.Errorf("AAA's statements: %d %s; the statement totals %v with %d lines", res.status, res.body, st["total"], len(st["lines"].([]any)))
	}
	if res := w.call("GET", "/api/v1/members/AAA/statements", bbb, nil); res.status != 404 {
		t.Errorf("BBB lists AAA's statements: %d %s", res.status, res.body)
	}
	other := w.call("GET", "/api/v1/members/AAA/statements/"+code, bbb, nil)
	missing := w.call("GET", "/api/v1/members/ZZZ9/statements/"+code, bbb, nil)
	if other.status != 404 || missing.status != 404 ||
		strings.ReplaceAll(other.json(t)["detail"].(string), "AAA", "X") != strings.ReplaceAll(missing.json(t)["detail"].(string), "ZZZ9", "X") {
		t.Errorf("another member's statement: %d %s; a missing member's: %s", other.status, other.body, missing.body)
	}
	if res := w.call("GET", "/api/v1/members/AAA/statements/"+code+"?lang=fr", aaa, nil); res.status != 422 {
		t.Errorf("statement in French: %d %s", res.status, res.body)
	}
	if res := w.call("GET", "/api/v1/members/BBB/statements/"+code, bbb, nil); res.status != 200 {
		t.Errorf("BBB's own statement: %d %s", res.status, res.body)
	}
	if res := w.call("GET", "/api/v1/members/AAA/statements/"+code, admin, nil); res.status != 200 {
		t.Errorf("admin reads a statement: %d %s", res.status, res.body)
	}
	own := w.call("GET", "/api/v1/members/AAA/bonus-lines/"+code, aaa, nil)
	if own.status != 200 || fmt.Sprint(own.json(t)["items"]) != fmt.Sprint(mine) {
		t.Errorf("AAA's own lines: %d %s", own.status, own.body)
	}
	if res := w.call("GET", "/api/v1/members/AAA/bonus-lines/"+code, bbb, nil); res.status != 404 {
		t.Errorf("another member's lines: %d %s", res.status, res.body)
	}

	// The privileged steps are in the audit log, with what they did.
	audit := string(w.call("GET", "/api/v1/audit?limit=200", admin, nil).body)
	for _, want := range []string{"approve " + code + ": totals checked against the sales report", "pay " + code + ", minimum 1.00",
		"adjust AAA of " + code + " by 5: late order credited", "bank file of " + code, "plan Office version 1"} {
		if !strings.Contains(audit, want) {
			t.Errorf("audit log lacks %q", want)
		}
	}
}

// TestRunJobs: what a run start checks at once, a run that fails in the
// background, one run of a period at a time, and a job whose server died.
func TestRunJobs(t *testing.T) {
	w := settleWorld(t)
	fin, admin := w.token("finance"), w.token("admin")
	if res := w.call("POST", "/api/v1/periods/2021-01/run", fin, nil); res.status != 404 || !strings.Contains(string(res.body), "no plan is in force") {
		t.Errorf("run without a plan: %d %s", res.status, res.body)
	}
	if res := w.call("POST", "/api/v1/plans", fin, map[string]any{"document": testPlan, "effective": "2020-01-01"}); res.status != 201 {
		t.Fatalf("upload plan: %d %s", res.status, res.body)
	}
	for _, c := range []struct {
		code string
		body any
		want int
		says string
	}{
		{"2021-13", nil, 422, "month 13"},
		{"2021-W60", nil, 422, "no ISO week 60"},
		{"someday", nil, 422, "want YYYY-MM"},
		{"2021-01", map[string]any{"tz": "Mars/Olympus"}, 422, `tz \"Mars/Olympus\"`},
		{"2021-01", map[string]any{"cutoff": "soon"}, 422, `cutoff \"soon\"`},
		{"2021-01", map[string]any{"cutoff": "2020-12-01"}, 422, "is not after the start"},
	} {
		res := w.call("POST", "/api/v1/periods/"+c.code+"/run", fin, c.body)
		if res.status != c.want || !strings.Contains(string(res.body), c.says) {
			t.Errorf("run %s with %v: %d %s; want %d saying %s", c.code, c.body, res.status, res.body, c.want, c.says)
		}
	}
	if n := w.count(t, "settle_periods") + w.count(t, "settle_jobs"); n != 0 {
		t.Fatalf("refused starts left %d periods and jobs", n)
	}

	w.runPeriod(t, "finance", "2021-01", nil, "j1")
	// February needs January approved: the job fails, saying so.
	res := w.call("POST", "/api/v1/periods/2021-02/run?wait=60", fin, nil, "Idempotency-Key", "j2")
	job := w.awaitJob(t, res.json(t))
	e, _ := job["error"].(map[string]any)
	if res.status != 202 || job["status"] != "failed" || e == nil || e["status"] != 409.0 ||
		!strings.Contains(e["detail"].(string), "the previous period 2021-01 is not approved") || job["run"] != nil {
		t.Fatalf("run of February before January is approved: %d %v", res.status, job)
	}
	if res := w.call("POST", "/api/v1/periods/2021-01/run", fin, nil, "Idempotency-Key", "j2"); res.status != 409 ||
		!strings.Contains(string(res.body), "another period") {
		t.Errorf("a used key for another period: %d %s", res.status, res.body)
	}

	// One run of a period at a time: a job running on another worker
	// blocks another start...
	var busy int64
	if err := w.db.Pool.QueryRow(context.Background(), `INSERT INTO settle_jobs (period_id, requested_by, status, stage, worker, attempts)
		SELECT id, 'user:finance', 'running', 'computing', 'elsewhere:1:1', 1 FROM settle_periods WHERE code = '2021-01' RETURNING id`).Scan(&busy); err != nil {
		t.Fatal(err)
	}
	res = w.call("POST", "/api/v1/periods/2021-01/run", fin, nil)
	if res.status != 409 || !strings.Contains(res.json(t)["detail"].(string), fmt.Sprintf("job %d", busy)) {
		t.Errorf("a second run while one runs: %d %s", res.status, res.body)
	}
	// ...until that worker dies: once its heartbeat is old, this server's
	// worker takes the job over and runs it.
	if _, err := w.db.Pool.Exec(context.Background(), `UPDATE settle_jobs SET heartbeat_at = now() - interval '2 minutes' WHERE id = $1`, busy); err != nil {
		t.Fatal(err)
	}
	next := w.awaitJob(t, map[string]any{"id": busy, "status": "running"})
	if next["status"] != "succeeded" || next["run"].(map[string]any)["attempt"] != 2.0 {
		t.Errorf("the job taken over from a dead worker: %v", next)
	}
	// A job whose workers died three times fails, saying so.
	var lostID int64
	if err := w.db.Pool.QueryRow(context.Background(), `INSERT INTO settle_jobs (period_id, requested_by, status, stage, worker, attempts, heartbeat_at)
		SELECT id, 'user:finance', 'running', 'computing', 'elsewhere:1:1', 3, now() - interval '2 minutes' FROM settle_periods WHERE code = '2021-01'
		RETURNING id`).Scan(&lostID); err != nil {
		t.Fatal(err)
	}
	lost := w.awaitJob(t, map[string]any{"id": lostID, "status": "running"})
	if lost["status"] != "failed" || !strings.Contains(lost["error"].(map[string]any)["detail"].(string), "stopped before it finished") {
		t.Errorf("the lost job: %v", lost)
	}
	for _, p := range []string{"/api/v1/run-jobs/999999", "/api/v1/run-jobs/x1"} {
		if res := w.call("GET", p, admin, nil); res.status != 404 {
			t.Errorf("GET %s: %d %s", p, res.status, res.body)
		}
	}
	var runs []map[string]any
	if res := w.call("GET", "/api/v1/runs", admin, nil); json.Unmarshal(res.body, &runs) != nil || len(runs) != 1 || runs[0]["period"] != "2021-01" {
		t.Errorf("runs: %s", res.body)
	}
}

// TestStoppedWorkerLeavesItsJob: a worker that stops leaves no job
// running and no partial run: the job finished, or it waits, queued, for
// the next worker, which runs it.
func TestStoppedWorkerLeavesItsJob(t *testing.T) {
	w := settleWorld(t)
	fin := w.token("finance")
	if res := w.call("POST", "/api/v1/plans", fin, map[string]any{"document": testPlan, "effective": "2020-01-01"}); res.status != 201 {
		t.Fatalf("upload plan: %d %s", res.status, res.body)
	}
	res := w.call("POST", "/api/v1/periods/2021-01/run", fin, nil)
	if res.status != 202 {
		t.Fatalf("run: %d %s", res.status, res.body)
	}
	w.stopWorker()
	job := w.call("GET", fmt.Sprintf("/api/v1/run-jobs/%v", res.json(t)["id"]), w.token("admin"), nil).json(t)
	switch {
	case job["status"] == "succeeded":
	case job["status"] == "running" && job["stage"] == "queued":
		if w.count(t, "settle_runs") != 0 {
			t.Error("a cancelled run was written")
		}
		w.startWorker(t)
		if job = w.awaitJob(t, job); job["status"] != "succeeded" {
			t.Errorf("the next worker's run of the job: %v", job)
		}
	default:
		t.Errorf("after its worker stopped the job is %v", job)
	}
}

// TestSeparateWorker: a run queued on an API server without a worker waits
// for one, and a worker with its own connections and graph store (another
// machine) runs it.
func TestSeparateWorker(t *testing.T) {
	w := settleWorld(t)
	w.stopWorker()
	fin := w.token("finance")
	if res := w.call("POST", "/api/v1/plans", fin, map[string]any{"document": testPlan, "effective": "2020-01-01"}); res.status != 201 {
		t.Fatalf("upload plan: %d %s", res.status, res.body)
	}
	now := time.Now().UTC()
	code := now.Format("2006-01")
	res := w.call("POST", "/api/v1/periods/"+code+"/run?wait=1", fin, map[string]any{"cutoff": now.Format(time.RFC3339Nano), "tz": "UTC"})
	job := res.json(t)
	if res.status != 202 || job["status"] != "running" || job["stage"] != "queued" || w.count(t, "settle_runs") != 0 {
		t.Fatalf("a run without a worker: %d %s", res.status, res.body)
	}
	db, err := ledger.Open(context.Background(), w.db.Pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	store := memory.New()
	if err := projection.Sync(context.Background(), db, store, nil); err != nil {
		t.Fatal(err)
	}
	runWorker(t, db, store, &projection.Feed{DB: db, Store: store})
	job = w.awaitJob(t, job)
	if job["status"] != "succeeded" || job["run"].(map[string]any)["lines"] == 0.0 {
		t.Errorf("the separate worker's run: %v", job)
	}
}
