package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"downline/api"
	"downline/api/explorer"
	"downline/graphstore/memory"
	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/ledger/order"
	"downline/ledger/user"
	"downline/projection"
	"downline/web"
)

// The browser tests drive Debian's chromium (headless; chromedp adds
// --no-sandbox when run as root) against the real router in an httptest
// server, on a database of their own. Screenshots are kept under
// .data/artefacts/web of the repository (git-ignored).

const password = "correct horse battery"

// artefacts is where the screenshots go: .data/ of the repository, which
// git ignores.
var artefacts = filepath.Join("..", ".data", "artefacts", "web")

// office is a small company: ROOT1 sponsors 王芳 (AAA), who sponsors AAA1
// and AAA2; 王芳 has the member login wangfang and one order of 12 × VC-100
// (1,200.00).
type office struct {
	url     string
	orderNo string
	db      *ledger.DB
	store   *memory.Store
}

// joined is 王芳's join date: noon in Shanghai, the same calendar day in
// every time zone the browser might run in.
var joined = time.Date(2026, 3, 15, 4, 0, 0, 0, time.UTC)

func newOffice(t *testing.T) office {
	t.Helper()
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		for _, r := range []member.Registration{
			{Code: "ROOT1", Name: "Root", Phone: "+8613800000001"},
			{Code: "AAA", Name: "王芳", Phone: "+8613800000002", Sponsor: "ROOT1", JoinedAt: joined},
			{Code: "AAA1", Name: "李雷", Phone: "+8613800000004", Sponsor: "AAA"},
			{Code: "AAA2", Name: "韩梅梅", Phone: "+8613800000005", Sponsor: "AAA"},
		} {
			r.By = "test"
			if _, err := member.Register(ctx, tx, r); err != nil {
				return err
			}
		}
		_, err := user.Create(ctx, tx, user.New{Login: "wangfang", Password: password, Role: user.Member, Member: "AAA"})
		return err
	})
	var o order.Order
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) (err error) {
		o, err = order.Place(ctx, tx, order.Request{Key: "o1", Kind: order.Repeat, Member: "AAA",
			Lines: []order.LineRequest{{SKU: "VC-100", Qty: 12}}, By: "test"})
		return err
	})
	url, store := serveLedger(t, db)
	return office{url: url, orderNo: o.No, db: db, store: store}
}

// serveLedger serves the API and the UI of db, its graph the embedded
// store synced from it.
func serveLedger(t *testing.T, db *ledger.DB) (string, *memory.Store) {
	t.Helper()
	store := memory.New()
	if err := projection.Sync(context.Background(), db, store, nil); err != nil {
		t.Fatal(err)
	}
	// Every read sees the writes before it, however loaded the machine.
	srv := &api.Server{DB: db, Graph: store, Feed: &projection.Feed{DB: db, Store: store}, UI: web.Handler(),
		Explorer: &explorer.Cache{SyncBelow: time.Hour}}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)
	return ts.URL, store
}

// requireBrowser skips the test when there is no chromium or no built UI,
// unless under CI, where their absence is a failure.
func requireBrowser(t *testing.T) {
	t.Helper()
	missing := ""
	if !web.Built() {
		missing = "the web UI is not built into the test binary (make web)"
	} else if !hasChromium() {
		missing = "chromium is not installed (Debian: apt-get install chromium fonts-noto-cjk; dev/web browser does it as root)"
	}
	if missing != "" {
		missingUnderCI(t, missing)
	}
}

// missingUnderCI skips the test for want of what, or fails it under CI.
func missingUnderCI(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("cannot run under CI: %s", what)
	}
	t.Skipf("skipped: %s", what)
}

func hasChromium() bool {
	for _, b := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if _, err := exec.LookPath(b); err == nil {
			return true
		}
	}
	return false
}

// browser starts a headless chromium whose preferred language is lang, in
// Shanghai's time zone, on a phone-sized viewport, and returns its context.
func browser(t testing.TB, lang string, flags ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	os.Remove(filepath.Join(artefacts, "failed-"+t.Name()+".png")) // of an earlier run
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.Flag("lang", lang),
		chromedp.Flag("accept-lang", lang),
		chromedp.WindowSize(360, 800),
	)
	opts = append(opts, flags...)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	// The first call starts the browser, whose life is bound to its context:
	// no timeout on that one.
	run(t, ctx, "start chromium", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		if _, err := cdp.Call(ctx, tg, emulation.SetLocaleOverride, emulation.SetLocaleOverrideParams{Locale: lang}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, tg, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Shanghai"})
		return err
	}), phone())
	// Then a guard against a hung browser for the rest, not a measurement.
	ctx, cancel = context.WithTimeout(ctx, browserGuard)
	t.Cleanup(cancel)
	return ctx
}

// browserGuard bounds a browser's life after its start (benchmarks take longer).
var browserGuard = time.Minute

func phone() chromedp.Action[chromedp.Void] {
	return chromedp.EmulateViewport(360, 800, chromedp.EmulateScale(2))
}

func desktop() chromedp.Action[chromedp.Void] { return chromedp.EmulateViewport(1280, 900) }

func run(t testing.TB, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

func eval[T any](t testing.TB, ctx context.Context, expr string, opts ...chromedp.EvaluateOption) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, opts...))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// wantText waits until the element sel shows text containing want. The
// page renders after the answers it waits for, so the test waits for what
// it expects to see rather than reading the page at once; the context's
// deadline ends a wait that would never end.
func wantText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	_, err := chromedp.Run(ctx, chromedp.PollFunction[chromedp.Void](
		`(sel, want) => { const el = document.querySelector(sel); return !!el && el.innerText.includes(want); }`,
		chromedp.WithPollingArgs(sel, want), chromedp.WithPollingTimeout(0)))
	if err == nil {
		return
	}
	// What the page showed instead, for the one who reads the failure.
	after := context.WithoutCancel(ctx)
	if png, err := chromedp.Run(after, chromedp.CaptureScreenshot()); err == nil {
		save(t, "failed-"+t.Name(), png)
	}
	got, _ := chromedp.Run(after, chromedp.Evaluate[string](fmt.Sprintf(
		`(document.querySelector(%q) || {innerText: '(no such element)'}).innerText`, sel)))
	body, _ := chromedp.Run(after, chromedp.Evaluate[string](`document.body.innerText`))
	t.Fatalf("%s never showed %q (%v): it shows %q; the page says:\n%s", sel, want, err, got, body)
}

func click(sel string) chromedp.Action[chromedp.Void] { return chromedp.Click(chromedp.CSS(sel)) }

// dropFirstAnswer makes the browser lose the first answer to a request
// matching pattern once the server has sent it (a connection reset);
// later ones pass.
func dropFirstAnswer(t *testing.T, ctx context.Context, pattern string) {
	t.Helper()
	paused := make(chan *fetch.EventRequestPaused, 8)
	if err := chromedp.Listen(ctx, func(ev any) {
		if e, ok := ev.(*fetch.EventRequestPaused); ok {
			paused <- e
		}
	}); err != nil {
		t.Fatal(err)
	}
	go func() {
		for i := 0; ; i++ {
			select {
			case <-ctx.Done():
				return
			case e := <-paused:
				if i == 0 {
					chromedp.Call(ctx, fetch.FailRequest, fetch.FailRequestParams{RequestID: e.RequestID, ErrorReason: network.ErrorReasonConnectionReset})
				} else {
					chromedp.Call(ctx, fetch.ContinueRequest, fetch.ContinueRequestParams{RequestID: e.RequestID})
				}
			}
		}
	}()
	if _, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{Patterns: []*fetch.RequestPattern{
		{URLPattern: pattern, RequestStage: fetch.RequestStageResponse}}}); err != nil {
		t.Fatal(err)
	}
}

// signIn fills the form and submits it.
func signIn(login, pw string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS("#login")),
		// Emptied as a user would: the app hears the input event.
		// (chromedp.Clear resets the value attribute, not what was typed.)
		chromedp.Evaluate[chromedp.Void](`for (const id of ['login', 'password']) {
			const el = document.getElementById(id);
			el.value = '';
			el.dispatchEvent(new Event('input', {bubbles: true}));
		}`),
		chromedp.SendKeys(chromedp.CSS("#login"), login),
		chromedp.SendKeys(chromedp.CSS("#password"), pw),
		click(`button[type="submit"]`),
	)
}

// noHorizontalScroll checks the page fits the phone's 360 px.
func noHorizontalScroll(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("%s scrolls sideways at 360 px: the page is %d px wide", page, w)
	}
}

func screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	save(t, name, png)
}

// save keeps a screenshot under .data/artefacts/web.
func save(t testing.TB, name string, png []byte) {
	t.Helper()
	if err := os.MkdirAll(artefacts, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(artefacts, strings.ReplaceAll(name, "/", "-")+".png") // a subtest's name has a slash
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(path)
	t.Logf("screenshot: %s", abs)
}

// status is what the page's own fetch of the API answers now: the session
// as the server sees it, not as the UI shows it.
func status(t *testing.T, ctx context.Context, path string) int {
	t.Helper()
	return eval[int](t, ctx, fmt.Sprintf(`fetch(%q).then(r => r.status)`, path), chromedp.EvalAwaitPromise)
}

// English first (the browser's language), a wrong password, the member's
// home on a phone and a desktop, a switch to Chinese that a reload keeps,
// sign-out.
func TestMemberOfficeEnglish(t *testing.T) {
	requireBrowser(t)
	o := newOffice(t)
	ctx := browser(t, "en-US")

	run(t, ctx, "open /app/", chromedp.Navigate(o.url+"/app/"))
	wantText(t, ctx, "main.signin h1", "Sign in to the member office")
	noHorizontalScroll(t, ctx, "sign-in (en)")

	run(t, ctx, "submit an empty form", click(`button[type="submit"]`))
	wantText(t, ctx, "#login-error", "Enter your login.")
	wantText(t, ctx, "#password-error", "Enter your password.")

	run(t, ctx, "sign in with a wrong password", signIn("wangfang", "not the password"))
	wantText(t, ctx, "#password-error", "Wrong login or password.")
	if eval[int](t, ctx, `document.querySelectorAll('#login-error').length`) != 0 {
		t.Errorf("a wrong password marks the login field too")
	}
	screenshot(t, ctx, "signin-wrong-password-en")

	run(t, ctx, "sign in", signIn("wangfang", password))
	wantText(t, ctx, "#profile h1", "Hello, 王芳")
	wantText(t, ctx, `[data-figure="code"] dd`, "AAA")
	wantText(t, ctx, `[data-figure="joined"] dd`, "Mar 15, 2026")
	wantText(t, ctx, `[data-figure="status"] dd`, "active")
	wantText(t, ctx, `#money [data-figure="wallet"] dd`, "0.00")
	wantText(t, ctx, `#money [data-figure="bonus-payable"] dd`, "0.00")
	wantText(t, ctx, fmt.Sprintf(`[data-order=%q] .order-total`, o.orderNo), "1,200.00")
	wantText(t, ctx, fmt.Sprintf(`[data-order=%q] .badge`, o.orderNo), "placed")
	wantText(t, ctx, fmt.Sprintf(`[data-order=%q] .order-pv`, o.orderNo), "600.00 PV")
	wantText(t, ctx, `#team-sponsor .legs`, "AAA1")
	wantText(t, ctx, `#team-sponsor .legs`, "AAA2")
	wantText(t, ctx, `#statement .empty`, "No approved statement for")
	noHorizontalScroll(t, ctx, "home (en)")
	screenshot(t, ctx, "home-phone-en")
	run(t, ctx, "desktop", desktop())
	screenshot(t, ctx, "home-desktop-en")
	run(t, ctx, "phone", phone())

	// The choice of language is kept across a reload.
	run(t, ctx, "switch to Chinese", chromedp.SetValue(chromedp.CSS("#lang"), "zh-CN"), chromedp.Evaluate[chromedp.Void](
		`document.querySelector('#lang').dispatchEvent(new Event('change', {bubbles: true}))`))
	wantText(t, ctx, "#profile h1", "您好，王芳")
	run(t, ctx, "reload", chromedp.Reload())
	wantText(t, ctx, "#profile h1", "您好，王芳")
	wantText(t, ctx, "#signout", "退出登录")

	run(t, ctx, "sign out", click("#signout"))
	wantText(t, ctx, "main.signin h1", "登录会员办公室")
	if s := status(t, ctx, "/api/v1/auth/me"); s != http.StatusUnauthorized {
		t.Errorf("after sign-out the API answers /auth/me with %d, want 401", s)
	}
}

// Chinese first: a signed-out deep link shows the sign-in form and, after
// sign-in, the page it named; the home in Chinese; sign-out.
func TestMemberOfficeChinese(t *testing.T) {
	requireBrowser(t)
	o := newOffice(t)
	ctx := browser(t, "zh-CN")

	run(t, ctx, "open a deep link", chromedp.Navigate(o.url+"/app/no/such/page"))
	wantText(t, ctx, "main.signin h1", "登录会员办公室")
	wantText(t, ctx, `label[for="password"]`, "密码")

	run(t, ctx, "sign in with a wrong password", signIn("wangfang", "错误的密码"))
	wantText(t, ctx, "#password-error", "登录名或密码错误。")
	screenshot(t, ctx, "signin-wrong-password-zh")

	run(t, ctx, "sign in", signIn("wangfang", password))
	wantText(t, ctx, "#notfound h1", "未找到。")
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if want := o.url + "/app/no/such/page"; loc != want {
		t.Errorf("after sign-in the address is %s, want %s", loc, want)
	}
	noHorizontalScroll(t, ctx, "not found (zh-CN)")

	run(t, ctx, "go home", click("#notfound a"))
	wantText(t, ctx, "#profile h1", "您好，王芳")
	wantText(t, ctx, `[data-figure="joined"] dd`, "2026年3月15日")
	wantText(t, ctx, `[data-figure="status"] dd`, "活跃")
	wantText(t, ctx, fmt.Sprintf(`[data-order=%q] .order-total`, o.orderNo), "¥1,200.00")
	wantText(t, ctx, fmt.Sprintf(`[data-order=%q] .badge`, o.orderNo), "已下单")
	wantText(t, ctx, "#statement .empty", "尚无已审批的奖金单")
	noHorizontalScroll(t, ctx, "home (zh-CN)")
	screenshot(t, ctx, "home-phone-zh")
	run(t, ctx, "desktop", desktop())
	screenshot(t, ctx, "home-desktop-zh")
	run(t, ctx, "phone", phone())

	run(t, ctx, "sign out", click("#signout"))
	wantText(t, ctx, "main.signin h1", "登录会员办公室")
	if s := status(t, ctx, "/api/v1/auth/me"); s != http.StatusUnauthorized {
		t.Errorf("after sign-out the API answers /auth/me with %d, want 401", s)
	}
}

// A password changed elsewhere ends the session in the browser too: the
// next answer the page waits for is a 401, and the sign-in form says why.
func TestPasswordChangeEndsTheSession(t *testing.T) {
	requireBrowser(t)
	o := newOffice(t)
	ctx := browser(t, "en-US")
	run(t, ctx, "open /app/", chromedp.Navigate(o.url+"/app/"), signIn("wangfang", password))
	wantText(t, ctx, "#profile h1", "Hello, 王芳")

	// The member changes the password from another device.
	var login struct{ Token string }
	if a := post(t, o.url+"/api/v1/auth/login", "", map[string]string{"login": "wangfang", "password": password}, &login); a.status != 200 {
		t.Fatalf("sign in from elsewhere: %d %s", a.status, a.body)
	}
	const newPassword = "a new password for 2027"
	if a := post(t, o.url+"/api/v1/auth/password", login.Token, map[string]string{"current": password, "new": newPassword}, nil); a.status != 204 {
		t.Fatalf("change the password: %d %s", a.status, a.body)
	}

	// Switching the language fetches the statement again, in Chinese.
	run(t, ctx, "switch to Chinese", chromedp.SetValue(chromedp.CSS("#lang"), "zh-CN"), chromedp.Evaluate[chromedp.Void](
		`document.querySelector('#lang').dispatchEvent(new Event('change', {bubbles: true}))`))
	wantText(t, ctx, "main.signin .notice", "会话已结束，请重新登录。")
	screenshot(t, ctx, "session-ended-zh")
	run(t, ctx, "sign in with the old password", signIn("wangfang", password))
	wantText(t, ctx, "#password-error", "登录名或密码错误。")
	run(t, ctx, "sign in with the new one", signIn("wangfang", newPassword))
	wantText(t, ctx, "#profile h1", "您好，王芳")
}

// setQty types a quantity into the cart line of sku, as a user would.
func setQty(sku string, qty int) chromedp.Action[chromedp.Void] {
	return chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => {
		const el = document.querySelector('#cart [data-sku=%q] input');
		el.value = '%d';
		el.dispatchEvent(new Event('change', {bubbles: true}));
	})()`, sku, qty))
}

// A member in Chinese orders through the cart: the catalogue at member
// prices, a cart that a reload keeps, an order the stock cannot fill
// refused in Chinese with the cart left as it was, then a checkout that
// places the repeat order and pays it online, and the new order in the
// history; an older order awaiting payment paid from the history. The page
// in English and on a desktop for the screenshots.
func TestMemberOrders(t *testing.T) {
	requireBrowser(t)
	o := newOffice(t)
	ctx := browser(t, "zh-CN")

	run(t, ctx, "open the orders page", chromedp.Navigate(o.url+"/app/orders"), signIn("wangfang", password))
	wantText(t, ctx, "#catalogue [data-sku=\"TEA-200\"] .product-price", "¥35.50")
	wantText(t, ctx, "#catalogue [data-sku=\"VC-100\"] .product-name", "产品 VC-100")
	wantText(t, ctx, "#cart .empty", "购物车是空的")
	wantText(t, ctx, fmt.Sprintf(`#history [data-order=%q] .badge`, o.orderNo), "已下单")

	run(t, ctx, "add two teas and a VC-100",
		click(`#catalogue [data-sku="TEA-200"] .add`), click(`#catalogue [data-sku="TEA-200"] .add`),
		click(`#catalogue [data-sku="VC-100"] .add`))
	wantText(t, ctx, "#cart .cart-total", "¥171.00")
	run(t, ctx, "reload", chromedp.Reload())
	wantText(t, ctx, `#cart [data-sku="TEA-200"] .line-total`, "¥71.00")
	wantText(t, ctx, "#cart .cart-total", "¥171.00")
	noHorizontalScroll(t, ctx, "orders with a cart (zh-CN)")
	screenshot(t, ctx, "orders-cart-phone-zh")

	// More than the warehouse holds (588 VC-100 are left): refused, nothing placed.
	run(t, ctx, "ask for 999 VC-100", setQty("VC-100", 999))
	wantText(t, ctx, "#cart .cart-total", "¥99,971.00")
	run(t, ctx, "check out", click("#checkout"))
	wantText(t, ctx, "#checkout-error", "未能下单：有商品库存不足")
	if n := eval[int](t, ctx, `document.querySelectorAll('#history .orders > li').length`); n != 1 {
		t.Errorf("a refused checkout left %d orders in the history, want 1", n)
	}
	screenshot(t, ctx, "orders-refused-phone-zh")

	run(t, ctx, "back to one VC-100", setQty("VC-100", 1))
	wantText(t, ctx, "#cart .cart-total", "¥171.00")
	run(t, ctx, "check out", click("#checkout"))
	wantText(t, ctx, "#order-notice", "已下单并在线付款")
	wantText(t, ctx, "#cart .empty", "购物车是空的")
	wantText(t, ctx, "#history .orders > li:first-child .badge", "已付款")
	wantText(t, ctx, "#history .orders > li:first-child .order-total", "¥171.00")
	no := eval[string](t, ctx, `document.querySelector('#history .orders > li:first-child').dataset.order`)
	if no == o.orderNo {
		t.Fatalf("the newest order in the history is the fixture's %s", no)
	}
	wantText(t, ctx, "#order-notice", no)
	if n := eval[int](t, ctx, `document.querySelectorAll('#history .orders > li').length`); n != 2 {
		t.Errorf("the history lists %d orders, want 2", n)
	}
	// What the API entered: the cart's lines at member prices, paid online.
	placed := eval[string](t, ctx, fmt.Sprintf(`fetch('/api/v1/orders/%s').then(r => r.json()).then(o =>
		o.kind + ' ' + o.status + ' ' + o.total + ' ' + o.lines.map(l => l.sku + '×' + l.qty + '@' + l.unit_price).join(','))`, no),
		chromedp.EvalAwaitPromise)
	if want := "repeat paid 171.00 TEA-200×2@35.50,VC-100×1@100.00"; placed != want && placed != "repeat paid 171.00 VC-100×1@100.00,TEA-200×2@35.50" {
		t.Errorf("the API has the order as %q, want %q", placed, want)
	}
	noHorizontalScroll(t, ctx, "orders (zh-CN)")
	screenshot(t, ctx, "orders-phone-zh")

	// The fixture's order awaits payment: the history pays it online.
	run(t, ctx, "pay the older order", click(fmt.Sprintf(`#history [data-order=%q] .pay`, o.orderNo)))
	wantText(t, ctx, "#order-notice", "订单 "+o.orderNo+" 已在线付款")
	wantText(t, ctx, fmt.Sprintf(`#history [data-order=%q] .badge`, o.orderNo), "已付款")
	if n := eval[int](t, ctx, `document.querySelectorAll('#history .pay').length`); n != 0 {
		t.Errorf("%d orders still offer to pay after both are paid", n)
	}

	run(t, ctx, "switch to English", chromedp.SetValue(chromedp.CSS("#lang"), "en"), chromedp.Evaluate[chromedp.Void](
		`document.querySelector('#lang').dispatchEvent(new Event('change', {bubbles: true}))`))
	wantText(t, ctx, "#history .orders > li:first-child .badge", "paid")
	wantText(t, ctx, "#order-notice", "Order "+o.orderNo+" is paid online")
	run(t, ctx, "add a tea", click(`#catalogue [data-sku="TEA-200"] .add`))
	wantText(t, ctx, "#cart .cart-total", "35.50")
	// A quantity that is not one is named next to its field; the cart keeps
	// the last good one and checkout waits.
	run(t, ctx, "ask for 1,000 teas", setQty("TEA-200", 1000))
	wantText(t, ctx, "#qty-error-TEA-200", "Enter a whole number from 0 (remove) to 999.")
	if !eval[bool](t, ctx, `document.querySelector('#checkout').disabled`) {
		t.Errorf("checkout is offered while a quantity is wrong")
	}
	wantText(t, ctx, "#cart .cart-total", "35.50")
	if v := eval[string](t, ctx, `document.querySelector('#cart [data-sku="TEA-200"] input').value`); v != "1000" {
		t.Errorf("the wrong quantity field shows %q, want what was typed (1000)", v)
	}
	noHorizontalScroll(t, ctx, "orders with a wrong quantity (en)")
	screenshot(t, ctx, "orders-wrong-quantity-phone-en")
	run(t, ctx, "two teas", setQty("TEA-200", 2))
	wantText(t, ctx, "#cart .cart-total", "71.00")
	if n := eval[int](t, ctx, `document.querySelectorAll('#qty-error-TEA-200').length`); n != 0 {
		t.Errorf("the quantity error stays after a good quantity")
	}
	noHorizontalScroll(t, ctx, "orders (en)")
	screenshot(t, ctx, "orders-phone-en")
	run(t, ctx, "desktop", desktop())
	screenshot(t, ctx, "orders-desktop-en")
	run(t, ctx, "phone", phone())

	run(t, ctx, "go home", click("#nav-home"))
	wantText(t, ctx, fmt.Sprintf(`#orders [data-order=%q] .badge`, no), "paid")
	run(t, ctx, "back to orders", click("#nav-orders"))
	wantText(t, ctx, `#cart [data-sku="TEA-200"] .line-total`, "71.00")
}

// The answer to a checkout is lost after the server entered the order: the
// page says the server cannot be reached, and checking out again sends the
// same Idempotency-Key, which answers the order already entered instead of
// placing a second one.
func TestCheckoutRetryOrdersOnce(t *testing.T) {
	requireBrowser(t)
	o := newOffice(t)
	ctx := browser(t, "en-US")
	run(t, ctx, "open the orders page", chromedp.Navigate(o.url+"/app/orders"), signIn("wangfang", password))
	run(t, ctx, "add a tea", click(`#catalogue [data-sku="TEA-200"] .add`))
	wantText(t, ctx, "#cart .cart-total", "35.50")

	// The first answer to POST /api/v1/orders is dropped once the server has
	// sent it; later ones pass.
	dropFirstAnswer(t, ctx, "*/api/v1/orders")

	run(t, ctx, "check out", click("#checkout"))
	wantText(t, ctx, "#checkout-error", "The server cannot be reached")
	wantText(t, ctx, `#cart [data-sku="TEA-200"] .line-total`, "35.50")
	run(t, ctx, "check out again", click("#checkout"))
	wantText(t, ctx, "#order-notice", "is placed and paid online")
	wantText(t, ctx, "#history .orders > li:first-child .badge", "paid")
	if n := eval[int](t, ctx, `document.querySelectorAll('#history .orders > li').length`); n != 2 {
		t.Errorf("after a retried checkout the history lists %d orders, want 2 (the fixture's and one new)", n)
	}
}

// Over plain http to a name other than 127.0.0.1 or localhost the browser
// refuses the API's Secure cookies: the form says so instead of signing in
// to a page whose every request would be anonymous.
func TestInsecureOriginSaysWhy(t *testing.T) {
	requireBrowser(t)
	o := newOffice(t)
	port := o.url[strings.LastIndexByte(o.url, ':')+1:]
	ctx := browser(t, "en-US", chromedp.Flag("host-resolver-rules", "MAP downline.test 127.0.0.1"))
	run(t, ctx, "sign in over http", chromedp.Navigate("http://downline.test:"+port+"/app/"), signIn("wangfang", password))
	wantText(t, ctx, "main.signin .form-error", "did not keep the sign-in cookie")
}

// The router around the UI: / is the public site, hashed assets are cached
// for good, pages are revalidated, the API is where it was.
func TestServedByTheRouter(t *testing.T) {
	if !web.Built() {
		missingUnderCI(t, "the web UI is not built into the test binary (make web): only the placeholder is embedded")
	}
	o := newOffice(t)
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := noRedirect.Get(o.url + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("GET /: %d %q, want the public site's home page", res.StatusCode, res.Header.Get("Content-Type"))
	}
	res, err = noRedirect.Get(o.url + "/app")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode/100 != 3 || res.Header.Get("Location") != "/app/" {
		t.Errorf("GET /app: %d to %q, want a redirect to /app/", res.StatusCode, res.Header.Get("Location"))
	}
	page := get(t, o.url+"/app/team/AAA1")
	if page.cache != "no-cache" || !strings.Contains(page.body, `<div id="app">`) {
		t.Errorf("GET /app/team/AAA1: Cache-Control %q, body %q", page.cache, page.body)
	}
	i := strings.Index(page.body, "/app/assets/")
	if i < 0 {
		t.Fatalf("index.html names no asset: %s", page.body)
	}
	asset := page.body[i : i+strings.IndexByte(page.body[i:], '"')]
	if a := get(t, o.url+asset); a.status != 200 || a.cache != "public, max-age=31536000, immutable" {
		t.Errorf("GET %s: %d, Cache-Control %q", asset, a.status, a.cache)
	}
	if a := get(t, o.url+"/api/v1/openapi.json"); a.status != 200 || !strings.Contains(a.body, `"openapi"`) {
		t.Errorf("GET /api/v1/openapi.json: %d", a.status)
	}
	if a := get(t, o.url+"/api/v1/no-such-route"); a.status != 404 || strings.Contains(a.body, "<html") {
		t.Errorf("an unknown API route is answered by the UI: %d %q", a.status, a.body)
	}
}

// post sends body as JSON, with a bearer token unless it is "", and decodes
// a 2xx answer into out unless it is nil.
func post(t *testing.T, url, token string, body, out any) answer {
	t.Helper()
	return postKey(t, url, token, "", body, out)
}

// postKey is post with an Idempotency-Key (none when it is "").
func postKey(t *testing.T, url, token, key string, body, out any) answer {
	t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if out != nil && res.StatusCode/100 == 2 {
		if err := json.Unmarshal(raw, out); err != nil {
			t.Fatalf("POST %s: %v in %s", url, err, raw)
		}
	}
	return answer{status: res.StatusCode, body: string(raw)}
}

type answer struct {
	status      int
	cache, body string
}

func get(t *testing.T, url string) answer {
	t.Helper()
	res, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b strings.Builder
	if _, err := io.Copy(&b, res.Body); err != nil {
		t.Fatal(err)
	}
	return answer{res.StatusCode, res.Header.Get("Cache-Control"), b.String()}
}
