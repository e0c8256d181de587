package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"downline/ledger/goodstest"
	"downline/ledger/order"
	"downline/ledger/user"
)

// An analyst traces lot B2 of VC-100 (100 units received at HQ-SH, the
// first to expire, so every order takes from it): AAA1 got 3 and AAA2 2,
// shipped; 王芳's order of 12 is reserved, not shipped, so she is not on
// the recall list. The page's figures and the downloaded recall list say
// so in both languages; a member may not open it.
func TestStaffLotJourney(t *testing.T) {
	requireBrowser(t)
	o := newOffice(t)
	goodstest.Tx(t, o.db, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := user.Create(ctx, tx, user.New{Login: "analyst", Password: password, Role: user.Analyst}); err != nil {
			return err
		}
		for _, b := range []struct {
			member string
			qty    int64
		}{{"AAA1", 3}, {"AAA2", 2}} {
			bought, err := goodstest.Buy(ctx, tx, "lot-"+b.member, b.member, b.qty)
			if err != nil {
				return err
			}
			if _, err := order.Ship(ctx, tx, order.ShipRequest{Key: "ship-" + b.member, Order: bought.No, Tracking: "SF" + b.member, By: "warehouse"}); err != nil {
				return err
			}
		}
		return nil
	})

	ctx := browser(t, "zh-CN")
	dir := downloads(t, ctx)
	run(t, ctx, "open the lot finder", desktop(), chromedp.Navigate(o.url+"/staff/analytics/lots"), signIn("analyst", password))
	wantText(t, ctx, "#nav-analytics-lots[aria-current=page]", "批次流向")
	run(t, ctx, "trace without a batch", typeInto("#lot-sku", "VC-100"), click("#lot-trace"))
	wantText(t, ctx, "#lot-batch-error", "请输入批次号。")
	run(t, ctx, "trace B2", typeInto("#lot-batch", "B2"), click("#lot-trace"))
	wantAddress(t, ctx, "/staff/analytics/lots/VC-100/B2")
	wantText(t, ctx, "#lot-title", "VC-100 批次 B2")
	wantText(t, ctx, `[data-figure="produced"] dd`, "100")
	wantText(t, ctx, `[data-figure="recipients"] dd`, "2")
	wantText(t, ctx, `#lot-holders [data-holder="HQ-SH"]`, "95")
	wantText(t, ctx, "#lot-flow-caption", "总部仓库（1）：收到 100，现持有 95")
	wantText(t, ctx, "#lot-flow-caption", "会员和顾客（2）：收到 5，现持有 5")
	wantText(t, ctx, `#lot-flow [data-stage="warehouse"]`, "收到 100 · 现持有 95")
	wantText(t, ctx, `#lot-flow [data-stage="end"]`, "收到 5 · 现持有 5")
	if got := eval[string](t, ctx, `[...document.querySelectorAll('#lot-recall [data-holder]')].map(r => r.dataset.holder).sort().join(' ')`); got != "AAA1 AAA2" {
		t.Errorf("recall list: %q, want AAA1 AAA2", got)
	}
	wantText(t, ctx, `#lot-recall [data-holder="AAA2"]`, "韩梅梅")
	screenshot(t, ctx, "staff-lot-desktop-zh")

	run(t, ctx, "download the recall list", click("#recall-csv"))
	csv := string(downloaded(t, ctx, dir, "recall-VC-100-B2.csv"))
	if !strings.HasPrefix(csv, "\ufeffkind,holder,name,received,sent_on,holds,moves,first,last\r\n") {
		t.Errorf("the recall list does not start with a BOM and its header: %q", csv[:min(len(csv), 80)])
	}
	for _, want := range []string{"member,AAA1,李雷,3,0,3,1,", "member,AAA2,韩梅梅,2,0,2,1,"} {
		if !strings.Contains(csv, want) {
			t.Errorf("the recall list lacks %q:\n%s", want, csv)
		}
	}

	// The recall list a page at a time (one a page here): AAA1 got the lot
	// first, AAA2 after.
	run(t, ctx, "the recall list in pages of one", chromedp.Navigate(o.url+"/staff/analytics/lots/VC-100/B2?per=1"))
	wantText(t, ctx, "#lot-recall-count", "共 2 位收到本批次商品，其中 2 位仍持有。")
	recallPage := func(want string) {
		t.Helper()
		if got := eval[string](t, ctx, `[...document.querySelectorAll('#lot-recall [data-holder]')].map(r => r.dataset.holder).join(' ')`); got != want {
			t.Errorf("recall page: %q, want %q", got, want)
		}
	}
	wantText(t, ctx, `#lot-recall [data-holder="AAA1"]`, "李雷")
	recallPage("AAA1")
	run(t, ctx, "the next page", chromedp.WaitEnabled(chromedp.CSS("#recall-next")), click("#recall-next"))
	wantText(t, ctx, `#lot-recall [data-holder="AAA2"]`, "韩梅梅")
	recallPage("AAA2")
	if eval[bool](t, ctx, `!document.querySelector('#recall-next').disabled`) {
		t.Errorf("a next page after the last")
	}
	run(t, ctx, "back to the first", click("#recall-prev"))
	wantText(t, ctx, `#lot-recall [data-holder="AAA1"]`, "李雷")
	recallPage("AAA1")
	screenshot(t, ctx, "staff-lot-recall-paged-zh")

	run(t, ctx, "in English on a phone", phone(), switchLanguage("en"))
	wantText(t, ctx, "#lot-recall-count", "2 received goods of this lot; 2 still hold some.")
	wantText(t, ctx, "#lot-title", "Lot B2 of VC-100")
	wantText(t, ctx, "#lot-flow-caption", "HQ warehouses (1): received 100, hold 95")
	wantText(t, ctx, `#lot-flow [data-stage="end"]`, "received 5 · holds 5")
	noHorizontalScroll(t, ctx, "lot journey")
	screenshot(t, ctx, "staff-lot-phone-en")
	run(t, ctx, "an unknown batch", chromedp.Navigate(o.url+"/staff/analytics/lots/VC-100/NOPE"))
	wantText(t, ctx, "#lot-error", "Not found.")

	// A member is refused the page and its data.
	member := browser(t, "en-US")
	run(t, member, "a member opens the lot", chromedp.Navigate(o.url+"/staff/analytics/lots/VC-100/B2"), signIn("wangfang", password))
	wantText(t, member, "#not-allowed", "Not allowed")
	if n := eval[int](t, member, `document.querySelectorAll('#lot-recall, #lot-holders').length`); n != 0 {
		t.Errorf("a member sees the lot's tables")
	}
	if s := status(t, member, "/api/v1/analytics/lots/VC-100/B2/trace"); s != 403 {
		t.Errorf("a member's trace answers %d, want 403", s)
	}
}
