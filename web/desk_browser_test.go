package web_test

import (
	"bytes"
	"context"
	"encoding/xml"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger/desk"
	"downline/ledger/goodstest"
	"downline/ledger/member"
	"downline/ledger/user"
	"downline/sms"
	"downline/sms/smstest"
)

const (
	deskSID, deskToken = "AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"
	deskPublicURL      = "https://downline.example.com"
	wangPhone          = "+8613800000002" // 王芳 (AAA), zh-CN
)

// deskOffice is newOffice with an HQ admin (hq.admin), the Twilio webhooks
// of the company number, a local Twilio-speaking server, and the notifier
// and sender that text through it.
type deskOffice struct {
	office
	twilio   *smstest.Server
	webhooks string
	notifier *sms.Notifier
	sender   *sms.Sender
}

func newDeskOffice(t *testing.T) deskOffice {
	t.Helper()
	d := deskOffice{office: newOffice(t), twilio: smstest.New(t, deskSID, deskToken)}
	goodstest.Tx(t, d.db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := user.Create(ctx, tx, user.New{Login: "hq.admin", Password: password, Role: user.Admin})
		return err
	})
	client, err := sms.NewClient(sms.Config{AccountSID: deskSID, AuthToken: deskToken, From: "+15005550006", APIURL: d.twilio.URL, Rate: 100, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	d.sender = &sms.Sender{DB: d.db, Client: client, Rate: 100, MaxAttempts: 2, Backoff: func(int) time.Duration { return 10 * time.Millisecond }}
	d.notifier = &sms.Notifier{DB: d.db, Sender: d.sender}
	if _, _, err := d.notifier.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	w := &sms.Webhooks{DB: d.db, AuthToken: deskToken, PublicURL: deskPublicURL}
	mux := http.NewServeMux()
	mux.HandleFunc("/sms/inbound", w.Inbound)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	d.webhooks = srv.URL
	return d
}

// text sends body from phone to the company number, as Twilio would, and
// returns the answer.
func (d deskOffice) text(t *testing.T, sid, from, body string) string {
	t.Helper()
	form := url.Values{"From": {from}, "To": {"+15005550006"}, "Body": {body}, "MessageSid": {sid}, "AccountSid": {deskSID}}
	req, _ := http.NewRequest(http.MethodPost, d.webhooks+"/sms/inbound", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Twilio-Signature", smstest.Sign(deskToken, deskPublicURL+"/sms/inbound", form))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r struct {
		Message []string `xml:"Message"`
	}
	if err := xml.NewDecoder(res.Body).Decode(&r); err != nil || len(r.Message) != 1 {
		t.Fatalf("TwiML: %+v, %v", r, err)
	}
	return r.Message[0]
}

// texted sends what the notifier queues and returns what phone received.
func (d deskOffice) texted(t *testing.T, phone string) []string {
	t.Helper()
	ctx := context.Background()
	if _, err := d.notifier.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.sender.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	return d.twilio.To(phone)
}

// testPNG is an 8 × 6 PNG.
func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 6))
	for x := 0; x < 8; x++ {
		for y := 0; y < 6; y++ {
			img.Set(x, y, color.RGBA{R: 200, G: 60, B: 40, A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// A member opens a ticket on the web with a photo (bad input first, named
// next to its fields; a script in the text stays text), another arrives by text, and a
// third, opened three days ago by a member of the team, is past its due
// time. HQ's board shows that one first, marked overdue; HQ assigns the web
// ticket, adds an internal note and replies. The member gets the reply by
// text and sees it on the web, without the note. In both languages, on a
// phone and a desktop.
func TestServiceDesk(t *testing.T) {
	requireBrowser(t)
	d := newDeskOffice(t)
	bg := context.Background()

	// The overdue ticket: AAA1's delivery question of three days ago (due in 24 h).
	var old desk.Ticket
	aaa1, err := member.Get(bg, d.db.Pool, "AAA1")
	if err != nil {
		t.Fatal(err)
	}
	goodstest.Tx(t, d.db, func(_ context.Context, tx pgx.Tx) (err error) {
		ctx := clock.With(bg, clock.Fixed(time.Now().Add(-72*time.Hour)))
		old, err = desk.Open(ctx, tx, desk.Owner{Member: aaa1.ID}, desk.NewTicket{Category: desk.Delivery, Text: "包裹一直没有送到"},
			desk.Source{By: "user:AAA1", Lang: "zh-CN"})
		return err
	})

	// 王芳 opens a ticket on her phone, in Chinese.
	mem := browser(t, "zh-CN")
	run(t, mem, "open the tickets", phone(), chromedp.Navigate(d.url+"/app/tickets"))
	run(t, mem, "sign in as 王芳", signIn("wangfang", password))
	wantText(t, mem, "#my-tickets", "暂无服务单")
	run(t, mem, "new ticket", click("#new-ticket"))
	wantText(t, mem, "#ticket-category", "投诉")
	run(t, mem, "submit it empty", click("#ticket-submit"))
	wantText(t, mem, "#ticket-category-error", "请选择服务单类别。")
	wantText(t, mem, "#ticket-text-error", "请填写问题内容。")
	wantText(t, mem, "#ticket-order", d.orderNo)
	if n := eval[int](t, mem, `document.querySelectorAll('#ticket-order option').length`); n != 2 {
		t.Errorf("the order list offers %d options, want none and her one order", n)
	}
	// Photos: a text file is refused next to the field, a PNG is taken.
	dir := t.TempDir()
	notImage, photo := filepath.Join(dir, "note.png"), filepath.Join(dir, "cap.png")
	if err := os.WriteFile(notImage, []byte("not a picture"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(photo, testPNG(t), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, mem, "attach a text file", chromedp.SetUploadFiles(chromedp.CSS("#ticket-photos"), []string{notImage}))
	wantText(t, mem, "#ticket-photos-error", "此文件不是照片")
	run(t, mem, "attach a photo", chromedp.SetUploadFiles(chromedp.CSS("#ticket-photos"), []string{photo}))
	wantText(t, mem, "#ticket-photos-list", "删除照片 1")
	const script = `<script>window.__hacked = 1</script><img src=x onerror="window.__hacked = 2">`
	run(t, mem, "fill the form", choose("#ticket-category", "quality"), choose("#ticket-order", d.orderNo),
		typeInto("#ticket-text", "收到的维生素瓶盖破损"+script))
	noHorizontalScroll(t, mem, "the new ticket form")
	screenshot(t, mem, "desk-new-ticket-phone-zh")
	run(t, mem, "submit", click("#ticket-submit"))
	wantText(t, mem, "#ticket-notice", "已提交")
	wantText(t, mem, "#ticket-history", `onerror="window.__hacked = 2"`)
	if v := eval[any](t, mem, `window.__hacked === undefined ? null : window.__hacked`); v != nil {
		t.Fatalf("the stored script ran: window.__hacked = %v", v)
	}
	if n := eval[int](t, mem, `document.querySelectorAll('#ticket-history script, #ticket-history .event-body *').length`); n != 0 {
		t.Errorf("the text became %d elements", n)
	}
	// The photo is on the ticket, served by the media store.
	_, err = chromedp.Run(mem, chromedp.PollFunction[chromedp.Void](
		`() => { const i = document.querySelector('#ticket-history .ticket-photos img'); return !!i && i.complete && i.naturalWidth === 8; }`,
		chromedp.WithPollingTimeout(0)))
	if err != nil {
		t.Fatalf("the ticket's photo never showed: %v", err)
	}
	webNo := eval[string](t, mem, `document.querySelector('#ticket-head .order-no').innerText`)
	wantText(t, mem, "#ticket-head", d.orderNo)
	wantText(t, mem, "#ticket-state", "待处理")

	// Another by text, from her phone.
	answer := d.text(t, "SMdesk1", wangPhone, "投诉 人参茶的味道和以前不一样")
	if !strings.Contains(answer, "已收到您的投诉，工单号 T") {
		t.Fatalf("the answer to 投诉: %q", answer)
	}
	smsNo := answer[strings.Index(answer, "T"):][:7]

	// HQ's board, in English on a desktop: the overdue ticket first.
	hq := browser(t, "en-US")
	run(t, hq, "open the board", desktop(), chromedp.Navigate(d.url+"/staff/tickets"))
	run(t, hq, "sign in as HQ", signIn("hq.admin", password))
	wantText(t, hq, "#tickets", smsNo)
	if first := eval[string](t, hq, `document.querySelector('#tickets tbody tr').dataset.ticket`); first != old.No {
		t.Errorf("the board's first ticket is %s, want the overdue %s", first, old.No)
	}
	wantText(t, hq, `#tickets tr[data-ticket="`+old.No+`"]`, "Overdue")
	wantText(t, hq, `#tickets tr[data-ticket="`+webNo+`"]`, "Product quality")
	wantText(t, hq, `#tickets tr[data-ticket="`+smsNo+`"]`, "王芳 (AAA)")
	if n := eval[int](t, hq, `document.querySelectorAll('#tickets .badge.overdue').length`); n != 1 {
		t.Errorf("%d tickets marked overdue, want 1", n)
	}
	screenshot(t, hq, "desk-board-desktop-en")
	run(t, hq, "only the overdue", click("#filter-overdue"))
	wantText(t, hq, "#tickets-shown", "1 shown")
	run(t, hq, "all again, by category", click("#filter-overdue"), choose("#filter-category", "quality"))
	wantText(t, hq, "#tickets-shown", "1 shown")
	wantText(t, hq, "#tickets", webNo)

	// HQ works the web ticket: assign, note, reply.
	run(t, hq, "open the web ticket", click(`#tickets tr[data-ticket="`+webNo+`"] a`))
	wantText(t, hq, "#ticket-history", "收到的维生素瓶盖破损")
	if n := eval[int](t, hq, `document.querySelectorAll('#ticket-history .ticket-photos img').length`); n != 1 {
		t.Errorf("HQ sees %d photos on the ticket, want 1", n)
	}
	if v := eval[any](t, hq, `window.__hacked === undefined ? null : window.__hacked`); v != nil {
		t.Fatalf("the stored script ran in the staff console: %v", v)
	}
	run(t, hq, "reply without text", click("#reply-submit"))
	wantText(t, hq, "#reply-text-error", "Write what the ticket is about.")
	run(t, hq, "assign to me", click("#assign-me"))
	wantText(t, hq, "#ticket-assignee", "hq.admin")
	run(t, hq, "note", typeInto("#note-text", "Batch B1 caps: ask the supplier"), click("#note-submit"))
	wantText(t, hq, "#ticket-history", "Internal note")
	const reply = "Sorry! A new bottle goes out today."
	run(t, hq, "attach a photo to the reply", chromedp.SetUploadFiles(chromedp.CSS("#reply-photos"), []string{photo}))
	wantText(t, hq, "#reply-photos-list", "Remove photo 1")
	run(t, hq, "reply", typeInto("#reply-text", reply), click("#reply-submit"))
	wantText(t, hq, "#ticket-state", "Waiting for the member")
	screenshot(t, hq, "desk-ticket-desktop-en")

	// The reply reaches her by text, and on the web without the note.
	// (Today's product launches are texted too: the catalogue is new.)
	var got []string
	for _, b := range d.texted(t, wangPhone) {
		if strings.HasPrefix(b, "工单") {
			got = append(got, b)
		}
	}
	if len(got) != 1 || got[0] != "工单 "+webNo+" 有新回复："+reply {
		t.Errorf("王芳 received %q about tickets", got)
	}
	run(t, mem, "reload her ticket", chromedp.Reload())
	wantText(t, mem, "#ticket-history", reply)
	wantText(t, mem, "#ticket-history", "客服")
	wantText(t, mem, "#ticket-state", "待您回复")
	if n := eval[int](t, mem, `document.querySelectorAll('#ticket-history .event-replied .ticket-photos img').length`); n != 1 {
		t.Errorf("the member sees %d photos with HQ's reply, want 1", n)
	}
	if strings.Contains(eval[string](t, mem, `document.body.innerText`), "supplier") {
		t.Errorf("the member sees HQ's internal note")
	}
	noHorizontalScroll(t, mem, "a ticket")
	screenshot(t, mem, "desk-ticket-phone-zh")
	run(t, mem, "answer", typeInto("#reply-text", "谢谢"), click("#reply-send"))
	wantText(t, mem, "#ticket-state", "处理中")

	// Her list has both tickets; in English on a desktop too.
	run(t, mem, "her list", chromedp.Navigate(d.url+"/app/tickets"))
	wantText(t, mem, "#my-tickets", smsNo)
	wantText(t, mem, "#my-tickets", webNo)
	if strings.Contains(eval[string](t, mem, `document.body.innerText`), old.No) {
		t.Errorf("王芳 sees AAA1's ticket")
	}
	noHorizontalScroll(t, mem, "the ticket list")
	screenshot(t, mem, "desk-list-phone-zh")
	run(t, mem, "English, desktop", switchLanguage("en"), desktop())
	wantText(t, mem, "#my-tickets", "Being handled")
	screenshot(t, mem, "desk-list-desktop-en")
	// Another member's ticket reads as missing.
	run(t, mem, "AAA1's ticket", chromedp.Navigate(d.url+"/app/tickets/"+old.No))
	wantText(t, mem, "main", "Not found")

	// A shop customer follows its own tickets in the member office.
	goodstest.Tx(t, d.db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := user.Create(ctx, tx, user.New{Login: "shopper", Password: password, Role: user.Customer})
		return err
	})
	cust := browser(t, "en-US")
	run(t, cust, "the customer signs in", phone(), chromedp.Navigate(d.url+"/app/"))
	run(t, cust, "sign in as a customer", signIn("shopper", password))
	wantText(t, cust, "#my-tickets", "No tickets yet")
	if n := eval[int](t, cust, `document.querySelectorAll('nav.nav a').length`); n != 1 {
		t.Errorf("the customer's navigation has %d pages, want its tickets only", n)
	}
	run(t, cust, "new ticket", click("#new-ticket"))
	wantText(t, cust, "#ticket-category", "Delivery")
	if n := eval[int](t, cust, `document.querySelectorAll('#ticket-order').length`); n != 0 {
		t.Errorf("a customer is offered a member's order list")
	}
	run(t, cust, "open a ticket", choose("#ticket-category", "delivery"), typeInto("#ticket-text", "Where is my parcel?"), click("#ticket-submit"))
	wantText(t, cust, "#ticket-notice", "is open")
	noHorizontalScroll(t, cust, "a customer's ticket")
	run(t, cust, "王芳's ticket", chromedp.Navigate(d.url+"/app/tickets/"+webNo))
	wantText(t, cust, "main", "Not found")

	// The board in Chinese on a phone.
	run(t, hq, "the board on a phone, in Chinese", switchLanguage("zh-CN"), phone(), chromedp.Navigate(d.url+"/staff/tickets"))
	wantText(t, hq, `#tickets tr[data-ticket="`+old.No+`"]`, "已超时")
	noHorizontalScroll(t, hq, "the board")
	screenshot(t, hq, "desk-board-phone-zh")

	// The SLA of bonus questions: 0 hours is refused next to the field, 12 saved.
	run(t, hq, "open the SLAs", click("#sla-editor summary"))
	wantText(t, hq, "#sla-editor", "奖金咨询")
	run(t, hq, "0 hours", typeInto("#sla-bonus", "0"), click("#sla-bonus-save"))
	wantText(t, hq, "#sla-bonus-result", "请输入 1 到 2160")
	run(t, hq, "12 hours", typeInto("#sla-bonus", "12"), click("#sla-bonus-save"))
	wantText(t, hq, "#sla-bonus-result", "已保存")
	var hours float64
	if err := d.db.Pool.QueryRow(bg, `SELECT extract(epoch FROM sla) / 3600 FROM desk_categories WHERE category = 'bonus'`).Scan(&hours); err != nil || hours != 12 {
		t.Errorf("the bonus SLA is %v hours (%v), want 12", hours, err)
	}
	noHorizontalScroll(t, hq, "the SLA editor")
	screenshot(t, hq, "desk-sla-phone-zh")
}
