package portal_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/user"
	"downline/portal"
	"downline/shop"
)

// The shop's pages may post forms to this site only, are never cached,
// and refuse a form without the token of the visitor's cart cookie: a
// page elsewhere cannot fill a visitor's cart. The portal's other pages
// still post nowhere.
func TestShopFormsNeedTheirToken(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	h := portal.New(db)
	at := time.Date(2026, 12, 31, 15, 59, 0, 0, time.UTC)

	home := fetch(t, h, at, "/?lang=en")
	if csp := home.header.Get("Content-Security-Policy"); !strings.Contains(csp, "form-action 'self'") || !strings.Contains(csp, "default-src 'none'") {
		t.Fatalf("home CSP: %s", csp)
	}
	p := fetch(t, h, at, "/shop?lang=en")
	if p.status != 200 || !strings.Contains(p.header.Get("Content-Security-Policy"), "form-action 'self'") || p.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("shop: %d %v", p.status, p.header)
	}
	if !strings.Contains(p.body, "¥125.00") || !strings.Contains(p.body, "In stock") || strings.Contains(p.body, "<script") {
		t.Fatalf("shop page: %s", p.body)
	}
	var cart string
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == shop.CartCookie {
			cart = c.Value
		}
	}
	if cart == "" || !c(p.header, "HttpOnly") {
		t.Fatalf("cart cookie: %v", p.header)
	}
	token := between(p.body, `name="csrf" value="`, `"`)
	post := func(csrf string) *httptest.ResponseRecorder {
		form := url.Values{"csrf": {csrf}, "action": {"add"}, "sku": {"VC-100"}, "qty": {"2"}, "lang": {"en"}}
		r := httptest.NewRequest("POST", "/shop/cart", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(&http.Cookie{Name: shop.CartCookie, Value: cart})
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	if w := post("forged"); w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "expired") {
		t.Fatalf("forged token: %d %s", w.Code, w.Body)
	}
	if w := post(token); w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/shop?note=added&lang=en" {
		t.Fatalf("add: %d %v", w.Code, w.Header())
	}
	// Checking out needs a customer: a visitor is sent to sign in.
	r := httptest.NewRequest("GET", "/shop/checkout?lang=zh-CN", nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/shop/signin?next=checkout") {
		t.Fatalf("checkout as a visitor: %d %v", w.Code, w.Header())
	}
}

func c(h http.Header, attr string) bool {
	for _, v := range h.Values("Set-Cookie") {
		if strings.Contains(v, attr) {
			return true
		}
	}
	return false
}

func between(s, from, to string) string {
	_, after, ok := strings.Cut(s, from)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, to)
	return v
}

// A visitor sees retail prices; a member signed in (the member office's
// session cookie) sees member prices, the retail price struck through.
func TestShopMemberPrices(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	h := portal.New(db)
	at := time.Date(2028, 2, 29, 4, 0, 0, 0, time.UTC)
	var u user.User
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) (err error) {
		u, err = user.Create(ctx, tx, user.New{Login: "m001", Password: "member password", Role: user.Member, Member: "M001"})
		return err
	})
	token, _, err := user.StartSession(context.Background(), db.Pool, u, time.Hour, "test", "")
	if err != nil {
		t.Fatal(err)
	}
	visitor := fetch(t, h, at, "/shop?lang=en")
	member := fetch(t, h, at, "/shop?lang=en", "Cookie", "downline_session="+token)
	if !strings.Contains(visitor.body, `<p class="price">¥125.00</p>`) || !strings.Contains(visitor.body, "Retail prices") {
		t.Fatalf("visitor: %s", visitor.body)
	}
	if !strings.Contains(member.body, `<p class="price">¥100.00 <span class="meta"><s>¥125.00</s></span></p>`) || !strings.Contains(member.body, "Member prices (M001)") {
		t.Fatalf("member: %s", member.body)
	}
}
