package api

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger/order"
	lshop "downline/ledger/shop"
	"downline/ledger/user"
	"downline/shop"
)

// shopService is the shop: s.Shop, or one over DB with no SMS and the
// local payment provider.
func (s *Server) shopService() *shop.Service {
	s.shopOnce.Do(func() {
		if s.Shop == nil {
			s.Shop = shop.New(s.DB, nil)
		}
	})
	return s.Shop
}

func (s *Server) shopRoutes() []Route {
	ord := Scope{OrderRes, "no"}
	cust := roles(user.Customer)
	return []Route{
		{Method: POST, Path: "/shop/codes", Tag: "shop", Summary: "Text a sign-up code to a phone (10 minutes, once; at most one a minute and five an hour per phone, 20 an hour per address)",
			Public: true, Roles: everyone, Status: 201, Request: codeRequest{}, Response: CodeSent{}, Handle: s.sendCode},
		{Method: POST, Path: "/shop/customers", Tag: "shop", Summary: "Sign up as a customer with the texted code (then sign in with the login answered)",
			Public: true, Roles: everyone, Status: 201, Request: signUpRequest{}, Response: lshop.Customer{}, Handle: s.signUp},
		{Method: GET, Path: "/shop/me", Tag: "shop", Summary: "The signed-in customer", Roles: cust, Response: lshop.Customer{}, Handle: s.shopMe},
		{Method: GET, Path: "/shop/catalogue", Tag: "shop", Summary: "Products on sale with stock: retail prices, member prices for members",
			Public: true, Roles: everyone, Response: []lshop.Item{}, Handle: s.shopCatalogue},
		{Method: GET, Path: "/shop/cart", Tag: "shop", Summary: "The cart named by the " + shop.CartCookie + " cookie", Public: true, Roles: everyone,
			Response: lshop.Cart{}, Handle: s.getCart},
		{Method: POST, Path: "/shop/cart/lines", Tag: "shop", Summary: "Put a quantity of a product in the cart (0 takes it out; add: adds to it); sets the cart cookie",
			Public: true, Roles: everyone, Request: cartLineRequest{}, Response: lshop.Cart{}, Handle: s.setCartLine},
		{Method: POST, Path: "/shop/orders", Tag: "shop", Summary: "Order the cart (or the lines given) with a delivery address; answers the order and where to pay",
			Roles: cust, Idem: KeyRequired, Status: 201, Request: checkoutRequest{}, Response: CheckoutView{}, Handle: s.checkout},
		{Method: GET, Path: "/shop/orders", Tag: "shop", Summary: "The customer's orders, newest first, with shipment and return window",
			Roles: cust, Response: []lshop.Tracked{}, Handle: s.myShopOrders},
		{Method: GET, Path: "/shop/orders/{no}", Tag: "shop", Summary: "One of the customer's orders: status, payment, shipment, carrier, tracking number",
			Roles: cust, Scope: ord, Response: lshop.Tracked{}, Handle: s.myShopOrder},
		{Method: POST, Path: "/shop/orders/{no}/payment", Tag: "shop", Summary: "Open (or find) the order's payment at the provider: where to pay",
			Roles: cust, Scope: ord, Response: CheckoutView{}, Handle: s.openPayment},
		{Method: POST, Path: "/shop/orders/{no}/return-requests", Tag: "shop", Summary: "Ask to return a shipped order within the return window (the warehouse then takes it back)",
			Roles: cust, Scope: ord, Status: 201, Request: returnAsk{}, Response: lshop.Tracked{}, Handle: s.askReturn},
		{Method: GET, Path: "/shop/return-requests", Tag: "shop", Summary: "Customers' return requests, newest first", Roles: staff,
			Response: []lshop.ReturnRequest{}, Handle: s.returnRequests},
		{Method: POST, Path: "/shop/payments/{provider}/callback", Tag: "shop", Summary: "A payment provider's callback, signed in the X-Signature header (repeats change nothing)",
			Public: true, Roles: everyone, Response: lshop.Payment{}, Handle: s.paymentCallback},
		{Method: POST, Path: "/shop/pay/{ref}", Tag: "shop", Summary: "The local payment provider's pay button: pays the payment (local provider only)",
			Public: true, Roles: everyone, Response: lshop.Payment{}, Handle: s.payLocal},
		{Method: GET, Path: "/members/{code}/referred", Tag: "shop", Summary: "Customers a member referred and their shop orders (recorded; the plan pays nothing on them)",
			Roles: roles(user.Admin, user.Finance, user.Member), Scope: Scope{MemberSelf, "code"}, Response: ReferredView{}, Handle: s.referred},
	}
}

type codeRequest struct {
	Phone string `json:"phone"`
	Lang  string `json:"lang,omitempty"` // zh-CN (default) or en
}

// CodeSent says a code is on its way.
type CodeSent struct {
	Phone     string    `json:"phone"`
	ExpiresAt time.Time `json:"expires_at"`
}

// shopRefusal answers a rate limit with 429 and Retry-After.
func shopRefusal(c *call, err error) error {
	var e *lshop.Error
	if errors.As(err, &e) && e.Wait > 0 {
		c.Header("Retry-After", strconv.Itoa(e.Seconds()))
		return errStatus(http.StatusTooManyRequests, e.Msg)
	}
	return err
}

func (s *Server) sendCode(c *call) (any, error) {
	var req codeRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	is, err := s.shopService().SendCode(c.ctx(), req.Phone, c.ClientIP(), req.Lang)
	if err != nil {
		return nil, shopRefusal(c, err)
	}
	return CodeSent{Phone: is.Phone, ExpiresAt: is.ExpiresAt}, nil
}

type signUpRequest struct {
	Phone    string `json:"phone"`
	Code     string `json:"code"`
	Name     string `json:"name"`
	Password string `json:"password"`
	Referrer string `json:"referrer,omitempty"`
}

func (s *Server) signUp(c *call) (any, error) {
	var req signUpRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	return lshop.Register(c.ctx(), s.DB, lshop.SignUp{Phone: req.Phone, Code: req.Code, Name: req.Name, Password: req.Password, Referrer: req.Referrer})
}

func (s *Server) customerOf(c *call) (lshop.Customer, error) {
	return lshop.CustomerOf(c.ctx(), s.DB.Pool, c.who.User.ID)
}

func (s *Server) shopMe(c *call) (any, error) { return s.customerOf(c) }

func (s *Server) shopCatalogue(c *call) (any, error) {
	return lshop.Catalogue(c.ctx(), s.DB.Pool, c.role() == user.Member)
}

func (s *Server) getCart(c *call) (any, error) {
	token, _ := c.Cookie(shop.CartCookie)
	return lshop.GetCart(c.ctx(), s.DB.Pool, token, c.role() == user.Member)
}

type cartLineRequest struct {
	SKU string `json:"sku"`
	Qty int64  `json:"qty"`
	Add bool   `json:"add,omitempty"`
}

func (s *Server) setCartLine(c *call) (any, error) {
	var req cartLineRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	token := shop.CartToken(c.Writer, c.Request)
	if err := lshop.SetQty(c.ctx(), s.DB.Pool, token, req.SKU, req.Qty, req.Add); err != nil {
		return nil, err
	}
	return lshop.GetCart(c.ctx(), s.DB.Pool, token, c.role() == user.Member)
}

type checkoutRequest struct {
	Address  lshop.Address `json:"address"`
	Referrer string        `json:"referrer,omitempty"`
	// Lines, when given, are ordered instead of the cart.
	Lines []lineRequest `json:"lines,omitempty"`
}

// CheckoutView is an order with where to pay for it.
type CheckoutView struct {
	Order   order.Order   `json:"order"`
	Payment lshop.Payment `json:"payment"`
	PayURL  string        `json:"pay_url"`
}

func (s *Server) checkout(c *call) (any, error) {
	var req checkoutRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	cu, err := s.customerOf(c)
	if err != nil {
		return nil, err
	}
	ck := lshop.Checkout{Key: c.key, Customer: cu, Address: req.Address, Referrer: req.Referrer, Lines: orderLines(req.Lines)}
	if len(req.Lines) == 0 {
		ck.Cart, _ = c.Cookie(shop.CartCookie)
		if ck.Cart == "" {
			return nil, errStatus(http.StatusUnprocessableEntity, "the cart is empty: add a product first, or send lines")
		}
	}
	var o order.Order
	err = s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		o, err = lshop.PlaceOrder(c.ctx(), tx, ck)
		return err
	})
	if err != nil {
		return nil, wrap("checkout", err)
	}
	return s.payView(c, o)
}

func (s *Server) payView(c *call, o order.Order) (any, error) {
	v := CheckoutView{Order: o}
	if o.Status != order.Placed {
		return v, nil
	}
	var err error
	v.Payment, v.PayURL, err = s.shopService().StartPayment(c.ctx(), o.No)
	return v, wrap("open payment", err)
}

func (s *Server) myShopOrders(c *call) (any, error) {
	cu, err := s.customerOf(c)
	if err != nil {
		return nil, err
	}
	return lshop.Orders(c.ctx(), s.DB.Pool, cu.ID)
}

func (s *Server) myShopOrder(c *call) (any, error) {
	cu, err := s.customerOf(c)
	if err != nil {
		return nil, err
	}
	return lshop.Track(c.ctx(), s.DB.Pool, cu.ID, c.Param("no"))
}

func (s *Server) openPayment(c *call) (any, error) {
	o, err := order.Get(c.ctx(), s.DB.Pool, c.Param("no"))
	if err != nil {
		return nil, err
	}
	if o.Status != order.Placed {
		return nil, errStatus(http.StatusConflict, "order "+o.No+" is "+string(o.Status)+": it takes no payment")
	}
	return s.payView(c, o)
}

type returnAsk struct {
	Reason string `json:"reason"`
}

func (s *Server) askReturn(c *call) (any, error) {
	var req returnAsk
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	cu, err := s.customerOf(c)
	if err != nil {
		return nil, err
	}
	var t lshop.Tracked
	err = s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		t, err = lshop.RequestReturn(c.ctx(), tx, cu.ID, c.Param("no"), req.Reason)
		return err
	})
	return t, wrap("ask for a return", err)
}

func (s *Server) returnRequests(c *call) (any, error) {
	return lshop.ReturnRequests(c.ctx(), s.DB.Pool)
}

func (s *Server) paymentCallback(c *call) (any, error) {
	body, err := io.ReadAll(io.LimitReader(c.Request.Body, 64<<10))
	if err != nil {
		return nil, errStatus(http.StatusBadRequest, "could not read the callback's body")
	}
	sig := c.GetHeader("X-Signature")
	if sig == "" {
		return nil, errStatus(http.StatusBadRequest, "a callback must be signed: the X-Signature header is missing")
	}
	return s.shopService().Callback(c.ctx(), c.Param("provider"), body, sig)
}

func (s *Server) payLocal(c *call) (any, error) {
	return s.shopService().PayLocal(c.ctx(), c.Param("ref"))
}

// ReferredView is what a member's referrals in the shop came to.
type ReferredView struct {
	Customers []lshop.Customer `json:"customers"`
	Orders    int              `json:"orders"`
	Total     string           `json:"total"`
}

func (s *Server) referred(c *call) (any, error) {
	code := c.Param("code")
	cs, err := lshop.Referred(c.ctx(), s.DB.Pool, code)
	if err != nil {
		return nil, err
	}
	n, total, err := lshop.ReferredOrders(c.ctx(), s.DB.Pool, code)
	if err != nil {
		return nil, err
	}
	for i := range cs {
		cs[i].Phone = maskPhone(cs[i].Phone)
	}
	if cs == nil {
		cs = []lshop.Customer{}
	}
	return ReferredView{Customers: cs, Orders: n, Total: total.StringFixed(2)}, nil
}

// maskPhone keeps a phone's first and last few digits.
func maskPhone(p string) string {
	if len(p) < 8 {
		return p
	}
	return p[:len(p)-8] + "****" + p[len(p)-4:]
}

// portalThrottle lends the sign-in throttle to the shop's sign-in page.
type portalThrottle struct{ t *throttle }

func (p portalThrottle) Wait(key string) time.Duration { return p.t.wait("shop\x00"+key, time.Now()) }
func (p portalThrottle) Fail(key string)               { p.t.fail("shop\x00"+key, time.Now()) }
func (p portalThrottle) Reset(key string)              { p.t.reset("shop\x00" + key) }
