package portal

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/content"
	"downline/ledger/order"
	lshop "downline/ledger/shop"
	"downline/ledger/user"
	"downline/shop"
)

// The shop's pages are forms rendered on the server, like the rest of the
// portal and under the same no-script policy (forms post to this site
// only): they are the fastest on a cheap phone, and a double-submit CSRF
// token derived from the cart cookie guards every form. Each form posts,
// then redirects to the page that shows the result (POST-redirect-GET);
// a refusal shows the form again, the message next to the field.

// sessionCookie is the API's session cookie, which the shop's sign-in sets too.
const sessionCookie = "downline_session"

// refCookie keeps the member code of a ?ref= link for the sign-up.
const refCookie = "downline_ref"

// shopPage is a shop page's own data.
type shopPage struct {
	CSRF     string
	Customer *lshop.Customer
	Member   string // a signed-in member's code: member prices
	Items    []itemView
	Cart     cartView
	Form     map[string]string
	Errs     map[string]string
	Alert    string
	Notice   string
	Step     int
	Key      string
	Orders   []orderView
	Order    *orderView
	Pay      *payView
}

type itemView struct {
	SKU, Name, Description, Price, Retail, Stock, URL string
	Out                                               bool
}

type cartView struct {
	Lines []lineView
	Total string
	Count int64
}

type lineView struct {
	SKU, Name, Price, Amount, Stock string
	Qty                             int64
	Short                           bool
}

type orderView struct {
	No, Status, StatusText, Total, Placed, URL string
	Address                                    string
	Carrier, Tracking, Shipment                string
	Payment                                    string
	ReturnBy                                   string
	ReturnOpen                                 bool
	ReturnClosed                               string // why no return can be asked for now
	ReturnAsked                                string
	Steps                                      []stepView
	Lines                                      []lineView
	PayURL                                     string
}

type stepView struct {
	Name, At string
	Done     bool
}

type payView struct {
	Ref, Order, Amount, Status string
}

// shopRoutes adds the shop's pages to the portal's mux.
func (p *Portal) shopRoutes() {
	p.mux.HandleFunc("GET /shop", p.shopPage(p.catalogue))
	p.mux.HandleFunc("GET /shop/cart", p.shopPage(p.cart))
	p.mux.HandleFunc("POST /shop/cart", p.shopForm(p.cartPost))
	p.mux.HandleFunc("GET /shop/signup", p.shopPage(p.signupPage))
	p.mux.HandleFunc("POST /shop/signup/code", p.shopForm(p.signupCode))
	p.mux.HandleFunc("POST /shop/signup", p.shopForm(p.signupPost))
	p.mux.HandleFunc("GET /shop/signin", p.shopPage(p.signinPage))
	p.mux.HandleFunc("POST /shop/signin", p.shopForm(p.signinPost))
	p.mux.HandleFunc("POST /shop/signout", p.shopForm(p.signoutPost))
	p.mux.HandleFunc("GET /shop/checkout", p.shopPage(p.checkoutPage))
	p.mux.HandleFunc("POST /shop/checkout", p.shopForm(p.checkoutPost))
	p.mux.HandleFunc("GET /shop/pay/{ref}", p.shopPage(p.payPage))
	p.mux.HandleFunc("POST /shop/pay/{ref}", p.shopForm(p.payPost))
	p.mux.HandleFunc("GET /shop/orders", p.shopPage(p.ordersPage))
	p.mux.HandleFunc("GET /shop/orders/{no}", p.shopPage(p.orderPage))
	p.mux.HandleFunc("POST /shop/orders/{no}/return", p.shopForm(p.returnPost))
	p.mux.HandleFunc("POST /shop/orders/{no}/pay", p.shopForm(p.payAgain))
}

// shopReq is one request to a shop page.
type shopReq struct {
	w    http.ResponseWriter
	r    *http.Request
	v    view
	cart string // the cart cookie's value
	who  *user.User
}

func (q *shopReq) ctx() context.Context { return q.r.Context() }

// to redirects (303) to path in the page's language.
func (q *shopReq) to(path string) {
	http.Redirect(q.w, q.r, q.v.Link(path), http.StatusSeeOther)
}

func csrfOf(cart string) string {
	h := sha256.Sum256([]byte("downline shop csrf\x00" + cart))
	return hex.EncodeToString(h[:16])
}

func (p *Portal) newShopReq(w http.ResponseWriter, r *http.Request) *shopReq {
	q := &shopReq{w: w, r: r, v: p.newView(r, langOf(r))}
	if l, ok := content.ParseLang(r.PostFormValue("lang")); ok && r.Method == http.MethodPost {
		q.v = p.newView(r, l)
	}
	q.cart = shop.CartToken(w, r)
	sp := &shopPage{CSRF: csrfOf(q.cart), Form: map[string]string{}, Errs: map[string]string{}}
	q.v.Shop = sp
	if ck, err := r.Cookie(sessionCookie); err == nil && ck.Value != "" {
		if s, err := user.Lookup(r.Context(), p.db.Pool, ck.Value); err == nil {
			q.who = &s.User
			switch s.User.Role {
			case user.Member:
				sp.Member = s.User.Member
			case user.Customer:
				if c, err := lshop.CustomerOf(r.Context(), p.db.Pool, s.User.ID); err == nil {
					sp.Customer = &c
				}
			}
		}
	}
	if ref := strings.TrimSpace(r.URL.Query().Get("ref")); ref != "" && len(ref) <= 32 {
		http.SetCookie(w, &http.Cookie{Name: refCookie, Value: strings.ToUpper(ref), Path: "/", MaxAge: 30 * 24 * 3600,
			Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		sp.Form["referrer"] = strings.ToUpper(ref)
	} else if ck, err := r.Cookie(refCookie); err == nil {
		sp.Form["referrer"] = ck.Value
	}
	return q
}

func (q *shopReq) page() *shopPage { return q.v.Shop }

func (p *Portal) shopPage(h func(q *shopReq) (string, int, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := p.newShopReq(w, r)
		p.finish(q, h)
	}
}

func (p *Portal) finish(q *shopReq, h func(q *shopReq) (string, int, error)) {
	name, status, err := h(q)
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		p.notFound(q.w, q.r, q.v.Lang)
	case err != nil:
		p.fail(q.w, q.r, err)
	case name != "":
		p.render(q.w, q.r, name, status, q.v)
	}
}

// shopForm checks a form's CSRF token before its handler runs.
func (p *Portal) shopForm(h func(q *shopReq) (string, int, error)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 32<<10)
		if err := r.ParseForm(); err != nil {
			http.Error(w, "the form could not be read", http.StatusBadRequest)
			return
		}
		q := p.newShopReq(w, r)
		if ck, err := r.Cookie(shop.CartCookie); err != nil || r.PostFormValue("csrf") != csrfOf(ck.Value) {
			w.Header().Set("Cache-Control", "no-store")
			http.Error(w, q.v.T["err_csrf"], http.StatusForbidden)
			return
		}
		p.finish(q, h)
	}
}

func (q *shopReq) title(key string) {
	q.v.Title = q.v.T[key] + " · " + q.v.T["company"]
	q.v.Description = q.v.T["shop_description"]
}

// refuse puts the refusals of err next to their fields (or above the
// form) in the page's language; it reports false for other errors.
func (q *shopReq) refuse(err error, vars map[string]string) bool {
	var es lshop.Errors
	var e *lshop.Error
	switch {
	case errors.As(err, &es):
	case errors.As(err, &e):
		es = lshop.Errors{e}
	case errors.Is(err, ledger.ErrInsufficientStock):
		q.page().Alert = q.v.T["err_stock"]
		return true
	case errors.Is(err, shop.ErrNoSMS):
		q.page().Alert = q.v.T["err_no_sms"]
		return true
	default:
		return false
	}
	for _, e := range es {
		msg := q.v.T["err_"+e.Code]
		if msg == "" {
			msg = e.Msg
		}
		if e.Wait > 0 {
			msg = strings.ReplaceAll(msg, "{wait}", waitText(e.Seconds(), q.v.Lang))
		}
		for k, v := range vars {
			msg = strings.ReplaceAll(msg, "{"+k+"}", v)
		}
		if e.Field == "" {
			q.page().Alert = msg
		} else {
			q.page().Errs[e.Field] = msg
		}
	}
	return true
}

func waitText(secs int, l content.Lang) string {
	n, unit := secs, []string{"秒", " seconds"}
	if secs >= 120 {
		n, unit = (secs+59)/60, []string{"分钟", " minutes"}
	}
	if l == content.EN {
		return strconv.Itoa(n) + unit[1]
	}
	return strconv.Itoa(n) + " " + unit[0]
}

func (q *shopReq) name(zh, en string) string {
	if q.v.Lang == content.EN {
		return en
	}
	return zh
}

func (q *shopReq) stock(n int64) string {
	switch {
	case n <= 0:
		return q.v.T["stock_out"]
	case n < 10:
		return strings.ReplaceAll(q.v.T["stock_few"], "{n}", strconv.FormatInt(n, 10))
	}
	return q.v.T["stock_in"]
}

func (p *Portal) catalogue(q *shopReq) (string, int, error) {
	items, err := lshop.Catalogue(q.ctx(), p.db.Pool, q.page().Member != "")
	if err != nil {
		return "", 0, err
	}
	for _, it := range items {
		q.page().Items = append(q.page().Items, itemView{SKU: it.SKU, Name: q.name(it.NameZH, it.NameEN),
			Description: describe(q.name(it.DescriptionZH, it.DescriptionEN), ""), Price: yuan(it.Price), Retail: yuan(it.Retail),
			Stock: q.stock(it.Available), Out: it.Available <= 0, URL: q.v.Link("/products/" + url.PathEscape(it.SKU))})
	}
	if err := p.loadCart(q); err != nil {
		return "", 0, err
	}
	q.page().Notice = q.note()
	q.title("shop")
	return "shop", http.StatusOK, nil
}

func (p *Portal) loadCart(q *shopReq) error {
	c, err := lshop.GetCart(q.ctx(), p.db.Pool, q.cart, q.page().Member != "")
	if err != nil {
		return err
	}
	cv := cartView{Total: yuan(c.Total)}
	for _, l := range c.Lines {
		cv.Count += l.Qty
		cv.Lines = append(cv.Lines, lineView{SKU: l.SKU, Name: q.name(l.NameZH, l.NameEN), Price: yuan(l.Price), Amount: yuan(l.Amount),
			Qty: l.Qty, Short: l.Short, Stock: q.stock(l.Available)})
	}
	q.page().Cart = cv
	return nil
}

func (p *Portal) cart(q *shopReq) (string, int, error) {
	if err := p.loadCart(q); err != nil {
		return "", 0, err
	}
	q.page().Notice = q.note()
	q.title("cart")
	return "cart", http.StatusOK, nil
}

// cartPost adds (action add), sets or removes a product.
func (p *Portal) cartPost(q *shopReq) (string, int, error) {
	f := q.r.PostForm
	qty, err := strconv.ParseInt(strings.TrimSpace(f.Get("qty")), 10, 64)
	if f.Get("action") == "remove" {
		qty, err = 0, nil
	}
	if err != nil {
		qty = -1 // refused below, with the range
	}
	err = lshop.SetQty(q.ctx(), p.db.Pool, q.cart, f.Get("sku"), qty, f.Get("action") == "add")
	if err != nil {
		if !q.refuse(err, nil) {
			return "", 0, err
		}
		if e := q.page().Errs["qty"]; e != "" {
			q.page().Alert = f.Get("sku") + ": " + e
		}
		if err := p.loadCart(q); err != nil {
			return "", 0, err
		}
		q.title("cart")
		return "cart", http.StatusUnprocessableEntity, nil
	}
	if f.Get("action") == "add" {
		q.to("/shop?note=added")
	} else {
		q.to("/shop/cart?note=updated")
	}
	return "", 0, nil
}

func (p *Portal) signupPage(q *shopReq) (string, int, error) {
	q.page().Step = 1
	if ph := q.r.URL.Query().Get("phone"); ph != "" {
		q.page().Step = 2
		q.page().Form["phone"] = ph
		q.page().Notice = strings.ReplaceAll(q.v.T["code_sent"], "{phone}", ph)
	}
	q.title("signup")
	return "signup", http.StatusOK, nil
}

func clientIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func (p *Portal) signupCode(q *shopReq) (string, int, error) {
	phone := q.r.PostFormValue("phone")
	q.page().Form["phone"] = phone
	q.page().Step = 1
	is, err := p.Shop.SendCode(q.ctx(), phone, clientIP(q.r), string(q.v.Lang))
	if err != nil {
		if !q.refuse(err, nil) {
			return "", 0, err
		}
		q.title("signup")
		status := http.StatusUnprocessableEntity
		var e *lshop.Error
		if errors.As(err, &e) && e.Wait > 0 {
			status = http.StatusTooManyRequests
			q.w.Header().Set("Retry-After", strconv.Itoa(e.Seconds()))
		}
		return "signup", status, nil
	}
	q.to("/shop/signup?phone=" + url.QueryEscape(is.Phone))
	return "", 0, nil
}

func (p *Portal) signupPost(q *shopReq) (string, int, error) {
	f := q.r.PostForm
	su := lshop.SignUp{Phone: f.Get("phone"), Code: f.Get("code"), Name: f.Get("name"), Password: f.Get("password"), Referrer: f.Get("referrer")}
	for k, v := range map[string]string{"phone": su.Phone, "name": su.Name, "referrer": su.Referrer} {
		q.page().Form[k] = v
	}
	c, err := lshop.Register(q.ctx(), p.db, su)
	if err != nil {
		if !q.refuse(err, nil) {
			return "", 0, err
		}
		q.page().Step = 2
		q.title("signup")
		return "signup", http.StatusUnprocessableEntity, nil
	}
	u, err := user.Get(q.ctx(), p.db.Pool, c.Login)
	if err != nil {
		return "", 0, err
	}
	if err := p.startSession(q, u); err != nil {
		return "", 0, err
	}
	q.next("welcome")
	return "", 0, nil
}

// next goes on after signing in: to the checkout when the cart holds
// something, else to the customer's orders.
func (q *shopReq) next(note string) {
	if q.r.PostFormValue("next") == "checkout" {
		q.to("/shop/checkout?note=" + note)
		return
	}
	q.to("/shop/orders?note=" + note)
}

// sessionTTL is how long a shop sign-in lasts (as the API's).
const sessionTTL = 12 * time.Hour

func (p *Portal) startSession(q *shopReq, u user.User) error {
	token, _, err := user.StartSession(q.ctx(), p.db.Pool, u, sessionTTL, q.r.UserAgent(), clientIP(q.r))
	if err != nil {
		return err
	}
	http.SetCookie(q.w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", MaxAge: int(sessionTTL.Seconds()),
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	return nil
}

func (p *Portal) signinPage(q *shopReq) (string, int, error) {
	q.page().Form["next"] = q.r.URL.Query().Get("next")
	q.title("signin")
	return "signin", http.StatusOK, nil
}

func (p *Portal) signinPost(q *shopReq) (string, int, error) {
	f := q.r.PostForm
	q.page().Form["phone"], q.page().Form["next"] = f.Get("phone"), f.Get("next")
	phone, ok := lshop.NormalisePhone(f.Get("phone"))
	key := phone + "\x00" + clientIP(q.r)
	if wait := p.signInWait(key); wait > 0 {
		q.page().Alert = strings.ReplaceAll(q.v.T["err_signin_wait"], "{wait}", waitText(int(wait.Seconds())+1, q.v.Lang))
		q.w.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
		q.title("signin")
		return "signin", http.StatusTooManyRequests, nil
	}
	if !ok {
		q.page().Errs["phone"] = q.v.T["err_phone_format"]
	} else {
		login, err := lshop.LoginByPhone(q.ctx(), p.db.Pool, phone)
		if errors.Is(err, ledger.ErrNotFound) {
			login, err = lshop.LoginOf(phone), nil // fails like a wrong password, in as long
		}
		if err != nil {
			return "", 0, err
		}
		u, err := user.Authenticate(q.ctx(), p.db.Pool, login, f.Get("password"))
		if err == nil && u.Role == user.Customer {
			p.signedIn(key, true)
			if err := p.startSession(q, u); err != nil {
				return "", 0, err
			}
			q.next("signed_in")
			return "", 0, nil
		}
		if err != nil && !errors.Is(err, user.ErrBadCredentials) {
			return "", 0, err
		}
		p.signedIn(key, false)
		q.page().Alert = q.v.T["err_signin"]
	}
	q.title("signin")
	return "signin", http.StatusUnprocessableEntity, nil
}

func (p *Portal) signoutPost(q *shopReq) (string, int, error) {
	if ck, err := q.r.Cookie(sessionCookie); err == nil {
		if err := user.Revoke(q.ctx(), p.db.Pool, ck.Value); err != nil {
			return "", 0, err
		}
	}
	http.SetCookie(q.w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	q.to("/shop")
	return "", 0, nil
}

// customer answers the sign-in page for a visitor who is not a signed-in
// customer, and reports false.
func (q *shopReq) customer(next string) bool {
	if q.page().Customer != nil {
		return true
	}
	q.to("/shop/signin?next=" + next)
	return false
}

func (p *Portal) checkoutPage(q *shopReq) (string, int, error) {
	if q.page().Member != "" { // members order at member prices in the member office
		q.page().Alert = q.v.T["member_checkout"]
		return p.cart(q)
	}
	if !q.customer("checkout") {
		return "", 0, nil
	}
	c := q.page().Customer
	f := q.page().Form
	f["recipient"], f["phone"] = c.Name, c.Phone
	if c.Referrer != "" {
		f["referrer"] = c.Referrer
	}
	q.page().Key = user.NewToken()
	q.page().Notice = q.note()
	return p.checkoutForm(q, http.StatusOK)
}

func (p *Portal) checkoutForm(q *shopReq, status int) (string, int, error) {
	if err := p.loadCart(q); err != nil {
		return "", 0, err
	}
	q.title("checkout")
	return "checkout", status, nil
}

func (p *Portal) checkoutPost(q *shopReq) (string, int, error) {
	if !q.customer("checkout") {
		return "", 0, nil
	}
	f := q.r.PostForm
	a := lshop.Address{Recipient: f.Get("recipient"), Phone: f.Get("phone"), Province: f.Get("province"), City: f.Get("city"),
		Street: f.Get("street"), Postcode: f.Get("postcode")}
	for _, k := range []string{"recipient", "phone", "province", "city", "street", "postcode", "referrer"} {
		q.page().Form[k] = f.Get(k)
	}
	key := f.Get("key")
	if len(key) < 16 || len(key) > 64 {
		return "", 0, errors.New("the checkout form carries no key")
	}
	q.page().Key = key
	c := *q.page().Customer
	var o order.Order
	err := p.db.Transact(q.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		o, err = lshop.PlaceOrder(q.ctx(), tx, lshop.Checkout{Key: "shop:" + strconv.FormatInt(c.UserID, 10) + ":" + key,
			Customer: c, Address: a, Cart: q.cart, Referrer: f.Get("referrer")})
		return err
	})
	if err != nil {
		if !q.refuse(err, nil) {
			return "", 0, err
		}
		return p.checkoutForm(q, http.StatusUnprocessableEntity)
	}
	if o.Status != order.Placed {
		q.to("/shop/orders/" + url.PathEscape(o.No))
		return "", 0, nil
	}
	_, payURL, err := p.Shop.StartPayment(q.ctx(), o.No)
	if err != nil {
		return "", 0, err
	}
	q.to(payURL)
	return "", 0, nil
}

// payPage is the local payment provider's page, where the visitor pays.
func (p *Portal) payPage(q *shopReq) (string, int, error) {
	pay, err := lshop.GetPayment(q.ctx(), p.db.Pool, q.r.PathValue("ref"))
	if err != nil {
		return "", 0, err
	}
	q.page().Pay = &payView{Ref: pay.Ref, Order: pay.Order, Amount: yuan(pay.Amount), Status: pay.Status}
	q.title("pay")
	return "pay", http.StatusOK, nil
}

func (p *Portal) payPost(q *shopReq) (string, int, error) {
	pay, err := p.Shop.PayLocal(q.ctx(), q.r.PathValue("ref"))
	if err != nil {
		return "", 0, err
	}
	q.to("/shop/orders/" + url.PathEscape(pay.Order) + "?note=paid")
	return "", 0, nil
}

func (p *Portal) ordersPage(q *shopReq) (string, int, error) {
	if !q.customer("orders") {
		return "", 0, nil
	}
	ts, err := lshop.Orders(q.ctx(), p.db.Pool, q.page().Customer.ID)
	if err != nil {
		return "", 0, err
	}
	for _, t := range ts {
		q.page().Orders = append(q.page().Orders, p.orderView(q, t))
	}
	q.page().Notice = q.note()
	q.title("my_orders")
	return "orders", http.StatusOK, nil
}

func (p *Portal) orderView(q *shopReq, t lshop.Tracked) orderView {
	zone, err := ledger.CompanyZone()
	if err != nil {
		zone = time.UTC
	}
	when := func(at *time.Time) string {
		if at == nil {
			return ""
		}
		if q.v.Lang == content.EN {
			return at.In(zone).Format("2 Jan 2006 15:04")
		}
		return at.In(zone).Format("2006-01-02 15:04")
	}
	ov := orderView{No: t.No, Status: string(t.Status), StatusText: q.v.T["status_"+string(t.Status)], Total: yuan(t.Total),
		Placed: when(&t.PlacedAt), URL: q.v.Link("/shop/orders/" + url.PathEscape(t.No)), Address: t.Address.String(),
		Carrier: t.Carrier, Tracking: t.Tracking, Shipment: t.Shipment, Payment: q.v.T["pay_"+t.Payment]}
	if t.Status == order.Placed {
		ov.PayURL = "/shop/orders/" + url.PathEscape(t.No) + "/pay"
	}
	for _, s := range []struct {
		key string
		at  *time.Time
	}{{"status_placed", &t.PlacedAt}, {"status_paid", t.PaidAt}, {"status_confirmed", t.ConfirmedAt}, {"status_shipped", t.ShippedAt}, {"status_delivered", t.DeliveredAt}} {
		ov.Steps = append(ov.Steps, stepView{Name: q.v.T[s.key], At: when(s.at), Done: s.at != nil})
	}
	if t.CancelledAt != nil {
		ov.Steps = append(ov.Steps, stepView{Name: q.v.T["status_cancelled"], At: when(t.CancelledAt), Done: true})
	}
	if t.ReturnBy != nil {
		ov.ReturnBy = when(t.ReturnBy)
		ov.ReturnOpen = order.ReturnOpen(q.ctx(), p.db.Pool, t.Order) == nil
		if !ov.ReturnOpen {
			ov.ReturnClosed = strings.ReplaceAll(q.v.T["err_return_closed"], "{date}", ov.ReturnBy)
		}
	}
	if t.ReturnRequested != nil {
		ov.ReturnAsked = when(t.ReturnRequested)
	}
	for _, l := range t.Lines {
		ov.Lines = append(ov.Lines, lineView{SKU: l.SKU, Qty: l.Qty, Price: yuan(l.UnitPrice), Amount: yuan(l.Amount())})
	}
	return ov
}

func (p *Portal) orderPage(q *shopReq) (string, int, error) {
	if !q.customer("orders") {
		return "", 0, nil
	}
	t, err := lshop.Track(q.ctx(), p.db.Pool, q.page().Customer.ID, q.r.PathValue("no"))
	if err != nil {
		return "", 0, err
	}
	ov := p.orderView(q, t)
	q.page().Order = &ov
	q.page().Notice = q.note()
	q.v.Title = q.v.T["order"] + " " + t.No + " · " + q.v.T["company"]
	return "order", http.StatusOK, nil
}

func (p *Portal) returnPost(q *shopReq) (string, int, error) {
	if !q.customer("orders") {
		return "", 0, nil
	}
	no := q.r.PathValue("no")
	c := q.page().Customer
	err := p.db.Transact(q.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := lshop.RequestReturn(q.ctx(), tx, c.ID, no, q.r.PostFormValue("reason"))
		return err
	})
	if err == nil {
		q.to("/shop/orders/" + url.PathEscape(no) + "?note=return_noted")
		return "", 0, nil
	}
	t, terr := lshop.Track(q.ctx(), p.db.Pool, c.ID, no)
	if terr != nil {
		return "", 0, terr
	}
	vars := map[string]string{}
	if t.ReturnBy != nil {
		vars["date"] = p.orderView(q, t).ReturnBy
	}
	if !q.refuse(err, vars) {
		return "", 0, err
	}
	ov := p.orderView(q, t)
	q.page().Order = &ov
	q.page().Form["reason"] = q.r.PostFormValue("reason")
	q.v.Title = q.v.T["order"] + " " + t.No + " · " + q.v.T["company"]
	return "order", http.StatusUnprocessableEntity, nil
}

// payAgain sends the customer to pay an order still awaiting its money.
func (p *Portal) payAgain(q *shopReq) (string, int, error) {
	if !q.customer("orders") {
		return "", 0, nil
	}
	t, err := lshop.Track(q.ctx(), p.db.Pool, q.page().Customer.ID, q.r.PathValue("no"))
	if err != nil {
		return "", 0, err
	}
	_, payURL, err := p.Shop.StartPayment(q.ctx(), t.No)
	if err != nil {
		return "", 0, err
	}
	q.to(payURL)
	return "", 0, nil
}

// field is one input of the address form.
type field struct {
	Name, Label, Auto string
	Numeric           bool
}

func addressFields() []field {
	return []field{{"recipient", "recipient", "name", false}, {"phone", "phone", "tel", false},
		{"province", "province", "address-level1", false}, {"city", "city", "address-level2", false},
		{"street", "street", "street-address", false}, {"postcode", "postcode", "postal-code", true}}
}

// note is the message of the page's ?note= (what the last form did).
func (q *shopReq) note() string {
	n := q.r.URL.Query().Get("note")
	if n == "" {
		return ""
	}
	return q.v.T["note_"+n]
}

// SignInThrottle slows repeated failed sign-ins (the API's throttle): Wait
// is how long key must wait, Fail counts a failure, Reset forgets them.
type SignInThrottle interface {
	Wait(key string) time.Duration
	Fail(key string)
	Reset(key string)
}

func (p *Portal) signInWait(key string) time.Duration {
	if p.Throttle == nil {
		return 0
	}
	return p.Throttle.Wait(key)
}

func (p *Portal) signedIn(key string, ok bool) {
	switch {
	case p.Throttle == nil:
	case ok:
		p.Throttle.Reset(key)
	default:
		p.Throttle.Fail(key)
	}
}
