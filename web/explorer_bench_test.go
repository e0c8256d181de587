package web_test

import (
	"context"
	"flag"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"downline/api"
	"downline/graphstore/memory"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/ledger/user"
	"downline/projection"
	"downline/web"
)

var (
	benchMembers = flag.Int("explorer.members", 100_000, "members of the company the explorer's browser benchmark seeds")
	benchVisible = flag.Int("explorer.visible", 10_000, "nodes the explorer's browser benchmark expands to")
)

// The explorer in headless Chromium on a generated company, signed in as
// its top member: the root's first paint, then the tree grown breadth first
// to -explorer.visible nodes (window.__explorer.grow), the last expand's
// paint, and frames while panning over all of it zoomed out (boxes) and
// while zooming in (figures). The figures are reported as metrics.
//
//	go test ./web -run '^$' -bench ExplorerBrowser -benchtime 3x -timeout 30m
func BenchmarkExplorerBrowser(b *testing.B) {
	if !web.Built() || !hasChromium() {
		b.Skip("needs the built UI and chromium")
	}
	db := ledgertest.DB(b)
	ctx := context.Background()
	gen := member.GenerateNetwork(*benchMembers, 1, time.Date(2024, 12, 1, 0, 0, 0, 0, time.UTC))
	if err := member.CopyNetwork(ctx, db, gen, nil); err != nil {
		b.Fatal(err)
	}
	goodstest.Tx(b, db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := user.Create(ctx, tx, user.New{Login: "top", Password: password, Role: user.Member, Member: gen[0].Code})
		return err
	})
	store := memory.New()
	if err := projection.Sync(ctx, db, store, nil); err != nil {
		b.Fatal(err)
	}
	srv := &api.Server{DB: db, Graph: store, Feed: &projection.Feed{DB: db, Store: store}, UI: web.Handler()}
	ts := httptest.NewServer(srv.Handler())
	b.Cleanup(ts.Close)

	// The browser's guard of a minute is for tests; growing takes longer.
	defer func(d time.Duration) { browserGuard = d }(browserGuard)
	browserGuard = 20 * time.Minute
	bctx := browser(b, "en-US")
	run(b, bctx, "sign in", chromedp.Navigate(ts.URL+"/app/"), desktop(), signIn("top", password),
		chromedp.WaitVisible(chromedp.CSS("#nav-team")))

	var rootMs, expandMs, boxFrame, boxWorst, textFrame, textWorst, shown float64
	for b.Loop() {
		run(b, bctx, "open the explorer", chromedp.Navigate(ts.URL+"/app/team"),
			chromedp.PollFunction[chromedp.Void](`() => window.__explorer && window.__explorer.rootPaintAt > 0`, chromedp.WithPollingTimeout(0)))
		rootMs += eval[float64](b, bctx, `window.__explorer.rootMs`)
		shown += eval[float64](b, bctx, `window.__explorer.grow(`+strconv.Itoa(*benchVisible)+`)`, chromedp.EvalAwaitPromise)
		run(b, bctx, "wait for the last paint", chromedp.PollFunction[chromedp.Void](`() => window.__explorer.expandMs > 0`, chromedp.WithPollingTimeout(0)))
		expandMs += eval[float64](b, bctx, `window.__explorer.expandMs`)
		run(b, bctx, "fit", click("#x-fit"))
		f := frames(b, bctx, "ArrowRight")
		boxFrame += f["mean"]
		boxWorst = max(boxWorst, f["max"])
		f = frames(b, bctx, "+")
		textFrame += f["mean"]
		textWorst = max(textWorst, f["max"])
	}
	n := float64(b.N)
	b.ReportMetric(shown/n, "nodes")
	b.ReportMetric(rootMs/n, "root-paint-ms")
	b.ReportMetric(expandMs/n, "last-expand-ms")
	b.ReportMetric(boxFrame/n, "pan-frame-ms")
	b.ReportMetric(boxWorst, "pan-worst-ms")
	b.ReportMetric(textFrame/n, "zoom-frame-ms")
	b.ReportMetric(textWorst, "zoom-worst-ms")
}

// frames presses key on the canvas once per animation frame, 40 times, and
// answers the mean and longest time between frames.
func frames(b *testing.B, ctx context.Context, key string) map[string]float64 {
	b.Helper()
	return eval[map[string]float64](b, ctx, `new Promise(ok => {
		const c = document.querySelector('#x-canvas'), times = [];
		let last = 0, n = 0;
		function step(now) {
			if (last) times.push(now - last);
			last = now;
			c.dispatchEvent(new KeyboardEvent('keydown', {key: `+"`"+key+"`"+`, bubbles: true, cancelable: true}));
			if (++n <= 40) requestAnimationFrame(step);
			else ok({mean: times.reduce((a, b) => a + b, 0) / times.length, max: Math.max(...times)});
		}
		requestAnimationFrame(step);
	})`, chromedp.EvalAwaitPromise)
}
