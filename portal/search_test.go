package portal_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger/content"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/media"
	"downline/portal"
)

// Search finds what is public in the visitor's language, Chinese words of
// two characters too, and products; images come with their size and load
// lazily; the search box is a plain form.
func TestPortalSearchAndImages(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	now := time.Date(2026, 12, 31, 15, 59, 0, 0, time.UTC) // 23:59 on New Year's Eve in Shanghai
	ctx := clock.With(context.Background(), clock.Fixed(now.Add(-time.Hour)))
	var pic bytes.Buffer
	if err := png.Encode(&pic, image.NewGray(image.Rect(0, 0, 64, 48))); err != nil {
		t.Fatal(err)
	}
	var img media.Image
	var tea, draft int64
	goodstest.Tx(t, db, func(_ context.Context, tx pgx.Tx) (err error) {
		if img, err = media.Put(ctx, tx, pic.Bytes(), media.DefaultMaxBytes, "user:ed"); err != nil {
			return err
		}
		mk := func(n content.NewItem, publish bool) int64 {
			it, err := content.Create(ctx, tx, n, "user:ed")
			if err == nil && publish {
				_, err = content.Publish(ctx, tx, it.ID, "user:ed")
			}
			if err != nil {
				t.Fatal(err)
			}
			return it.ID
		}
		tea = mk(content.NewItem{Kind: content.Product, SKU: "VC-100", Text: content.Text{TitleZH: "人参茶新品上市", TitleEN: "Ginseng tea is here",
			SummaryZH: "温和滋补", SummaryEN: "Gentle", BodyZH: "正文", BodyEN: "Body 100% natural", Image: img.ID}}, true)
		mk(content.NewItem{Kind: content.News, Text: content.Text{TitleZH: "年会通知", TitleEN: "Annual meeting", BodyZH: "今年的人参大会", BodyEN: "ginseng forum"}}, true)
		draft = mk(content.NewItem{Kind: content.News, Text: content.Text{TitleZH: "人参秘密草稿", TitleEN: "Secret ginseng draft", BodyZH: "x", BodyEN: "x"}}, false)
		mk(content.NewItem{Kind: content.Page, Slug: "culture", Text: content.Text{TitleZH: "企业文化", TitleEN: "Culture", BodyZH: "诚信", BodyEN: "Honesty"}}, true)
		return nil
	})
	h := portal.New(db)

	zh := fetch(t, h, now, "/search?q=人参&lang=zh-CN")
	if zh.status != 200 {
		t.Fatalf("search: %d", zh.status)
	}
	for _, want := range []string{"人参茶新品上市", "年会通知", `value="人参"`, `<form class="search" role="search" action="/search" method="get">`} {
		if !strings.Contains(zh.body, want) {
			t.Errorf("searching 人参 lacks %q", want)
		}
	}
	if strings.Contains(zh.body, "秘密") {
		t.Error("a draft is found")
	}
	if strings.Index(zh.body, "人参茶新品上市") > strings.Index(zh.body, "年会通知") {
		t.Error("a title match is not first")
	}
	en := fetch(t, h, now, "/search?q=GINSENG&lang=en")
	if !strings.Contains(en.body, "Ginseng tea is here") || !strings.Contains(en.body, "Annual meeting") || strings.Contains(en.body, "人参") {
		t.Errorf("searching GINSENG in English: %s", en.body)
	}
	// Wildcards are literal; a hostile query is shown as text.
	if p := fetch(t, h, now, "/search?q=100%25&lang=en"); !strings.Contains(p.body, "Ginseng tea is here") {
		t.Error("100% does not find the body that says it")
	}
	if p := fetch(t, h, now, "/search?q=%25&lang=en"); strings.Contains(p.body, "Annual meeting") {
		t.Error("% matches everything")
	}
	hostile := fetch(t, h, now, "/search?q=%3Cscript%3Ealert(1)%3C/script%3E&lang=en")
	if strings.Contains(hostile.body, "<script>") || !strings.Contains(hostile.body, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("a hostile query: %s", hostile.body)
	}
	if !strings.Contains(hostile.body, "Nothing was found for") {
		t.Error("no results say so")
	}
	// Pages and products are found too.
	if p := fetch(t, h, now, "/search?q=诚信"); !strings.Contains(p.body, `href="/culture?lang=zh-CN"`) {
		t.Error("the culture page is not found")
	}
	if p := fetch(t, h, now, "/search?q=vc-100&lang=en"); !strings.Contains(p.body, `href="/products/VC-100?lang=en"`) {
		t.Error("a product is not found by its SKU")
	}
	if csp := zh.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self'") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP %q", csp)
	}

	tag := `<img src="/media/` + img.ID + `" width="64" height="48" loading="lazy" decoding="async"`
	for _, path := range []string{"/?lang=en", "/news?lang=zh-CN", "/news/" + itoa(tea) + "?lang=en"} {
		if p := fetch(t, h, now, path); !strings.Contains(p.body, tag) {
			t.Errorf("%s lacks the image %s", path, tag)
		}
	}
	if p := fetch(t, h, now, "/news/"+itoa(draft)); p.status != 404 {
		t.Errorf("a draft's page: %d", p.status)
	}
}
