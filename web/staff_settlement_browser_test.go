package web_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"github.com/xuri/excelize/v2"

	"downline/api"
	"downline/api/explorer"
	"downline/clock"
	"downline/graphstore/memory"
	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/ledger/order"
	"downline/ledger/user"
	"downline/projection"
	"downline/settle/jobs"
	"downline/settle/period"
	"downline/settle/plan/plantest"
	"downline/web"
)

// settleOffice is a company whose February 2026 is settled (run by
// finance, approved by finance2) and whose March 2026, with a month of
// confirmed orders, is not run yet; the server's clock (and its settlement
// worker's) starts on 2 April 2026, after March ended, whatever the date.
//
//	Sponsor:   ROOT1 -> AAA -> AAA1, AAA2; ROOT1 -> BBB
//	Placement: ROOT1 -> AAA (L), BBB (R); AAA -> AAA1 (L), AAA2 (R)
//
// In February AAA1 and AAA bought 1 × VC-100 each; in March AAA1 3, AAA2 2, BBB 4, AAA
// and ROOT1 1 each. The users are finance, finance2, warehouse
// and admin.
type settleOffice struct {
	url string
	db  *ledger.DB
}

func newSettleOffice(t *testing.T) settleOffice {
	t.Helper()
	loc, err := ledger.CompanyZone()
	if err != nil {
		t.Fatal(err)
	}
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	jan := time.Date(2026, 1, 10, 12, 0, 0, 0, loc)
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		for _, r := range []member.Registration{
			{Code: "ROOT1", Name: "Root", Phone: "+8613800000001"},
			{Code: "AAA", Name: "王芳", Phone: "+8613800000002", Sponsor: "ROOT1", Placement: "ROOT1", Side: "L"},
			{Code: "BBB", Name: "Bo", Phone: "+8613800000003", Sponsor: "ROOT1", Placement: "ROOT1", Side: "R"},
			{Code: "AAA1", Name: "李雷", Phone: "+8613800000004", Sponsor: "AAA", Placement: "AAA", Side: "L"},
			{Code: "AAA2", Name: "韩梅梅", Phone: "+8613800000005", Sponsor: "AAA", Placement: "AAA", Side: "R"},
		} {
			r.By, r.JoinedAt = "test", jan
			if _, err := member.Register(ctx, tx, r); err != nil {
				return fmt.Errorf("register %s: %w", r.Code, err)
			}
		}
		for _, n := range []user.New{{Login: "finance", Password: password, Role: user.Finance},
			{Login: "finance2", Password: password, Role: user.Finance},
			{Login: "warehouse", Password: password, Role: user.Warehouse},
			{Login: "admin", Password: password, Role: user.Admin}} {
			if _, err := user.Create(ctx, tx, n); err != nil {
				return err
			}
		}
		return nil
	})
	buy := func(key, who string, qty int64, at time.Time) {
		ctx := clock.With(context.Background(), clock.Fixed(at))
		if err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
			o, err := order.Place(ctx, tx, order.Request{Key: key, Kind: order.Repeat, Member: who,
				Lines: []order.LineRequest{{SKU: "VC-100", Qty: qty}}, By: "test"})
			if err != nil {
				return err
			}
			p, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: "pay-" + key, Order: o.No, Method: order.BankTransfer, Amount: o.Total, By: "test"})
			if err != nil {
				return err
			}
			_, err = order.ConfirmPayment(ctx, tx, order.Decision{Key: "confirm-" + key, Payment: p.No, By: "finance"})
			return err
		}); err != nil {
			t.Fatalf("order %s of %s: %v", key, who, err)
		}
	}
	buy("feb", "AAA1", 1, time.Date(2026, 2, 10, 12, 0, 0, 0, loc))
	buy("feb-aaa", "AAA", 1, time.Date(2026, 2, 11, 12, 0, 0, 0, loc))
	for i, b := range []struct {
		who string
		qty int64
	}{{"AAA1", 3}, {"AAA2", 2}, {"BBB", 4}, {"AAA", 1}, {"ROOT1", 1}} {
		buy(fmt.Sprintf("mar%d", i), b.who, b.qty, time.Date(2026, 3, 10+i, 12, 0, 0, 0, loc))
	}
	store := memory.New()
	if err := projection.Sync(context.Background(), db, store, nil); err != nil {
		t.Fatal(err)
	}
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := period.UploadPlan(ctx, tx, []byte(plantest.Office), time.Date(2026, 1, 1, 0, 0, 0, 0, loc), "finance")
		return err
	})
	march := clock.With(context.Background(), clock.Fixed(time.Date(2026, 3, 2, 9, 0, 0, 0, loc)))
	if _, err := period.Ensure(march, db, "2026-02", loc, time.Time{}, "finance"); err != nil {
		t.Fatal(err)
	}
	if _, err := (&period.Runner{DB: db, Graph: store}).Run(march, "2026-02", "user:finance"); err != nil {
		t.Fatal(err)
	}
	if _, err := period.Approve(march, db, "2026-02", "user:finance2", "checked"); err != nil {
		t.Fatal(err)
	}

	clk := clock.Starting(time.Date(2026, 4, 2, 9, 0, 0, 0, loc))
	ctx, stop := context.WithCancel(clock.With(context.Background(), clk))
	worker := &jobs.Worker{DB: db, Graph: store, Describe: api.Describe, Poll: 100 * time.Millisecond}
	done := make(chan struct{})
	go func() {
		defer close(done)
		worker.Run(ctx)
	}()
	t.Cleanup(func() {
		stop()
		<-done
	})
	srv := &api.Server{DB: db, Graph: store, Feed: &projection.Feed{DB: db, Store: store}, UI: web.Handler(),
		Explorer: &explorer.Cache{SyncBelow: time.Hour}}
	h := srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(clock.With(r.Context(), clk)))
	}))
	t.Cleanup(ts.Close)
	return settleOffice{url: ts.URL, db: db}
}

// setDate sets the date input sel as its picker would.
func setDate(sel, date string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		el.value = %q;
		el.dispatchEvent(new Event('input', {bubbles: true}));
	})()`, sel, date))
}

// settlementCalls counts the page's requests of the settlement API.
func settlementCalls(t *testing.T, ctx context.Context) int {
	return eval[int](t, ctx, `performance.getEntriesByType('resource').filter(e =>
		/\/api\/v1\/(periods|runs|plans|run-jobs)/.test(e.name)).length`)
}

// Finance runs March from the list and follows the job to its totals; a
// plan with a mistake is refused next to the file field. On March's page
// the breakdown compares with February; finance explains a member's
// bonus, re-runs, enters an adjustment, cannot approve its own run and is
// told why; finance2 approves in Chinese with a reason; finance pays with
// a minimum (the smaller balances carry) and downloads the XLSX bank
// file, whose rows are the payout's. The admin reads without actions; the
// warehouse is not allowed and sees none of it. Phone and desktop, both
// languages.
func TestStaffSettlement(t *testing.T) {
	requireBrowser(t)
	o := newSettleOffice(t)
	ctx := browser(t, "en")
	// A browser in New York: the plan in force from midnight on 1 January
	// in Shanghai still reads 1 January (the 31st of December there).
	if _, err := chromedp.Call(ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "America/New_York"}); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "sign in as finance", chromedp.Navigate(o.url+"/staff/settlement"), signIn("finance", password))
	wantText(t, ctx, "table.plans tr[data-plan]", "Jan 1, 2026")
	wantText(t, ctx, "#periods", "February 2026")
	wantText(t, ctx, `tr[data-period="2026-02"]`, "approved")
	wantText(t, ctx, `tr[data-period="2026-03"]`, "open")
	wantText(t, ctx, `tr[data-period="2026-03"]`, "Office v1")
	if v := eval[string](t, ctx, `document.querySelector('#run-period').value`); v != "2026-03" {
		t.Errorf("the period offered to run is %q, want 2026-03 (the month after the last run)", v)
	}
	if eval[bool](t, ctx, `!!document.querySelector('tr[data-period="2026-04"]')`) {
		t.Error("April, not ended on 2 April, is offered")
	}

	// A plan with a mistake: the API's reason, next to the file field.
	bad := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(bad, []byte(strings.Replace(plantest.Office, "pct: 20", "pct: lots", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "upload a bad plan", chromedp.SetUploadFiles(chromedp.CSS("#plan-file"), []string{bad}),
		setDate("#plan-effective", "2026-05-01"))
	wantText(t, ctx, "#plan-file-hint", "plan.yaml")
	run(t, ctx, "submit the bad plan", click("#upload-plan"))
	wantText(t, ctx, "#plan-file-error", "The plan has a mistake")
	wantText(t, ctx, "#plan-file-error", "lots")
	if n := countRows(t, o.db, `SELECT count(*) FROM settle_plans`); n != 1 {
		t.Errorf("a refused plan was stored: %d plans", n)
	}

	// Run March from its row: the job's progress, then its totals.
	run(t, ctx, "run March", click(`tr[data-period="2026-03"] button.run`))
	wantText(t, ctx, "#job", "2026-03 is run (attempt 1)")
	r, err := period.GetRun(context.Background(), o.db.Pool, "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	if r.BonusTotal.IsZero() || r.RunBy != "user:finance" {
		t.Fatalf("March's run: %+v", r)
	}
	total := eval[string](t, ctx, `new Intl.NumberFormat('en', {style: 'currency', currency: 'CNY'}).format('`+r.BonusTotal.StringFixed(2)+`')`)
	wantText(t, ctx, "#job", total)
	wantText(t, ctx, `tr[data-period="2026-03"]`, "draft")
	noHorizontalScroll(t, ctx, "the settlement list")
	screenshot(t, ctx, "settlement-list-en-phone")

	// March's page: breakdown against February, a member's explanation, a
	// re-run compared with the run before; finance's own run not approvable.
	run(t, ctx, "open March", desktop(), click(`tr[data-period="2026-03"] a`))
	wantText(t, ctx, "#baseline", "Compared with the run of February 2026")
	wantText(t, ctx, `#per-bonus tr[data-bonus="unilevel"]`, "Unilevel")
	wantText(t, ctx, "#bonus-total", total)
	// In February AAA earned 5.00 (unilevel: 10% of AAA1's 50 BV).
	wantText(t, ctx, `#per-bonus tr[data-bonus="unilevel"]`, "CN¥5.00")
	wantText(t, ctx, `#movers tr[data-member="AAA"]`, "CN¥5.00")
	wantText(t, ctx, "#movers", "ROOT1")
	wantText(t, ctx, "#four-eyes", "You ran this period")
	run(t, ctx, "explain AAA", click(`#movers tr[data-member="AAA"] button`))
	wantText(t, ctx, "#explanation", "王芳")
	wantText(t, ctx, "#explanation", "AAA1")
	run(t, ctx, "re-run March", click("#rerun"))
	wantText(t, ctx, "#job", "2026-03 is run (attempt 2)")
	wantText(t, ctx, "#rerun-compare", "Attempt 1 had a bonus total of "+total)
	wantText(t, ctx, "#run-by", "attempt 2")
	// An adjustment: a reason is required; entered, it is listed.
	run(t, ctx, "adjust without a reason", typeInto("#adjust-member", "aaa"), typeInto("#adjust-amount", "5"), click("#adjust"))
	wantText(t, ctx, "#adjust-reason-error", "reason")
	run(t, ctx, "adjust", typeInto("#adjust-reason", "late order credited"), click("#adjust"))
	wantText(t, ctx, "#adjustments table", "late order credited")
	wantText(t, ctx, "#run-summary", "(1)")
	if n := countRows(t, o.db, `SELECT count(*) FROM settle_manual_adjustments WHERE member = 'AAA' AND amount = 5`); n != 1 {
		t.Errorf("%d adjustments of AAA by 5.00 stored, want 1", n)
	}
	run(t, ctx, "approve own run", typeInto("#approve-reason", "looks right"), click("#approve-run"))
	wantText(t, ctx, "#approve-reason-error", "Refused: you ran or adjusted this period")
	if r, _ := period.GetRun(context.Background(), o.db.Pool, "2026-03"); r.Status != period.Draft {
		t.Fatalf("finance approved its own run: %s", r.Status)
	}
	screenshot(t, ctx, "settlement-period-en-desktop-refused")

	// finance2 approves, in Chinese on a phone; an empty reason is named.
	zh := browser(t, "zh-CN")
	run(t, zh, "finance2 opens March", chromedp.Navigate(o.url+"/staff/settlement/2026-03"), signIn("finance2", password))
	wantText(t, zh, "#baseline", "2026年2月")
	if eval[bool](t, zh, `!!document.querySelector('#four-eyes')`) {
		t.Error("finance2 is told it may not approve")
	}
	run(t, zh, "approve without a reason", click("#approve-run"))
	wantText(t, zh, "#approve-reason-error", "请填写")
	run(t, zh, "approve", typeInto("#approve-reason", "已与销售报表核对"), click("#approve-run"))
	wantText(t, zh, "#run-title", "已审批")
	wantText(t, zh, "#approved-by", "finance2")
	wantText(t, zh, "#approved-by", "已与销售报表核对")
	noHorizontalScroll(t, zh, "March's page in Chinese")
	screenshot(t, zh, "settlement-period-zh-phone-approved")

	// finance pays with a minimum between the balances: some are paid,
	// the rest carry.
	bals := balances(t, o.db)
	if len(bals) < 2 {
		t.Fatalf("balances %v: want two or more to pay some and carry others", bals)
	}
	min := bals[len(bals)/2] // paid: this one and above
	run(t, ctx, "reload March", chromedp.Reload())
	wantText(t, ctx, "#pay", "Minimum payout")
	run(t, ctx, "a bad minimum", typeInto("#min-payout", "-5"), click("#pay-run"))
	wantText(t, ctx, "#min-payout-error", "zero or more")
	run(t, ctx, "pay", typeInto("#min-payout", min.StringFixed(2)), click("#pay-run"))
	wantText(t, ctx, "#payout", "Payout summary")
	p, items, err := period.GetPayout(context.Background(), o.db.Pool, "2026-03")
	if err != nil {
		t.Fatal(err)
	}
	if p.PaidCount == 0 || p.CarriedCount == 0 || !p.MinPayout.Equal(min) {
		t.Errorf("payout: %d paid, %d carried, minimum %s (want %s)", p.PaidCount, p.CarriedCount, p.MinPayout, min)
	}
	wantText(t, ctx, "#paid", fmt.Sprintf("(%d)", p.PaidCount))
	wantText(t, ctx, "#carried", fmt.Sprintf("(%d)", p.CarriedCount))
	screenshot(t, ctx, "settlement-period-en-desktop-paid")

	dir := downloads(t, ctx)
	run(t, ctx, "download the XLSX", click("#bank-xlsx"))
	f, err := excelize.OpenReader(bytes.NewReader(downloaded(t, ctx, dir, "payout-2026-03.xlsx")))
	if err != nil {
		t.Fatalf("the bank file is no XLSX: %v", err)
	}
	defer f.Close()
	rows, err := f.GetRows("Payout")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(items)+1 || rows[0][0] == "" {
		t.Fatalf("XLSX rows %v, want a header and the payout's %d items", rows, len(items))
	}
	paid := decimal.Zero
	for i, it := range items {
		row := rows[i+1]
		want := "pay"
		if it.Carried {
			want = "carried"
		} else {
			paid = paid.Add(it.Amount)
		}
		got, err := decimal.NewFromString(strings.ReplaceAll(row[3], ",", ""))
		if row[0] != it.Member || err != nil || !got.Equal(it.Amount) || row[5] != "2026-03" || row[6] != want {
			t.Errorf("XLSX row %d %v, want %s %s %s", i+1, row, it.Member, it.Amount, want)
		}
	}
	if !paid.Equal(p.PaidTotal) {
		t.Errorf("the XLSX's paid rows add up to %s, the payout paid %s", paid, p.PaidTotal)
	}

	// The admin reads the period but acts on nothing.
	adm := browser(t, "en")
	run(t, adm, "admin opens March", chromedp.Navigate(o.url+"/staff/settlement/2026-03"), signIn("admin", password))
	wantText(t, adm, "#payout", "Bank file (XLSX)")
	wantText(t, adm, "#adjustments", "late order credited")
	if eval[bool](t, adm, `!!document.querySelector('#adjust-form, #rerun, #pay-run, #approve-run')`) {
		t.Error("the admin is offered a settlement action")
	}

	// The warehouse: not allowed, and nothing asked of the API.
	wh := browser(t, "en")
	run(t, wh, "warehouse opens March", chromedp.Navigate(o.url+"/staff/settlement/2026-03"), signIn("warehouse", password))
	wantText(t, wh, "#not-allowed", "Not allowed")
	if n := settlementCalls(t, wh); n != 0 {
		t.Errorf("the warehouse's page asked the settlement API %d times", n)
	}
	if eval[bool](t, wh, `!!document.querySelector('#nav-settlement')`) {
		t.Error("the warehouse's navigation offers settlement")
	}
	screenshot(t, wh, "settlement-warehouse-not-allowed")

	// The list and the paid period in Chinese on a phone, March's page in
	// English on a phone.
	run(t, zh, "the list in Chinese", chromedp.Navigate(o.url+"/staff/settlement"))
	wantText(t, zh, `tr[data-period="2026-03"]`, "已发放")
	noHorizontalScroll(t, zh, "the list in Chinese")
	screenshot(t, zh, "settlement-list-zh-phone")
	run(t, ctx, "March on a phone", phone(), chromedp.Reload())
	wantText(t, ctx, "#payout", "Bank file (XLSX)")
	noHorizontalScroll(t, ctx, "March's page in English")
	screenshot(t, ctx, "settlement-period-en-phone-paid")
}

// balances are the distinct bonus payable balances above zero, smallest
// first: every approved run's earnings of each member and their manual
// adjustments (nothing is paid yet).
func balances(t *testing.T, db *ledger.DB) []decimal.Decimal {
	t.Helper()
	rows, err := db.Pool.Query(context.Background(), `SELECT DISTINCT sum(amount) FROM (
		SELECT member, earnings AS amount FROM settle_run_members
		UNION ALL SELECT member, amount FROM settle_manual_adjustments) a
		GROUP BY member HAVING sum(amount) > 0 ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowTo[decimal.Decimal])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func countRows(t *testing.T, db *ledger.DB, q string) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
