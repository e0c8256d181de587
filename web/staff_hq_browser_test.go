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
	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/member"
	"downline/ledger/stock"
	"downline/ledger/user"
)

// newHQOffice is the staff office with an admin login and a second line
// under ROOT1: 赵强 (BBB) sponsoring 钱伟 (BBB1).
func newHQOffice(t *testing.T) staffOffice {
	t.Helper()
	s := newStaffOffice(t)
	goodstest.Tx(t, s.db, func(ctx context.Context, tx pgx.Tx) error {
		for _, r := range []member.Registration{
			{Code: "BBB", Name: "赵强", Phone: "+8613900000006", Sponsor: "ROOT1"},
			{Code: "BBB1", Name: "钱伟", Phone: "+8613900000007", Sponsor: "BBB"},
		} {
			r.By = "test"
			if _, err := member.Register(ctx, tx, r); err != nil {
				return err
			}
		}
		_, err := user.Create(ctx, tx, user.New{Login: "admin", Password: password, Role: user.Admin})
		return err
	})
	return s
}

// setField sets an input's value as typing would end (the app hears the
// input event): date inputs take no keys in a locale-free way.
func setField(sel, v string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		el.value = %q;
		el.dispatchEvent(new Event('input', {bubbles: true}));
	})()`, sel, v))
}

// gone waits until no element matches sel.
func gone(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.PollFunction[chromedp.Void](`(sel) => !document.querySelector(sel)`,
		chromedp.WithPollingArgs(sel), chromedp.WithPollingTimeout(0))); err != nil {
		t.Fatalf("%s stays on the page: %v\n%s", sel, err, eval[string](t, context.WithoutCancel(ctx), `document.body.innerText`))
	}
}

// An admin finds 韩梅梅 by name and by a phone number written with spaces,
// opens her, sees both uplines, then moves 王芳 (with her two recruits)
// under 钱伟: the preview names the three members who move and the new
// upline ROOT1 › BBB › BBB1; the confirmation wants a reason; after it the
// member's sponsor upline is the new one, in the ledger too. Desktop in
// English, then the phone in Chinese.
func TestStaffHQMemberSearchAndMove(t *testing.T) {
	requireBrowser(t)
	s := newHQOffice(t)
	ctx := browser(t, "en-US")
	run(t, ctx, "open the members", desktop(), chromedp.Navigate(s.url+"/staff/members"))
	run(t, ctx, "sign in as admin", signIn("admin", password))
	wantText(t, ctx, "#members-title", "Members")

	run(t, ctx, "search without words", click("#member-search-go"))
	wantText(t, ctx, "#member-q-error", "Enter a member code, part of a name or a phone number.")
	run(t, ctx, "search by name", typeInto("#member-q", "韩梅"), click("#member-search-go"))
	wantText(t, ctx, `tr[data-member="AAA2"]`, "韩梅梅")
	if n := eval[int](t, ctx, `document.querySelectorAll('#member-results tbody tr').length`); n != 1 {
		t.Errorf("the name search lists %d members", n)
	}
	run(t, ctx, "search by phone", typeInto("#member-q", "139 0000-0007"), click("#member-search-go"))
	wantText(t, ctx, `tr[data-member="BBB1"]`, "钱伟")
	wantText(t, ctx, `tr[data-member="BBB1"]`, "+8613900000007")
	run(t, ctx, "search by name again", typeInto("#member-q", "王芳"), click("#member-search-go"))
	wantText(t, ctx, `tr[data-member="AAA"]`, "+8613800000002")
	screenshot(t, ctx, "staff-hq-members-search-desktop-en")

	run(t, ctx, "open 王芳", click(`tr[data-member="AAA"] a`))
	wantText(t, ctx, "#member-title", "王芳")
	wantText(t, ctx, "#upline-sponsor", "ROOT1")
	wantText(t, ctx, "#team-sponsor", "Sponsor tree\t2\t2\t1") // two below her, both active, one level

	run(t, ctx, "preview without a target", click("#move-preview"))
	wantText(t, ctx, "#move-to-error", "Enter the code of the member to move under.")
	run(t, ctx, "preview a move under her own recruit", typeInto("#move-to", "AAA1"), click("#move-preview"))
	wantText(t, ctx, "#move-error", "This move is not possible")
	run(t, ctx, "preview the move under 钱伟", typeInto("#move-to", "bbb1"), click("#move-preview"))
	wantText(t, ctx, "#move-subtree", "Moves 3 members: this one and 2 below it.")
	wantText(t, ctx, "#move-from-to", "Sponsor: ROOT1 → BBB1")
	wantText(t, ctx, "#move-new-upline", "ROOT1\nBBB\nBBB1\nAAA")
	if m, _ := member.Get(context.Background(), s.db.Pool, "AAA"); m.SponsorCode != "ROOT1" {
		t.Fatalf("the preview moved 王芳 under %s", m.SponsorCode)
	}
	screenshot(t, ctx, "staff-hq-move-preview-desktop-en")
	run(t, ctx, "confirm without a reason", click("#move-confirm"))
	wantText(t, ctx, "#move-reason-error", "Enter a reason")
	run(t, ctx, "confirm with a reason", typeInto("#move-reason", "moved at her request"), click("#move-confirm"))
	wantText(t, ctx, "#move-done", "Moved.")
	wantText(t, ctx, "#upline-sponsor", "ROOT1\nBBB\nBBB1\nAAA")
	m, err := member.Get(context.Background(), s.db.Pool, "AAA")
	if err != nil || m.SponsorCode != "BBB1" {
		t.Fatalf("王芳's sponsor in the ledger: %q %v", m.SponsorCode, err)
	}
	if mv, _ := member.Moves(context.Background(), s.db.Pool, "AAA"); len(mv) != 1 || mv[0].Reason != "moved at her request" || mv[0].By != "user:admin" {
		t.Fatalf("moves recorded: %+v", mv)
	}
	screenshot(t, ctx, "staff-hq-member-moved-desktop-en")

	run(t, ctx, "suspend without a reason", choose("#status-to", "suspended"), click("#status-save"))
	wantText(t, ctx, "#status-reason-error", "Enter a reason")
	run(t, ctx, "suspend", typeInto("#status-reason", "unpaid orders"), click("#status-save"))
	wantText(t, ctx, "#member-status", "suspended")
	if m, _ := member.Get(context.Background(), s.db.Pool, "AAA"); m.Status != "suspended" {
		t.Fatalf("status in the ledger: %s", m.Status)
	}
	wantText(t, ctx, "#member-orders", s.orderNo)

	// The phone, in Chinese.
	run(t, ctx, "phone", phone(), switchLanguage("zh-CN"))
	wantText(t, ctx, "#member-move h2", "调整网络位置")
	wantText(t, ctx, "#member-status", "已暂停")
	noHorizontalScroll(t, ctx, "member page")
	screenshot(t, ctx, "staff-hq-member-phone-zh")
	run(t, ctx, "preview on the phone", typeInto("#move-to", "BBB"), click("#move-preview"))
	wantText(t, ctx, "#move-subtree", "移动 3 名会员")
	wantText(t, ctx, "#move-new-upline", "ROOT1\nBBB\nAAA")
	noHorizontalScroll(t, ctx, "move preview")
	screenshot(t, ctx, "staff-hq-move-preview-phone-zh")
	run(t, ctx, "back to the search", chromedp.Navigate(s.url+"/staff/members?q="+"138%2000000005"))
	wantText(t, ctx, `tr[data-member="AAA2"]`, "韩梅梅")
	noHorizontalScroll(t, ctx, "member search")
	screenshot(t, ctx, "staff-hq-members-search-phone-zh")
}

// The admin adds a warehouse clerk, disables the account and sets its
// password; the audit log lists these newest first.
func TestStaffHQUsersAndAudit(t *testing.T) {
	requireBrowser(t)
	s := newHQOffice(t)
	ctx := browser(t, "zh-CN")
	run(t, ctx, "open the users", chromedp.Navigate(s.url+"/staff/users"))
	run(t, ctx, "sign in as admin", signIn("admin", password))
	wantText(t, ctx, "#users", "finance")
	run(t, ctx, "add a clerk with a short password", typeInto("#user-login", "clerk"), typeInto("#user-password", "short"),
		choose("#user-role", "warehouse"), click("#user-add"))
	wantText(t, ctx, "#user-password-error", "密码至少 8 个字符。")
	run(t, ctx, "add the clerk", typeInto("#user-password", "a longer secret"), click("#user-add"))
	wantText(t, ctx, "#user-added", "clerk")
	wantText(t, ctx, `tr[data-user="clerk"]`, "仓库")
	run(t, ctx, "disable the clerk", click("#toggle-clerk"))
	wantText(t, ctx, `tr[data-user="clerk"]`, "已停用")
	if u, err := user.Get(context.Background(), s.db.Pool, "clerk"); err != nil || u.Status != "disabled" || u.Role != user.Warehouse {
		t.Fatalf("the clerk in the ledger: %+v %v", u, err)
	}
	run(t, ctx, "set the clerk's password", click("#pw-clerk"), typeInto("#pw-input-clerk", "another secret"),
		click(`tr[data-user="clerk"] .inline-form button`))
	wantText(t, ctx, `tr[data-user="clerk"]`, "密码已设置")
	noHorizontalScroll(t, ctx, "users")
	screenshot(t, ctx, "staff-hq-users-phone-zh")

	run(t, ctx, "open the audit log", click("#nav-audit"))
	wantText(t, ctx, "#audit tbody tr:first-child", "/api/v1/users/clerk/password")
	wantText(t, ctx, "#audit", "POST /api/v1/users")
	noHorizontalScroll(t, ctx, "audit")
	screenshot(t, ctx, "staff-hq-audit-phone-zh")
	run(t, ctx, "desktop in English", desktop(), switchLanguage("en"))
	wantText(t, ctx, "#audit-title", "Audit log")
	screenshot(t, ctx, "staff-hq-audit-desktop-en")
}

// VC-100 is below its threshold in HQ-SH. The warehouse receives a new lot
// of it (a missing batch number is named first); the receipt clears the
// warning, and the lot, expiring in 60 days, is highlighted. A threshold
// set on the board brings the warning back; editing it inline clears it.
func TestStaffHQReceiveClearsLowStock(t *testing.T) {
	requireBrowser(t)
	s := newHQOffice(t)
	bg := context.Background()
	var avail int64
	bs, err := stock.Balances(bg, s.db.Pool, goodstest.HQ)
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		if b.SKU == "VC-100" {
			avail += b.Available()
		}
	}
	goodstest.Tx(t, s.db, func(ctx context.Context, tx pgx.Tx) error {
		return stock.SetThreshold(ctx, tx, goodstest.HQ, "VC-100", avail+20)
	})
	zone, err := ledger.CompanyZone()
	if err != nil {
		t.Fatal(err)
	}
	today := clock.Now(bg).In(zone)
	expires := today.AddDate(0, 0, 60).Format(time.DateOnly)

	ctx := browser(t, "en-US")
	run(t, ctx, "open the stock", desktop(), chromedp.Navigate(s.url+"/staff/warehouse/stock"))
	run(t, ctx, "sign in as warehouse", signIn("warehouse", password))
	wantText(t, ctx, `tr[data-low="HQ-SH/VC-100"]`, "VC-100")
	wantText(t, ctx, "#stock-table", "VC-100")
	screenshot(t, ctx, "staff-hq-stock-low-desktop-en")

	run(t, ctx, "receive without a batch", choose("#receipt-sku", "VC-100"), setField("#receipt-qty", "25"), click("#receipt-save"))
	wantText(t, ctx, "#receipt-batch-error", "Enter the batch number.")
	run(t, ctx, "receive the lot", typeInto("#receipt-batch", "b-new"), setField("#receipt-expires", expires), click("#receipt-save"))
	wantText(t, ctx, "#receipt-done", "Received 25 of lot B-NEW")
	gone(t, ctx, `tr[data-low="HQ-SH/VC-100"]`)
	wantText(t, ctx, `tr[data-lot="HQ-SH/VC-100/B-NEW"]`, "expiring soon")
	lot := `tr[data-lot="HQ-SH/VC-100/B-NEW"]`
	if c := eval[string](t, ctx, `document.querySelector('`+lot+`').className`); c != "soon" {
		t.Errorf("the lot expiring in 60 days is not highlighted: class %q", c)
	}
	var onHand int64
	if err := s.db.Pool.QueryRow(bg, `SELECT coalesce(sum(b.on_hand), 0) FROM stock_balances b JOIN lots l ON l.id = b.lot_id
		WHERE l.batch = 'B-NEW'`).Scan(&onHand); err != nil || onHand != 25 {
		t.Fatalf("on hand of the new lot: %d %v", onHand, err)
	}
	screenshot(t, ctx, "staff-hq-stock-received-desktop-en")

	run(t, ctx, "set a high threshold", choose("#threshold-warehouse", "HQ-SH"), choose("#threshold-sku", "VC-100"),
		typeInto("#new-threshold", "100000"), click("#threshold-save"))
	wantText(t, ctx, `tr[data-low="HQ-SH/VC-100"]`, "VC-100")
	if v := eval[string](t, ctx, `document.querySelector('#threshold-HQ-SH-VC-100').value`); v != "100000" {
		t.Errorf("the board shows the threshold %q", v)
	}
	run(t, ctx, "a bad threshold inline", setField("#threshold-HQ-SH-VC-100", "-3"), click(`tr[data-low="HQ-SH/VC-100"] button`))
	wantText(t, ctx, "#threshold-HQ-SH-VC-100-error", "Enter a whole number, 0 or more")
	run(t, ctx, "lower it inline", setField("#threshold-HQ-SH-VC-100", "5"), click(`tr[data-low="HQ-SH/VC-100"] button`))
	gone(t, ctx, `tr[data-low="HQ-SH/VC-100"]`)
	var min int64
	if err := s.db.Pool.QueryRow(bg, `SELECT t.min_available FROM stock_thresholds t JOIN products p ON p.id = t.product_id
		WHERE p.sku = 'VC-100'`).Scan(&min); err != nil || min != 5 {
		t.Fatalf("threshold in the ledger: %d %v", min, err)
	}

	run(t, ctx, "phone in Chinese", phone(), switchLanguage("zh-CN"))
	wantText(t, ctx, "#receive-title", "新批次入库")
	wantText(t, ctx, lot, "即将过期")
	noHorizontalScroll(t, ctx, "stock")
	screenshot(t, ctx, "staff-hq-stock-phone-zh")
}

// Each role opening another role's page by its address is refused, with
// none of the data and without the console asking the API for it.
func TestStaffHQRefusesOtherRoles(t *testing.T) {
	requireBrowser(t)
	s := newHQOffice(t)
	for _, c := range []struct {
		login, page, api, lang, want string
		hidden                       []string
	}{
		{"warehouse", "/staff/members/AAA", "/api/v1/members", "en-US", "Not allowed", []string{"王芳", "+86138"}},
		{"finance", "/staff/warehouse/stock", "/api/v1/warehouses", "zh-CN", "无权访问", []string{"VC-100", "HQ-SH"}},
		{"finance", "/staff/users", "/api/v1/users", "en-US", "Not allowed", []string{"wangfang", "warehouse"}},
		{"warehouse", "/staff/audit", "/api/v1/audit", "zh-CN", "无权访问", []string{"/api/v1"}},
		{"wangfang", "/staff/members?q=AAA", "/api/v1/members", "en-US", "Not allowed", []string{"+86138", "AAA1"}},
		{"admin", "/staff/finance/payments?x", "", "en-US", "", nil},
	} {
		t.Run(c.login+c.page, func(t *testing.T) {
			ctx := browser(t, c.lang)
			run(t, ctx, "open "+c.page, chromedp.Navigate(s.url+c.page))
			run(t, ctx, "sign in as "+c.login, signIn(c.login, password))
			if c.want == "" {
				// The admin has every page.
				wantText(t, ctx, "#queue-title", "Payments to confirm")
				return
			}
			wantText(t, ctx, "#not-allowed", c.want)
			body := eval[string](t, ctx, `document.body.innerText`)
			for _, h := range c.hidden {
				if strings.Contains(body, h) {
					t.Errorf("%s sees %q on %s:\n%s", c.login, h, c.page, body)
				}
			}
			asked := eval[int](t, ctx, fmt.Sprintf(`performance.getEntriesByType('resource').filter(e => e.name.includes(%q)).length`, c.api))
			if asked != 0 {
				t.Errorf("the console asked %s %d times for %s", c.api, asked, c.login)
			}
			noHorizontalScroll(t, ctx, "not allowed")
			screenshot(t, ctx, "staff-hq-refused-"+c.login+strings.ReplaceAll(strings.Split(c.page, "?")[0], "/", "-"))
		})
	}
}

// When the answer to a receipt is lost after the server booked it, the
// warehouse submits again under the same Idempotency-Key: the page says
// received, and the lot holds the units once.
func TestStaffHQReceiptRetryReceivesOnce(t *testing.T) {
	requireBrowser(t)
	s := newHQOffice(t)
	ctx := browser(t, "en-US")
	run(t, ctx, "open the stock", chromedp.Navigate(s.url+"/staff/warehouse/stock"), signIn("warehouse", password))
	wantText(t, ctx, "#stock-table", "VC-100")
	dropFirstAnswer(t, ctx, "*/api/v1/warehouses/*/receipts")
	run(t, ctx, "receive", choose("#receipt-sku", "TEA-200"), typeInto("#receipt-batch", "T-RETRY"), setField("#receipt-qty", "40"),
		click("#receipt-save"))
	wantText(t, ctx, "#receipt-error", "The server cannot be reached")
	run(t, ctx, "receive again", click("#receipt-save"))
	wantText(t, ctx, "#receipt-done", "Received 40 of lot T-RETRY; 40 on hand in this lot.")
	wantText(t, ctx, `tr[data-lot="HQ-SH/TEA-200/T-RETRY"]`, "does not expire")
	var onHand, receipts int64
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT
		(SELECT coalesce(sum(b.on_hand), 0) FROM stock_balances b JOIN lots l ON l.id = b.lot_id WHERE l.batch = 'T-RETRY'),
		(SELECT count(*) FROM stock_moves sm JOIN lots l ON l.id = sm.lot_id WHERE l.batch = 'T-RETRY')`).Scan(&onHand, &receipts); err != nil {
		t.Fatal(err)
	}
	if onHand != 40 || receipts != 1 {
		t.Errorf("after a retried receipt: %d on hand in %d moves, want 40 in 1", onHand, receipts)
	}
}
