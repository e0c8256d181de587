package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"downline/api"
	"downline/clock"
	"downline/graphstore/memory"
	"downline/ledger/content"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/web"
)

// movable is a clock a test sets: the server's time of day.
type movable struct{ ns atomic.Int64 }

func (m *movable) Now() time.Time  { return time.Unix(0, m.ns.Load()) }
func (m *movable) Set(t time.Time) { m.ns.Store(t.UnixNano()) }

// portalSite is the public site over a small ledger: an about page, a
// product announcement for VC-100, an item whose text is markup and a
// script, and one scheduled for midnight of 1 May in Shanghai, the
// server's clock standing at 23:00 on 30 April.
type portalSite struct {
	url                       string
	clk                       *movable
	announce, hostile, mayDay int64
	midnight                  time.Time
}

func newPortalSite(t *testing.T) portalSite {
	t.Helper()
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	s := portalSite{clk: &movable{}, midnight: time.Date(2026, 4, 30, 16, 0, 0, 0, time.UTC)}
	s.clk.Set(s.midnight.Add(-time.Hour))
	ctx := clock.With(context.Background(), clock.Fixed(s.midnight.Add(-2*time.Hour)))
	goodstest.Tx(t, db, func(_ context.Context, tx pgx.Tx) error {
		mk := func(n content.NewItem, publish bool) int64 {
			it, err := content.Create(ctx, tx, n, "user:writer")
			if err == nil && publish {
				_, err = content.Publish(ctx, tx, it.ID, "user:editor")
			}
			if err != nil {
				t.Fatal(err)
			}
			return it.ID
		}
		mk(content.NewItem{Kind: content.Page, Slug: "about", Text: content.Text{TitleZH: "关于我们", TitleEN: "About us",
			SummaryZH: "源自上海的营养品公司。", SummaryEN: "A nutrition company from Shanghai.",
			BodyZH: "我们研发并生产日常营养品。", BodyEN: "We develop and make everyday nutrition."}}, true)
		s.announce = mk(content.NewItem{Kind: content.Product, SKU: "VC-100", Text: content.Text{
			TitleZH: "维C新包装上市", TitleEN: "Vitamin C in a new box",
			SummaryZH: "更轻、更环保的包装。", SummaryEN: "Lighter, greener packaging.",
			BodyZH: "从本月起，维生素C采用可回收的纸盒包装。\n\n价格不变。", BodyEN: "From this month Vitamin C comes in a recyclable carton.\n\nThe price stays the same."}}, true)
		hostile := `<script>window.owned = true; document.title = "owned"</script><img src=x onerror="window.owned = true">`
		s.hostile = mk(content.NewItem{Kind: content.News, Text: content.Text{TitleZH: "<i>标记</i>测试", TitleEN: "<i>Markup</i> test",
			BodyZH: hostile, BodyEN: hostile}}, true)
		s.mayDay = mk(content.NewItem{Kind: content.News, Text: content.Text{TitleZH: "五一新品", TitleEN: "New for May Day",
			SummaryZH: "五月一日发布。", SummaryEN: "Out on 1 May.", BodyZH: "五月新品。", BodyEN: "New in May."}}, false)
		_, err := content.Schedule(ctx, tx, s.mayDay, s.midnight, "user:editor")
		return err
	})
	srv := &api.Server{DB: db, Graph: memory.New(), UI: web.Handler()}
	h := srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(clock.With(r.Context(), s.clk)))
	}))
	t.Cleanup(ts.Close)
	s.url = ts.URL
	return s
}

// follow opens the link sel names as a visitor's tap would, and waits for
// the page it leads to to load (a click would leave the wait racing the
// navigation).
func follow(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	href := eval[string](t, ctx, fmt.Sprintf(`(document.querySelector(%q) || {}).href || ""`, sel))
	if href == "" {
		t.Fatalf("no link %s on the page", sel)
	}
	run(t, ctx, "follow "+sel, chromedp.Navigate(href))
}

func requireChromium(t *testing.T) {
	t.Helper()
	if !hasChromium() {
		missingUnderCI(t, "chromium is not installed (Debian: apt-get install chromium fonts-noto-cjk; dev/web browser does it as root)")
	}
}

// A visitor reads the home page, a news item and a product page, on a
// phone and a desktop, in the language the browser asks for and then in
// the other one by the switch.
func TestPortalVisitor(t *testing.T) {
	requireChromium(t)
	s := newPortalSite(t)
	for _, c := range []struct {
		browserLang, lang, other        string
		company, announce, product, buy string
		otherAnnounce                   string
	}{
		{"zh-CN", "zh-CN", "en", "Downline 健康", "维C新包装上市", "产品 VC-100", "¥125.00", "Vitamin C in a new box"},
		{"en-US", "en", "zh-CN", "Downline Health", "Vitamin C in a new box", "Product VC-100", "¥125.00", "维C新包装上市"},
	} {
		func() {
			ctx := browser(t, c.browserLang)
			run(t, ctx, "open the home page", chromedp.Navigate(s.url+"/"))
			if got := eval[string](t, ctx, `document.documentElement.lang`); got != c.lang {
				t.Errorf("Accept-Language %s: the page is in %q", c.browserLang, got)
			}
			wantText(t, ctx, ".hero h1", c.company)
			wantText(t, ctx, ".news", c.announce)
			wantText(t, ctx, ".products", c.product)
			if desc := eval[string](t, ctx, `document.querySelector('meta[name=description]').content`); desc == "" {
				t.Error("the home page has no meta description")
			}
			noHorizontalScroll(t, ctx, "the home page")
			screenshot(t, ctx, "portal-home-"+c.lang+"-phone")
			run(t, ctx, "desktop", desktop())
			screenshot(t, ctx, "portal-home-"+c.lang+"-desktop")
			run(t, ctx, "phone", phone())

			follow(t, ctx, fmt.Sprintf(`.news a[href^="/news/%d"]`, s.announce))
			wantText(t, ctx, "article h1", c.announce)
			if title := eval[string](t, ctx, `document.title`); title != c.announce+" · "+c.company {
				t.Errorf("the article's title is %q", title)
			}
			if n := eval[int](t, ctx, `document.querySelectorAll('article .body p').length`); n != 2 {
				t.Errorf("the article shows %d paragraphs, want 2", n)
			}
			noHorizontalScroll(t, ctx, "the article")
			screenshot(t, ctx, "portal-article-"+c.lang)

			follow(t, ctx, "a.see")
			wantText(t, ctx, "article h1", c.product)
			wantText(t, ctx, "dl.prices", c.buy)
			noHorizontalScroll(t, ctx, "the product page")
			screenshot(t, ctx, "portal-product-"+c.lang)

			follow(t, ctx, "a.lang")
			if got := eval[string](t, ctx, `document.documentElement.lang`); got != c.other {
				t.Errorf("after the switch the page is in %q, want %q", got, c.other)
			}
			follow(t, ctx, "a.brand")
			wantText(t, ctx, ".news", c.otherAnnounce)
			for _, link := range []string{"/app/", "/staff/"} {
				if n := eval[int](t, ctx, fmt.Sprintf(`document.querySelectorAll('a[href=%q]').length`, link)); n == 0 {
					t.Errorf("no link to %s", link)
				}
			}
		}()
	}
}

// Markup stored in an item is shown as text: its script never runs.
func TestPortalShowsMarkupAsText(t *testing.T) {
	requireChromium(t)
	s := newPortalSite(t)
	ctx := browser(t, "en-US")
	run(t, ctx, "open the home page", chromedp.Navigate(s.url+"/?lang=en"))
	wantText(t, ctx, ".news", "<i>Markup</i> test")
	run(t, ctx, "open the item", chromedp.Navigate(fmt.Sprintf("%s/news/%d?lang=en", s.url, s.hostile)))
	wantText(t, ctx, "article h1", "<i>Markup</i> test")
	wantText(t, ctx, "article .body", `<script>window.owned = true; document.title = "owned"</script>`)
	// Give a script that was going to run the time to.
	run(t, ctx, "wait", chromedp.Sleep(300*time.Millisecond))
	if owned := eval[bool](t, ctx, `window.owned === true`); owned {
		t.Error("the stored script ran")
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('article script, article img, article i').length`); n != 0 {
		t.Errorf("the stored markup became %d elements", n)
	}
	if title := eval[string](t, ctx, `document.title`); title == "owned" {
		t.Error("the stored script set the title")
	}
	screenshot(t, ctx, "portal-markup-as-text")
}

// A scheduled item is absent before its time and present after, with the
// server's clock moved across midnight of 1 May in Shanghai.
func TestPortalScheduledItem(t *testing.T) {
	requireChromium(t)
	s := newPortalSite(t)
	ctx := browser(t, "en-US")
	item := fmt.Sprintf("%s/news/%d?lang=en", s.url, s.mayDay)
	s.clk.Set(s.midnight.Add(-time.Second))
	run(t, ctx, "the news at 23:59:59", chromedp.Navigate(s.url+"/news?lang=en"))
	wantText(t, ctx, ".news", "Vitamin C in a new box")
	if has := eval[bool](t, ctx, `document.body.innerText.includes("New for May Day")`); has {
		t.Error("the scheduled item is listed a second before its time")
	}
	run(t, ctx, "the item at 23:59:59", chromedp.Navigate(item))
	wantText(t, ctx, "article h1", "Page not found")

	s.clk.Set(s.midnight)
	run(t, ctx, "the item at midnight", chromedp.Navigate(item))
	wantText(t, ctx, "article h1", "New for May Day")
	wantText(t, ctx, "article time", "1 May 2026")
	// The browser keeps the list it read a second ago for a minute of its
	// own time (Cache-Control); the server's clock jumped, the browser's
	// did not: ask for the list afresh.
	run(t, ctx, "the news at midnight", chromedp.Navigate(s.url+"/news?lang=en&fresh=1"))
	wantText(t, ctx, ".news article:first-child h3", "New for May Day")
	screenshot(t, ctx, "portal-news-after-schedule")
}
