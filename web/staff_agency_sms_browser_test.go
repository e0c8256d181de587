package web_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/agency"
	"downline/ledger/goodstest"
	"downline/ledger/order"
	"downline/ledger/stock"
	"downline/ledger/user"
	"downline/sms"
	"downline/sms/smstest"
)

// agencyOffice is the office of newOffice with agencies AG1 and AG2 (logins
// agency1 and agency2) and an admin. AG1 bought 10 × VC-100 and 20 ×
// TEA-200 from HQ on its account, delivered into AG1-WH, whose low-stock
// threshold for VC-100 is 8; a statement of AG1 for the last 30 days is
// issued.
type agencyOffice struct {
	office
	statement int64
}

func newAgencyOffice(t *testing.T) agencyOffice {
	t.Helper()
	o := newOffice(t)
	goodstest.Agency(t, o.db, "AG1")
	goodstest.Agency(t, o.db, "AG2")
	a := agencyOffice{office: o}
	goodstest.Tx(t, o.db, func(ctx context.Context, tx pgx.Tx) error {
		for _, n := range []user.New{{Login: "agency1", Password: password, Role: user.Agency, Agency: "AG1"},
			{Login: "agency2", Password: password, Role: user.Agency, Agency: "AG2"},
			{Login: "admin", Password: password, Role: user.Admin}} {
			if _, err := user.Create(ctx, tx, n); err != nil {
				return err
			}
		}
		p, err := order.Place(ctx, tx, order.Request{Key: "ag1-buy", Kind: order.Agency, BuyerAgency: "AG1",
			Lines: []order.LineRequest{{SKU: "VC-100", Qty: 10}, {SKU: "TEA-200", Qty: 20}}, By: "test"})
		if err != nil {
			return err
		}
		pay, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: "ag1-pay", Order: p.No, Method: order.OnAccount, Amount: p.Total, By: "test"})
		if err != nil {
			return err
		}
		if _, err := order.ConfirmPayment(ctx, tx, order.Decision{Key: "ag1-confirm", Payment: pay.No, By: "test"}); err != nil {
			return err
		}
		if _, err := order.Ship(ctx, tx, order.ShipRequest{Key: "ag1-ship", Order: p.No, Tracking: "SF100", By: "test"}); err != nil {
			return err
		}
		if _, err := order.Deliver(ctx, tx, order.StatusChange{Key: "ag1-deliver", Order: p.No, By: "test"}); err != nil {
			return err
		}
		if err := stock.SetThreshold(ctx, tx, "AG1-WH", "VC-100", 8); err != nil {
			return err
		}
		now := clock.Now(ctx)
		st, err := agency.Issue(ctx, tx, "AG1", now.AddDate(0, 0, -30), now.Add(time.Hour), "finance")
		a.statement = st.ID
		return err
	})
	return a
}

// monthNow is the company month of now as the console computes it.
func monthNow(t *testing.T) (from, to time.Time) {
	zone, err := ledger.CompanyZone()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(zone)
	from = time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	return from, from.AddDate(0, 1, 0)
}

// An agency sells 3 × VC-100 to AAA1 at the desk from its own stock (the
// first answer is lost: the retry sells once); its stock falls below the
// threshold. It buys 5 more from HQ on its account: once finance confirms
// the charge, its statement of the month grows by it. It confirms its
// issued statement. Another agency's data answers 404, and
// the SMS console is not offered.
func TestStaffAgencyCounterSale(t *testing.T) {
	requireBrowser(t)
	a := newAgencyOffice(t)
	from, to := monthNow(t)
	before := a.compute(t, from, to)

	ctx := browser(t, "en-US")
	run(t, ctx, "open the agency console", phone(), chromedp.Navigate(a.url+"/staff/agency"))
	run(t, ctx, "sign in as agency1", signIn("agency1", password))
	wantText(t, ctx, "h1", "Agency AG1 (AG1)")
	wantText(t, ctx, `#agency-stock tr[data-sku="VC-100"] .available`, "10")
	if n := eval[int](t, ctx, `document.querySelectorAll('#low-stock').length`); n != 0 {
		t.Errorf("a low-stock warning with 10 available over a threshold of 8")
	}
	wantText(t, ctx, "#statement-now .charges", comma(before.Charges.StringFixed(2)))
	if n := eval[int](t, ctx, `document.querySelectorAll('#nav-sms').length`); n != 0 {
		t.Errorf("the agency is offered the SMS console")
	}

	// Bad input is named next to its field, and nothing is sold.
	run(t, ctx, "sell without a member", typeInto("#sale-sku-0", "VC-100"), typeInto("#sale-qty-0", "3"), click("#sell"))
	wantText(t, ctx, "#sale-member-error", "Enter a member code.")
	run(t, ctx, "sell to nobody", typeInto("#sale-member", "ZZZ9"), typeInto("#sale-qty-0", "0"), click("#sell"))
	wantText(t, ctx, "#sale-line-error-0", "The quantity must be a whole number from 1 to 999.")
	run(t, ctx, "a good quantity", typeInto("#sale-qty-0", "3"), click("#sell"))
	wantText(t, ctx, "#sale-member-error", "There is no member ZZZ9.")
	if n := a.agencySales(t); n != 0 {
		t.Fatalf("refused sales left %d orders", n)
	}
	screenshot(t, ctx, "staff-agency-error-phone-en")

	// The first answer is lost; the console retries under the same key.
	dropFirstAnswer(t, ctx, "*/api/v1/counter-sales")
	run(t, ctx, "sell to AAA1", typeInto("#sale-member", "aaa1"), click("#sell"))
	wantText(t, ctx, "#sale-error", "cannot be reached")
	run(t, ctx, "sell again", click("#sell"))
	wantText(t, ctx, "#sale-result", "Sold: order")
	if n := a.agencySales(t); n != 1 {
		t.Fatalf("the retried sale made %d orders, want 1", n)
	}
	var no string
	var state order.Status
	if err := a.db.Pool.QueryRow(context.Background(), `SELECT o.order_no, o.status FROM orders o JOIN agencies g ON g.id = o.seller_agency_id
		WHERE g.code = 'AG1'`).Scan(&no, &state); err != nil {
		t.Fatal(err)
	}
	if state != order.Confirmed {
		t.Errorf("the counter sale is %s, want confirmed", state)
	}
	wantText(t, ctx, "#sale-result", fmt.Sprintf("Sold: order %s, CN¥300.00 paid.", no))
	wantText(t, ctx, `#agency-stock tr[data-sku="VC-100"] .available`, "7")
	wantText(t, ctx, "#low-stock", "VC-100 is low: 7 available, threshold 8.")
	// A sale from its own stock leaves what the agency owes HQ as it was.
	if now := a.compute(t, from, to); !now.Charges.Equal(before.Charges) {
		t.Errorf("a sale from the agency's own stock changed its charges from %s to %s", before.Charges, now.Charges)
	}
	wantText(t, ctx, fmt.Sprintf(`#agency-orders tr[data-order=%q]`, no), "AAA1")

	// A purchase from HQ, charged to the account; once finance confirms
	// the charge the statement of the month has it.
	run(t, ctx, "place a purchase", typeInto("#buy-sku-0", "VC-100"), typeInto("#buy-qty-0", "5"), click("#buy"))
	wantText(t, ctx, "#purchase-result", "CN¥400.00")
	var bought string
	if err := a.db.Pool.QueryRow(context.Background(), `SELECT o.order_no FROM orders o JOIN agencies g ON g.id = o.buyer_agency_id
		WHERE g.code = 'AG1' AND o.status = 'placed'`).Scan(&bought); err != nil {
		t.Fatal(err)
	}
	wantText(t, ctx, "#purchase-result", "Purchase "+bought+" placed")
	buyRow := fmt.Sprintf(`#agency-orders tr[data-order=%q]`, bought)
	wantText(t, ctx, buyRow, "purchase from HQ")
	run(t, ctx, "charge it to the account", click(buyRow+" button.charge"))
	wantText(t, ctx, buyRow, "charged; HQ confirms it")
	var payNo string
	if err := a.db.Pool.QueryRow(context.Background(), `SELECT p.payment_no FROM payments p JOIN orders o ON o.id = p.order_id
		WHERE o.order_no = $1 AND p.method = 'account' AND p.amount = 400`, bought).Scan(&payNo); err != nil {
		t.Fatal(err)
	}
	goodstest.Tx(t, a.db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := order.ConfirmPayment(ctx, tx, order.Decision{Key: "confirm-" + payNo, Payment: payNo, By: "finance"})
		return err
	})
	after := a.compute(t, from, to)
	if !after.Charges.Sub(before.Charges).Equal(goodstest.D("400")) {
		t.Errorf("the statement's charges went from %s to %s, want 400.00 more", before.Charges, after.Charges)
	}
	run(t, ctx, "read the console again", chromedp.Reload())
	wantText(t, ctx, "#statement-now .charges", comma(after.Charges.StringFixed(2)))
	wantText(t, ctx, "#statement-now .closing", comma(after.Closing.StringFixed(2)))
	wantText(t, ctx, buyRow, "confirmed")
	// The stock sorts by SKU, and by what is available, least first; its
	// CSV is what the list shows.
	first := `document.querySelector('#stock-list tbody tr').dataset.sku`
	if sku := eval[string](t, ctx, first); sku != "TEA-200" {
		t.Errorf("by SKU the stock starts with %s", sku)
	}
	run(t, ctx, "sort by available", choose("#stock-sort", "available"))
	wantText(t, ctx, "#stock-list tbody tr:first-child", "VC-100")
	csv := eval[string](t, ctx, `(h => decodeURIComponent(h.slice(h.indexOf(',') + 1)))(document.querySelector('#stock-csv').href)`)
	if !strings.HasPrefix(csv, "sku,batch,expires_on,on_hand,reserved,available,threshold\nVC-100,B2,") ||
		!strings.Contains(csv, ",10,3,7,8\n") || !strings.Contains(csv, "TEA-200,T1,") {
		t.Errorf("the stock CSV is %q", csv)
	}
	noHorizontalScroll(t, ctx, "the agency console")
	screenshot(t, ctx, "staff-agency-phone-en")

	// The issued statement: HQ has not confirmed; the agency confirms its side.
	card := fmt.Sprintf(`#issued-statements li[data-statement="%d"]`, a.statement)
	wantText(t, ctx, card, "We have not confirmed")
	run(t, ctx, "confirm the statement", click(card+" button.confirm"))
	wantText(t, ctx, card, "We confirmed")
	st, err := agency.GetStatement(context.Background(), a.db.Pool, a.statement)
	if err != nil || st.AgencyConfirmedBy == "" || st.HQConfirmedAt != nil {
		t.Errorf("after the agency's confirmation the statement is %+v (%v)", st, err)
	}

	// Another agency's data is not found; its own is.
	period := fmt.Sprintf("from=%s&to=%s", from.Format(time.DateOnly), to.Format(time.DateOnly))
	for _, p := range []string{"/api/v1/agencies/AG2", "/api/v1/warehouses/AG2-WH/stock", "/api/v1/agencies/AG2/statement?" + period,
		"/api/v1/agencies/AG2/orders", "/api/v1/agencies/AG2/statements", fmt.Sprintf("/api/v1/agencies/AG2/statements/%d", a.statement)} {
		if s := status(t, ctx, p); s != 404 {
			t.Errorf("agency1 reads %s: %d, want 404", p, s)
		}
	}
	if s := status(t, ctx, "/api/v1/agencies/AG1/statement?"+period); s != 200 {
		t.Errorf("agency1 reads its own statement: %d", s)
	}

	// The SMS console is refused without a call to the SMS API.
	run(t, ctx, "open the SMS console", chromedp.Navigate(a.url+"/staff/sms"))
	wantText(t, ctx, "#not-allowed", "Not allowed")
	if n := eval[int](t, ctx, `performance.getEntriesByType('resource').filter(e => e.name.includes('/api/v1/sms')).length`); n != 0 {
		t.Errorf("the refused SMS page called the SMS API %d times", n)
	}

	// The other agency sees its own empty stock in Chinese on a desktop.
	zh := browser(t, "zh-CN")
	run(t, zh, "open as agency2", desktop(), chromedp.Navigate(a.url+"/staff/agency"))
	run(t, zh, "sign in as agency2", signIn("agency2", password))
	wantText(t, zh, "h1", "Agency AG2（AG2）")
	wantText(t, zh, "#stock-empty", "暂无库存")
	wantText(t, zh, "#agency-statement", "货款对账单")
	wantText(t, zh, "#no-statements", "尚未出具对账单。")
	if n := eval[int](t, zh, `document.querySelectorAll('[data-order]').length`); n != 0 {
		t.Errorf("agency2 sees %d orders of AG1", n)
	}
	screenshot(t, zh, "staff-agency-desktop-zh")
}

// choose picks value in the select sel as a user would: the app hears the
// change event.
func choose(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.SetValue(chromedp.CSS(sel), value), chromedp.Evaluate[chromedp.Void](
		fmt.Sprintf(`document.querySelector(%q).dispatchEvent(new Event('change', {bubbles: true}))`, sel)))
}

// compute is AG1's statement of [from, to) computed now.
func (a agencyOffice) compute(t *testing.T, from, to time.Time) agency.Statement {
	t.Helper()
	s, err := agency.Compute(context.Background(), a.db.Pool, "AG1", from, to)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// agencySales counts AG1's sales.
func (a agencyOffice) agencySales(t *testing.T) int {
	t.Helper()
	var n int
	if err := a.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM orders o JOIN agencies g ON g.id = o.seller_agency_id
		WHERE g.code = 'AG1'`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// comma writes 1234.50 as 1,234.50 (the en-US format of the console).
func comma(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, _ := strings.Cut(s, ".")
	var b strings.Builder
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	out := b.String() + "." + frac
	if neg {
		return "-" + out
	}
	return out
}

// An admin previews a bulk SMS to 王芳's team (AAA, AAA1 in Chinese; AAA2
// reads English; ROOT1 outside the team opted out), sends it to a local
// Twilio-speaking server, follows the progress to the end, sees the
// message the server refused among the failures and resends it.
func TestStaffSMSBulk(t *testing.T) {
	requireBrowser(t)
	a := newAgencyOffice(t)
	const sid, token = "AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"
	twilio := smstest.New(t, sid, token)
	twilio.FailTo("+8613800000005", 400)
	client, err := sms.NewClient(sms.Config{AccountSID: sid, AuthToken: token, From: "+15005550006", APIURL: twilio.URL, Rate: 100, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	sender := &sms.Sender{DB: a.db, Client: client, Rate: 100, Idle: 50 * time.Millisecond, MaxAttempts: 2,
		Backoff: func(int) time.Duration { return 10 * time.Millisecond }}
	sctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = sender.Run(sctx)
	}()
	t.Cleanup(func() { stop(); <-done })
	bg := context.Background()
	if _, err := a.db.Pool.Exec(bg, `UPDATE members SET lang = 'en' WHERE code = 'AAA2'`); err != nil {
		t.Fatal(err)
	}
	if _, err := a.db.Pool.Exec(bg, `INSERT INTO sms_opt_outs (phone, keyword) VALUES ('+8613800000001', 'STOP')`); err != nil {
		t.Fatal(err)
	}

	const zhText, enText = "团队通知：本周六上午十点培训。", "Team news: training on Saturday at 10."
	ctx := browser(t, "zh-CN")
	run(t, ctx, "open the SMS console", desktop(), chromedp.Navigate(a.url+"/staff/sms"))
	run(t, ctx, "sign in as admin", signIn("admin", password))
	wantText(t, ctx, "h1", "短信")
	if n := eval[int](t, ctx, `document.querySelectorAll('#nav-agency').length`); n != 0 {
		t.Errorf("the admin is offered the agency console")
	}

	// Bad input is named next to its field.
	run(t, ctx, "preview with a bad region and no text", typeInto("#seg-region", "86"), click("#preview"))
	wantText(t, ctx, "#seg-region-error", "地区请写成号码前缀")
	wantText(t, ctx, "#body-error", "请至少填写一种语言的内容")
	run(t, ctx, "fill the segment and texts", typeInto("#seg-region", "+86"), typeInto("#seg-team", "aaa"),
		typeInto("#body-zh", zhText), typeInto("#body-en", enText), click("#preview"))
	wantText(t, ctx, "#preview-recipients", "3")
	wantText(t, ctx, "#bulk-preview", "中文 2 · English 1")
	// Chinese text is UCS-2 (one segment of up to 70), English GSM-7.
	wantText(t, ctx, "#preview-segments", "3")
	wantText(t, ctx, "#preview-cost", "¥0.15") // 3 segments at the default 0.05
	if n := len(twilio.Messages()); n != 0 {
		t.Fatalf("a preview sent %d messages", n)
	}
	screenshot(t, ctx, "staff-sms-preview-desktop-zh")

	run(t, ctx, "send", click("#send-bulk"))
	wantText(t, ctx, "#progress-text", "已完成：3 / 3。")
	wantText(t, ctx, `#bulk-messages tr[data-to="+8613800000004"]`, "已发送")
	wantText(t, ctx, `#bulk-messages tr[data-to="+8613800000005"]`, "失败")
	if v := eval[string](t, ctx, `document.querySelector('[role=progressbar]').getAttribute('aria-valuenow')`); v != "3" {
		t.Errorf("the progress bar stands at %s, want 3", v)
	}
	got := map[string][]string{}
	for _, m := range twilio.Messages() {
		got[m.To] = append(got[m.To], m.Body)
	}
	want := map[string][]string{"+8613800000002": {zhText}, "+8613800000004": {zhText}}
	if len(got) != 2 || !slices.Equal(got["+8613800000002"], want["+8613800000002"]) || !slices.Equal(got["+8613800000004"], want["+8613800000004"]) {
		t.Errorf("the Twilio server received %v, want %v", got, want)
	}
	screenshot(t, ctx, "staff-sms-done-desktop-zh")

	// In English on a phone: the log's failures; the refused message resent.
	run(t, ctx, "switch to English", switchLanguage("en"), phone())
	wantText(t, ctx, "#progress-text", "Done: 3 of 3.")
	run(t, ctx, "open the log", click("#tab-log"))
	row := `#failures tr[data-to="+8613800000005"]`
	wantText(t, ctx, row, "failed")
	wantText(t, ctx, row, enText)
	noHorizontalScroll(t, ctx, "the SMS log")
	screenshot(t, ctx, "staff-sms-log-phone-en")
	run(t, ctx, "resend", click(row+" button.resend"))
	wantText(t, ctx, row, "Queued again.")
	deadline := time.Now().Add(30 * time.Second)
	for len(twilio.To("+8613800000005")) == 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if b := twilio.To("+8613800000005"); len(b) != 1 || b[0] != enText {
		t.Errorf("after the resend the server has %q for AAA2", b)
	}
	run(t, ctx, "filter the log on AAA2", typeInto("#log-to", "+8613800000005"), click("#log-filter"))
	wantText(t, ctx, `#message-log tr[data-to="+8613800000005"]`, "sent")

	// Templates: one is edited (its segment count follows) and restored.
	run(t, ctx, "open the templates", click("#tab-templates"))
	wantText(t, ctx, "#sms-templates", "built-in")
	const kind, tpl = "payment_confirmed", "#tpl-payment_confirmed-en"
	run(t, ctx, "only this event", choose("#tpl-kind", kind))
	wantText(t, ctx, "#tpl-payment_confirmed-zh-CN", "payment_confirmed")
	if n := eval[int](t, ctx, `document.querySelectorAll('.template-card').length`); n != 2 {
		t.Errorf("the event's filter shows %d templates, want its 2 languages", n)
	}
	run(t, ctx, "a placeholder it does not have", typeInto(tpl+"-body", "Hello {name}"), click(tpl+" button.save"))
	wantText(t, ctx, tpl+" .field-error", "has no placeholder {name}")
	run(t, ctx, "edit the template", typeInto(tpl+"-body", "Paid {amount} for {order}. Thanks!"), click(tpl+" button.save"))
	wantText(t, ctx, tpl, "edited")
	wantText(t, ctx, tpl, "1 segment (GSM-7)")
	var body string
	if err := a.db.Pool.QueryRow(bg, `SELECT body FROM sms_templates WHERE kind = $1 AND lang = 'en'`, kind).Scan(&body); err != nil || body != "Paid {amount} for {order}. Thanks!" {
		t.Errorf("the edited template is %q (%v)", body, err)
	}
	run(t, ctx, "restore it", click(tpl+" button.restore"))
	wantText(t, ctx, tpl, "built-in")
	screenshot(t, ctx, "staff-sms-templates-phone-en")

	run(t, ctx, "open the opt-outs", click("#tab-opt-outs"))
	wantText(t, ctx, "#opt-outs", "+8613800000001")
	noHorizontalScroll(t, ctx, "the opt-outs")

	// Finance has no SMS console and does not call the SMS API.
	fin := browser(t, "en-US")
	goodstest.Tx(t, a.db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := user.Create(ctx, tx, user.New{Login: "finance", Password: password, Role: user.Finance})
		return err
	})
	run(t, fin, "open as finance", chromedp.Navigate(a.url+"/staff/sms"))
	run(t, fin, "sign in as finance", signIn("finance", password))
	wantText(t, fin, "#not-allowed", "Not allowed")
	if n := eval[int](t, fin, `performance.getEntriesByType('resource').filter(e => e.name.includes('/api/v1/sms')).length`); n != 0 {
		t.Errorf("finance's refused SMS page called the SMS API %d times", n)
	}
}
