package portal_test

import (
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger/content"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/portal"
)

type page struct {
	status int
	header http.Header
	body   string
}

func fetch(t *testing.T, h http.Handler, at time.Time, path string, hdr ...string) page {
	t.Helper()
	r := httptest.NewRequest("GET", path, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		r.Header.Set(hdr[i], hdr[i+1])
	}
	r = r.WithContext(clock.With(r.Context(), clock.Fixed(at)))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	b, _ := io.ReadAll(w.Result().Body)
	return page{w.Code, w.Result().Header, string(b)}
}

// The site in both languages over a small ledger: what a search engine
// reads in the first answer, escaped, and what is not public yet is not
// there.
func TestPortalPages(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	now := time.Date(2026, 3, 31, 15, 0, 0, 0, time.UTC) // 23:00 in Shanghai, the month's last day
	ctx := clock.With(context.Background(), clock.Fixed(now.Add(-time.Hour)))
	var news, hostile, later int64
	goodstest.Tx(t, db, func(_ context.Context, tx pgx.Tx) error {
		mk := func(n content.NewItem) int64 {
			it, err := content.Create(ctx, tx, n, "user:w")
			if err != nil {
				t.Fatal(err)
			}
			return it.ID
		}
		news = mk(content.NewItem{Kind: content.Product, SKU: "VC-100", Text: content.Text{TitleZH: "维C新包装", TitleEN: "Vitamin C in a new box",
			SummaryZH: "更环保", SummaryEN: "Greener packaging", BodyZH: "第一段\n\n第二段", BodyEN: "First.\n\nSecond."}})
		hostile = mk(content.NewItem{Kind: content.News, Text: content.Text{TitleEN: `<b>Bold</b> & "quoted"`, BodyEN: `<script>document.title="owned"</script>`}})
		later = mk(content.NewItem{Kind: content.News, Text: content.Text{TitleZH: "四月", TitleEN: "April", BodyZH: "x", BodyEN: "x"}})
		about := mk(content.NewItem{Kind: content.Page, Slug: "about", Text: content.Text{TitleZH: "关于我们", TitleEN: "About us", BodyZH: "简介", BodyEN: "Who we are"}})
		for _, id := range []int64{news, hostile, about} {
			if _, err := content.Publish(ctx, tx, id, "user:ed"); err != nil {
				t.Fatal(err)
			}
		}
		_, err := content.Schedule(ctx, tx, later, now.Add(time.Hour), "user:ed") // midnight, 1 April in Shanghai
		return err
	})
	h := portal.New(db)

	home := fetch(t, h, now, "/?lang=en")
	for _, want := range []string{`<html lang="en">`, "<title>Downline Health", `<meta name="description"`, "Vitamin C in a new box",
		"&lt;b&gt;Bold&lt;/b&gt; &amp; &#34;quoted&#34;", `href="/app/"`, `href="/staff/"`, "¥125.00", `href="/products/VC-100?lang=en"`} {
		if !strings.Contains(home.body, want) {
			t.Errorf("the English home page lacks %q", want)
		}
	}
	if home.status != 200 || !strings.HasPrefix(home.header.Get("Cache-Control"), "public, max-age=") {
		t.Errorf("home: %d, Cache-Control %q", home.status, home.header.Get("Cache-Control"))
	}
	if strings.Contains(home.body, "April") || strings.Contains(home.body, "<b>Bold") {
		t.Error("the home page shows a scheduled item early, or markup unescaped")
	}
	zh := fetch(t, h, now, "/", "Accept-Language", "en;q=0.5, zh-CN;q=0.9")
	if !strings.Contains(zh.body, `<html lang="zh-CN">`) || !strings.Contains(zh.body, "维C新包装") || strings.Contains(zh.body, "Bold") {
		t.Errorf("Accept-Language preferring Chinese: %s", zh.body[:200])
	}
	if en := fetch(t, h, now, "/news", "Accept-Language", "en-GB,en;q=0.9"); !strings.Contains(en.body, `<html lang="en">`) {
		t.Error("Accept-Language English is not heard")
	}

	art := fetch(t, h, now, "/news/"+itoa(hostile)+"?lang=en")
	if art.status != 200 || strings.Contains(art.body, "<script>document") || !strings.Contains(art.body, "&lt;script&gt;document.title=&#34;owned&#34;&lt;/script&gt;") {
		t.Errorf("the hostile item: %d %s", art.status, art.body)
	}
	if a := fetch(t, h, now, "/news/"+itoa(hostile)+"?lang=zh-CN"); a.status != 404 {
		t.Errorf("an item with no Chinese text, in Chinese: %d", a.status)
	}
	prod := fetch(t, h, now, "/news/"+itoa(news)+"?lang=zh-CN")
	if !strings.Contains(prod.body, "<p>第一段</p>") || !strings.Contains(prod.body, "<p>第二段</p>") || !strings.Contains(prod.body, `href="/products/VC-100?lang=zh-CN"`) ||
		!strings.Contains(prod.body, `<meta name="description" content="更环保">`) || !strings.Contains(prod.body, "2026年3月31日") {
		t.Errorf("the announcement in Chinese: %s", prod.body)
	}

	// The scheduled item: absent at 23:59:59 on 31 March in Shanghai, there at midnight.
	before, after := now.Add(time.Hour-time.Second), now.Add(time.Hour)
	if p := fetch(t, h, before, "/news/"+itoa(later)+"?lang=en"); p.status != 404 {
		t.Errorf("a scheduled item a second early: %d", p.status)
	}
	if p := fetch(t, h, after, "/news/"+itoa(later)+"?lang=en"); p.status != 200 || !strings.Contains(p.body, "1 April 2026") {
		t.Errorf("a scheduled item on time: %d", p.status)
	}

	if p := fetch(t, h, now, "/about?lang=en"); p.status != 200 || !strings.Contains(p.body, "<title>About us") || !strings.Contains(p.body, "Who we are") {
		t.Errorf("/about: %d", p.status)
	}
	if p := fetch(t, h, now, "/culture"); p.status != 404 || p.header.Get("Cache-Control") != "no-store" {
		t.Errorf("an unwritten page: %d %q", p.status, p.header.Get("Cache-Control"))
	}
	if p := fetch(t, h, now, "/products/VC-100?lang=en"); p.status != 200 || !strings.Contains(p.body, "<title>Product VC-100") || !strings.Contains(p.body, "¥100.00") {
		t.Errorf("/products/VC-100: %d", p.status)
	}
	if p := fetch(t, h, now, "/products/NOPE"); p.status != 404 {
		t.Errorf("/products/NOPE: %d", p.status)
	}

	feed := fetch(t, h, after, "/news/feed.xml?lang=en")
	var f struct {
		Entries []struct {
			Title string `xml:"title"`
		} `xml:"entry"`
	}
	if err := xml.Unmarshal([]byte(feed.body), &f); err != nil || feed.header.Get("Content-Type") != "application/atom+xml; charset=utf-8" {
		t.Fatalf("the feed: %v %q", err, feed.header.Get("Content-Type"))
	}
	if len(f.Entries) != 3 || f.Entries[0].Title != "April" || f.Entries[1].Title != `<b>Bold</b> & "quoted"` {
		t.Errorf("the English feed: %+v", f.Entries)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
