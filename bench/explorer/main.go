// Command explorer measures the genealogy explorer (/app/team) in headless
// Chromium against a company of -members members: it starts the private
// Postgres of dev/pg, seeds the company with a month of confirmed orders
// (skipped when the database already holds it), gives its top member a
// login, starts `downline serve` (embedded graph store) and drives Debian's
// chromium through chromedp:
//
//   - first paint: navigation start to the root drawn on the canvas, read
//     from the page's probe (window.__explorer.rootPaintAt, a
//     performance.now() whose origin is the navigation), on a desktop
//     (1280 x 900) and on a phone-like viewport (360 x 740 at 2x, CPU
//     throttled 4x), each with an empty HTTP cache and a warm one;
//   - expand: real clicks on unopened nodes of the canvas, tap to the
//     children drawn (the probe's expandMs); on the desktop also Right
//     arrow in the list beside it once -visible nodes are laid out;
//   - pan and zoom: the tree grown breadth first by the probe's grow (the
//     page's own expands) until -visible nodes are laid out, fitted on
//     screen, then a scripted drag and wheel of a few seconds; the frame
//     times are requestAnimationFrame timestamps.
//
// It prints its progress on stderr and a table of the results on stdout.
// Nothing here is a pass or fail: the figures go to docs/performance.md.
//
//	dev/web build && go run ./bench/explorer
//	go run ./bench/explorer -members 100000 -runs 7 -visible 10000
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/profiler"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/jackc/pgx/v5"

	"downline/ledger/user"
)

const (
	login    = "bench-top"
	password = "explorer bench password"
)

var (
	members = flag.Int("members", 100_000, "members in the company")
	orders  = flag.Int("orders", 200_000, "confirmed orders seeded in the current month")
	reseed  = flag.Bool("reseed", false, "seed again even when the database already holds -members members")
	runs    = flag.Int("runs", 7, "page loads per first-paint case")
	expands = flag.Int("expands", 20, "nodes expanded by a click")
	visible = flag.Int("visible", 10_000, "nodes laid out before panning and zooming")
	panFor  = flag.Duration("pan", 6*time.Second, "length of the scripted pan and zoom")
	listen  = flag.String("listen", "127.0.0.1:18490", "where downline serve listens")
	bin     = flag.String("bin", "bin/downline", "the downline binary, built from ./cmd/downline first")
	apiFor  = flag.Duration("api", 15*time.Second, "length of the children API load (32 clients)")
	profile = flag.Bool("profile", false, "record JavaScript CPU profiles of the expands by click and of the pan and zoom (.data/artefacts/bench-explorer/) and print where their time went")
	only    = flag.String("only", "", "comma-separated parts to run: api, paint, expand, pan, phone-paint, phone-expand, phone-pan (default all)")
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("bench/explorer: ")
	flag.Parse()
	if _, err := os.Stat("web/static/dist/index.html"); err != nil {
		die("run from the repository root after dev/web build (web/static/dist is missing: the binary would serve no UI)")
	}
	if !slices.ContainsFunc([]string{"chromium", "chromium-browser", "google-chrome"}, func(b string) bool { _, err := exec.LookPath(b); return err == nil }) {
		die("chromium is not installed: dev/web browser installs it (Debian's chromium package)")
	}
	ctx := context.Background()
	load, _ := os.ReadFile("/proc/loadavg")
	step("load average %s", strings.Join(strings.Fields(string(load))[:3], " "))

	step("building %s", *bin)
	must(command("go", "build", "-o", *bin, "./cmd/downline").Run())
	dbURL := startPostgres()
	seed(ctx, dbURL)
	top := topMember(ctx, dbURL)
	srv := serve(dbURL)
	cleanups = append(cleanups, func() {
		_ = srv.Process.Signal(os.Interrupt)
		_ = srv.Wait()
	})
	defer cleanups[0]()
	base := "http://" + *listen

	// The first read of the period builds the explorer's index; later
	// reads use it. Both are timed once, through HTTP.
	token := apiSignIn(base)
	for _, what := range []string{"first children read (builds the period's index)", "second children read"} {
		t0 := time.Now()
		apiGet(base+"/api/v1/members/"+top+"/children", token)
		step("%s: %s", what, time.Since(t0).Round(time.Millisecond))
	}

	want := func(part string) bool { return *only == "" || slices.Contains(strings.Split(*only, ","), part) }
	if want("api") {
		// Random members' children, then the top member's wide frontline
		// page after page (200 nodes a page), signed in as the top member.
		for _, mode := range []string{"children", "frontline"} {
			step("the children API through the server, -mode %s: 32 clients for %s (bench/api)", mode, *apiFor)
			c := command("go", "run", "./bench/api", "-url", base, "-login", login, "-password", password, "-mode", mode,
				"-members", fmt.Sprint(*members), "-root", top, "-c", "32", "-d", apiFor.String())
			c.Stdout = os.Stdout
			must(c.Run())
		}
	}
	// The members of the top's first page of children that have a team:
	// what the expands click on.
	frontline := teamKids(base+"/api/v1/members/"+top+"/children", token)
	var all []results
	for _, phone := range []bool{false, true} {
		r := results{device: "desktop 1280x900"}
		if phone {
			r.device = "phone 360x740 at 2x, CPU 4x slower"
		}
		if !(want(r.part("paint")) || want(r.part("expand")) || want(r.part("pan"))) {
			continue
		}
		b := newBrowser(phone)
		b.signIn(base)
		if want(r.part("paint")) {
			r.paint = []paintCase{b.firstPaints(base, true), b.firstPaints(base, false)}
		}
		if want(r.part("expand")) {
			r.expand = b.expandByClicks(base, top, frontline)
		}
		if want(r.part("pan")) {
			r.pan = b.openAndPan(base, top)
		}
		b.close()
		all = append(all, r)
	}
	load, _ = os.ReadFile("/proc/loadavg")
	step("load average %s", strings.Join(strings.Fields(string(load))[:3], " "))
	for _, r := range all {
		r.print(os.Stdout)
	}
}

func step(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().UTC().Format("15:04:05"), fmt.Sprintf(format, args...))
}

// cleanups stop what the benchmark started, also when it dies.
var cleanups []func()

func die(format string, args ...any) {
	for i := len(cleanups) - 1; i >= 0; i-- {
		cleanups[i]()
	}
	die(format, args...)
}

func must(err error) {
	if err != nil {
		die("%v", err)
	}
}

func command(name string, args ...string) *exec.Cmd {
	c := exec.Command(name, args...)
	c.Stdout = os.Stderr
	c.Stderr = os.Stderr
	return c
}

// startPostgres runs dev/pg up (which starts the cluster or finds it
// running) and answers its DATABASE_URL.
func startPostgres() string {
	c := exec.Command("dev/pg", "up")
	c.Stderr = os.Stderr
	out, err := c.Output()
	must(err)
	m := regexp.MustCompile(`DATABASE_URL=['"]?([^'"\s]+)`).FindSubmatch(out)
	if m == nil {
		die("dev/pg up printed no DATABASE_URL: %s", out)
	}
	step("postgres: %s", m[1])
	return string(m[1])
}

func env(dbURL string) []string { return append(os.Environ(), "DATABASE_URL="+dbURL) }

// seed fills the database unless it already holds the company: -members
// members and orders in the current month.
func seed(ctx context.Context, dbURL string) {
	conn, err := pgx.Connect(ctx, dbURL)
	must(err)
	defer conn.Close(ctx)
	var n, o int
	_ = conn.QueryRow(ctx, `SELECT (SELECT count(*) FROM members), (SELECT count(*) FROM orders
		WHERE confirmed_at >= date_trunc('month', now() AT TIME ZONE 'Asia/Shanghai') AT TIME ZONE 'Asia/Shanghai')`).Scan(&n, &o)
	if n == *members && o > 0 && !*reseed {
		step("the database holds %d members and %d orders this month: not seeding again (-reseed does)", n, o)
		return
	}
	month := time.Now().In(shanghai()).Format("2006-01")
	step("seeding %d members and %d orders in %s", *members, *orders, month)
	c := command(*bin, "seed", "--reset", "--members", fmt.Sprint(*members), "--orders", fmt.Sprint(*orders), "--period", month)
	c.Env = env(dbURL)
	must(c.Run())
}

func shanghai() *time.Location {
	loc, err := time.LoadLocation("Asia/Shanghai")
	must(err)
	return loc
}

// topMember answers the member without a sponsor and gives it the member
// login the browser signs in with.
func topMember(ctx context.Context, dbURL string) string {
	conn, err := pgx.Connect(ctx, dbURL)
	must(err)
	defer conn.Close(ctx)
	var code string
	must(conn.QueryRow(ctx, `SELECT code FROM members WHERE sponsor_id IS NULL ORDER BY id LIMIT 1`).Scan(&code))
	var has bool
	must(conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE login = $1)`, login).Scan(&has))
	if !has {
		must(pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			_, err := user.Create(ctx, tx, user.New{Login: login, Password: password, Role: user.Member, Member: code})
			return err
		}))
	}
	step("top member %s, login %s", code, login)
	return code
}

// serve starts downline serve and waits until it answers.
func serve(dbURL string) *exec.Cmd {
	if conn, err := net.Dial("tcp", *listen); err == nil {
		conn.Close()
		die("something already listens on %s (an earlier run's server?): stop it or pass -listen", *listen)
	}
	step("starting %s serve --listen %s", *bin, *listen)
	c := command(*bin, "serve", "--listen", *listen)
	c.Env = env(dbURL)
	c.Stdout, c.Stderr = io.Discard, io.Discard
	if os.Getenv("BENCH_SERVER_LOG") != "" {
		c.Stdout, c.Stderr = os.Stderr, os.Stderr
	}
	must(c.Start())
	t0 := time.Now()
	for time.Since(t0) < 2*time.Minute {
		if conn, err := net.Dial("tcp", *listen); err == nil {
			conn.Close()
			step("serving after %s", time.Since(t0).Round(100*time.Millisecond))
			return c
		}
		time.Sleep(200 * time.Millisecond)
	}
	die("downline serve did not listen within 2 minutes")
	return nil
}

func apiSignIn(base string) string {
	body, _ := json.Marshal(map[string]string{"login": login, "password": password})
	res, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	must(err)
	defer res.Body.Close()
	var out struct{ Token string }
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || json.Unmarshal(b, &out) != nil {
		die("sign in: %d %s", res.StatusCode, b)
	}
	return out.Token
}

func teamKids(url, token string) []string {
	var page struct {
		Items []struct {
			Code string
			Team int
		}
	}
	must(json.Unmarshal(apiGet(url, token), &page))
	var out []string
	for _, n := range page.Items {
		if n.Team > 0 {
			out = append(out, n.Code)
		}
	}
	return out
}

func apiGet(url, token string) []byte {
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	must(err)
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 {
		die("GET %s: %d %s", url, res.StatusCode, b)
	}
	return b
}

type browser struct {
	ctx    context.Context
	cancel func()
	phone  bool
}

// newBrowser starts headless chromium on a desktop or a phone-like
// viewport (360 x 740 CSS pixels at 2x, touch, CPU throttled 4x).
func newBrowser(phone bool) *browser {
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.Flag("lang", "en"), chromedp.WindowSize(1280, 900))
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	b := &browser{ctx: ctx, cancel: func() { cancelC(); cancelA() }, phone: phone}
	cleanups = append(cleanups, b.cancel)
	defer func() {
		if phone {
			b.throttle(4)
		}
	}()
	view := chromedp.EmulateViewport(1280, 900)
	if phone {
		view = chromedp.EmulateViewport(360, 740, chromedp.EmulateScale(2), chromedp.EmulateMobile)
	}
	// The first call starts the browser, whose life is bound to the context
	// it is given: b.ctx itself, not one with a deadline.
	must(chromedp.Do(ctx, view, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Asia/Shanghai"})
		return err
	})))
	return b
}

func (b *browser) close() { b.cancel() }

func (b *browser) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	ctx, cancel := context.WithTimeout(b.ctx, 5*time.Minute)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		die("%s: %v", what, err)
	}
}

func eval[T any](b *browser, expr string) T {
	ctx, cancel := context.WithTimeout(b.ctx, 10*time.Minute)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
	if err != nil {
		die("evaluate %.80s: %v", expr, err)
	}
	return v
}

// wait polls the page until expr is true.
func (b *browser) wait(what, expr string) {
	b.do(what, chromedp.PollFunction[chromedp.Void]("() => "+expr, chromedp.WithPollingTimeout(0)))
}

// screenshot keeps the viewport in .data/artefacts/bench-explorer/, to
// look at what was measured.
func (b *browser) screenshot(name string) {
	ctx, cancel := context.WithTimeout(b.ctx, time.Minute)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	must(err)
	dir := ".data/artefacts/bench-explorer"
	must(os.MkdirAll(dir, 0o755))
	device := "desktop"
	if b.phone {
		device = "phone"
	}
	must(os.WriteFile(fmt.Sprintf("%s/%s-%s.png", dir, device, name), png, 0o644))
}

func (b *browser) startProfile() {
	b.do("start the profiler", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := cdp.Call(ctx, t, profiler.Enable, cdp.Empty{}); err != nil {
			return err
		}
		if _, err := cdp.Call(ctx, t, profiler.SetSamplingInterval, profiler.SetSamplingIntervalParams{Interval: 200}); err != nil {
			return err
		}
		_, err := cdp.Call(ctx, t, profiler.Start, cdp.Empty{})
		return err
	}))
}

// stopProfile writes the profile for Chrome's DevTools and prints the
// functions that took the most time themselves.
func (b *browser) stopProfile(name string) {
	var prof *profiler.Profile
	b.do("stop the profiler", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		r, err := cdp.Call(ctx, t, profiler.Stop, cdp.Empty{})
		prof = r.Profile
		return err
	}))
	device := "desktop"
	if b.phone {
		device = "phone"
	}
	file := fmt.Sprintf(".data/artefacts/bench-explorer/%s-%s.cpuprofile", device, name)
	must(os.MkdirAll(".data/artefacts/bench-explorer", 0o755))
	must(os.WriteFile(file, []byte(jsonOf(prof)), 0o644))
	self := map[int64]float64{}
	for i, id := range prof.Samples {
		self[id] += float64(prof.TimeDeltas[i]) / 1000
	}
	type fn struct {
		name string
		ms   float64
	}
	byName := map[string]float64{}
	total := 0.0
	for _, n := range prof.Nodes {
		f := n.CallFrame
		name := f.FunctionName
		if name == "" {
			name = "(anonymous)"
		}
		if f.URL != "" {
			name += fmt.Sprintf(" %s:%d", f.URL[strings.LastIndex(f.URL, "/")+1:], f.LineNumber+1)
		}
		byName[name] += self[n.ID]
		total += self[n.ID]
	}
	var fns []fn
	for k, v := range byName {
		fns = append(fns, fn{k, v})
	}
	slices.SortFunc(fns, func(a, b fn) int { return int(b.ms*1000 - a.ms*1000) })
	step("profile %s (%.0f ms sampled), self time:", file, total)
	for _, f := range fns[:min(12, len(fns))] {
		step("  %7.1f ms  %s", f.ms, f.name)
	}
}

func (b *browser) throttle(rate float64) {
	b.do("CPU throttling", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetCPUThrottlingRate, emulation.SetCPUThrottlingRateParams{Rate: rate})
		return err
	}))
}

func (b *browser) signIn(base string) {
	step("signing in as %s in chromium", login)
	b.do("sign in",
		chromedp.Navigate(base+"/app/"),
		chromedp.WaitVisible(chromedp.CSS("#login")),
		chromedp.SendKeys(chromedp.CSS("#login"), login),
		chromedp.SendKeys(chromedp.CSS("#password"), password),
		chromedp.Click(chromedp.CSS(`button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.CSS("#login")),
	)
}

// paintCase is one first-paint case: its page loads in ms.
type paintCase struct {
	cold  bool
	paint []float64 // navigation start to the root drawn
	nav   []float64 // navigation start to the document's response end
}

// open loads /app/team and waits for the root's first paint.
func (b *browser) open(base string) {
	b.do("open the explorer", chromedp.Navigate(base+"/app/team"))
	b.wait("the root's first paint", `!!window.__explorer && window.__explorer.rootPaintAt > 0`)
}

// firstPaints loads the explorer -runs times (after one load not counted)
// with an empty cache (cold) or a warm one.
func (b *browser) firstPaints(base string, cold bool) paintCase {
	c := paintCase{cold: cold}
	for i := 0; i <= *runs; i++ {
		if cold {
			b.do("clear the cache", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
				_, err := cdp.Call(ctx, t, network.ClearBrowserCache, cdp.Empty{})
				return err
			}))
		}
		b.open(base)
		got := eval[struct{ Paint, Nav float64 }](b, `({paint: window.__explorer.rootPaintAt,
			nav: performance.getEntriesByType('navigation')[0].responseEnd})`)
		if i == 0 {
			continue // the browser's own first time
		}
		c.paint = append(c.paint, got.Paint)
		c.nav = append(c.nav, got.Nav)
	}
	step("first paint, %s cache: median %.0f ms (%s); the last load's requests (start-end ms):", cacheWord(cold), median(c.paint), list(c.paint))
	step("  %s", eval[string](b, `performance.getEntriesByType('resource').map((e) =>
		e.name.replace(location.origin, '').replace(/\?.*/, '') + ' ' + e.startTime.toFixed(0) + '-' + e.responseEnd.toFixed(0)).join(', ')
		+ ', root drawn ' + window.__explorer.rootPaintAt.toFixed(0)`))
	return c
}

func cacheWord(cold bool) string {
	if cold {
		return "empty"
	}
	return "warm"
}

// expandResult holds expand latencies in ms.
type expandResult struct {
	clicks []float64 // tap to children drawn, real clicks, few nodes laid out
	deep   []float64 // the same by the keyboard with many nodes laid out
	deepN  int       // nodes laid out during deep
}

// expandByClicks opens the explorer on the top member and clicks
// unopened nodes of its frontline that are on screen, panning by a drag
// when none is left in sight.
func (b *browser) expandByClicks(base, top string, kids []string) expandResult {
	var r expandResult
	b.open(base)
	tried := map[string]bool{}
	if *profile {
		b.startProfile()
		defer b.stopProfile("expand")
	}
	for drags := 0; len(r.clicks) < *expands && drags < 40; {
		// The first unopened child of the top fully on the canvas.
		pick := eval[*struct {
			Code string
			X, Y float64
		}](b, fmt.Sprintf(`(() => {
			const r = document.getElementById('x-canvas').getBoundingClientRect(), tried = new Set(%s);
			for (const c of %s) {
				const p = window.__explorer.at(c);
				if (!tried.has(c) && p && p.x > r.left + 100 && p.x < r.right - 100 && p.y > r.top + 60 && p.y < r.bottom - 60) return {code: c, x: p.x, y: p.y};
			}
			return null;
		})()`, jsonOf(keys(tried)), jsonOf(kids)))
		if pick == nil {
			drags++
			b.drag(-500, 0, 10)
			continue
		}
		tried[pick.Code] = true
		before := eval[float64](b, `window.__explorer.expandAt`)
		b.do("click "+pick.Code, chromedp.MouseClickXY(pick.X, pick.Y))
		b.wait("expand "+pick.Code, fmt.Sprintf(`window.__explorer.expandAt > %v`, before))
		r.clicks = append(r.clicks, eval[float64](b, `window.__explorer.expandMs`))
	}
	step("expand by click: %d nodes, median %.0f ms, p95 %.0f ms (%s)", len(r.clicks), median(r.clicks), pct(r.clicks, .95), list(r.clicks))
	return r
}

// expandByKeys measures expands with everything laid out, through the
// accessible list beside the canvas (shown on a desktop): from its last
// row upwards, Right arrow on each row that can open, as a keyboard user
// does; from the key to the children drawn.
func (b *browser) expandByKeys() expandResult {
	r := expandResult{deepN: eval[int](b, `window.__explorer.visible()`)}
	eval[bool](b, `(document.getElementById('x-tree').focus(), true)`)
	b.do("End", chromedp.KeyEvent(kb.End))
	for keys := 0; len(r.deep) < 10 && keys < 400; keys++ {
		state := eval[string](b, `(document.querySelector('#x-tree [aria-selected="true"]') || {getAttribute: () => 'none'}).getAttribute('aria-expanded') || ''`)
		if state == "false" {
			before := eval[float64](b, `window.__explorer.expandAt`)
			b.do("Right", chromedp.KeyEvent(kb.ArrowRight))
			b.wait("the expand's paint", fmt.Sprintf(`window.__explorer.expandAt > %v`, before))
			r.deep = append(r.deep, eval[float64](b, `window.__explorer.expandMs`))
		}
		b.do("Up", chromedp.KeyEvent(kb.ArrowUp))
	}
	step("expand with %d laid out, by the keyboard: median %.0f ms (%s)", r.deepN, median(r.deep), list(r.deep))
	return r
}

// drag pans the canvas by (dx, dy) CSS pixels in n pointer moves.
func (b *browser) drag(dx, dy float64, n int) {
	c := eval[struct{ X, Y float64 }](b, `(() => { const r = document.getElementById('x-canvas').getBoundingClientRect();
		return {x: r.left + r.width / 2, y: r.top + r.height / 2}; })()`)
	steps := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, c.X, c.Y, chromedp.ButtonLeft)}
	for i := 1; i <= n; i++ {
		f := float64(i) / float64(n)
		steps = append(steps, chromedp.MouseEvent(chromedp.MouseMoved, c.X+dx*f, c.Y+dy*f, chromedp.ButtonLeft))
	}
	steps = append(steps, chromedp.MouseEvent(chromedp.MouseReleased, c.X+dx, c.Y+dy, chromedp.ButtonLeft))
	b.do("drag", steps...)
}

// panResult is the pan and zoom with many nodes laid out.
type panResult struct {
	laidOut, drawn int
	openMs         float64
	frames         []float64 // frame times in ms
	long           []float64 // long tasks in ms
	idle           []float64 // frame times with nothing happening, for comparison
	expand         expandResult
	breaks         string  // where the page could not go on, if it could not
	paints         int     // paints during the pan and zoom
	drawnMin       float64 // nodes drawn by those paints
	drawnMax       float64
}

// openAndPan opens the tree breadth first until -visible nodes are laid
// out, fits it on screen and pans and zooms it.
func (b *browser) openAndPan(base, top string) panResult {
	var r panResult
	b.open(base)
	step("opening the tree breadth first until %d nodes are laid out (CPU not throttled for it)", *visible)
	if b.phone {
		b.throttle(1)
	}
	t0 := time.Now()
	r.laidOut = eval[int](b, fmt.Sprintf(`window.__explorer.grow(%d)`, *visible))
	r.openMs = float64(time.Since(t0).Milliseconds())
	if r.laidOut < *visible {
		r.breaks = "the team has no more nodes to open"
	}
	step("laid out %d nodes in %.1f s", r.laidOut, r.openMs/1000)
	if b.phone {
		b.throttle(4)
	} else {
		r.expand = b.expandByKeys()
	}

	b.do("fit", chromedp.Click(chromedp.CSS("#x-fit")))
	b.wait("the fitted paint", `window.__explorer.drawn() > 0`)
	time.Sleep(500 * time.Millisecond)
	r.drawn = eval[int](b, `window.__explorer.drawn()`)
	step("fitted: %d nodes drawn of %d laid out", r.drawn, eval[int](b, `window.__explorer.visible()`))
	b.screenshot("fitted")

	// The page's paints are counted where each begins: the background's
	// fillRect at (0, 0) on the canvas's context.
	record := `(() => { const f = []; window.__frames = f; window.__long = []; window.__paints = [];
		const ctx = document.getElementById('x-canvas').getContext('2d');
		if (!ctx.__counted) { const fill = ctx.fillRect; ctx.__counted = true;
			ctx.fillRect = function (x, y, w, h) { if (x === 0 && y === 0) window.__paints.push(window.__explorer.drawn()); return fill.call(this, x, y, w, h); }; }
		window.__on = true; const tick = (ts) => { f.push(ts); if (window.__on) requestAnimationFrame(tick); };
		requestAnimationFrame(tick);
		window.__obs = new PerformanceObserver((l) => { for (const e of l.getEntries()) window.__long.push(e.duration); });
		window.__obs.observe({type: 'longtask'}); return true; })()`
	stop := `(() => { window.__on = false; window.__obs.disconnect(); return {frames: window.__frames, long: window.__long, paints: window.__paints}; })()`
	type rec struct{ Frames, Long, Paints []float64 }

	// Frames with nothing to draw: what this browser gives when idle.
	eval[bool](b, record)
	time.Sleep(2 * time.Second)
	idle := eval[rec](b, stop)
	r.idle = deltas(idle.Frames)

	step("panning and zooming for %s", *panFor)
	eval[bool](b, record)
	if *profile {
		b.startProfile()
	}
	b.panZoom(*panFor)
	got2 := eval[rec](b, stop)
	if *profile {
		b.stopProfile("pan")
	}
	b.screenshot("after-pan")
	r.frames, r.long, r.paints = deltas(got2.Frames), got2.Long, len(got2.Paints)
	if len(got2.Paints) > 0 {
		r.drawnMin, r.drawnMax = slices.Min(got2.Paints), slices.Max(got2.Paints)
	}
	step("pan and zoom: %.1f fps mean, p95 frame %.1f ms, %d long tasks; %d paints drawing %.0f-%.0f nodes (the count of the paint before)",
		fps(r.frames), pct(r.frames, .95), len(r.long), r.paints, r.drawnMin, r.drawnMax)
	return r
}

// panZoom drags the canvas to and fro and turns the wheel in and out
// around its centre, one input event every 16 ms, for d.
func (b *browser) panZoom(d time.Duration) {
	c := eval[struct{ X, Y, W float64 }](b, `(() => { const r = document.getElementById('x-canvas').getBoundingClientRect();
		return {x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width}; })()`)
	ctx, cancel := context.WithTimeout(b.ctx, d+time.Minute)
	defer cancel()
	send := func(p input.DispatchMouseEventParams) {
		if _, err := chromedp.Run(ctx, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
			_, err := cdp.Call(ctx, t, input.DispatchMouseEvent, p)
			return err
		})); err != nil {
			die("input: %v", err)
		}
	}
	tick := time.NewTicker(16 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	phase := d / 3
	// A third: drag sideways and back.
	send(input.DispatchMouseEventParams{Type: chromedp.MousePressed, X: c.X, Y: c.Y, Button: input.MouseButtonLeft, ClickCount: 1})
	for t := range tick.C {
		e := t.Sub(start)
		if e > phase {
			break
		}
		x := c.X + c.W/3*math.Sin(2*math.Pi*e.Seconds()/phase.Seconds())
		send(input.DispatchMouseEventParams{Type: chromedp.MouseMoved, X: x, Y: c.Y + 20*math.Sin(4*math.Pi*e.Seconds()/phase.Seconds()), Button: input.MouseButtonLeft, Buttons: 1})
	}
	send(input.DispatchMouseEventParams{Type: chromedp.MouseReleased, X: c.X, Y: c.Y, Button: input.MouseButtonLeft, ClickCount: 1})
	// A third: the wheel in (towards the labelled nodes) and out again.
	for t := range tick.C {
		e := t.Sub(start) - phase
		if e > phase {
			break
		}
		dir := -1.0
		if e > phase/2 {
			dir = 1
		}
		send(input.DispatchMouseEventParams{Type: chromedp.MouseWheel, X: c.X, Y: c.Y, DeltaX: 1e-6, DeltaY: dir * 80}) // CDP wants both deltas; a zero is left out
	}
	// A third: drag up and down and sideways.
	send(input.DispatchMouseEventParams{Type: chromedp.MousePressed, X: c.X, Y: c.Y, Button: input.MouseButtonLeft, ClickCount: 1})
	for t := range tick.C {
		e := t.Sub(start) - 2*phase
		if e > phase {
			break
		}
		a := 2 * math.Pi * e.Seconds() / phase.Seconds()
		send(input.DispatchMouseEventParams{Type: chromedp.MouseMoved, X: c.X + 150*math.Sin(a), Y: c.Y + 150*math.Sin(2*a), Button: input.MouseButtonLeft, Buttons: 1})
	}
	send(input.DispatchMouseEventParams{Type: chromedp.MouseReleased, X: c.X, Y: c.Y, Button: input.MouseButtonLeft, ClickCount: 1})
}

type results struct {
	device string
	paint  []paintCase
	expand expandResult
	pan    panResult
}

// part is the name of a part on this device for -only.
func (r results) part(p string) string {
	if strings.HasPrefix(r.device, "phone") {
		return "phone-" + p
	}
	return p
}

func (r results) print(w io.Writer) {
	out := bufio.NewWriter(w)
	defer out.Flush()
	fmt.Fprintf(out, "\nexplorer on a %s: %d members, the top member's sponsor tree, the current month\n\n", r.device, *members)
	fmt.Fprintln(out, "| what | runs | median | p95 / max | all (ms) |")
	fmt.Fprintln(out, "| --- | --- | --- | --- | --- |")
	for _, c := range r.paint {
		fmt.Fprintf(out, "| first paint, %s cache | %d | %.0f ms | %.0f ms | %s |\n", cacheWord(c.cold), len(c.paint), median(c.paint), slices.Max(c.paint), list(c.paint))
		fmt.Fprintf(out, "| (document response end, same loads) | %d | %.0f ms | %.0f ms | |\n", len(c.nav), median(c.nav), slices.Max(c.nav))
	}
	if len(r.expand.clicks) > 0 {
		fmt.Fprintf(out, "| expand by a click, tap to children drawn | %d | %.0f ms | %.0f ms | %s |\n", len(r.expand.clicks), median(r.expand.clicks), pct(r.expand.clicks, .95), list(r.expand.clicks))
	}
	p := r.pan
	if p.laidOut > 0 {
		if len(p.expand.deep) > 0 {
			fmt.Fprintf(out, "| expand with %d nodes laid out (keyboard) | %d | %.0f ms | %.0f ms | %s |\n", p.expand.deepN, len(p.expand.deep), median(p.expand.deep), pct(p.expand.deep, .95), list(p.expand.deep))
		}
		fmt.Fprintf(out, "\ngrew breadth first to %d nodes laid out in %.1f s, %d drawn when fitted%s\n", p.laidOut, p.openMs/1000, p.drawn, orNone(p.breaks))
		fmt.Fprintln(out, "\n| frames | count | mean fps | median frame | p95 frame (5th-percentile fps) | max frame | long tasks |")
		fmt.Fprintln(out, "| --- | --- | --- | --- | --- | --- | --- |")
		for _, f := range []struct {
			name   string
			frames []float64
			long   []float64
		}{{"idle, nothing drawn", p.idle, nil}, {fmt.Sprintf("pan and zoom, %s", *panFor), p.frames, p.long}} {
			if len(f.frames) == 0 {
				continue
			}
			fmt.Fprintf(out, "| %s | %d | %.1f | %.1f ms | %.1f ms (%.0f fps) | %.1f ms | %d, %.0f ms in all |\n", f.name, len(f.frames), fps(f.frames),
				median(f.frames), pct(f.frames, .95), 1000/pct(f.frames, .95), slices.Max(f.frames), len(f.long), sum(f.long))
		}
	}
}

func orNone(s string) string {
	if s == "" {
		return ""
	}
	return "; stopped: " + s
}

func deltas(ts []float64) []float64 {
	var d []float64
	for i := 1; i < len(ts); i++ {
		d = append(d, ts[i]-ts[i-1])
	}
	return d
}

func fps(frames []float64) float64 {
	if len(frames) == 0 {
		return 0
	}
	return float64(len(frames)) / sum(frames) * 1000
}

func sum(v []float64) float64 {
	s := 0.0
	for _, x := range v {
		s += x
	}
	return s
}

func median(v []float64) float64 { return pct(v, .5) }

// pct is the p-quantile of v (nearest rank).
func pct(v []float64, p float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Sorted(slices.Values(v))
	i := int(math.Ceil(p*float64(len(s)))) - 1
	return s[max(0, min(len(s)-1, i))]
}

func list(v []float64) string {
	var b strings.Builder
	for i, x := range v {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%.0f", x)
	}
	return b.String()
}

func jsonOf(v any) string {
	b, err := json.Marshal(v)
	must(err)
	return string(b)
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
