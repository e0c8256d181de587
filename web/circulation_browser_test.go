package web_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"downline/demo"
	"downline/ledger"
	"downline/ledger/agency"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/ledger/order"
	"downline/ledger/user"
)

// circulationOffice is newOffice with an analyst and agency AG1 (serving
// 上海) stocked from HQ with 20 units of VC-100 (lot B2, the first to
// expire): AG1 sold 4 to AAA1 (上海) and 2 to AAA2 (浙江, outside its
// territory), and HQ sold 3 to AAA1 itself.
type circulationOffice struct {
	office
	stock, inside, outside, hq string // the orders
}

func newCirculationOffice(t *testing.T) circulationOffice {
	t.Helper()
	o := circulationOffice{office: newOffice(t)}
	goodstest.Agency(t, o.db, "AG1")
	goodstest.Tx(t, o.db, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := user.Create(ctx, tx, user.New{Login: "analyst", Password: password, Role: user.Analyst}); err != nil {
			return err
		}
		if err := agency.SetTerritory(ctx, tx, "AG1", []string{"上海"}); err != nil {
			return err
		}
		for code, region := range map[string]string{"AAA1": "上海", "AAA2": "浙江"} {
			if err := agency.SetMemberRegion(ctx, tx, code, region); err != nil {
				return err
			}
		}
		return nil
	})
	n := 0
	sell := func(r order.Request) string {
		t.Helper()
		n++
		var no string
		goodstest.Tx(t, o.db, func(ctx context.Context, tx pgx.Tx) error {
			r.Key, r.By = fmt.Sprintf("circ-%d", n), "test"
			placed, err := order.Place(ctx, tx, r)
			if err != nil {
				return err
			}
			method := order.BankTransfer
			if placed.Kind == order.Agency {
				method = order.OnAccount
			}
			p, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: r.Key + "-pay", Order: placed.No, Method: method, Amount: placed.Total, By: "test"})
			if err != nil {
				return err
			}
			if _, err := order.ConfirmPayment(ctx, tx, order.Decision{Key: r.Key + "-conf", Payment: p.No, By: "test"}); err != nil {
				return err
			}
			if _, err := order.Ship(ctx, tx, order.ShipRequest{Key: r.Key + "-ship", Order: placed.No, Tracking: "SF" + r.Key, By: "test"}); err != nil {
				return err
			}
			if placed.Kind == order.Agency {
				if _, err := order.Deliver(ctx, tx, order.StatusChange{Key: r.Key + "-deliver", Order: placed.No, By: "test"}); err != nil {
					return err
				}
			}
			no = placed.No
			return nil
		})
		return no
	}
	vc := func(qty int64) []order.LineRequest { return []order.LineRequest{{SKU: "VC-100", Qty: qty}} }
	o.stock = sell(order.Request{Kind: order.Agency, BuyerAgency: "AG1", Lines: vc(20)})
	o.inside = sell(order.Request{Kind: order.Repeat, Member: "AAA1", Seller: "AG1", Lines: vc(4)})
	o.outside = sell(order.Request{Kind: order.Repeat, Member: "AAA2", Seller: "AG1", Lines: vc(2)})
	o.hq = sell(order.Request{Kind: order.Repeat, Member: "AAA1", Lines: vc(3)})
	return o
}

// An analyst opens the diversion report: AG1's sale to AAA2 (浙江) is the
// one outside its territory; its order opens that order's back trace
// (VC-100 B2 from AG1, which had it from HQ-SH's receipt of 100).
func TestCirculationDiversionToOrder(t *testing.T) {
	requireBrowser(t)
	o := newCirculationOffice(t)
	ctx := browser(t, "zh-CN")
	run(t, ctx, "open the diversion report", desktop(), chromedp.Navigate(o.url+"/staff/analytics/diversion"), signIn("analyst", password))
	wantText(t, ctx, "#nav-analytics-diversion[aria-current=page]", "窜货")
	wantText(t, ctx, "#div-territory h2", "(1)")
	wantText(t, ctx, fmt.Sprintf(`#div-territory tr[data-order=%q]`, o.outside), "AAA2")
	wantText(t, ctx, fmt.Sprintf(`#div-territory tr[data-order=%q]`, o.outside), "浙江")
	if n := eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll('#div-territory tr[data-order=%q]').length`, o.inside)); n != 0 {
		t.Errorf("the sale inside the territory is listed")
	}
	// Every buyer loads up when personal use is nothing: AAA1 took 7, AAA2 2.
	run(t, ctx, "a bad factor", typeInto("#div-factor", "0"), click("#div-go"))
	wantText(t, ctx, "#div-factor-error", "请输入 1 到 1,000 之间的整数。")
	run(t, ctx, "no personal use", typeInto("#div-factor", "1"), typeInto("#div-use", "0"), click("#div-go"))
	wantAddress(t, ctx, "/staff/analytics/diversion?months=3&use=0&factor=1")
	wantText(t, ctx, `#div-loading tr[data-member="AAA1"]`, "7")
	screenshot(t, ctx, "circulation-diversion-desktop-zh")

	run(t, ctx, "drill down to the order", click(fmt.Sprintf(`#div-territory tr[data-order=%q] a[href*="by=order"]`, o.outside)))
	wantAddress(t, ctx, "/staff/analytics/back?by=order&q="+o.outside)
	wantText(t, ctx, "#back-title", o.outside)
	wantText(t, ctx, "#back-lines tbody tr", "VC-100 B2")
	wantText(t, ctx, "#back-lines tbody tr", "AG1-WH")
	wantText(t, ctx, "#back-lines tbody tr", "HQ-SH：")
	wantText(t, ctx, "#back-lines tbody tr", "入库 100")
	if got := eval[string](t, ctx, `[...document.querySelectorAll('#back-lines tbody td')].map(td => td.innerText).slice(2, 4).join('|')`); got != "2|0" {
		t.Errorf("received|returned = %q, want 2|0", got)
	}

	run(t, ctx, "in English on a phone", phone(), switchLanguage("en"))
	wantText(t, ctx, "#back-title", "Where the goods of "+o.outside+" came from")
	noHorizontalScroll(t, ctx, "back trace")
	screenshot(t, ctx, "circulation-back-phone-en")
	run(t, ctx, "the diversion report on a phone", chromedp.Navigate(o.url+"/staff/analytics/diversion"))
	wantText(t, ctx, fmt.Sprintf(`#div-territory tr[data-order=%q]`, o.outside), "AAA2")
	noHorizontalScroll(t, ctx, "diversion report")
	screenshot(t, ctx, "circulation-diversion-phone-en")

	// A member is refused the page and its data.
	member := browser(t, "en-US")
	run(t, member, "a member opens the report", chromedp.Navigate(o.url+"/staff/analytics/diversion"), signIn("wangfang", password))
	wantText(t, member, "#not-allowed", "Not allowed")
	if s := status(t, member, "/api/v1/analytics/diversion"); s != 403 {
		t.Errorf("a member's diversion report answers %d, want 403", s)
	}
}

// A back trace asked from the form: HQ's own sale to AAA1 came from HQ-SH,
// through no agency; a holder written wrong is refused next to the field.
func TestCirculationBackTraceForm(t *testing.T) {
	requireBrowser(t)
	o := newCirculationOffice(t)
	ctx := browser(t, "en-US")
	run(t, ctx, "open the back trace", desktop(), chromedp.Navigate(o.url+"/staff/analytics/back"), signIn("analyst", password))
	run(t, ctx, "nothing to trace", click("#back-go"))
	wantText(t, ctx, "#back-q-error", "Enter what to trace.")
	run(t, ctx, "a holder without its kind", chromedp.SetValue(chromedp.CSS("#back-by"), "holder"), chromedp.Evaluate[chromedp.Void](
		`document.querySelector('#back-by').dispatchEvent(new Event('change', {bubbles: true}))`), typeInto("#back-q", "AG1-WH"), click("#back-go"))
	wantText(t, ctx, "#back-q-error", "kind:id")
	run(t, ctx, "the agency", typeInto("#back-q", "agency:AG1-WH"), click("#back-go"))
	wantText(t, ctx, "#back-lines tbody tr", "HQ-SH")
	wantText(t, ctx, "#back-lines tbody tr", "20")
	run(t, ctx, "HQ's order", chromedp.SetValue(chromedp.CSS("#back-by"), "order"), chromedp.Evaluate[chromedp.Void](
		`document.querySelector('#back-by').dispatchEvent(new Event('change', {bubbles: true}))`), typeInto("#back-q", o.hq), click("#back-go"))
	wantAddress(t, ctx, "/staff/analytics/back?by=order&q="+o.hq)
	wantText(t, ctx, "#back-title", o.hq)
	wantText(t, ctx, "#back-lines tbody tr", "Warehouse HQ-SH")
	if got := eval[string](t, ctx, `[...document.querySelectorAll('#back-lines tbody tr')].map(tr => tr.children[2].innerText + '/' + tr.children[4].innerText.trim()).join(' ')`); got != "3/" {
		t.Errorf("HQ's order: received/agencies = %q, want 3/ (no agency)", got)
	}
	screenshot(t, ctx, "circulation-back-desktop-en")
}

// The Sankey of lot B2: HQ-SH sent 20 to AG1 and 3 to AAA1; AG1 sent 4 to
// AAA1 and 2 to AAA2 (the bands carry those units); in Chinese and on a
// phone it fits.
func TestCirculationSankey(t *testing.T) {
	requireBrowser(t)
	o := newCirculationOffice(t)
	ctx := browser(t, "zh-CN")
	run(t, ctx, "open lot B2", desktop(), chromedp.Navigate(o.url+"/staff/analytics/lots/VC-100/B2"), signIn("analyst", password))
	wantText(t, ctx, "#lot-flows h2", "批次流向")
	run(t, ctx, "the picture", chromedp.WaitVisible(chromedp.CSS("#lot-sankey .sankey-band")))
	got := eval[string](t, ctx, `[...document.querySelectorAll('#lot-sankey .sankey-band')].map(p => p.dataset.from + '>' + p.dataset.to + '=' + p.dataset.qty).sort().join(' ')`)
	if want := "agency:AG1-WH>member:AAA1=4 agency:AG1-WH>member:AAA2=2 warehouse:HQ-SH>agency:AG1-WH=20 warehouse:HQ-SH>member:AAA1=3"; got != want {
		t.Errorf("bands %q, want %q", got, want)
	}
	// The widest band is the 20 units to the agency.
	if w := eval[string](t, ctx, `[...document.querySelectorAll('#lot-sankey .sankey-band')].sort((a, b) => b.getAttribute('stroke-width') - a.getAttribute('stroke-width'))[0].dataset.to`); w != "agency:AG1-WH" {
		t.Errorf("the widest band goes to %s", w)
	}
	if got := eval[string](t, ctx, `document.querySelector('#lot-sankey [data-node="agency:AG1-WH"] text').textContent`); got != "代理商 AG1-WH · 20" {
		t.Errorf("the agency's node reads %q", got)
	}
	screenshot(t, ctx, "circulation-sankey-desktop-zh")
	run(t, ctx, "on a phone", phone())
	noHorizontalScroll(t, ctx, "lot flow")
	screenshot(t, ctx, "circulation-sankey-phone-zh")
	// Lots are found by part of their product code.
	run(t, ctx, "find lots", chromedp.Navigate(o.url+"/staff/analytics/lots"), chromedp.WaitVisible(chromedp.CSS("#lot-q")),
		typeInto("#lot-q", "vc-1"), click("#lot-search-go"))
	wantAddress(t, ctx, "/staff/analytics/lots?q=vc-1")
	wantText(t, ctx, "#lot-search .hint", "2 个批次")
	wantText(t, ctx, "#lot-results", "VC-100 B2")
	if n := eval[int](t, ctx, `document.querySelectorAll('#lot-results li').length`); n != 2 {
		t.Errorf("%d lots of VC-100 found, want 2 (B1, B2)", n)
	}
}

// The ageing report lists AG1's 14 units of B2 and HQ's rest with the days
// to B2's expiry; the reconciliation of AG1 today agrees with the ledger.
func TestCirculationAgeingAndReconciliation(t *testing.T) {
	requireBrowser(t)
	o := newCirculationOffice(t)
	var b2 string
	var expires time.Time
	if err := o.db.Pool.QueryRow(context.Background(), `SELECT l.id::text, l.expires_on FROM lots l JOIN products p ON p.id = l.product_id
		WHERE p.sku = 'VC-100' AND l.batch = 'B2'`).Scan(&b2, &expires); err != nil {
		t.Fatal(err)
	}
	zone, err := ledger.CompanyZone()
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().In(zone)
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	days := int(expires.Sub(today).Hours() / 24)

	ctx := browser(t, "en-US")
	run(t, ctx, "open the ageing report", desktop(), chromedp.Navigate(o.url+"/staff/analytics/ageing"), signIn("analyst", password))
	row := fmt.Sprintf(`#age-lines tr[data-holder="AG1-WH"][data-lot=%q]`, b2)
	wantText(t, ctx, row, "14")
	wantText(t, ctx, row, fmt.Sprint(days))
	run(t, ctx, "a bad threshold", typeInto("#age-slow", "0"), click("#age-go"))
	wantText(t, ctx, "#age-slow-error", "Enter a whole number from 1 to 3,650.")
	run(t, ctx, "filter by holder", typeInto("#age-filter", "HQ-SH"))
	if got := eval[string](t, ctx, `[...document.querySelectorAll('#age-lines tbody tr')].map(tr => tr.dataset.holder).join(' ')`); got != "HQ-SH HQ-SH HQ-SH" {
		t.Errorf("filtered to HQ-SH: %q", got)
	}
	screenshot(t, ctx, "circulation-ageing-desktop-en")
	run(t, ctx, "on a phone in Chinese", phone(), switchLanguage("zh-CN"))
	wantText(t, ctx, "#age-summary", "条持有")
	wantText(t, ctx, "#age-slow-error", "请输入 1 到 3,650 之间的整数。")
	noHorizontalScroll(t, ctx, "ageing report")
	screenshot(t, ctx, "circulation-ageing-phone-zh")

	from, to := today.AddDate(0, 0, -1).Format(time.DateOnly), today.AddDate(0, 0, 1).Format(time.DateOnly)
	run(t, ctx, "reconcile AG1", desktop(), chromedp.Navigate(o.url+fmt.Sprintf("/staff/analytics/reconcile?holder=agency:AG1-WH&from=%s&to=%s", from, to)))
	wantText(t, ctx, "#recon-summary", "所有批次与账本一致。")
	if got := eval[string](t, ctx, fmt.Sprintf(`[...document.querySelectorAll('#recon-lines tr[data-lot=%q] td')].slice(1).map(td => td.innerText).join(' ')`, b2)); got != "0 20 6 14 14 0" {
		t.Errorf("AG1's B2: opening in out closing ledger difference = %q, want 0 20 6 14 14 0", got)
	}
	run(t, ctx, "dates the wrong way round", setInput("#recon-from", to), setInput("#recon-to", from), click("#recon-go"))
	wantText(t, ctx, "#recon-to-error", "结束日期必须晚于开始日期。")
	screenshot(t, ctx, "circulation-reconcile-desktop-zh")
}

// setInput sets a field's value as the browser's own picker would (a date
// field takes no typed text in every locale) and tells the page.
func setInput(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const el = document.querySelector(%q);
		el.value = %q;
		el.dispatchEvent(new Event('input', {bubbles: true}));
	})()`, sel, value))
}

// The demo company (300 members): lot VC-100-B1 flows from HQ-SH to AG1
// and on to members (AG1's small sales among the recipients folded into
// "others"); the diversion report lists AG1's sales to members outside
// Shanghai.
func TestCirculationDemoLot(t *testing.T) {
	requireBrowser(t)
	db := ledgertest.DB(t)
	ctx := context.Background()
	if err := member.CopyNetwork(ctx, db, member.GenerateCompany(300, 1, time.Now().AddDate(-2, 0, 0)), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Company(ctx, db, password, 1, io.Discard); err != nil {
		t.Fatal(err)
	}
	url, _ := serveLedger(t, db)
	b := browser(t, "zh-CN")
	run(t, b, "open a demo lot", desktop(), chromedp.Navigate(url+"/staff/analytics/lots/VC-100/VC-100-B1"), signIn("analyst", password),
		chromedp.WaitVisible(chromedp.CSS("#lot-sankey .sankey-band")))
	bands := eval[[]string](t, b, `[...document.querySelectorAll('#lot-sankey .sankey-band')].map(p => p.dataset.from + '>' + p.dataset.to)`)
	var toAgency, fromAgency, others bool
	for _, band := range bands {
		toAgency = toAgency || band == "warehouse:HQ-SH>agency:AG1-WH"
		fromAgency = fromAgency || strings.HasPrefix(band, "agency:AG1-WH>member:") || band == "agency:AG1-WH>others"
		others = others || strings.HasSuffix(band, ">others")
	}
	if !toAgency || !fromAgency || !others {
		t.Errorf("the demo lot's bands lack HQ → AG1 (%v), AG1 → members (%v) or the others (%v): %v", toAgency, fromAgency, others, bands)
	}
	if got := eval[string](t, b, `document.querySelector('#lot-sankey [data-node="others"] text').textContent`); !strings.HasPrefix(got, "其他 ") {
		t.Errorf("the folded recipients read %q", got)
	}
	screenshot(t, b, "circulation-demo-lot-desktop-zh")
	run(t, b, "the diversion report", chromedp.Navigate(url+"/staff/analytics/diversion"))
	wantText(t, b, "#div-territory tbody tr", "AG1-WH")
	if n := eval[int](t, b, `document.querySelectorAll('#div-territory tbody tr').length`); n == 0 {
		t.Errorf("no sale outside AG1's territory in the demo")
	}
	screenshot(t, b, "circulation-demo-diversion-desktop-zh")
}
