package api_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger/order"
	"downline/payment"
	"downline/shop"
	"downline/sms"
	"downline/sms/smstest"
)

var codeRE = regexp.MustCompile(`\b[0-9]{6}\b`)

// lastCode is the code in the last text the local Twilio took for phone.
func lastCode(t *testing.T, tw *smstest.Server, phone string) string {
	t.Helper()
	texts := tw.To(phone)
	if len(texts) == 0 {
		t.Fatalf("no text to %s", phone)
	}
	c := codeRE.FindString(texts[len(texts)-1])
	if c == "" {
		t.Fatalf("no code in %q", texts[len(texts)-1])
	}
	return c
}

func cookieOf(r resp, name string) string {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// A visitor signs up with the code texted through Twilio (the local one),
// fills a cart, orders it twice under one key (once), pays through the
// local provider, whose callback is signed and may repeat; finance
// confirms from its queue and the customer sees the order confirmed,
// shipped, and asks for a return inside the window, which across the
// month end is refused a second after it.
func TestShopJourney(t *testing.T) {
	w := newWorld(t)
	const sid, token = "AC0123456789abcdef0123456789abcdef", "0123456789abcdef0123456789abcdef"
	tw := smstest.New(t, sid, token)
	client, err := sms.NewClient(sms.Config{AccountSID: sid, AuthToken: token, From: "+15005550006", APIURL: tw.URL})
	if err != nil {
		t.Fatal(err)
	}
	local := payment.NewLocal([]byte("test key"))
	w.srv.Shop = &shop.Service{DB: w.db, SMS: client, Provider: local}
	w.h = w.srv.Handler()
	start := time.Date(2027, 1, 31, 10, 0, 0, 0, time.UTC)
	ctx := clock.With(context.Background(), clock.Fixed(start))
	at := func(d time.Duration, method, path, tok string, body any, hdr ...string) resp {
		return w.callOn(clock.With(context.Background(), clock.Fixed(start.Add(d))), w.h, method, path, tok, body, hdr...)
	}

	const phone = "+8613911112222"
	if r := at(0, "POST", "/api/v1/shop/codes", "", map[string]any{"phone": "139 1111 2222", "lang": "en"}); r.status != 201 {
		t.Fatalf("code: %d %s", r.status, r.body)
	}
	first := lastCode(t, tw, phone)
	if !strings.Contains(tw.To(phone)[0], "good for 10 minutes") {
		t.Fatalf("text: %q", tw.To(phone)[0])
	}
	r := at(30*time.Second, "POST", "/api/v1/shop/codes", "", map[string]any{"phone": phone})
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") != "30" || !strings.Contains(string(r.body), "ask for another in 30 seconds") {
		t.Fatalf("second code at once: %d %v %s", r.status, r.header, r.body)
	}
	if len(tw.To(phone)) != 1 {
		t.Fatal("a refused code was texted")
	}
	signUp := map[string]any{"phone": phone, "code": first, "name": "Chen Jing", "password": "shop password", "referrer": "AAA"}
	// Eleven minutes later the code has expired.
	if r := at(11*time.Minute, "POST", "/api/v1/shop/customers", "", signUp); r.status != 422 || !strings.Contains(string(r.body), "expired") {
		t.Fatalf("expired code: %d %s", r.status, r.body)
	}
	if r := at(12*time.Minute, "POST", "/api/v1/shop/codes", "", map[string]any{"phone": phone}); r.status != 201 {
		t.Fatalf("new code: %d %s", r.status, r.body)
	}
	signUp["code"] = lastCode(t, tw, phone)
	r = at(13*time.Minute, "POST", "/api/v1/shop/customers", "", signUp)
	if r.status != 201 || r.json(t)["login"] != "c8613911112222" || r.json(t)["referrer"] != "AAA" {
		t.Fatalf("sign-up: %d %s", r.status, r.body)
	}
	if r := at(13*time.Minute, "POST", "/api/v1/shop/customers", "", signUp); r.status != 422 {
		t.Fatalf("the code worked twice: %d %s", r.status, r.body)
	}
	r = at(14*time.Minute, "POST", "/api/v1/auth/login", "", map[string]any{"login": "c8613911112222", "password": "shop password"})
	if r.status != 200 {
		t.Fatalf("sign-in: %d %s", r.status, r.body)
	}
	cust := r.json(t)["token"].(string)

	// The cart, named by its cookie.
	r = at(15*time.Minute, "POST", "/api/v1/shop/cart/lines", "", map[string]any{"sku": "VC-100", "qty": 2})
	cart := cookieOf(r, shop.CartCookie)
	if r.status != 200 || cart == "" {
		t.Fatalf("cart: %d %s", r.status, r.body)
	}
	ck := "Cookie"
	r = at(15*time.Minute, "POST", "/api/v1/shop/cart/lines", "", map[string]any{"sku": "TEA-200", "qty": 1, "add": true}, ck, shop.CartCookie+"="+cart)
	if r.status != 200 || !strings.Contains(string(r.body), `"total":"294.38"`) {
		t.Fatalf("cart: %d %s", r.status, r.body)
	}
	// A bad address is refused whole; then a double click orders once.
	addr := map[string]any{"recipient": "陈静", "phone": "13911112222", "province": "上海市", "city": "上海市", "street": "浦东新区世纪大道 100 号", "postcode": "200120"}
	r = at(16*time.Minute, "POST", "/api/v1/shop/orders", cust, map[string]any{"address": map[string]any{"recipient": "x", "postcode": "1"}}, "Idempotency-Key", "ck-1", ck, shop.CartCookie+"="+cart)
	if r.status != 422 || !strings.Contains(string(r.body), "postcode") || !strings.Contains(string(r.body), "province") {
		t.Fatalf("bad address: %d %s", r.status, r.body)
	}
	var nos []string
	for i := 0; i < 2; i++ {
		r = at(16*time.Minute, "POST", "/api/v1/shop/orders", cust, map[string]any{"address": addr}, "Idempotency-Key", "ck-2", ck, shop.CartCookie+"="+cart)
		if r.status != 201 {
			t.Fatalf("checkout %d: %d %s", i, r.status, r.body)
		}
		nos = append(nos, r.json(t)["order"].(map[string]any)["no"].(string))
	}
	no := nos[0]
	if nos[1] != no || !strings.HasPrefix(r.json(t)["pay_url"].(string), "/shop/pay/PAY") {
		t.Fatalf("two clicks: %v %s", nos, r.body)
	}
	var shopOrders int
	if err := w.db.Pool.QueryRow(ctx, `SELECT count(*) FROM shop_orders`).Scan(&shopOrders); err != nil || shopOrders != 1 {
		t.Fatalf("%d shop orders", shopOrders)
	}
	ref := r.json(t)["payment"].(map[string]any)["ref"].(string)

	// The provider's callback: a forged one is refused, a signed one pays
	// once however often it comes.
	body, sig := local.Callback(ref, mustGet(t, w.db, no).Total)
	if r := at(17*time.Minute, "POST", "/api/v1/shop/payments/local/callback", "", body, "X-Signature", strings.Repeat("0", 64)); r.status != 403 {
		t.Fatalf("forged callback: %d %s", r.status, r.body)
	}
	for i := 0; i < 2; i++ {
		if r := at(17*time.Minute, "POST", "/api/v1/shop/payments/local/callback", "", body, "X-Signature", sig); r.status != 200 || !strings.Contains(string(r.body), `"status":"paid"`) {
			t.Fatalf("callback %d: %d %s", i, r.status, r.body)
		}
	}
	r = at(18*time.Minute, "GET", "/api/v1/shop/orders/"+no, cust, nil)
	if r.status != 200 || r.json(t)["status"] != "paid" || r.json(t)["payment"] != "paid" {
		t.Fatalf("paid order: %d %s", r.status, r.body)
	}
	// Finance finds it in the queue and confirms it.
	fin := w.token("finance")
	r = w.call("GET", "/api/v1/payments?status=recorded", fin, nil)
	if r.status != 200 || strings.Count(string(r.body), no) != 1 {
		t.Fatalf("finance queue: %d %s", r.status, r.body)
	}
	pays, err := order.Payments(ctx, w.db.Pool, no)
	if err != nil || len(pays) != 1 || pays[0].Reference != "local:"+ref {
		t.Fatalf("payments %+v %v", pays, err)
	}
	if r := at(20*time.Minute, "POST", "/api/v1/payments/"+pays[0].No+"/confirm", fin, map[string]any{}, "Idempotency-Key", "conf-1"); r.status != 200 {
		t.Fatalf("confirm: %d %s", r.status, r.body)
	}
	if r = at(21*time.Minute, "GET", "/api/v1/shop/orders/"+no, cust, nil); r.json(t)["status"] != "confirmed" {
		t.Fatalf("confirmed: %s", r.body)
	}
	// Nobody else sees it.
	if r := w.call("GET", "/api/v1/shop/orders/"+no, w.token("shopper"), nil); r.status != 404 {
		t.Fatalf("another customer: %d", r.status)
	}
	// Shipped at 23:00 on 31 January: the 30-day window ends on 2 March.
	shipped := time.Date(2027, 1, 31, 23, 0, 0, 0, time.UTC)
	txAt(t, w.db, clock.With(ctx, clock.Fixed(shipped)), func(ctx context.Context, tx pgx.Tx) error {
		_, err := order.Ship(ctx, tx, order.ShipRequest{Key: "ship-1", Order: no, Tracking: "SF1001", Carrier: "SF Express", By: "test"})
		return err
	})
	r = at(time.Hour, "GET", "/api/v1/shop/orders", cust, nil)
	if r.status != 200 || !strings.Contains(string(r.body), `"tracking":"SF1001"`) || !strings.Contains(string(r.body), `"carrier":"SF Express"`) {
		t.Fatalf("tracking: %d %s", r.status, r.body)
	}
	late := shipped.AddDate(0, 0, 30).Add(time.Second).Sub(start)
	r = at(late, "POST", "/api/v1/shop/orders/"+no+"/return-requests", cust, map[string]any{"reason": "too late"})
	if r.status != 422 || !strings.Contains(string(r.body), "30-day return window of order "+no+" ended on 2027-03-02") {
		t.Fatalf("late return: %d %s", r.status, r.body)
	}
	r = at(late-2*time.Second, "POST", "/api/v1/shop/orders/"+no+"/return-requests", cust, map[string]any{"reason": "wrong size"})
	if r.status != 201 || r.json(t)["return_reason"] != "wrong size" {
		t.Fatalf("return: %d %s", r.status, r.body)
	}
	if r := w.call("GET", "/api/v1/shop/return-requests", w.token("warehouse"), nil); r.status != 200 || !strings.Contains(string(r.body), no) {
		t.Fatalf("warehouse's list: %d %s", r.status, r.body)
	}
	// The referring member sees the customer and the order; another member does not.
	r = w.call("GET", "/api/v1/members/AAA/referred", w.token("AAA"), nil)
	if r.status != 200 || r.json(t)["orders"].(float64) != 1 || !strings.Contains(string(r.body), `"phone":"+86139****2222"`) {
		t.Fatalf("referred: %d %s", r.status, r.body)
	}
	if r := w.call("GET", "/api/v1/members/AAA/referred", w.token("BBB"), nil); r.status != 404 {
		t.Fatalf("another member reads AAA's referrals: %d", r.status)
	}
}

// The shop's sign-in page shares the API's throttle: after five wrong
// passwords for a phone from one address, the sixth try waits, and says
// how long.
func TestShopSignInThrottled(t *testing.T) {
	w := newWorld(t)
	page := w.call("GET", "/shop/signin?lang=en", "", nil)
	cart := cookieOf(page, shop.CartCookie)
	_, rest, _ := strings.Cut(string(page.body), `name="csrf" value="`)
	csrf, _, _ := strings.Cut(rest, `"`)
	if page.status != 200 || cart == "" || csrf == "" {
		t.Fatalf("sign-in page: %d", page.status)
	}
	var last resp
	for i := 0; i < 6; i++ {
		last = w.call("POST", "/shop/signin", "", "csrf="+csrf+"&lang=en&phone=13911113333&password=wrong+password",
			"Content-Type", "application/x-www-form-urlencoded", "Cookie", shop.CartCookie+"="+cart)
		if i < 5 && (last.status != 422 || !strings.Contains(string(last.body), "Wrong mobile number or password.")) {
			t.Fatalf("try %d: %d %s", i, last.status, last.body)
		}
	}
	if last.status != http.StatusTooManyRequests || !strings.Contains(string(last.body), "Too many failed sign-ins: try again in") {
		t.Fatalf("sixth try: %d %s", last.status, last.body)
	}
}
