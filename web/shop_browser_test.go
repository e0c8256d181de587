package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
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
	"downline/ledger/order"
	"downline/ledger/user"
	"downline/payment"
	"downline/shop"
	"downline/sms"
	"downline/sms/smstest"
)

// shopSite is the shop over a small ledger (goodstest.World, the member
// AAA who refers customers, a finance login), texting through a local
// Twilio-speaking server, with the server's clock set by the test.
type shopSite struct {
	url string
	db  *ledger.DB
	clk *movable
	tw  *smstest.Server
}

func newShopSite(t *testing.T, start time.Time) shopSite {
	t.Helper()
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := member.Register(ctx, tx, member.Registration{Code: "AAA", Name: "王芳", Phone: "+8613800000002", By: "test"}); err != nil {
			return err
		}
		_, err := user.Create(ctx, tx, user.New{Login: "finance", Password: password, Role: user.Finance})
		return err
	})
	const sid, token = "AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"
	tw := smstest.New(t, sid, token)
	client, err := sms.NewClient(sms.Config{AccountSID: sid, AuthToken: token, From: "+15005550006", APIURL: tw.URL})
	if err != nil {
		t.Fatal(err)
	}
	s := shopSite{db: db, clk: &movable{}, tw: tw}
	s.clk.Set(start)
	srv := &api.Server{DB: db, Graph: memory.New(), Shop: &shop.Service{DB: db, SMS: client, Provider: payment.NewLocal(nil)}}
	h := srv.Handler()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(clock.With(r.Context(), s.clk)))
	}))
	t.Cleanup(ts.Close)
	s.url = ts.URL
	return s
}

var sixDigits = regexp.MustCompile(`\b[0-9]{6}\b`)

// code is the code of the last text to phone.
func (s shopSite) code(t *testing.T, phone string) string {
	t.Helper()
	texts := s.tw.To(phone)
	if len(texts) == 0 {
		t.Fatalf("nothing was texted to %s", phone)
	}
	return sixDigits.FindString(texts[len(texts)-1])
}

// pressAndLoad presses the button sel and waits for the page the form leads to.
func pressAndLoad(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	origin := eval[float64](t, ctx, `performance.timeOrigin`)
	run(t, ctx, "press "+sel, click(sel))
	newPage(t, ctx, origin)
}

// newPage waits until a document other than the one of origin has loaded.
func newPage(t *testing.T, ctx context.Context, origin float64) {
	t.Helper()
	check := fmt.Sprintf(`performance.timeOrigin !== %s && document.readyState === 'complete'`, strconv.FormatFloat(origin, 'f', -1, 64))
	for {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](check)); err == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no new page after the form: %v", ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// see waits until the element sel shows text containing want, as
// wantText does, asking again when the page was replaced under the
// question (a form's answer loading); wantText reports a failure.
func see(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	check := fmt.Sprintf(`(() => { const el = document.querySelector(%q); return document.readyState === 'complete' && !!el && el.innerText.includes(%q); })()`, sel, want)
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); {
		if ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](check)); err == nil && ok {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %q in %s: %v", want, sel, ctx.Err())
		case <-time.After(50 * time.Millisecond):
		}
	}
	wantText(t, ctx, sel, want)
}

// shopWords are what the pages say in each language.
type shopWords struct {
	lang, inStock, added, codeSent, wait, expired, welcome, postcode, paid, confirmed, shipped, windowEnded, returnNoted string
}

var shopLangs = []shopWords{
	{lang: "en", inStock: "In stock", added: "Added to your cart.", codeSent: "A code is on its way", wait: "ask for another in 60 seconds",
		expired: "The code has expired", welcome: "Welcome! You are signed in.", postcode: "The postcode is 6 digits.",
		paid: "Paid, awaiting confirmation", confirmed: "Confirmed, being packed", shipped: "Shipped",
		windowEnded: "The return window ended on", returnNoted: "Return asked for"},
	{lang: "zh-CN", inStock: "有货", added: "已加入购物车。", codeSent: "验证码已发送至", wait: "请 60 秒后再试",
		expired: "验证码已过期", welcome: "注册成功，已登录。", postcode: "邮政编码为 6 位数字。",
		paid: "已付款，待财务确认", confirmed: "已确认，待发货", shipped: "已发货",
		windowEnded: "退货期已于", returnNoted: "退货申请已提交"},
}

// A visitor, on a phone, in English and in Chinese: follows a member's
// link, fills a cart, signs up with the code texted to the phone (a second
// code at once is refused with the wait named; an eleven-minute-old code
// is refused as expired), checks out (a wrong postcode named next to its
// field; the order form sent twice at once orders once), pays through the
// local provider, and sees the order change as finance confirms it and
// the warehouse ships it; a return asked for after the window is refused,
// one inside it taken.
func TestShopCustomerJourney(t *testing.T) {
	requireChromium(t)
	for i, w := range shopLangs {
		t.Run(w.lang, func(t *testing.T) {
			start := time.Date(2027, 1, 31, 2, 0, 0, 0, time.UTC) // 10:00 in Shanghai
			s := newShopSite(t, start)
			phone := fmt.Sprintf("+861391111222%d", i)
			ctx := browser(t, w.lang)
			shot := func(name string) { screenshot(t, ctx, "shop-"+name+"-"+w.lang) }
			lang := "&lang=" + w.lang

			run(t, ctx, "open the shop", chromedp.Navigate(s.url+"/shop?ref=AAA"+lang))
			see(t, ctx, `[data-sku="VC-100"] .stock`, w.inStock)
			see(t, ctx, `[data-sku="VC-100"] .price`, "¥125.00")
			noHorizontalScroll(t, ctx, "the catalogue")
			shot("catalogue")
			run(t, ctx, "two VC-100", typeInto("#qty-VC-100", "2"))
			pressAndLoad(t, ctx, `[data-sku="VC-100"] button`)
			see(t, ctx, ".note", w.added)
			pressAndLoad(t, ctx, `[data-sku="TEA-200"] button`)
			run(t, ctx, "open the cart", chromedp.Navigate(s.url+"/shop/cart?x=1"+lang))
			see(t, ctx, "#total", "¥294.38")
			run(t, ctx, "three TEA-200", typeInto("#qty-TEA-200", "3"))
			pressAndLoad(t, ctx, `[data-sku="TEA-200"] button[value=set]`)
			see(t, ctx, "#total", "¥383.14")
			noHorizontalScroll(t, ctx, "the cart")
			shot("cart")
			pressAndLoad(t, ctx, `[data-sku="TEA-200"] button[value=remove]`)
			see(t, ctx, "#total", "¥250.00")

			// Sign up (the checkout asks to sign in first).
			follow(t, ctx, "#checkout")
			follow(t, ctx, `main a[href^="/shop/signup"]`)
			run(t, ctx, "phone", typeInto("#phone", phone[3:]))
			pressAndLoad(t, ctx, `main form button`)
			see(t, ctx, ".note", w.codeSent)
			first := s.code(t, phone)
			run(t, ctx, "again at once", chromedp.Navigate(s.url+"/shop/signup?x=1"+lang))
			run(t, ctx, "phone", typeInto("#phone", phone))
			pressAndLoad(t, ctx, `main form button`)
			see(t, ctx, "#phone-err", w.wait)
			shot("code-wait")
			if n := len(s.tw.To(phone)); n != 1 {
				t.Fatalf("%d texts to %s", n, phone)
			}
			run(t, ctx, "back to the code", chromedp.Navigate(s.url+"/shop/signup?phone="+strings.ReplaceAll(phone, "+", "%2B")+lang))
			s.clk.Set(start.Add(11 * time.Minute))
			if got := eval[string](t, ctx, `document.getElementById('referrer').value`); got != "AAA" {
				t.Fatalf("the referring member from the link: %q", got)
			}
			run(t, ctx, "the old code", typeInto("#code", first), typeInto("#name", "陈静"), typeInto("#password", "shop password"))
			pressAndLoad(t, ctx, `main form button`)
			see(t, ctx, "#code-err", w.expired)
			shot("code-expired")
			run(t, ctx, "a new code", chromedp.Navigate(s.url+"/shop/signup?x=1"+lang), typeInto("#phone", phone))
			pressAndLoad(t, ctx, `main form button`)
			see(t, ctx, ".note", w.codeSent)
			run(t, ctx, "the new code", typeInto("#code", s.code(t, phone)), typeInto("#name", "陈静"), typeInto("#password", "shop password"))
			pressAndLoad(t, ctx, `main form button`)
			see(t, ctx, ".note", w.welcome)

			// Check out: a wrong postcode, then the form sent twice at once.
			run(t, ctx, "address", typeInto("#province", "上海市"), typeInto("#city", "上海市"), typeInto("#street", "浦东新区世纪大道 100 号"), typeInto("#postcode", "2001"))
			pressAndLoad(t, ctx, "#place")
			see(t, ctx, "#postcode-err", w.postcode)
			noHorizontalScroll(t, ctx, "the checkout")
			shot("checkout-error")
			run(t, ctx, "postcode", typeInto("#postcode", "200120"))
			origin := eval[float64](t, ctx, `performance.timeOrigin`)
			run(t, ctx, "double submit", chromedp.Evaluate[chromedp.Void](`(() => { const f = document.querySelector('#place').form; f.requestSubmit(); f.requestSubmit(); })()`))
			newPage(t, ctx, origin)
			see(t, ctx, "#amount", "¥250.00")
			var orders int
			if err := s.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM orders WHERE kind = 'shop'`).Scan(&orders); err != nil || orders != 1 {
				t.Fatalf("%d shop orders (%v)", orders, err)
			}
			shot("pay")
			pressAndLoad(t, ctx, "#pay")
			see(t, ctx, "#status", w.paid)
			shot("paid")
			no := eval[string](t, ctx, `document.querySelector('main h1').innerText.split(' ').pop()`)

			// Finance confirms from its queue; the customer sees it.
			var fin struct{ Token string }
			if a := post(t, s.url+"/api/v1/auth/login", "", map[string]string{"login": "finance", "password": password}, &fin); a.status != 200 {
				t.Fatalf("finance sign-in: %d %s", a.status, a.body)
			}
			var queue struct {
				Items []struct{ No, Order string }
			}
			if err := getJSON(s.url+"/api/v1/payments?status=recorded", fin.Token, &queue); err != nil || len(queue.Items) != 1 || queue.Items[0].Order != no {
				t.Fatalf("finance's queue: %+v %v", queue, err)
			}
			if a := postKey(t, s.url+"/api/v1/payments/"+queue.Items[0].No+"/confirm", fin.Token, "confirm-"+no, map[string]string{}, nil); a.status != 200 {
				t.Fatalf("confirm: %d %s", a.status, a.body)
			}
			run(t, ctx, "reload", chromedp.Reload())
			see(t, ctx, "#status", w.confirmed)
			shipped := time.Date(2027, 1, 31, 15, 30, 0, 0, time.UTC) // 23:30 on 31 January in Shanghai
			goodstest.Tx(t, s.db, func(_ context.Context, tx pgx.Tx) error {
				_, err := order.Ship(clock.With(context.Background(), clock.Fixed(shipped)), tx,
					order.ShipRequest{Key: "ship-" + no, Order: no, Tracking: "SF7001", Carrier: "SF Express", By: "user:warehouse"})
				return err
			})
			run(t, ctx, "reload", chromedp.Reload())
			see(t, ctx, "#status", w.shipped)
			see(t, ctx, "#shipment", "SF7001")
			shot("shipped")

			// The 30-day window ends on 2 March: a second after, refused.
			s.clk.Set(shipped.AddDate(0, 0, 30).Add(time.Second))
			run(t, ctx, "reason", typeInto("#reason", "wrong size"))
			pressAndLoad(t, ctx, "#ask-return")
			see(t, ctx, ".alert", w.windowEnded)
			see(t, ctx, "#return-closed", w.windowEnded)
			shot("return-refused")
			s.clk.Set(shipped.AddDate(0, 0, 30))
			run(t, ctx, "the order again", chromedp.Navigate(s.url+"/shop/orders/"+no+"?x=1"+lang))
			run(t, ctx, "reason", typeInto("#reason", "wrong size"))
			pressAndLoad(t, ctx, "#ask-return")
			see(t, ctx, ".note", w.returnNoted)
			noHorizontalScroll(t, ctx, "the order")
			run(t, ctx, "desktop", desktop())
			shot("order-desktop")
		})
	}
}

// getJSON decodes the answer of a GET with a bearer token into out.
func getJSON(url, token string, out any) error {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, res.Status)
	}
	return json.NewDecoder(res.Body).Decode(out)
}
