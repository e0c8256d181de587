package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/catalog"
	"downline/ledger/goodstest"
	"downline/ledger/order"
	"downline/settle/period"
	"downline/settle/plan/plantest"
)

// starterKit adds KIT-500, marked as the starter kit (500.00, 250 PV), with stock.
func starterKit(t *testing.T, o office) {
	t.Helper()
	goodstest.Tx(t, o.db, func(ctx context.Context, tx pgx.Tx) error {
		d := goodstest.D
		_, err := catalog.CreateProduct(ctx, tx, catalog.Product{SKU: "KIT-500", NameZH: "入会套装", NameEN: "Starter kit",
			RetailPrice: d("600.00"), MemberPrice: d("500.00"), AgencyPrice: d("400.00"), UnitCost: d("200.00"), PV: d("250"), BV: d("250"),
			StarterKit: true})
		return err
	})
	goodstest.Lot(t, o.db, "KIT-500", "K1", 400, 50)
}

// typeInto empties the field sel and types text into it, as a user would.
func typeInto(sel, text string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
			const el = document.querySelector(%q);
			el.value = '';
			el.dispatchEvent(new Event('input', {bubbles: true}));
		})()`, sel)),
		chromedp.SendKeys(chromedp.CSS(sel), text),
	)
}

// media emulates a CSS media type ("print"; "" for the screen again).
func media(m string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: m})
		return err
	})
}

// blur leaves the focused field, as a tab would.
func blur() chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur()`)
}

// A member registers a new member into a free slot chosen on the picture
// of the placement tree, with a starter kit: bad input first (named next
// to its field, in English), then the form put right. The first answer to
// the registration is lost after the server registered; the member submits
// again with a double click: the same Idempotency-Key answers the same
// member, so there is one new member and one registration order. The
// result names the new code, its place and the order awaiting payment,
// which the member then pays.
func TestRegisterOnThePicture(t *testing.T) {
	requireBrowser(t)
	o := newOffice(t)
	starterKit(t, o)
	ctx := browser(t, "en-US")

	run(t, ctx, "open the register page", chromedp.Navigate(o.url+"/app/register"), signIn("wangfang", password))
	wantText(t, ctx, "#nav-register", "Register")
	wantText(t, ctx, "#placement .ptree", "AAA1")
	wantText(t, ctx, `#kit [data-sku="KIT-500"] .product-name`, "Starter kit")
	if v := eval[string](t, ctx, `document.querySelector('#reg-sponsor').value`); v != "AAA" {
		t.Errorf("the sponsor defaults to %q, want the member's own code AAA", v)
	}
	// AAA has AAA1 on the left and AAA2 on the right: their four slots are free.
	for _, s := range []string{"AAA1-L", "AAA1-R", "AAA2-L", "AAA2-R"} {
		if n := eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll('.ptree [data-slot=%q]').length`, s)); n != 1 {
			t.Errorf("slot %s drawn %d times, want once", s, n)
		}
	}

	// Everything wrong at once: each message next to its field.
	run(t, ctx, "a sponsor outside the team, a bad phone", typeInto("#reg-sponsor", "ROOT1"), typeInto("#reg-phone", "12345"))
	run(t, ctx, "submit", click("#reg-submit"))
	wantText(t, ctx, "#reg-name-error", "Enter the new member's name.")
	wantText(t, ctx, "#reg-phone-error", "Enter a mainland mobile number")
	wantText(t, ctx, "#reg-sponsor-error", "ROOT1 is not a member of your team.")
	wantText(t, ctx, "#placement-error", "Choose a free slot")
	wantText(t, ctx, "#reg-error", "Correct the fields marked above.")
	if v := eval[string](t, ctx, `document.querySelector('#reg-phone').getAttribute('aria-invalid')`); v != "true" {
		t.Errorf("the phone field is not marked invalid: aria-invalid=%q", v)
	}
	noHorizontalScroll(t, ctx, "register with errors (en)")
	screenshot(t, ctx, "register-errors-phone-en")

	// Put right: a mainland number typed with spaces is normalised.
	run(t, ctx, "fill the form",
		typeInto("#reg-name", "张伟"), typeInto("#reg-phone", "138 0013 8000"), blur(),
		typeInto("#reg-sponsor", "AAA"), blur())
	if v := eval[string](t, ctx, `document.querySelector('#reg-phone').value`); v != "+8613800138000" {
		t.Errorf("the phone reads %q after leaving the field, want +8613800138000", v)
	}
	wantText(t, ctx, "#placement .ptree", "AAA2")
	// The slot is chosen with the keyboard: focus and Enter.
	run(t, ctx, "choose AAA2's left slot", chromedp.Focus(chromedp.CSS(`.ptree [data-slot="AAA2-L"]`)),
		chromedp.KeyEvent("\r"))
	wantText(t, ctx, "#slot-chosen", "Chosen: the left slot under AAA2.")
	if v := eval[string](t, ctx, `document.querySelector('.ptree [data-slot="AAA2-L"]').getAttribute('aria-pressed')`); v != "true" {
		t.Errorf("the chosen slot is not pressed: %q", v)
	}
	// The starter kit the catalogue marks is chosen already.
	if v := eval[string](t, ctx, `document.querySelector('#kit-KIT-500').value`); v != "1" {
		t.Errorf("the starter kit's quantity is %q, want it preselected at 1", v)
	}
	wantText(t, ctx, `#kit-summary [data-figure="kit-total"] dd`, "500.00")
	wantText(t, ctx, `#kit-summary [data-figure="kit-pv"] dd`, "250.00")
	// A name the ledger refuses (over 100 characters): the API's 422 is
	// shown next to the name, and nothing is registered.
	run(t, ctx, "a name too long", typeInto("#reg-name", strings.Repeat("长", 101)), click("#reg-submit"))
	wantText(t, ctx, "#reg-name-error", "This name cannot be used")
	wantText(t, ctx, "#reg-error", "Correct the fields marked above.")
	var refused int
	if err := o.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM members WHERE length(name) > 100`).Scan(&refused); err != nil || refused != 0 {
		t.Errorf("%d members with the refused name (%v)", refused, err)
	}
	run(t, ctx, "the name put right", typeInto("#reg-name", "张伟"))
	noHorizontalScroll(t, ctx, "register (en)")
	screenshot(t, ctx, "register-phone-en")
	run(t, ctx, "desktop", desktop())
	wantText(t, ctx, ".ptree", "AAA2")
	screenshot(t, ctx, "register-desktop-en")
	run(t, ctx, "phone", phone())

	// The first answer to POST /api/v1/members is dropped once the server
	// has sent it; later ones pass.
	dropFirstAnswer(t, ctx, "*/api/v1/members")
	run(t, ctx, "submit", click("#reg-submit"))
	wantText(t, ctx, "#reg-error", "The server cannot be reached")
	run(t, ctx, "submit again with a double click", chromedp.Evaluate[chromedp.Void](
		`(() => { const b = document.querySelector('#reg-submit'); b.click(); b.click(); })()`))
	wantText(t, ctx, "#registered h1", "张伟 is registered with member code")
	wantText(t, ctx, `#registered [data-figure="placed"] dd`, "Placed in the left slot under AAA2.")
	wantText(t, ctx, "#registered .order-result", "awaits payment")
	code := strings.TrimSpace(eval[string](t, ctx, `document.querySelector('#registered [data-figure="new-code"] dd').innerText`))
	noHorizontalScroll(t, ctx, "registered (en)")
	screenshot(t, ctx, "registered-phone-en")

	// In the ledger: one new member, in AAA2's left slot, sponsored by AAA,
	// with one registration order of one starter kit.
	var (
		members, orders       int
		sponsor, parent, side string
		kits                  int64
	)
	db := o.db.Pool
	bg := context.Background()
	if err := db.QueryRow(bg, `SELECT count(*) FROM members WHERE name = '张伟'`).Scan(&members); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(bg, `SELECT s.code, p.code, m.placement_side FROM members m
		JOIN members s ON s.id = m.sponsor_id JOIN members p ON p.id = m.placement_parent_id WHERE m.code = $1`, code).
		Scan(&sponsor, &parent, &side); err != nil {
		t.Fatalf("the new member %q: %v", code, err)
	}
	if err := db.QueryRow(bg, `SELECT count(*), coalesce(sum(l.qty), 0) FROM orders o JOIN members m ON m.id = o.member_id
		JOIN order_lines l ON l.order_id = o.id WHERE m.code = $1 AND o.kind = 'registration'`, code).Scan(&orders, &kits); err != nil {
		t.Fatal(err)
	}
	if members != 1 || sponsor != "AAA" || parent != "AAA2" || side != "L" || orders != 1 || kits != 1 {
		t.Errorf("after a lost answer and a double click: %d members named 张伟; %s sponsored by %s, placed under %s on %s; %d registration order lines, %d kits",
			members, code, sponsor, parent, side, orders, kits)
	}

	// Pay the starter kit now.
	run(t, ctx, "pay now", click("#registered .pay"))
	wantText(t, ctx, "#registered .order-result", "is paid online")
	var status string
	if err := db.QueryRow(bg, `SELECT o.status FROM orders o JOIN members m ON m.id = o.member_id WHERE m.code = $1`, code).Scan(&status); err != nil || status != "paid" {
		t.Errorf("the starter kit order is %q after paying now (%v), want paid", status, err)
	}
}

// In Chinese: a slot taken meanwhile is refused next to the placement, in
// Chinese, the picture drawn again without it; auto placement by strategy
// with a starter kit; the page at 360 px and on a desktop.
func TestRegisterInChinese(t *testing.T) {
	requireBrowser(t)
	o := newOffice(t)
	starterKit(t, o)
	ctx := browser(t, "zh-CN")

	run(t, ctx, "open the register page", chromedp.Navigate(o.url+"/app/register"), signIn("wangfang", password))
	wantText(t, ctx, "h1.page-title", "报单")
	wantText(t, ctx, "#placement .ptree", "AAA1")
	run(t, ctx, "submit empty", click("#reg-submit"))
	wantText(t, ctx, "#reg-name-error", "请输入新会员的姓名。")
	wantText(t, ctx, "#reg-phone-error", "请输入中国大陆手机号")
	wantText(t, ctx, "#placement-error", "请在图中或列表中选择一个空位。")
	noHorizontalScroll(t, ctx, "register with errors (zh-CN)")
	screenshot(t, ctx, "register-errors-phone-zh")

	// The slot is chosen in the list that stands in for the picture.
	run(t, ctx, "fill in", typeInto("#reg-name", "李娜"), typeInto("#reg-phone", "13900139000"), blur(),
		click(".slot-list summary"), click(`.slot-list input[value="AAA1-R"]`))
	wantText(t, ctx, "#slot-chosen", "已选择：AAA1 的右区。")
	if v := eval[string](t, ctx, `document.querySelector('.ptree [data-slot="AAA1-R"]').getAttribute('aria-pressed')`); v != "true" {
		t.Errorf("the slot chosen in the list is not pressed on the picture: %q", v)
	}
	// The slot is taken from another device before the member submits.
	var login struct{ Token string }
	if a := post(t, o.url+"/api/v1/auth/login", "", map[string]string{"login": "wangfang", "password": password}, &login); a.status != 200 {
		t.Fatalf("sign in from elsewhere: %d %s", a.status, a.body)
	}
	if a := postKey(t, o.url+"/api/v1/members", login.Token, "elsewhere", map[string]any{"name": "他人", "phone": "+8613700000000",
		"sponsor": "AAA", "placement": "AAA1", "side": "R"}, nil); a.status != 201 {
		t.Fatalf("register elsewhere: %d %s", a.status, a.body)
	}
	run(t, ctx, "submit", click("#reg-submit"))
	wantText(t, ctx, "#placement-error", "该空位刚刚已被占用，请另选一个。")
	wantText(t, ctx, "#reg-error", "请更正上面标出的内容。")
	// The picture is drawn again, with the new member in the slot.
	wantText(t, ctx, ".ptree", "他人")
	if n := eval[int](t, ctx, `document.querySelectorAll('.ptree [data-slot="AAA1-R"]').length`); n != 0 {
		t.Errorf("the taken slot is still offered")
	}
	screenshot(t, ctx, "register-slot-taken-phone-zh")
	// A member at the bottom of the picture opens the tree below it: its
	// own two free slots; then back to the sponsor.
	run(t, ctx, "show below 他人", click(`.ptree .below`))
	wantText(t, ctx, ".ptree .pmember", "他人")
	if n := eval[int](t, ctx, `document.querySelectorAll('.ptree .slot').length`); n != 2 {
		t.Errorf("below the new member the picture offers %d slots, want its 2", n)
	}
	run(t, ctx, "back to AAA", click("#tree-up"))
	wantText(t, ctx, "#tree-title", "AAA 之下的安置网络")
	wantText(t, ctx, ".ptree", "AAA1") // drawn again, so the page no longer moves

	run(t, ctx, "place automatically", click("#mode-auto"))
	run(t, ctx, "weak leg", chromedp.SetValue(chromedp.CSS("#reg-strategy"), "weak-leg"), chromedp.Evaluate[chromedp.Void](
		`document.querySelector('#reg-strategy').dispatchEvent(new Event('change', {bubbles: true}))`))
	run(t, ctx, "a starter kit", typeInto(`#kit-KIT-500`, "2"))
	wantText(t, ctx, `#kit-summary [data-figure="kit-total"] dd`, "¥1,000.00")
	noHorizontalScroll(t, ctx, "register (zh-CN)")
	screenshot(t, ctx, "register-phone-zh")
	run(t, ctx, "desktop", desktop())
	screenshot(t, ctx, "register-desktop-zh")
	run(t, ctx, "phone", phone())
	run(t, ctx, "submit", click("#reg-submit"))
	wantText(t, ctx, "#registered h1", "李娜 已注册")
	wantText(t, ctx, "#registered .order-result", "等待付款")
	screenshot(t, ctx, "registered-phone-zh")
	var parent string
	if err := o.db.Pool.QueryRow(context.Background(), `SELECT p.code FROM members m JOIN members p ON p.id = m.placement_parent_id
		WHERE m.name = '李娜'`).Scan(&parent); err != nil || !strings.HasPrefix(parent, "AAA") {
		t.Errorf("李娜 placed under %q (%v), want a member of AAA's team", parent, err)
	}
}

// settled gives the office an approved settlement of the current month
// (closed now) in which AAA earns from AAA1's and AAA2's orders, and ships
// AAA's own order with a tracking number; it returns the period's code.
func settled(t *testing.T, o office) string {
	t.Helper()
	ctx := context.Background()
	var aaaOrder string
	for i, who := range []string{"AAA", "AAA1", "AAA2"} {
		goodstest.Tx(t, o.db, func(ctx context.Context, tx pgx.Tx) error {
			no := o.orderNo
			if who != "AAA" {
				r, err := order.Place(ctx, tx, order.Request{Key: "buy-" + who, Kind: order.Repeat, Member: who,
					Lines: []order.LineRequest{{SKU: "VC-100", Qty: int64(i)}}, By: "test"})
				if err != nil {
					return err
				}
				no = r.No
			} else {
				aaaOrder = no
			}
			oo, err := order.Get(ctx, tx, no)
			if err != nil {
				return err
			}
			p, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: "pay-" + who, Order: no, Method: order.BankTransfer, Amount: oo.Total, By: "test"})
			if err != nil {
				return err
			}
			_, err = order.ConfirmPayment(ctx, tx, order.Decision{Key: "confirm-" + who, Payment: p.No, By: "finance"})
			return err
		})
	}
	goodstest.Tx(t, o.db, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := order.Ship(ctx, tx, order.ShipRequest{Key: "ship", Order: aaaOrder, Tracking: "SF1234567890", Carrier: "顺丰速运", By: "warehouse"}); err != nil {
			return err
		}
		_, err := order.Deliver(ctx, tx, order.StatusChange{Key: "deliver", Order: aaaOrder, By: "courier"})
		return err
	})
	goodstest.Tx(t, o.db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := period.UploadPlan(ctx, tx, []byte(plantest.Office), time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), "finance")
		return err
	})
	zone, err := ledger.CompanyZone()
	if err != nil {
		t.Fatal(err)
	}
	// The month of now, closed now: every order above is in it, on any date.
	now := time.Now()
	code := now.In(zone).Format("2006-01")
	if _, err := period.Ensure(ctx, o.db, code, zone, now, "finance"); err != nil {
		t.Fatal(err)
	}
	if _, err := (&period.Runner{DB: o.db, Graph: o.store}).Run(ctx, code, "finance"); err != nil {
		t.Fatalf("run %s: %v", code, err)
	}
	if _, err := period.Approve(ctx, o.db, code, "finance2", "checked"); err != nil {
		t.Fatalf("approve %s: %v", code, err)
	}
	return code
}

// The statements: the home links the last one, the list names the period
// in the company's zone with its total, and the statement shows its lines
// with their sources and the totals per bonus, with a print button and a
// print layout without the navigation. The order history shows the
// shipped order's tracking number and dates. Both languages, phone and
// desktop.
func TestStatementsAndTracking(t *testing.T) {
	requireBrowser(t)
	o := newOffice(t)
	code := settled(t, o)
	zone, err := ledger.CompanyZone()
	if err != nil {
		t.Fatal(err)
	}
	start, err := time.ParseInLocation("2006-01", code, zone)
	if err != nil {
		t.Fatal(err)
	}
	var total string
	if err = o.db.Pool.QueryRow(context.Background(), `SELECT to_char(sum(amount), 'FM999990.00') FROM settle_run_lines l
		JOIN settle_runs r ON r.lines_set = l.set_id WHERE l.member = 'AAA'`).Scan(&total); err != nil {
		t.Fatal(err)
	}
	for _, lang := range []string{"en", "zh"} {
		t.Run(lang, func(t *testing.T) {
			words := map[string]map[string]string{
				"en": {"browser": "en-US", "unilevel": "Unilevel", "binary": "Binary", "source": "Source member", "print": "Print",
					"tracking": "Tracking number", "carrier": "Carrier", "delivered": "delivered"},
				"zh": {"browser": "zh-CN", "unilevel": "层级奖", "binary": "对碰奖", "source": "来源会员", "print": "打印",
					"tracking": "快递单号", "carrier": "快递公司", "delivered": "已送达"},
			}[lang]
			ctx := browser(t, words["browser"])
			run(t, ctx, "sign in", chromedp.Navigate(o.url+"/app/"), signIn("wangfang", password))
			wantText(t, ctx, `#statement [data-figure="statement-total"] dd`, total)
			// The home's last statement: its month read in Shanghai, linking to it.
			month := map[string]string{"en": start.Format("January 2006"), "zh": start.Format("2006年1月")}[lang]
			wantText(t, ctx, `#statement [data-figure="statement-period"] dd`, month)
			if href := eval[string](t, ctx, `document.querySelector('#last-statement').getAttribute('href')`); href != "/app/statements/"+code {
				t.Errorf("the home links the last statement at %q, want /app/statements/%s", href, code)
			}
			screenshot(t, ctx, "home-statement-phone-"+lang)
			run(t, ctx, "open the statements", click("#nav-statements"))
			wantText(t, ctx, fmt.Sprintf(`#statements [data-period=%q] .statement-total`, code), total)
			noHorizontalScroll(t, ctx, "statements ("+lang+")")
			screenshot(t, ctx, "statements-phone-"+lang)

			run(t, ctx, "open the statement", click(fmt.Sprintf(`#statements [data-period=%q] a`, code)))
			wantText(t, ctx, `#bonus-lines tr[data-bonus="unilevel"][data-source="AAA1"]`, "AAA1")
			wantText(t, ctx, `#bonus-lines tr[data-bonus="unilevel"][data-source="AAA1"]`, words["unilevel"])
			wantText(t, ctx, `#bonus-lines tr[data-bonus="unilevel"][data-source="AAA2"]`, "AAA2")
			wantText(t, ctx, `#bonus-totals tr[data-bonus="binary"]`, words["binary"])
			wantText(t, ctx, "#statement-grand-total", total)
			wantText(t, ctx, "#print", words["print"])
			noHorizontalScroll(t, ctx, "statement ("+lang+")")
			screenshot(t, ctx, "statement-phone-"+lang)
			run(t, ctx, "desktop", desktop())
			wantText(t, ctx, "#bonus-lines thead", words["source"])
			screenshot(t, ctx, "statement-desktop-"+lang)

			// Printed: no bar, no navigation, no print button.
			run(t, ctx, "print media", media("print"))
			hidden := eval[bool](t, ctx, `['.bar', '.nav', '#print'].every(s => getComputedStyle(document.querySelector(s)).display === 'none')`)
			if !hidden {
				t.Errorf("the print layout shows the bar, the navigation or the print button")
			}
			screenshot(t, ctx, "statement-print-"+lang)
			// On paper: the stylesheet's A4 (595 × 842 points), not the default Letter.
			run(t, ctx, "print to PDF", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				yes := true
				res, err := cdp.Call(ctx, tg, page.PrintToPDF, page.PrintToPDFParams{PreferCSSPageSize: &yes})
				if err != nil {
					return err
				}
				if !regexp.MustCompile(`/MediaBox \[0 0 59[45]\.\d+ 84[12]\.\d+\]`).Match(res.Data) {
					t.Errorf("the printed statement is not on A4: %q", regexp.MustCompile(`/MediaBox \[[^\]]*\]`).Find(res.Data))
				}
				return os.WriteFile(filepath.Join(artefacts, "statement-"+lang+".pdf"), res.Data, 0o644)
			}))
			run(t, ctx, "screen media", media(""))
			run(t, ctx, "phone", phone())

			run(t, ctx, "open the orders", click("#nav-orders"))
			sel := fmt.Sprintf(`#history [data-order=%q]`, o.orderNo)
			wantText(t, ctx, sel+` [data-figure="tracking"]`, "SF1234567890")
			wantText(t, ctx, sel+` [data-figure="tracking"]`, words["tracking"])
			wantText(t, ctx, sel+` [data-figure="carrier"]`, "顺丰速运")
			wantText(t, ctx, sel+` [data-figure="carrier"]`, words["carrier"])
			wantText(t, ctx, sel+" .badge", words["delivered"])
			if n := eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll('%s [data-figure="delivered"]').length`, sel)); n != 1 {
				t.Errorf("the delivered order shows its delivery date %d times", n)
			}
			noHorizontalScroll(t, ctx, "orders with tracking ("+lang+")")
			screenshot(t, ctx, "orders-tracking-phone-"+lang)
		})
	}
}
