package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger/goodstest"
	"downline/ledger/order"
	"downline/ledger/user"
)

// staffOffice is the office of newOffice with a finance and a warehouse
// login and four recorded payments, oldest first: 王芳's online payment of
// her order (1,200.00, three hours ago) and bank transfers for orders of
// AAA1, AAA2 and ROOT1.
type staffOffice struct {
	office
	pay    []string // payment numbers, oldest first
	orders []string // their orders
}

func newStaffOffice(t *testing.T) staffOffice {
	t.Helper()
	o := newOffice(t)
	s := staffOffice{office: o}
	goodstest.Tx(t, o.db, func(ctx context.Context, tx pgx.Tx) error {
		for _, n := range []user.New{{Login: "finance", Password: password, Role: user.Finance},
			{Login: "warehouse", Password: password, Role: user.Warehouse}} {
			if _, err := user.Create(ctx, tx, n); err != nil {
				return err
			}
		}
		return nil
	})
	record := func(no string, method order.Method, amount string, by string, ago time.Duration) {
		ctx := clock.With(context.Background(), clock.Fixed(time.Now().Add(-ago)))
		goodstest.Tx(t, o.db, func(_ context.Context, tx pgx.Tx) error {
			if amount == "" {
				got, err := order.Get(ctx, tx, no)
				if err != nil {
					return err
				}
				amount = got.Total.StringFixed(2)
			}
			p, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: "pay-" + no, Order: no, Method: method,
				Amount: goodstest.D(amount), Reference: "REF-" + no[len(no)-3:], By: by})
			s.pay, s.orders = append(s.pay, p.No), append(s.orders, no)
			return err
		})
	}
	record(o.orderNo, order.Online, "1200.00", "user:wangfang", 3*time.Hour)
	for i, m := range []string{"AAA1", "AAA2", "ROOT1"} {
		var placed order.Order
		goodstest.Tx(t, o.db, func(ctx context.Context, tx pgx.Tx) (err error) {
			placed, err = order.Place(ctx, tx, order.Request{Key: "staff-" + m, Kind: order.Repeat, Member: m,
				Lines: []order.LineRequest{{SKU: "VC-100", Qty: int64(i + 1)}}, By: "test"})
			return err
		})
		record(placed.No, order.BankTransfer, "", "finance", time.Duration(2-i)*time.Hour)
	}
	return s
}

// paymentState is a payment's status and reason in the ledger.
func (s staffOffice) paymentState(t *testing.T, no string) (status, reason string) {
	t.Helper()
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT status, reason FROM payments WHERE payment_no = $1`, no).Scan(&status, &reason); err != nil {
		t.Fatal(err)
	}
	return status, reason
}

func (s staffOffice) orderStatus(t *testing.T, no string) order.Status {
	t.Helper()
	o, err := order.Get(context.Background(), s.db.Pool, no)
	if err != nil {
		t.Fatal(err)
	}
	return o.Status
}

func switchLanguage(lang string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.SetValue(chromedp.CSS("#lang"), lang), chromedp.Evaluate[chromedp.Void](
		`document.querySelector('#lang').dispatchEvent(new Event('change', {bubbles: true}))`))
}

func key(k string) chromedp.Action[chromedp.Void] { return chromedp.KeyEvent(k) }

// Finance signs in at the queue's address, sees 王芳's payment first,
// confirms it, confirms two more with the keyboard in one action, rejects
// the last (a missing reason is named next to the field); the warehouse's
// queue has 王芳's order only once it is confirmed, and ships it.
func TestStaffFinanceQueue(t *testing.T) {
	requireBrowser(t)
	s := newStaffOffice(t)
	pA, pB, pC, pD := s.pay[0], s.pay[1], s.pay[2], s.pay[3]
	row := func(no string) string { return fmt.Sprintf(`tr[data-payment=%q]`, no) }

	// The warehouse first: 王芳's order is not confirmed, so not in its queue.
	wh := browser(t, "en-US")
	run(t, wh, "open the ship queue", chromedp.Navigate(s.url+"/staff/warehouse/shipments"))
	wantText(t, wh, "h1", "Sign in to the staff console")
	run(t, wh, "sign in as warehouse", signIn("warehouse", password))
	wantText(t, wh, "#ship-queue", "No confirmed orders are waiting to ship.")
	if n := eval[int](t, wh, `document.querySelectorAll('#nav-finance-payments').length`); n != 0 {
		t.Errorf("the warehouse is offered the payment queue")
	}

	ctx := browser(t, "en-US")
	run(t, ctx, "open the payment queue", chromedp.Navigate(s.url+"/staff/finance/payments"))
	wantText(t, ctx, "h1", "Sign in to the staff console")
	run(t, ctx, "sign in as finance", signIn("finance", password))
	wantText(t, ctx, row(pA), "王芳")
	if p := eval[string](t, ctx, `location.pathname`); p != "/staff/finance/payments" {
		t.Errorf("after sign-in the address is %s", p)
	}
	first := eval[string](t, ctx, `document.querySelector('#payment-queue tbody tr').dataset.payment`)
	if first != pA {
		t.Errorf("the oldest payment %s is not first: %s is", pA, first)
	}
	for _, want := range []string{s.orders[0], "AAA", "1,200.00", "Online", "3 h"} {
		wantText(t, ctx, row(pA), want)
	}
	wantText(t, ctx, row(pB), "Bank transfer")
	if n := eval[int](t, ctx, `document.querySelectorAll('#nav-warehouse-shipments').length`); n != 0 {
		t.Errorf("finance is offered the ship queue")
	}
	noHorizontalScroll(t, ctx, "the payment queue")
	screenshot(t, ctx, "staff-payments-phone-en")

	// The export link gives the list as CSV with the session of the page.
	csv := eval[string](t, ctx, `fetch(document.querySelector('#export').href).then(r => r.text())`, chromedp.EvalAwaitPromise)
	if !strings.HasPrefix(csv, "payment,order,member") || !strings.Contains(csv, pA+","+s.orders[0]+",AAA,王芳,") || strings.Count(csv, "\n") != 5 {
		t.Errorf("the export is not the queue's four payments:\n%s", csv)
	}

	// One payment, with the mouse.
	run(t, ctx, "confirm 王芳's payment", click("#pick-"+pA), click("#confirm"))
	wantText(t, ctx, row(pA)+" .result", "Confirmed")
	wantText(t, ctx, "#decide-summary", "1 payment done.")
	if st := s.orderStatus(t, s.orders[0]); st != order.Confirmed {
		t.Fatalf("王芳's order is %s after the confirmation", st)
	}

	// Two at once, with the keyboard: j moves to the next open payment, x
	// selects it, c confirms the selection.
	run(t, ctx, "select two with the keyboard", key("j"), key("x"), key("j"), key("x"))
	wantText(t, ctx, "#selected-count", "2 selected")
	run(t, ctx, "confirm them", key("c"))
	wantText(t, ctx, row(pB)+" .result", "Confirmed")
	wantText(t, ctx, row(pC)+" .result", "Confirmed")
	wantText(t, ctx, "#decide-summary", "2 payments done.")
	for _, no := range []string{pB, pC} {
		if st, _ := s.paymentState(t, no); st != "confirmed" {
			t.Errorf("%s is %s", no, st)
		}
	}
	var bulkKeys int
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM idempotency_keys WHERE op = 'payment.bulk_confirm'`).Scan(&bulkKeys); err != nil {
		t.Fatal(err)
	}
	if bulkKeys != 2 {
		t.Errorf("%d bulk confirmations under their own keys, want 2 (one per action)", bulkKeys)
	}

	// A rejection needs a reason, named next to the field.
	run(t, ctx, "reject without a reason", click("#pick-"+pD), click("#reject"))
	wantText(t, ctx, "#reason-error", "Enter a reason to reject the payments.")
	if v := eval[string](t, ctx, `document.querySelector('#reason').getAttribute('aria-invalid') + ' ' + document.activeElement.id`); v != "true reason" {
		t.Errorf("the reason field is not marked and focused: %s", v)
	}
	if st, _ := s.paymentState(t, pD); st != "recorded" {
		t.Fatalf("a rejection without reason left %s %s", pD, st)
	}
	noHorizontalScroll(t, ctx, "the reason's error")
	screenshot(t, ctx, "staff-payments-reason-phone-en")
	run(t, ctx, "reject with a reason", chromedp.SendKeys(chromedp.CSS("#reason"), "no such transfer"), click("#reject"))
	wantText(t, ctx, row(pD)+" .result", "Rejected")
	if st, why := s.paymentState(t, pD); st != "rejected" || why != "no such transfer" {
		t.Errorf("%s is %s (%q)", pD, st, why)
	}

	// The figures: three confirmed today, each with its wait.
	wantText(t, ctx, "#confirmation-times tbody tr:last-child td.num", "3")
	wantText(t, ctx, "#recently-confirmed", pA)
	wantText(t, ctx, fmt.Sprintf(`#recently-confirmed tr[data-payment=%q] .waited`, pA), "3 h")
	noHorizontalScroll(t, ctx, "the decided payment queue")
	screenshot(t, ctx, "staff-payments-decided-phone-en")
	run(t, ctx, "desktop", desktop())
	screenshot(t, ctx, "staff-payments-desktop-en")

	// Chinese, kept across a reload.
	run(t, ctx, "switch to Chinese", switchLanguage("zh-CN"))
	wantText(t, ctx, "#queue-title", "待确认付款")
	run(t, ctx, "reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#queue-title")))
	wantText(t, ctx, "#queue-title", "待确认付款")
	wantText(t, ctx, "#queue-empty", "没有待确认的付款。")
	wantText(t, ctx, "#confirmation-times", "近 14 天确认用时")
	wantText(t, ctx, "#recently-confirmed", "3小时")
	screenshot(t, ctx, "staff-payments-desktop-zh")
	run(t, ctx, "phone", phone())
	noHorizontalScroll(t, ctx, "the Chinese payment queue")
	screenshot(t, ctx, "staff-payments-phone-zh")

	// The warehouse now has 王芳's order, with its lots, and ships it.
	card := fmt.Sprintf(`li[data-order=%q]`, s.orders[0])
	run(t, wh, "reload the ship queue", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#ship-title")))
	wantText(t, wh, card, "VC-100 × 12")
	wantText(t, wh, card+" .lots", "expires")
	noHorizontalScroll(t, wh, "the ship queue")
	screenshot(t, wh, "staff-shipments-phone-en")
	run(t, wh, "ship without a tracking number", click(card+" button.ship"))
	wantText(t, wh, card+" .field-error", "Enter the tracking number.")
	if st := s.orderStatus(t, s.orders[0]); st != order.Confirmed {
		t.Fatalf("an order shipped without tracking: %s", st)
	}
	run(t, wh, "ship", chromedp.SendKeys(chromedp.CSS(card+" input.tracking"), "SF1234567890"),
		chromedp.SendKeys(chromedp.CSS(card+" input.carrier"), "SF Express"), click(card+" button.ship"))
	wantText(t, wh, card+" .result", "Shipped as SH")
	if st := s.orderStatus(t, s.orders[0]); st != order.Shipped {
		t.Errorf("王芳's order is %s after shipping", st)
	}
	run(t, wh, "desktop", desktop(), switchLanguage("zh-CN"))
	wantText(t, wh, card+" .result", "已发货")
	screenshot(t, wh, "staff-shipments-desktop-zh")
}

// A member who opens the payment queue gets Not allowed and none of the
// data: the console does not even ask the API for it.
func TestStaffConsoleRefusesMembers(t *testing.T) {
	requireBrowser(t)
	s := newStaffOffice(t)
	ctx := browser(t, "zh-CN")
	run(t, ctx, "open the payment queue", chromedp.Navigate(s.url+"/staff/finance/payments"))
	wantText(t, ctx, "h1", "登录员工控制台")
	run(t, ctx, "sign in as a member", signIn("wangfang", password))
	wantText(t, ctx, "#not-allowed", "无权访问")
	wantText(t, ctx, "#not-allowed", "打开会员办公室")
	body := eval[string](t, ctx, `document.body.innerText`)
	for _, no := range s.pay {
		if strings.Contains(body, no) {
			t.Errorf("the member sees payment %s", no)
		}
	}
	if strings.Contains(body, "PAY") || strings.Contains(body, "1,200") || strings.Contains(body, "1200") {
		t.Errorf("the page shows payment data to a member:\n%s", body)
	}
	asked := eval[int](t, ctx, `performance.getEntriesByType('resource').filter(e => e.name.includes('/api/v1/payments')).length`)
	if asked != 0 {
		t.Errorf("the console asked the API for payments %d times for a member", asked)
	}
	if st := status(t, ctx, "/api/v1/payments"); st != 403 {
		t.Errorf("the API answers the member's read of the queue with %d", st)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('nav a').length`); n != 0 {
		t.Errorf("a member is offered %d staff pages", n)
	}
	noHorizontalScroll(t, ctx, "not allowed")
	screenshot(t, ctx, "staff-not-allowed-phone-zh")
	run(t, ctx, "switch to English", switchLanguage("en"))
	wantText(t, ctx, "#not-allowed", "Not allowed")
	wantText(t, ctx, "#not-allowed", "Members use the member office.")
	screenshot(t, ctx, "staff-not-allowed-phone-en")

	// The member office sends staff to the console.
	fin := browser(t, "en-US")
	run(t, fin, "open the member office", chromedp.Navigate(s.url+"/app/"))
	run(t, fin, "sign in as finance", signIn("finance", password))
	wantText(t, fin, "#staff-only", "Staff work in the staff console.")
	if href := eval[string](t, fin, `document.querySelector('#staff-only a').getAttribute('href')`); href != "/staff/" {
		t.Errorf("the member office points staff to %q", href)
	}
	// The link is a page of its own (another app): opened as a click would.
	run(t, fin, "follow the link", chromedp.Navigate(s.url+"/staff/"), chromedp.WaitVisible(chromedp.CSS("#queue-title")))
	wantText(t, fin, "#queue-title", "Payments to confirm")
	if p := eval[string](t, fin, `location.pathname`); p != "/staff/finance/payments" {
		t.Errorf("the console's home sends finance to %s", p)
	}
}

// When the answer to a confirmation is lost after the server decided, the
// retry goes under the same Idempotency-Key: each payment reads confirmed,
// not "already decided", and nothing is booked twice.
func TestStaffConfirmRetryDecidesOnce(t *testing.T) {
	requireBrowser(t)
	s := newStaffOffice(t)
	ctx := browser(t, "en-US")
	run(t, ctx, "open the payment queue", chromedp.Navigate(s.url+"/staff/finance/payments"), signIn("finance", password))
	wantText(t, ctx, "#payment-queue", s.pay[1])

	dropFirstAnswer(t, ctx, "*/api/v1/payments/confirm")
	run(t, ctx, "confirm two", click("#pick-"+s.pay[1]), click("#pick-"+s.pay[2]), click("#confirm"))
	wantText(t, ctx, "#decide-error", "The server cannot be reached")
	if st, _ := s.paymentState(t, s.pay[1]); st != "confirmed" {
		t.Fatalf("the server had not decided before the answer was lost: %s", st)
	}
	run(t, ctx, "confirm again", click("#confirm"))
	for _, no := range s.pay[1:3] {
		wantText(t, ctx, fmt.Sprintf(`tr[data-payment=%q] .result`, no), "Confirmed")
	}
	wantText(t, ctx, "#decide-summary", "2 payments done.")
	var entries, keys int
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT
		(SELECT count(*) FROM journal_entries WHERE kind = 'payment.confirmed' AND (ref LIKE $1||' %' OR ref LIKE $2||' %')),
		(SELECT count(*) FROM idempotency_keys WHERE op = 'payment.bulk_confirm')`, s.pay[1], s.pay[2]).Scan(&entries, &keys); err != nil {
		t.Fatal(err)
	}
	if keys != 1 {
		t.Errorf("the retry went under a new key: %d bulk confirmations", keys)
	}
	if entries != 2 {
		t.Errorf("%d journal entries for the two payments, want 2", entries)
	}
}
