package web_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"downline/api"
	"downline/clock"
	"downline/graphstore/memory"
	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/ledger/user"
	"downline/projection"
	"downline/sms"
	"downline/sms/smstest"
	"downline/web"
)

// contentSite is a company with an editor, three members (王芳 reads
// Chinese, Tom English, Ann has opted out of texts), SMS on, and a server
// whose clock the test moves: 23:30 on 28 February in Shanghai.
type contentSite struct {
	url      string
	db       *ledger.DB
	clk      *movable
	notifier *sms.Notifier
	sender   *sms.Sender
	twilio   *smstest.Server
}

const (
	fangPhone = "+8613800000021"
	tomPhone  = "+447700900022"
	annPhone  = "+8613800000023"
)

func newContentSite(t *testing.T) contentSite {
	t.Helper()
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	s := contentSite{db: db, clk: &movable{}}
	s.clk.Set(time.Date(2026, 2, 28, 15, 30, 0, 0, time.UTC))
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		for _, r := range []member.Registration{
			{Code: "FANG", Name: "王芳", Phone: fangPhone, Lang: "zh-CN"},
			{Code: "TOM", Name: "Tom", Phone: tomPhone, Lang: "en", Sponsor: "FANG"},
			{Code: "ANN", Name: "Ann", Phone: annPhone, Lang: "zh-CN", Sponsor: "FANG"},
		} {
			r.By = "test"
			if _, err := member.Register(ctx, tx, r); err != nil {
				return err
			}
		}
		for _, n := range []user.New{
			{Login: "editor1", Role: user.Editor}, {Login: "wangfang", Role: user.Member, Member: "FANG"},
			{Login: "tom", Role: user.Member, Member: "TOM"},
		} {
			n.Password = password
			if _, err := user.Create(ctx, tx, n); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `INSERT INTO sms_opt_outs (phone, keyword) VALUES ($1, 'STOP')`, annPhone)
		return err
	})
	const sid, token = "AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"
	s.twilio = smstest.New(t, sid, token)
	client, err := sms.NewClient(sms.Config{AccountSID: sid, AuthToken: token, From: "+15005550006", APIURL: s.twilio.URL, Rate: 100, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s.sender = &sms.Sender{DB: db, Client: client, Rate: 100, MaxAttempts: 2, Backoff: func(int) time.Duration { return 10 * time.Millisecond }}
	s.notifier = &sms.Notifier{DB: db, Now: s.clk.Now}
	if _, _, err := s.notifier.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	s.notify(t) // the registrations were before SMS: nothing
	store := memory.New()
	if err := projection.Sync(context.Background(), db, store, nil); err != nil {
		t.Fatal(err)
	}
	srv := &api.Server{DB: db, Graph: store, Feed: &projection.Feed{DB: db, Store: store}, UI: web.Handler()}
	h := srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(clock.With(r.Context(), s.clk)))
	}))
	t.Cleanup(ts.Close)
	s.url = ts.URL
	return s
}

// notify runs the SMS notifier once and sends what it queued.
func (s contentSite) notify(t *testing.T) int {
	t.Helper()
	n, err := s.notifier.CatchUp(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.sender.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	return n
}

// files writes the test's uploads: a picture, one over 5 MiB, and a text
// file named like a picture.
func files(t *testing.T) (pic, big, text string) {
	dir := t.TempDir()
	img := image.NewRGBA(image.Rect(0, 0, 320, 200))
	for y := 0; y < 200; y++ {
		for x := 0; x < 320; x++ {
			img.Set(x, y, color.RGBA{R: uint8(x * 255 / 320), G: 140, B: uint8(y * 255 / 200), A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	pic, big, text = filepath.Join(dir, "tea.png"), filepath.Join(dir, "huge.png"), filepath.Join(dir, "notes.png")
	for name, data := range map[string][]byte{
		pic:  b.Bytes(),
		big:  append(b.Bytes(), make([]byte, 5<<20)...),
		text: []byte("not a picture, only words\n"),
	} {
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return pic, big, text
}

const hostileTitle = `<img src=x onerror="window.owned = true">Ginseng tea is here`

// An editor drafts a new-product announcement with an image (an oversized
// and a non-image upload refused first, with messages next to the field),
// schedules it for the first minute of March in Shanghai (a time past
// refused), and publishes it once its time has come: it is then on the
// portal with its image and on the members' homes in their language, and
// the members who have not opted out get one text each. The title holds
// markup that would run script: it is shown as text everywhere.
func TestContentAnnouncement(t *testing.T) {
	requireBrowser(t)
	s := newContentSite(t)
	pic, big, text := files(t)

	ctx := browser(t, "en")
	run(t, ctx, "open the content console", desktop(), chromedp.Navigate(s.url+"/staff/content"))
	run(t, ctx, "sign in as the editor", signIn("editor1", password))
	wantText(t, ctx, "#content-title", "Content")
	wantText(t, ctx, "#content-list", "No item matches.")
	run(t, ctx, "new item", click("#content-new"))
	wantText(t, ctx, "#content-editor-title", "New item")

	// Nothing filled: named next to the fields, nothing sent.
	run(t, ctx, "create empty", click("#content-save"))
	wantText(t, ctx, "#content-title_zh-error", "Give a title in at least one language.")
	wantText(t, ctx, "#content-sku-error", "Enter the SKU")
	// Uploads refused by the server, the reason next to the image field.
	run(t, ctx, "upload an oversized image", chromedp.SetUploadFiles(chromedp.CSS("#content-image"), []string{big}))
	wantText(t, ctx, "#content-image-error", "The image is too large: at most 5 MiB (5242880 bytes).")
	run(t, ctx, "upload a text file named .png", chromedp.SetUploadFiles(chromedp.CSS("#content-image"), []string{text}))
	wantText(t, ctx, "#content-image-error", "not a JPEG, PNG, GIF or WebP image")
	run(t, ctx, "upload the picture", chromedp.SetUploadFiles(chromedp.CSS("#content-image"), []string{pic}))
	run(t, ctx, "the preview", chromedp.WaitVisible(chromedp.CSS("#content-image-preview")))
	if n := eval[int](t, ctx, `document.querySelectorAll('#content-image-error').length`); n != 0 {
		t.Error("the image error stays after a good upload")
	}
	run(t, ctx, "fill the announcement",
		setField("#content-sku", "NOPE-1"),
		setField("#content-title_zh", "人参茶新品上市"),
		setField("#content-summary_zh", "温和滋补，三月一日上市。"),
		setField("#content-body_zh", "精选长白山人参。\n\n每盒二十袋。"),
		setField("#content-title_en", hostileTitle),
		setField("#content-summary_en", "Gentle and warming, out on 1 March."),
		setField("#content-body_en", "Ginseng from Changbai.\n\nTwenty bags a box."),
		click("#content-save"))
	wantText(t, ctx, "#content-sku-error", "No product has this SKU in the catalogue.")
	run(t, ctx, "the right SKU", setField("#content-sku", "VC-100"), click("#content-save"))
	wantText(t, ctx, "#content-status", "Draft")
	id := eval[string](t, ctx, `location.pathname.split('/').pop()`)
	if !strings.HasPrefix(eval[string](t, ctx, `location.pathname`), "/staff/content/") || id == "new" {
		t.Fatalf("after creating, the page is %s", eval[string](t, ctx, `location.pathname`))
	}
	if eval[bool](t, ctx, `!!window.owned`) {
		t.Fatal("a stored script ran in the editor")
	}

	// A time already past (the server's clock: 23:30 in Shanghai) is refused.
	run(t, ctx, "schedule in the past", setField("#content-when", "2026-02-28T23:00"), click("#content-schedule"))
	wantText(t, ctx, "#content-when-error", "This time has passed")
	run(t, ctx, "schedule at midnight", setField("#content-when", "2026-03-01T00:00"), click("#content-schedule"))
	wantText(t, ctx, "#content-status", "Scheduled")
	wantText(t, ctx, "#content-status", "Mar 1, 2026, 12:00")
	wantText(t, ctx, "#content-history", "Scheduled")
	screenshot(t, ctx, "content-editor-en-desktop")

	// Not public before its time: not on the portal, not texted.
	if got := get(t, s.url+"/news/"+id+"?lang=zh-CN"); got.status != 404 {
		t.Errorf("the announcement before its time: %d", got.status)
	}
	if n := s.notify(t); n != 0 {
		t.Errorf("%d texts queued before the announcement's time", n)
	}

	// Midnight passes; the editor publishes.
	s.clk.Set(time.Date(2026, 2, 28, 16, 0, 30, 0, time.UTC))
	run(t, ctx, "publish", click("#content-publish"))
	wantText(t, ctx, "#content-status", "Published")
	wantText(t, ctx, "#content-history", "Published")
	run(t, ctx, "the list", click("#content-back"))
	wantText(t, ctx, ".content-link", "Ginseng tea is here")
	wantText(t, ctx, "#content-list tbody", "Published")
	if got := eval[string](t, ctx, `document.querySelector('.content-link').textContent`); got != hostileTitle {
		t.Errorf("the list shows the title as %q", got)
	}
	screenshot(t, ctx, "content-list-en-desktop")

	// The texts: once to each member not opted out, in their language.
	var members int
	if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(DISTINCT phone) FROM members WHERE status = 'active'`).Scan(&members); err != nil {
		t.Fatal(err)
	}
	if n := s.notify(t); n != members {
		t.Errorf("%d texts queued, want one to each of the %d active members (Ann's suppressed)", n, members)
	}
	s.notify(t) // again: nothing more
	if got := s.twilio.To(fangPhone); len(got) != 1 || !strings.Contains(got[0], "新品发布：人参茶新品上市") {
		t.Errorf("王芳 got %q", got)
	}
	if got := s.twilio.To(tomPhone); len(got) != 1 || !strings.Contains(got[0], "New product: <img src=x") {
		t.Errorf("Tom got %q", got)
	}
	if got := s.twilio.To(annPhone); len(got) != 0 {
		t.Errorf("Ann, opted out, got %q", got)
	}

	// On the portal, with its image sized and lazy.
	zh := browser(t, "zh-CN")
	run(t, zh, "the portal's news", chromedp.Navigate(s.url+"/news?lang=zh-CN"))
	wantText(t, zh, "main", "人参茶新品上市")
	img := eval[[]string](t, zh, `(() => { const i = document.querySelector('.card img'); return i ? [i.getAttribute('width'), i.getAttribute('height'), i.loading, String(i.complete && i.naturalWidth)] : []; })()`)
	if len(img) != 4 || img[0] != "320" || img[1] != "200" || img[2] != "lazy" {
		t.Errorf("the portal's image: %v", img)
	}
	noHorizontalScroll(t, zh, "the portal's news")
	screenshot(t, zh, "content-portal-news-zh-phone")
	run(t, zh, "search", chromedp.Navigate(s.url+"/search?lang=zh-CN&q=人参"))
	wantText(t, zh, "main", "人参茶新品上市")
	noHorizontalScroll(t, zh, "the portal's search")
	screenshot(t, zh, "content-portal-search-zh-phone")

	// On 王芳's home, in Chinese, on a phone.
	run(t, zh, "the member office", chromedp.Navigate(s.url+"/app/"))
	run(t, zh, "sign in as 王芳", signIn("wangfang", password))
	wantText(t, zh, "#announcements", "人参茶新品上市")
	wantText(t, zh, "#announcements", "温和滋补")
	if n := eval[int](t, zh, `document.querySelectorAll('#announcements img[width="320"][height="200"][loading="lazy"]').length`); n != 1 {
		t.Errorf("the home's announcement image: %d", n)
	}
	noHorizontalScroll(t, zh, "the member's home")
	screenshot(t, zh, "content-home-zh-phone")
	// In English: the title's markup is text, and nothing ran.
	run(t, zh, "English", switchLanguage("en"))
	wantText(t, zh, "#announcements h2", "New products")
	wantText(t, zh, ".announcement-title", "Ginseng tea is here")
	if got := eval[string](t, zh, `document.querySelector('.announcement-title').textContent`); got != hostileTitle {
		t.Errorf("the home shows the English title as %q", got)
	}
	if eval[bool](t, zh, `!!window.owned`) || eval[int](t, zh, `document.querySelectorAll('#announcements img[src="x"]').length`) != 0 {
		t.Error("a stored script ran on the member's home")
	}
	screenshot(t, zh, "content-home-en-phone")
}

// The editor's page on a phone in Chinese, and a member refused it.
func TestContentEditorChinesePhone(t *testing.T) {
	requireBrowser(t)
	s := newContentSite(t)
	ctx := browser(t, "zh-CN")
	run(t, ctx, "open the console", chromedp.Navigate(s.url+"/staff/content/new"))
	run(t, ctx, "sign in as the editor", signIn("editor1", password))
	wantText(t, ctx, "#content-editor-title", "新建内容")
	run(t, ctx, "a page with a bad address", chromedp.SetValue(chromedp.CSS("#content-kind"), "page"),
		chromedp.Evaluate[chromedp.Void](`document.querySelector('#content-kind').dispatchEvent(new Event('change', {bubbles: true}))`),
		setField("#content-slug", "About Us"), setField("#content-title_zh", "关于我们"), click("#content-save"))
	wantText(t, ctx, "#content-slug-error", "请用 1-64 个小写字母")
	wantText(t, ctx, "#content-body_zh-error", "有标题的语言还需要摘要或正文")
	noHorizontalScroll(t, ctx, "the editor")
	screenshot(t, ctx, "content-editor-zh-phone")
	run(t, ctx, "fix", setField("#content-slug", "about"), setField("#content-body_zh", "我们是谁。"), click("#content-save"))
	wantText(t, ctx, "#content-status", "草稿")
	run(t, ctx, "publish", click("#content-publish"))
	wantText(t, ctx, "#content-status", "已发布")
	run(t, ctx, "list", click("#content-back"))
	wantText(t, ctx, ".content-link", "关于我们")
	noHorizontalScroll(t, ctx, "the list")
	screenshot(t, ctx, "content-list-zh-phone")
	run(t, ctx, "only drafts", choose("#content-filter-status", "draft"))
	wantText(t, ctx, "#content-list", "没有符合条件的内容。")
	run(t, ctx, "pages by title", choose("#content-filter-status", ""), setField("#content-filter-q", "关于"), click("#content-filter-go"))
	wantText(t, ctx, ".content-link", "关于我们")

	// A member is not offered the page and sees none of it.
	m := browser(t, "en")
	run(t, m, "a member at the editor", chromedp.Navigate(s.url+"/staff/content"))
	run(t, m, "sign in as Tom", signIn("tom", password))
	wantText(t, m, "#not-allowed", "Not allowed")
	if n := eval[int](t, m, `document.querySelectorAll('#content-list, #nav-content').length`); n != 0 {
		t.Error("a member sees the content console")
	}
}
