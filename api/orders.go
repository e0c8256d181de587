package api

import (
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger/order"
	"downline/ledger/user"
)

type orderRequest struct {
	Kind        string          `json:"kind"`
	Member      string          `json:"member,omitempty"`
	Customer    *customerFields `json:"customer,omitempty"`
	BuyerAgency string          `json:"buyer_agency,omitempty"`
	Seller      string          `json:"seller,omitempty"`
	Warehouse   string          `json:"warehouse,omitempty"`
	Lines       []lineRequest   `json:"lines"`
	ShipTo      string          `json:"ship_to,omitempty"`
}

type customerFields struct {
	Name  string `json:"name"`
	Phone string `json:"phone,omitempty"`
}

// orderScope: members order for their own team, customers only in the shop,
// agencies only from or for themselves.
func orderScope(c *call, req any) error {
	r := req.(*orderRequest)
	switch c.role() {
	case user.Member:
		if r.Member == "" {
			r.Member = c.who.User.Member
		}
		if r.Kind != string(order.Repeat) {
			return errStatus(http.StatusUnprocessableEntity, "members place repeat orders (register new members with POST /api/v1/members)")
		}
	case user.Customer:
		if r.Kind != string(order.Shop) {
			return errStatus(http.StatusUnprocessableEntity, "customers place shop orders (kind shop)")
		}
	case user.Agency:
		if r.Kind == string(order.Agency) && r.BuyerAgency == "" {
			r.BuyerAgency = c.who.User.Agency
		}
		if r.Kind != string(order.Agency) && r.Seller == "" {
			r.Seller = c.who.User.Agency
		}
	}
	if err := c.s.actAsAgency(c, r.Seller); err != nil {
		return err
	}
	if err := c.s.actAsAgency(c, r.BuyerAgency); err != nil {
		return err
	}
	if r.Member != "" {
		return c.s.actOnMember(c, r.Member)
	}
	return nil
}

// placeOrder enters an order through the desk. A caller who gives up
// (closes the connection, times out) before the answer finds the order by
// sending the request again under the same Idempotency-Key: it was either
// withdrawn before its batch started, and the retry enters it, or entered
// once, and the retry returns it (order.Desk.Place).
func (s *Server) placeOrder(c *call) (any, error) {
	var req orderRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	return s.orderDesk().Place(c.ctx(), s.orderOf(c, req))
}

// orderDesk is the desk that enters orders and counter sales arriving at
// the same time in shared transactions.
func (s *Server) orderDesk() *order.Desk {
	s.deskOnce.Do(func() { s.desk = order.NewDesk(s.DB, order.DeskOptions{}) })
	return s.desk
}

// counterSaleRequest is an order paid in full as it is entered.
type counterSaleRequest struct {
	Order     orderRequest `json:"order"`
	Method    string       `json:"method"`
	Agency    string       `json:"agency,omitempty"`
	Reference string       `json:"reference,omitempty"`
}

// counterSaleScope: the order as orderScope has it; an agency takes cash
// itself, for its own sales.
func counterSaleScope(c *call, req any) error {
	r := req.(*counterSaleRequest)
	if c.role() == user.Agency && r.Method == string(order.CashAtAgency) && r.Agency == "" {
		r.Agency = c.who.User.Agency
	}
	if err := orderScope(c, &r.Order); err != nil {
		return err
	}
	return c.s.actAsAgency(c, r.Agency)
}

func (s *Server) counterSale(c *call) (any, error) {
	var req counterSaleRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	return s.orderDesk().PlaceAndPay(c.ctx(), order.CounterSale{Order: s.orderOf(c, req.Order), Method: order.Method(req.Method),
		Agency: req.Agency, Reference: req.Reference})
}

// orderOf is the order that req asks for, under the request's key.
func (s *Server) orderOf(c *call, req orderRequest) order.Request {
	r := order.Request{Key: c.key, Kind: order.Kind(req.Kind), Member: req.Member, BuyerAgency: req.BuyerAgency, Seller: req.Seller,
		Warehouse: req.Warehouse, Lines: orderLines(req.Lines), ShipTo: req.ShipTo, By: c.who.By()}
	if req.Customer != nil {
		r.Customer = &order.Customer{Name: req.Customer.Name, Phone: req.Customer.Phone}
	}
	return r
}

func (s *Server) getOrder(c *call) (any, error) {
	return order.Get(c.ctx(), s.DB.Pool, c.Param("no"))
}

// OrderPage is one page of orders, newest first.
type OrderPage struct {
	Items []order.Order `json:"items"`
	Next  string        `json:"next,omitempty"`
}

func (s *Server) listOrders(c *call, f order.Filter) (any, error) {
	limit, err := intQuery(c, "limit", 50, 1, 500)
	if err != nil {
		return nil, err
	}
	f.Limit = limit
	f.Status = order.Status(c.Query("status"))
	if cur := c.Query("cursor"); cur != "" {
		n, err := strconv.ParseInt(cur, 10, 64)
		if err != nil || n <= 0 {
			return nil, errStatus(http.StatusBadRequest, "cursor must be the next value of the previous page")
		}
		f.Before = n
	}
	os, err := order.List(c.ctx(), s.DB.Pool, f)
	if err != nil {
		return nil, wrap("list orders", err)
	}
	p := OrderPage{Items: os}
	if len(os) == limit {
		p.Next = strconv.FormatInt(os[len(os)-1].ID, 10)
	}
	return p, nil
}

func (s *Server) allOrders(c *call) (any, error) { return s.listOrders(c, order.Filter{}) }
func (s *Server) memberOrders(c *call) (any, error) {
	return s.listOrders(c, order.Filter{Member: c.Param("code")})
}
func (s *Server) agencyOrders(c *call) (any, error) {
	return s.listOrders(c, order.Filter{Agency: c.Param("code")})
}

type paymentRequest struct {
	Method    string          `json:"method"`
	Amount    decimal.Decimal `json:"amount"`
	Agency    string          `json:"agency,omitempty"`
	Reference string          `json:"reference,omitempty"`
}

// paymentScope: an agency records cash it took itself; members and
// customers pay online.
func paymentScope(c *call, req any) error {
	r := req.(*paymentRequest)
	switch c.role() {
	case user.Member, user.Customer:
		if r.Method != string(order.Online) {
			return errStatus(http.StatusUnprocessableEntity, "members and customers record online payments (method online)")
		}
	case user.Agency:
		if r.Method == string(order.CashAtAgency) && r.Agency == "" {
			r.Agency = c.who.User.Agency
		}
	}
	return c.s.actAsAgency(c, r.Agency)
}

func (s *Server) recordPayment(c *call) (any, error) {
	var req paymentRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	var p order.Payment
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		p, err = order.RecordPayment(c.ctx(), tx, order.PaymentRequest{Key: c.key, Order: c.Param("no"), Method: order.Method(req.Method),
			Amount: req.Amount, Agency: req.Agency, Reference: req.Reference, By: c.who.By()})
		return err
	})
	return p, wrap("record payment", err)
}

func (s *Server) orderPayments(c *call) (any, error) {
	return order.Payments(c.ctx(), s.DB.Pool, c.Param("no"))
}

type decisionRequest struct {
	Reason string `json:"reason,omitempty"`
}

func (s *Server) decidePayment(confirm bool) func(c *call) (any, error) {
	return func(c *call) (any, error) {
		var req decisionRequest
		if err := c.bind(&req); err != nil {
			return nil, err
		}
		d := order.Decision{Key: c.key, Payment: c.Param("no"), By: c.who.By(), Reason: req.Reason}
		var p order.Payment
		err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
			if confirm {
				p, err = order.ConfirmPayment(c.ctx(), tx, d)
			} else {
				p, err = order.RejectPayment(c.ctx(), tx, d)
			}
			return err
		})
		return p, wrap("decide payment", err)
	}
}

type lotPick struct {
	Line  int    `json:"line"`
	Batch string `json:"batch"`
	Qty   int64  `json:"qty"`
}

type shipRequest struct {
	Tracking string    `json:"tracking"`
	Carrier  string    `json:"carrier,omitempty"`
	Lots     []lotPick `json:"lots,omitempty"`
}

func (s *Server) ship(c *call) (any, error) {
	var req shipRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	r := order.ShipRequest{Key: c.key, Order: c.Param("no"), Tracking: req.Tracking, Carrier: req.Carrier, By: c.who.By()}
	for _, l := range req.Lots {
		r.Lots = append(r.Lots, order.LotPick{Line: l.Line, Batch: l.Batch, Qty: l.Qty})
	}
	var sh order.Shipment
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		sh, err = order.Ship(c.ctx(), tx, r)
		return err
	})
	return sh, wrap("ship order", err)
}

type changeRequest struct {
	Reason string `json:"reason,omitempty"`
}

func (s *Server) changeOrder(deliver bool) func(c *call) (any, error) {
	return func(c *call) (any, error) {
		var req changeRequest
		if err := c.bind(&req); err != nil {
			return nil, err
		}
		ch := order.StatusChange{Key: c.key, Order: c.Param("no"), By: c.who.By(), Reason: req.Reason}
		var o order.Order
		err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
			if deliver {
				o, err = order.Deliver(c.ctx(), tx, ch)
			} else {
				o, err = order.Cancel(c.ctx(), tx, ch)
			}
			return err
		})
		return o, wrap("update order", err)
	}
}

type returnLine struct {
	Line     int    `json:"line"`
	Batch    string `json:"batch"`
	Qty      int64  `json:"qty"`
	WriteOff bool   `json:"write_off,omitempty"`
}

type returnRequest struct {
	Lines  []returnLine `json:"lines"`
	Reason string       `json:"reason,omitempty"`
}

func (s *Server) createReturn(c *call) (any, error) {
	var req returnRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	r := order.ReturnRequest{Key: c.key, Order: c.Param("no"), Reason: req.Reason, By: c.who.By()}
	for _, l := range req.Lines {
		r.Lines = append(r.Lines, order.ReturnLine{Line: l.Line, Batch: l.Batch, Qty: l.Qty, WriteOff: l.WriteOff})
	}
	var ret order.Return
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		ret, err = order.CreateReturn(c.ctx(), tx, r)
		return err
	})
	return ret, wrap("create return", err)
}
