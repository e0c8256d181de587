package web_test

import (
	"context"
	"fmt"
	"math"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/jackc/pgx/v5"

	"downline/api"
	"downline/clock"
	"downline/graphstore/memory"
	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/ledger/order"
	"downline/ledger/user"
	"downline/projection"
	"downline/settle/period"
	"downline/web"
)

// teamOffice is a company with a placement tree that spills over. 王芳
// (AAA, login wangfang) sponsors AAA1..AAA5; AAA1 sponsors AAA11. ZZZ is
// outside her team.
//
//	Sponsor:   ROOT1 -> AAA -> AAA1 (-> AAA11), AAA2, AAA3, AAA4, AAA5; ROOT1 -> ZZZ
//	Placement: ROOT1 -> AAA (L), ZZZ (R); AAA -> AAA1 (L), AAA2 (R);
//	           AAA1 -> AAA3 (L, spillover), AAA11 (R); AAA3 -> AAA4 (L, spillover);
//	           AAA2 -> AAA5 (L, spillover)
//
// Everyone joined in February 2026 but AAA4 (March) and AAA5 (April). In
// March 2026 AAA1 bought 2 × VC-100 (100 PV) and AAA3 1 (50 PV).
//
// wide more members join in February, sponsored by AAA3: a frontline wider
// than the explorer's page of children.
func teamOffice(t testing.TB, wide int) string {
	t.Helper()
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	feb := time.Date(2026, 2, 10, 4, 0, 0, 0, time.UTC)
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		for _, r := range []member.Registration{
			{Code: "ROOT1", Name: "Root", Phone: "+8613800000001", JoinedAt: feb.AddDate(0, -1, 0)},
			{Code: "AAA", Name: "王芳", Phone: "+8613800000002", Sponsor: "ROOT1", Placement: "ROOT1", Side: "L", JoinedAt: feb},
			{Code: "ZZZ", Name: "Zed", Phone: "+8613800000003", Sponsor: "ROOT1", Placement: "ROOT1", Side: "R", JoinedAt: feb},
			{Code: "AAA1", Name: "李雷", Phone: "+8613800000004", Sponsor: "AAA", Placement: "AAA", Side: "L", JoinedAt: feb.AddDate(0, 0, 1)},
			{Code: "AAA2", Name: "韩梅梅", Phone: "+8613800000005", Sponsor: "AAA", Placement: "AAA", Side: "R", JoinedAt: feb.AddDate(0, 0, 2)},
			{Code: "AAA3", Name: "张伟", Phone: "+8613800000006", Sponsor: "AAA", Placement: "AAA1", Side: "L", JoinedAt: feb.AddDate(0, 0, 3)},
			{Code: "AAA11", Name: "王小明", Phone: "+8613800000007", Sponsor: "AAA1", Placement: "AAA1", Side: "R", JoinedAt: feb.AddDate(0, 0, 4)},
			{Code: "AAA4", Name: "刘洋", Phone: "+8613800000008", Sponsor: "AAA", Placement: "AAA3", Side: "L", JoinedAt: time.Date(2026, 3, 5, 4, 0, 0, 0, time.UTC)},
			{Code: "AAA5", Name: "陈静", Phone: "+8613800000009", Sponsor: "AAA", Placement: "AAA2", Side: "L", JoinedAt: time.Date(2026, 4, 2, 4, 0, 0, 0, time.UTC)},
		} {
			r.By = "test"
			if _, err := member.Register(ctx, tx, r); err != nil {
				return fmt.Errorf("register %s: %w", r.Code, err)
			}
		}
		for i := range wide {
			if _, err := member.Register(ctx, tx, member.Registration{Code: fmt.Sprintf("W%03d", i), Name: fmt.Sprintf("Wide %d", i),
				Phone: fmt.Sprintf("+86139%08d", i), Sponsor: "AAA3", JoinedAt: feb.AddDate(0, 0, 5), By: "test"}); err != nil {
				return err
			}
		}
		_, err := user.Create(ctx, tx, user.New{Login: "wangfang", Password: password, Role: user.Member, Member: "AAA"})
		return err
	})
	// Orders paid and confirmed in March 2026, under a clock stopped then.
	for i, o := range []struct {
		member string
		qty    int64
	}{{"AAA1", 2}, {"AAA3", 1}} {
		at := time.Date(2026, 3, 10+i, 4, 0, 0, 0, time.UTC)
		ctx := clock.With(context.Background(), clock.Fixed(at))
		err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
			placed, err := order.Place(ctx, tx, order.Request{Key: fmt.Sprintf("order%d", i), Kind: order.Repeat, Member: o.member,
				Lines: []order.LineRequest{{SKU: "VC-100", Qty: o.qty}}, By: "test"})
			if err != nil {
				return err
			}
			p, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: fmt.Sprintf("pay%d", i), Order: placed.No, Method: order.BankTransfer, Amount: placed.Total, By: "test"})
			if err != nil {
				return err
			}
			_, err = order.ConfirmPayment(ctx, tx, order.Decision{Key: fmt.Sprintf("confirm%d", i), Payment: p.No, By: "test"})
			return err
		})
		if err != nil {
			t.Fatalf("order of %s: %v", o.member, err)
		}
	}
	store := memory.New()
	if err := projection.Sync(context.Background(), db, store, nil); err != nil {
		t.Fatal(err)
	}
	settleMarch(t, db, store)
	srv := &api.Server{DB: db, Graph: store, Feed: &projection.Feed{DB: db, Store: store}, UI: web.Handler()}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL
}

// ladder is a small plan: everyone is a Member; Bronze needs PV 50 and
// GV 100.
const ladder = `
name: Ladder
currency: CNY
scale: 2
active_pv: 10
ranks:
  - name: Member
  - name: Bronze
    pv: 50
    gv: 100
  - name: Silver
    pv: 50
    gv: 300
bonuses:
  binary: {pct: 10}
`

// settleMarch runs and approves March 2026 under the ladder: AAA1 (PV 100,
// GV 100) is Bronze, everyone else a Member.
func settleMarch(t testing.TB, db *ledger.DB, store *memory.Store) {
	t.Helper()
	loc, err := ledger.CompanyZone()
	if err != nil {
		t.Fatal(err)
	}
	uploaded := clock.With(context.Background(), clock.Fixed(time.Date(2026, 2, 20, 0, 0, 0, 0, loc)))
	if err := db.Transact(uploaded, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := period.UploadPlan(uploaded, tx, []byte(ladder), time.Date(2026, 3, 1, 0, 0, 0, 0, loc), "finance")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	settled := clock.With(context.Background(), clock.Fixed(time.Date(2026, 4, 2, 9, 0, 0, 0, loc)))
	if _, err := period.Ensure(settled, db, "2026-03", loc, time.Time{}, "finance"); err != nil {
		t.Fatal(err)
	}
	if _, err := (&period.Runner{DB: db, Graph: store}).Run(settled, "2026-03", "finance"); err != nil {
		t.Fatal(err)
	}
	if _, err := period.Approve(settled, db, "2026-03", "finance2", "checked"); err != nil {
		t.Fatal(err)
	}
}

// rows are the codes the accessible tree lists, in order, with marks: "*"
// after a highlighted one.
func rows(t *testing.T, ctx context.Context) string {
	t.Helper()
	return eval[string](t, ctx, `[...document.querySelectorAll('#x-tree [role=treeitem]')]
		.map(r => (r.dataset.code || 'more') + (r.classList.contains('on') ? '*' : '')).join(' ')`)
}

// wantRows waits until the accessible tree lists want.
func wantRows(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.PollFunction[chromedp.Void](`(want) => [...document.querySelectorAll('#x-tree [role=treeitem]')]
		.map(r => (r.dataset.code || 'more') + (r.classList.contains('on') ? '*' : '')).join(' ') === want`,
		chromedp.WithPollingArgs(want), chromedp.WithPollingTimeout(0)))
	if err != nil {
		t.Fatalf("the team list never showed %q: it shows %q", want, rows(t, context.WithoutCancel(ctx)))
	}
}

// wantAddress waits until the page's address (path and query) is want.
func wantAddress(t *testing.T, ctx context.Context, want string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.PollFunction[chromedp.Void](`(want) => location.pathname + location.search === want`,
		chromedp.WithPollingArgs(want), chromedp.WithPollingTimeout(0)))
	if err != nil {
		t.Fatalf("the address never became %s: it is %s", want, eval[string](t, context.WithoutCancel(ctx), `location.pathname + location.search`))
	}
}

// tapNode clicks the canvas where it draws the member code, after fitting
// the tree to the screen when the node is out of sight.
func tapNode(t *testing.T, ctx context.Context, code string) {
	t.Helper()
	if !onCanvas(t, ctx, code) {
		run(t, ctx, "fit to screen", click("#x-fit"))
	}
	p := eval[map[string]float64](t, ctx, fmt.Sprintf(`window.__explorer.at(%q)`, code))
	if p == nil {
		t.Fatalf("the canvas does not draw %s", code)
	}
	run(t, ctx, "tap "+code, chromedp.MouseClickXY(p["x"], p["y"]))
}

// onCanvas reports whether the canvas shows code's node inside its bounds.
func onCanvas(t *testing.T, ctx context.Context, code string) bool {
	t.Helper()
	return eval[bool](t, ctx, fmt.Sprintf(`(() => {
		const p = window.__explorer.at(%q), r = document.querySelector('#x-canvas').getBoundingClientRect();
		return !!p && p.x > r.left && p.x < r.right && p.y > r.top && p.y < r.bottom;
	})()`, code))
}

// downloads lets the browser save files to a temporary folder and answers it.
func downloads(t *testing.T, ctx context.Context) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := chromedp.Call(ctx, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
		Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir}); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	return dir
}

// downloaded waits for the file name in dir and answers its content.
func downloaded(t *testing.T, ctx context.Context, dir, name string) []byte {
	t.Helper()
	for {
		if b, err := os.ReadFile(filepath.Join(dir, name)); err == nil && len(b) > 0 {
			return b
		}
		select {
		case <-ctx.Done():
			entries, _ := os.ReadDir(dir)
			t.Fatalf("%s was never downloaded; the folder holds %v", name, entries)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// The explorer in English on a desktop: the sponsor tree from oneself
// after a signed-out deep link, a node expanded in the list, one tapped on
// the canvas, the list's keyboard.
func TestExplorerEnglish(t *testing.T) {
	requireBrowser(t)
	url := teamOffice(t, 0)
	ctx := browser(t, "en-US")

	// Signed out, the address is kept through the sign-in.
	run(t, ctx, "open the explorer", chromedp.Navigate(url+"/app/team"), desktop())
	wantText(t, ctx, "main.signin h1", "Sign in to the member office")
	run(t, ctx, "sign in", signIn("wangfang", password))
	wantText(t, ctx, "#nav-team", "Team")
	if eval[string](t, ctx, `document.querySelector('#nav-team').getAttribute('aria-current')`) != "page" {
		t.Errorf("the Team entry of the nav is not the current page")
	}
	wantAddress(t, ctx, "/app/team")

	// The sponsor tree, its first level open; the root's card.
	wantRows(t, ctx, "AAA AAA1 AAA2 AAA3 AAA4 AAA5")
	wantText(t, ctx, `#x-card[data-code="AAA"] [data-figure="team"] dd`, "6 · Active 6")
	wantText(t, ctx, `#x-card[data-code="AAA"] .x-name`, "王芳")
	wantText(t, ctx, `#x-card[data-code="AAA"] [data-figure="joined"] dd`, "Feb 10, 2026")
	if n := eval[int](t, ctx, `window.__explorer.visible()`); n != 6 {
		t.Errorf("window.__explorer.visible() = %d, want 6", n)
	}
	// The measurement hooks: the root's first paint, what the canvas drew.
	run(t, ctx, "wait for the root's paint", chromedp.PollFunction[chromedp.Void](`() => window.__explorer.rootPaintAt > 0`,
		chromedp.WithPollingTimeout(0)))
	if n := eval[int](t, ctx, `window.__explorer.drawn()`); n != 6 {
		t.Errorf("window.__explorer.drawn() = %d, want the 6 nodes in view", n)
	}
	if s := eval[string](t, ctx, `document.querySelector('#x-node-AAA1').getAttribute('aria-expanded')`); s != "false" {
		t.Errorf("AAA1 (one below it) has aria-expanded %q, want false", s)
	}
	screenshot(t, ctx, "explorer-sponsor-desktop-en")

	// Expanding AAA1 in the list fetches its level.
	run(t, ctx, "expand AAA1", click("#x-node-AAA1"))
	wantRows(t, ctx, "AAA AAA1 AAA11 AAA2 AAA3 AAA4 AAA5")
	if s := eval[string](t, ctx, `document.querySelector('#x-node-AAA11').getAttribute('aria-level')`); s != "3" {
		t.Errorf("AAA11 has aria-level %q, want 3", s)
	}
	run(t, ctx, "wait for the expand's paint", chromedp.PollFunction[chromedp.Void](`() => window.__explorer.expandMs > 0`,
		chromedp.WithPollingTimeout(0)))
	// A tap on the canvas shows that member's card.
	tapNode(t, ctx, "AAA2")
	wantText(t, ctx, `#x-card[data-code="AAA2"] .x-name`, "韩梅梅")
	// The keyboard in the list: End goes to the last row, Home to the first.
	run(t, ctx, "focus the list", chromedp.Focus(chromedp.CSS("#x-tree")), chromedp.KeyEvent(kb.End))
	wantText(t, ctx, `#x-card[data-code="AAA5"] .x-name`, "陈静")
	run(t, ctx, "home", chromedp.KeyEvent(kb.Home))
	wantText(t, ctx, `#x-card[data-code="AAA"] .x-name`, "王芳")
	run(t, ctx, "down to AAA1 and collapse it", chromedp.KeyEvent(kb.ArrowDown), chromedp.KeyEvent(kb.Enter))
	wantRows(t, ctx, "AAA AAA1 AAA2 AAA3 AAA4 AAA5")
	if s := eval[string](t, ctx, `document.querySelector('#x-tree').getAttribute('aria-activedescendant')`); s != "x-node-AAA1" {
		t.Errorf("the list's active row is %q, want x-node-AAA1", s)
	}
	run(t, ctx, "expand it with the right arrow", chromedp.KeyEvent(kb.ArrowRight))
	wantRows(t, ctx, "AAA AAA1 AAA11 AAA2 AAA3 AAA4 AAA5")
}

// The placement tree in English on a desktop: spillovers marked, the bottom
// of the left leg, a search that opens the path to its match, re-rooting
// and back by the breadcrumbs.
func TestExplorerPlacement(t *testing.T) {
	requireBrowser(t)
	url := teamOffice(t, 0)
	ctx := browser(t, "en-US")
	run(t, ctx, "open the explorer", chromedp.Navigate(url+"/app/team"), desktop(), signIn("wangfang", password))
	wantRows(t, ctx, "AAA AAA1 AAA2 AAA3 AAA4 AAA5")

	// The placement tree: left then right, spillovers marked.
	run(t, ctx, "placement tree", click("#x-tree-placement"))
	wantAddress(t, ctx, "/app/team?tree=placement")
	wantRows(t, ctx, "AAA AAA1 AAA2")
	wantText(t, ctx, `#x-card[data-code="AAA"] [data-figure="team"] dd`, "6 · Active 6")
	run(t, ctx, "bottom of the left leg", click("#x-leg-L"))
	wantRows(t, ctx, "AAA* AAA1* AAA3* AAA4* AAA11 AAA2")
	wantText(t, ctx, `#x-card[data-code="AAA4"] [data-figure="status"] dd`, "spillover")
	if !onCanvas(t, ctx, "AAA4") {
		t.Errorf("after the jump to the bottom of the left leg, AAA4 is not on the canvas")
	}
	screenshot(t, ctx, "explorer-placement-leg-end-desktop-en")

	// A search by name opens the path to the match and centres it.
	run(t, ctx, "collapse AAA1", click("#x-node-AAA1"))
	wantRows(t, ctx, "AAA* AAA1* AAA2")
	run(t, ctx, "search", chromedp.SendKeys(chromedp.CSS("#x-q"), "陈"))
	wantText(t, ctx, "#x-found", "AAA5")
	run(t, ctx, "pick AAA5", click(`#x-found [data-code="AAA5"]`))
	wantRows(t, ctx, "AAA* AAA1 AAA2* AAA5*")
	wantText(t, ctx, `#x-card[data-code="AAA5"] .x-name`, "陈静")
	if !onCanvas(t, ctx, "AAA5") {
		t.Errorf("the member found, AAA5, is not on the canvas")
	}
	screenshot(t, ctx, "explorer-search-desktop-en")

	// Re-rooted on AAA2, the breadcrumbs go back up to oneself, not above.
	tapNode(t, ctx, "AAA2")
	wantText(t, ctx, `#x-card[data-code="AAA2"] .x-name`, "韩梅梅")
	run(t, ctx, "re-root", click("#x-reroot"))
	wantAddress(t, ctx, "/app/team/AAA2?tree=placement")
	wantRows(t, ctx, "AAA2 AAA5")
	wantText(t, ctx, "#x-crumbs [aria-current]", "AAA2")
	if s := eval[string](t, ctx, `[...document.querySelectorAll('#x-crumbs li')].map(l => l.textContent).join(' ')`); s != "AAA AAA2" {
		t.Errorf("the breadcrumbs read %q, want \"AAA AAA2\" (from oneself, never above)", s)
	}
	screenshot(t, ctx, "explorer-rerooted-desktop-en")
	run(t, ctx, "back to oneself", click(`#x-crumbs a`))
	wantAddress(t, ctx, "/app/team?tree=placement")
	wantRows(t, ctx, "AAA AAA1 AAA2")

	// From a deep link to AAA2, a member found outside AAA2's team is shown
	// from oneself.
	run(t, ctx, "deep link to AAA2", chromedp.Navigate(url+"/app/team/AAA2?tree=placement"))
	wantRows(t, ctx, "AAA2 AAA5")
	run(t, ctx, "search", chromedp.SendKeys(chromedp.CSS("#x-q"), "王小明"))
	wantText(t, ctx, "#x-found", "AAA11")
	run(t, ctx, "pick AAA11", click(`#x-found [data-code="AAA11"]`))
	wantAddress(t, ctx, "/app/team?tree=placement")
	wantRows(t, ctx, "AAA* AAA1* AAA3 AAA11* AAA2")
	wantText(t, ctx, `#x-card[data-code="AAA11"] .x-name`, "王小明")

	// The period selector reloads the tree as it stood then.
	// Chosen and told in one step, as a user's choice is.
	run(t, ctx, "choose March 2026", chromedp.Evaluate[chromedp.Void](`(() => {
		const el = document.querySelector('#x-period');
		el.value = '2026-03';
		el.dispatchEvent(new Event('change', {bubbles: true}));
	})()`))
	wantAddress(t, ctx, "/app/team?tree=placement&period=2026-03")
	wantText(t, ctx, `#x-card[data-code="AAA"] [data-figure="left-gv"] dd`, "150.00")
	wantText(t, ctx, `#x-card[data-code="AAA"] [data-figure="team"] dd`, "5 · Active 5")
}

// A past month in English: March 2026 as it stood then (AAA5 had not
// joined, AAA4 was new) with the month's volumes, exported as CSV; another
// team's member not found; the phone.
func TestExplorerPastPeriod(t *testing.T) {
	requireBrowser(t)
	url := teamOffice(t, 0)
	ctx := browser(t, "en-US")
	run(t, ctx, "open March 2026", chromedp.Navigate(url+"/app/team?period=2026-03"), desktop(), signIn("wangfang", password))
	wantRows(t, ctx, "AAA AAA1 AAA2 AAA3 AAA4")
	wantText(t, ctx, `#x-card[data-code="AAA"] [data-figure="gv"] dd`, "150.00")
	wantText(t, ctx, "#x-asof", "cut-off (end of Mar 31, 2026)")
	wantText(t, ctx, "#x-period option:checked", "March 2026")
	run(t, ctx, "expand AAA1", click("#x-node-AAA1"))
	wantRows(t, ctx, "AAA AAA1 AAA11 AAA2 AAA3 AAA4")
	tapNode(t, ctx, "AAA4")
	wantText(t, ctx, `#x-card[data-code="AAA4"] [data-figure="status"] dd`, "new this period")
	tapNode(t, ctx, "AAA1")
	wantText(t, ctx, `#x-card[data-code="AAA1"] [data-figure="rank"] dd`, "Bronze")
	wantText(t, ctx, "#x-node-AAA1 .x-rank", "Bronze")
	wantText(t, ctx, "#x-legend", "Member")
	wantText(t, ctx, "#x-legend", "Silver")
	wantText(t, ctx, `#x-card[data-code="AAA1"] [data-figure="pv"] dd`, "100.00")
	wantText(t, ctx, `#x-card[data-code="AAA1"] [data-figure="gv"] dd`, "100.00")
	screenshot(t, ctx, "explorer-march-desktop-en")

	// The visible subtree as CSV, with a byte order mark for Excel.
	dir := downloads(t, ctx)
	run(t, ctx, "export CSV", click("#x-csv"))
	got := string(downloaded(t, ctx, dir, "team-AAA-sponsor-2026-03.csv"))
	want := "\ufeffcode,name,parent,depth,rank,status,pv,gv,left_gv,right_gv,team,active\r\n" +
		"AAA,王芳,,0,"
	if !strings.HasPrefix(got, want) {
		t.Errorf("the CSV starts %q, want %q", got[:min(len(got), 120)], want)
	}
	lines := strings.Split(strings.TrimSpace(got), "\r\n")
	if len(lines) != 7 {
		t.Errorf("the CSV has %d lines, want a header and 6 members:\n%s", len(lines), got)
	}
	for _, prefix := range []string{"AAA1,李雷,AAA,1,", "AAA11,王小明,AAA1,2,", "AAA3,张伟,AAA,1,", "AAA4,刘洋,AAA,1,"} {
		if !strings.Contains(got, "\r\n"+prefix) {
			t.Errorf("the CSV has no line starting %q:\n%s", prefix, got)
		}
	}
	for _, l := range lines {
		f := strings.Split(l, ",")
		if f[0] == "AAA1" && (f[4] != "Bronze" || f[5] != "active" || f[6] != "100.00" || f[7] != "100.00" || f[10] != "1" || f[11] != "1") {
			t.Errorf("AAA1's CSV line is %q, want Bronze, active, PV and GV 100.00, team 1 with 1 active", l)
		}
	}

	// The picture of it.
	run(t, ctx, "export PNG", click("#x-png"))
	if b := downloaded(t, ctx, dir, "team-AAA-sponsor-2026-03.png"); !strings.HasPrefix(string(b), "\x89PNG\r\n") || len(b) < 2000 {
		t.Errorf("the PNG export is %d bytes starting %q, want a PNG picture", len(b), b[:min(8, len(b))])
	}

	// A member outside one's team is not found, as the API answers.
	run(t, ctx, "another team", chromedp.Navigate(url+"/app/team/ZZZ?tree=placement"))
	wantText(t, ctx, "#notfound h1", "Not found.")

	// The phone: no sideways scroll; the list behind a button.
	run(t, ctx, "phone", phone(), chromedp.Navigate(url+"/app/team?tree=placement"))
	wantText(t, ctx, `#x-card[data-code="AAA"] .x-name`, "王芳")
	noHorizontalScroll(t, ctx, "explorer (en)")
	screenshot(t, ctx, "explorer-placement-phone-en")
	run(t, ctx, "show the list", click("#x-view"))
	wantText(t, ctx, "#x-tree", "李雷")
	noHorizontalScroll(t, ctx, "explorer's list (en)")
	screenshot(t, ctx, "explorer-list-phone-en")
}

// The explorer in Chinese: the placement tree on a phone and a desktop,
// the card's figures and labels in Chinese, a search by code, and another
// team's member not found.
func TestExplorerChinese(t *testing.T) {
	requireBrowser(t)
	url := teamOffice(t, 0)
	ctx := browser(t, "zh-CN")

	run(t, ctx, "open March's placement tree", chromedp.Navigate(url+"/app/team?tree=placement&period=2026-03"), signIn("wangfang", password))
	wantText(t, ctx, "#nav-team", "团队")
	wantText(t, ctx, `#x-card[data-code="AAA"] [data-figure="left-gv"] dd`, "150.00")
	wantText(t, ctx, `#x-card[data-code="AAA"] [data-figure="right-gv"] dd`, "0.00")
	wantText(t, ctx, `#x-card[data-code="AAA"] [data-figure="left-gv"] dt`, "左区业绩")
	wantText(t, ctx, `#x-card[data-code="AAA"] [data-figure="team"] dd`, "5 · 活跃 5")
	wantText(t, ctx, "#x-period option:checked", "2026年3月")
	wantText(t, ctx, "#x-tree-placement", "安置关系")
	wantText(t, ctx, "#x-legend", "滑落")
	noHorizontalScroll(t, ctx, "explorer (zh-CN)")
	screenshot(t, ctx, "explorer-placement-phone-zh")

	run(t, ctx, "search by code", chromedp.SendKeys(chromedp.CSS("#x-q"), "aaa11"))
	wantText(t, ctx, "#x-found", "王小明")
	run(t, ctx, "pick AAA11", click(`#x-found [data-code="AAA11"]`))
	wantText(t, ctx, `#x-card[data-code="AAA11"] .x-name`, "王小明")
	wantText(t, ctx, `#x-card[data-code="AAA11"] [data-figure="status"] dd`, "活跃")
	noHorizontalScroll(t, ctx, "explorer after a search (zh-CN)")
	screenshot(t, ctx, "explorer-search-phone-zh")

	run(t, ctx, "desktop", desktop())
	wantRows(t, ctx, "AAA* AAA1* AAA3 AAA11* AAA2")
	screenshot(t, ctx, "explorer-search-desktop-zh")

	run(t, ctx, "another team", chromedp.Navigate(url+"/app/team/ZZZ"))
	wantText(t, ctx, "#notfound h1", "未找到。")
	run(t, ctx, "phone", phone())
	noHorizontalScroll(t, ctx, "not found (zh-CN)")
}

// Without a canvas the accessible list is the explorer, with the card of
// the member chosen in it.
func TestExplorerWithoutCanvas(t *testing.T) {
	requireBrowser(t)
	url := teamOffice(t, 0)
	ctx := browser(t, "en-US")
	if _, err := chromedp.Call(ctx, page.AddScriptToEvaluateOnNewDocument, page.AddScriptToEvaluateOnNewDocumentParams{
		Source: `HTMLCanvasElement.prototype.getContext = () => null;`}); err != nil {
		t.Fatalf("take the canvas away: %v", err)
	}
	run(t, ctx, "open the explorer", chromedp.Navigate(url+"/app/team"), signIn("wangfang", password))
	wantRows(t, ctx, "AAA AAA1 AAA2 AAA3 AAA4 AAA5")
	if n := eval[int](t, ctx, `document.querySelectorAll('#x-canvas, #x-view, #x-png').length`); n != 0 {
		t.Errorf("without a canvas the page still has %d of the canvas, its toggle and its PNG export", n)
	}
	run(t, ctx, "open AAA1", click("#x-node-AAA1"))
	wantRows(t, ctx, "AAA AAA1 AAA11 AAA2 AAA3 AAA4 AAA5")
	wantText(t, ctx, `#x-card[data-code="AAA1"] [data-figure="team"] dd`, "1 · Active 1")
	noHorizontalScroll(t, ctx, "explorer without a canvas")
	screenshot(t, ctx, "explorer-no-canvas-phone-en")
}

// A frontline wider than a page of children ends in a "more" node that
// fetches the next page in its place.
func TestExplorerWideFrontline(t *testing.T) {
	requireBrowser(t)
	url := teamOffice(t, 205)
	ctx := browser(t, "en-US")
	run(t, ctx, "open AAA3's team", chromedp.Navigate(url+"/app/team/AAA3"), desktop(), signIn("wangfang", password))
	wantText(t, ctx, `#x-card[data-code="AAA3"] [data-figure="team"] dd`, "205 · Active 205")
	// The root, the first 200 and the "more" node.
	run(t, ctx, "wait for the first page", chromedp.PollFunction[chromedp.Void](`() => window.__explorer.visible() === 202`,
		chromedp.WithPollingTimeout(0)))
	run(t, ctx, "to the last row", chromedp.Focus(chromedp.CSS("#x-tree")), chromedp.KeyEvent(kb.End))
	wantText(t, ctx, "#x-more-AAA3", "More…")
	screenshot(t, ctx, "explorer-wide-more-desktop-en")
	run(t, ctx, "fetch the rest", chromedp.KeyEvent(kb.Enter))
	run(t, ctx, "wait for the second page", chromedp.PollFunction[chromedp.Void](`() => window.__explorer.visible() === 206`,
		chromedp.WithPollingTimeout(0)))
	run(t, ctx, "to the last row", chromedp.KeyEvent(kb.End))
	wantText(t, ctx, "#x-node-W204", "Wide 204")
	if n := eval[int](t, ctx, `document.querySelectorAll('#x-tree [role=treeitem]').length`); n > 60 {
		t.Errorf("the list puts %d of its 206 rows in the page, want only those in sight", n)
	}
}

// Panning with the mouse, zooming with the wheel and with two fingers,
// fitting to the screen: the nodes move on the canvas as asked.
func TestExplorerPanAndZoom(t *testing.T) {
	requireBrowser(t)
	url := teamOffice(t, 0)
	ctx := browser(t, "en-US")
	run(t, ctx, "open the explorer", chromedp.Navigate(url+"/app/team"), desktop(), signIn("wangfang", password))
	wantRows(t, ctx, "AAA AAA1 AAA2 AAA3 AAA4 AAA5")
	at := func(code string) (x, y float64) {
		p := eval[map[string]float64](t, ctx, fmt.Sprintf(`window.__explorer.at(%q)`, code))
		return p["x"], p["y"]
	}
	gap := func() float64 {
		x1, _ := at("AAA1")
		x2, _ := at("AAA2")
		return x2 - x1
	}
	centre := eval[map[string]float64](t, ctx, `(() => { const r = document.querySelector('#x-canvas').getBoundingClientRect();
		return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()`)
	cx, cy := centre["x"], centre["y"]

	// The mouse drags the tree 120 px right and 40 px down.
	x0, y0 := at("AAA")
	run(t, ctx, "drag", chromedp.MouseEvent(input.DispatchMouseEventTypeMousePressed, cx, cy, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, cx+60, cy+20, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseMoved, cx+120, cy+40, chromedp.ButtonLeft),
		chromedp.MouseEvent(input.DispatchMouseEventTypeMouseReleased, cx+120, cy+40, chromedp.ButtonLeft))
	if x1, y1 := at("AAA"); math.Abs(x1-x0-120) > 2 || math.Abs(y1-y0-40) > 2 {
		t.Errorf("a drag of (120, 40) moved AAA from (%.0f, %.0f) to (%.0f, %.0f)", x0, y0, x1, y1)
	}

	// The wheel zooms in around the pointer.
	g0 := gap()
	// (A wheel event of the page's own: the protocol's mouseWheel wants a
	// deltaX its encoder leaves out when 0.)
	run(t, ctx, "wheel", chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`document.querySelector('#x-canvas').dispatchEvent(
		new WheelEvent('wheel', {deltaY: -300, clientX: %f, clientY: %f, bubbles: true, cancelable: true}))`, cx, cy)))
	if g1 := gap(); g1 < g0*1.3 {
		t.Errorf("zooming in with the wheel took AAA1 and AAA2 from %.0f to %.0f px apart, want wider", g0, g1)
	}

	// Fit brings the whole tree back into view.
	run(t, ctx, "fit", click("#x-fit"))
	for _, c := range []string{"AAA", "AAA1", "AAA5"} {
		if !onCanvas(t, ctx, c) {
			t.Errorf("after fitting to the screen %s is not on the canvas", c)
		}
	}

	// Two fingers spread apart zoom in.
	g0 = gap()
	touch := func(typ input.DispatchTouchEventType, spread float64) chromedp.Action[chromedp.Void] {
		id0, id1 := 1.0, 2.0
		var points []*input.TouchPoint
		if typ != input.DispatchTouchEventTypeTouchEnd {
			points = []*input.TouchPoint{{X: cx - spread, Y: cy, ID: &id0}, {X: cx + spread, Y: cy, ID: &id1}}
		}
		return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			_, err := cdp.Call(ctx, tg, input.DispatchTouchEvent, input.DispatchTouchEventParams{Type: typ, TouchPoints: points})
			return err
		})
	}
	run(t, ctx, "pinch", touch(input.DispatchTouchEventTypeTouchStart, 40), touch(input.DispatchTouchEventTypeTouchMove, 60), touch(input.DispatchTouchEventTypeTouchMove, 90), touch(input.DispatchTouchEventTypeTouchMove, 120),
		touch(input.DispatchTouchEventTypeTouchEnd, 0))
	if g1 := gap(); g1 < g0*2 {
		t.Errorf("spreading two fingers from 80 to 240 px took AAA1 and AAA2 from %.0f to %.0f px apart, want about 3 times", g0, g1)
	}
	screenshot(t, ctx, "explorer-zoomed-desktop-en")
}
