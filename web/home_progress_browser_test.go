package web_test

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The home's month in figures, on the team office with the server's clock
// in late March 2026 (Shanghai): 王芳's own PV is 0 and her group volume
// 150.00 (AAA1's 100 and AAA3's 50); March is approved with her a Member,
// so the next rank is Bronze (PV 50, GV 100): the volume is there, the PV
// is missing. AAA4 joined her team on 5 March.
func TestHomeThisMonth(t *testing.T) {
	requireBrowser(t)
	url := teamOfficeAt(t, 0, time.Date(2026, 3, 31, 15, 59, 0, 0, time.UTC)) // 23:59 on 31 March in Shanghai
	ctx := browser(t, "en-US")
	run(t, ctx, "open the home", desktop(), chromedp.Navigate(url+"/app/"), signIn("wangfang", password))
	wantText(t, ctx, "#this-period", "March 2026")
	wantText(t, ctx, `#this-period [data-figure="rank"] dd`, "Member")
	wantText(t, ctx, `#this-period [data-figure="pv"] dd`, "0.00")
	wantText(t, ctx, `#this-period [data-figure="gv"] dd`, "150.00")
	wantText(t, ctx, "#next-rank h3", "To reach Bronze")
	wantText(t, ctx, `[data-need="pv"]`, "0.00 / 50.00")
	wantText(t, ctx, `[data-need="pv"] .need-note`, "50.00 still missing.")
	wantText(t, ctx, `[data-need="qgv"]`, "150.00 / 100.00")
	wantText(t, ctx, `[data-need="qgv"] .need-note`, "Met.")
	if n := eval[int](t, ctx, `document.querySelectorAll('[data-need="pv"].done').length`); n != 0 {
		t.Errorf("the missing PV is shown as met")
	}
	wantText(t, ctx, "#leg-volumes", "AAA1")
	wantText(t, ctx, "#new-members", "AAA4")
	if got := eval[string](t, ctx, `[...document.querySelectorAll('#new-members [data-member]')].map(e => e.dataset.member).join(' ')`); got != "AAA4" {
		t.Errorf("new in the team in March: %q, want AAA4 alone (AAA5 joined in April)", got)
	}
	screenshot(t, ctx, "home-this-month-desktop-en")

	// In Chinese on a phone; a new member's link opens the explorer on it.
	run(t, ctx, "switch to Chinese", phone(), chromedp.SetValue(chromedp.CSS("#lang"), "zh-CN"), chromedp.Evaluate[chromedp.Void](
		`document.querySelector('#lang').dispatchEvent(new Event('change', {bubbles: true}))`))
	wantText(t, ctx, "#this-period h2", "本月业绩")
	wantText(t, ctx, "#next-rank h3", "晋升 Bronze 还需")
	wantText(t, ctx, `[data-need="pv"] .need-note`, "还差 50.00。")
	noHorizontalScroll(t, ctx, "home")
	screenshot(t, ctx, "home-this-month-phone-zh")
	run(t, ctx, "open AAA4 in the explorer", click(`#new-members [data-member="AAA4"] a`))
	wantAddress(t, ctx, "/app/team/AAA4")
}
