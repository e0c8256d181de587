package shop

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/order"
)

// Address is where a shop order goes.
type Address struct {
	Recipient string `json:"recipient"`
	Phone     string `json:"phone"`
	Province  string `json:"province"`
	City      string `json:"city"`
	Street    string `json:"street"`
	Postcode  string `json:"postcode"`
}

var postcodeRE = regexp.MustCompile(`^[0-9]{6}$`)

// Check normalises a and returns what is wrong with it, field by field.
func (a *Address) Check() Errors {
	var es Errors
	text := func(field string, v *string, min, max int, code, msg string) {
		*v = strings.Join(strings.Fields(*v), " ")
		if n := utf8.RuneCountInString(*v); n < min || n > max {
			es = append(es, invalid(field, code, "%s", msg))
		}
	}
	text("recipient", &a.Recipient, 1, 40, "recipient_required", "give the recipient's name (1 to 40 characters)")
	if p, ok := NormalisePhone(a.Phone); ok {
		a.Phone = p
	} else {
		es = append(es, invalid("phone", "phone_format", "phone %q must be a mobile number such as 13800138000 or +8613800138000", a.Phone))
	}
	text("province", &a.Province, 2, 20, "province_required", "give the province (2 to 20 characters)")
	text("city", &a.City, 2, 20, "city_required", "give the city (2 to 20 characters)")
	text("street", &a.Street, 5, 120, "street_required", "give the street address with the house number (5 to 120 characters)")
	a.Postcode = strings.TrimSpace(a.Postcode)
	if !postcodeRE.MatchString(a.Postcode) {
		es = append(es, invalid("postcode", "postcode_format", "postcode %q must be 6 digits", a.Postcode))
	}
	return es
}

// String is the address on one line, as the warehouse prints it.
func (a Address) String() string {
	return fmt.Sprintf("%s %s, %s %s %s %s", a.Recipient, a.Phone, a.Province, a.City, a.Street, a.Postcode)
}

// Checkout is a customer ordering a cart.
type Checkout struct {
	Key      string // idempotency key: a double click orders once
	Customer Customer
	Address  Address
	// Cart is the cart's cookie value: its lines are ordered and it is
	// emptied. Lines, when given instead, are ordered as they are.
	Cart     string
	Lines    []order.LineRequest
	Referrer string // a member code; default: the customer's referrer
}

// PlaceOrder enters the order of c as a shop order (retail prices,
// shipped from HQ's first warehouse), records the delivery address and
// the referring member on it, and empties the cart. Under the same key a
// second call returns the same order and changes nothing.
//
// Errors: Errors for a wrong address or referrer; ledger.ErrInvalid for an
// empty cart; what order.Place returns (ledger.ErrInsufficientStock, ...).
func PlaceOrder(ctx context.Context, tx pgx.Tx, c Checkout) (order.Order, error) {
	es := c.Address.Check()
	if c.Referrer == "" {
		c.Referrer = c.Customer.Referrer
	}
	if e, err := checkReferrer(ctx, tx, &c.Referrer); err != nil {
		return order.Order{}, err
	} else if e != nil {
		es = append(es, e)
	}
	if len(es) > 0 {
		return order.Order{}, es
	}
	lines := c.Lines
	if c.Cart != "" {
		cart, err := GetCart(ctx, tx, c.Cart, false)
		if err != nil {
			return order.Order{}, err
		}
		lines = nil
		for _, l := range cart.Lines {
			lines = append(lines, order.LineRequest{SKU: l.SKU, Qty: l.Qty})
		}
	}
	if len(lines) == 0 {
		// A retry after the first attempt emptied the cart finds its order.
		if o, err := orderOfKey(ctx, tx, c.Key); err == nil || !errors.Is(err, ledger.ErrNotFound) {
			return o, err
		}
		return order.Order{}, &Error{Code: "cart_empty", Msg: "the cart is empty: add a product first", kind: ledger.ErrInvalid}
	}
	o, err := order.Place(ctx, tx, order.Request{Key: c.Key, Kind: order.Shop, Lines: lines, ShipTo: c.Address.String(),
		Customer: &order.Customer{Name: c.Address.Recipient, Phone: c.Address.Phone}, By: "user:" + c.Customer.Login})
	if err != nil {
		return o, err
	}
	a := c.Address
	if _, err := tx.Exec(ctx, `INSERT INTO shop_orders (order_id, customer_id, recipient, phone, province, city, street, postcode, referrer_id, created_at, idem_key)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, (SELECT id FROM members WHERE code = nullif($9, '')), $10, $11)
		ON CONFLICT (order_id) DO NOTHING`,
		o.ID, c.Customer.ID, a.Recipient, a.Phone, a.Province, a.City, a.Street, a.Postcode, c.Referrer, clock.Now(ctx), c.Key); err != nil {
		return o, fmt.Errorf("record shop order %s: %w", o.No, err)
	}
	if c.Cart != "" {
		if err := clearCart(ctx, tx, c.Cart); err != nil {
			return o, err
		}
	}
	return o, nil
}

// orderOfKey is the shop order placed under idempotency key.
func orderOfKey(ctx context.Context, q ledger.Querier, key string) (order.Order, error) {
	var no string
	err := q.QueryRow(ctx, `SELECT o.order_no FROM shop_orders s JOIN orders o ON o.id = s.order_id WHERE s.idem_key = $1`, key).Scan(&no)
	if errors.Is(err, pgx.ErrNoRows) {
		return order.Order{}, fmt.Errorf("%w: no order under this key", ledger.ErrNotFound)
	}
	if err != nil {
		return order.Order{}, err
	}
	return order.Get(ctx, q, no)
}

// Tracked is a customer's order as the customer follows it.
type Tracked struct {
	order.Order
	Address  Address
	Referrer string `json:",omitempty"`
	// Payment is the provider's payment: pending or paid.
	Payment string `json:",omitempty"`
	// ReturnBy is when the return window ends (shipped orders).
	ReturnBy *time.Time `json:",omitempty"`
	// ReturnRequested is when the customer asked to return it.
	ReturnRequested *time.Time `json:",omitempty"`
	ReturnReason    string     `json:",omitempty"`
}

const trackedSelect = `SELECT o.order_no, s.recipient, s.phone, s.province, s.city, s.street, s.postcode, coalesce(m.code, ''),
		coalesce((SELECT p.status FROM shop_payments p WHERE p.order_id = o.id ORDER BY p.id DESC LIMIT 1), ''),
		r.requested_at, coalesce(r.reason, '')
	FROM shop_orders s JOIN orders o ON o.id = s.order_id
	LEFT JOIN members m ON m.id = s.referrer_id
	LEFT JOIN shop_return_requests r ON r.order_id = o.id`

// Orders lists customer's orders, newest first (at most 100).
func Orders(ctx context.Context, q ledger.Querier, customer int64) ([]Tracked, error) {
	return tracked(ctx, q, ` WHERE s.customer_id = $1 ORDER BY o.id DESC LIMIT 100`, customer)
}

// Track reads one of customer's orders.
//
// Errors: ledger.ErrNotFound for an order that is not the customer's.
func Track(ctx context.Context, q ledger.Querier, customer int64, no string) (Tracked, error) {
	ts, err := tracked(ctx, q, ` WHERE s.customer_id = $1 AND o.order_no = $2`, customer, no)
	if err != nil {
		return Tracked{}, err
	}
	if len(ts) == 0 {
		return Tracked{}, fmt.Errorf("%w: unknown order %q", ledger.ErrNotFound, no)
	}
	return ts[0], nil
}

func tracked(ctx context.Context, q ledger.Querier, where string, args ...any) ([]Tracked, error) {
	rows, err := q.Query(ctx, trackedSelect+where, args...)
	if err != nil {
		return nil, err
	}
	ts, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Tracked, error) {
		var t Tracked
		a := &t.Address
		err := r.Scan(&t.No, &a.Recipient, &a.Phone, &a.Province, &a.City, &a.Street, &a.Postcode, &t.Referrer, &t.Payment,
			&t.ReturnRequested, &t.ReturnReason)
		return t, err
	})
	if err != nil {
		return nil, err
	}
	for i := range ts {
		o, err := order.Get(ctx, q, ts[i].No)
		if err != nil {
			return nil, err
		}
		ts[i].Order = o
		if end, _, err := order.ReturnDeadline(ctx, q, o); err == nil {
			ts[i].ReturnBy = &end
		}
	}
	return ts, nil
}

// RequestReturn records that customer asks to send back order no, within
// the return window (order.ReturnOpen, the rule the warehouse's return
// follows); the warehouse then takes the goods back
// (POST /api/v1/orders/{no}/returns), which refunds.
//
// Errors: ledger.ErrNotFound for an order not the customer's; *Error
// (ledger.ErrInvalid) for an empty reason, an order not shipped or past
// its window; ledger.ErrConflict when asked already.
func RequestReturn(ctx context.Context, tx pgx.Tx, customer int64, no, reason string) (Tracked, error) {
	t, err := Track(ctx, tx, customer, no)
	if err != nil {
		return t, err
	}
	if strings.TrimSpace(reason) == "" {
		return t, invalid("reason", "reason_required", "say why the order goes back")
	}
	if err := order.ReturnOpen(ctx, tx, t.Order); err != nil {
		code := "return_closed"
		if t.ShippedAt == nil {
			code = "not_shipped"
		}
		return t, &Error{Code: code, Msg: strings.TrimPrefix(err.Error(), ledger.ErrInvalid.Error()+": "), kind: ledger.ErrInvalid}
	}
	tag, err := tx.Exec(ctx, `INSERT INTO shop_return_requests (order_id, customer_id, reason, requested_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (order_id) DO NOTHING`, t.ID, customer, strings.TrimSpace(reason), clock.Now(ctx))
	if err != nil {
		return t, err
	}
	if tag.RowsAffected() == 0 {
		return t, &Error{Code: "return_requested", Msg: fmt.Sprintf("a return of order %s was asked for already", no), kind: ledger.ErrConflict}
	}
	return Track(ctx, tx, customer, no)
}

// ReturnRequest is a customer's request to return an order, for the warehouse.
type ReturnRequest struct {
	Order       string
	Customer    string
	Phone       string
	Reason      string
	RequestedAt time.Time
	Returned    bool // the warehouse took a return of the order since
}

// ReturnRequests lists the requests, newest first (at most 200).
func ReturnRequests(ctx context.Context, q ledger.Querier) ([]ReturnRequest, error) {
	rows, err := q.Query(ctx, `SELECT o.order_no, c.name, c.phone, r.reason, r.requested_at,
			EXISTS (SELECT 1 FROM returns x WHERE x.order_id = o.id)
		FROM shop_return_requests r JOIN orders o ON o.id = r.order_id JOIN shop_customers c ON c.id = r.customer_id
		ORDER BY r.id DESC LIMIT 200`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReturnRequest, error) {
		var x ReturnRequest
		err := r.Scan(&x.Order, &x.Customer, &x.Phone, &x.Reason, &x.RequestedAt, &x.Returned)
		return x, err
	})
}

// ReferredOrders sums the shop orders of the customers a member referred,
// as recorded: count and total (cancelled orders left out).
func ReferredOrders(ctx context.Context, q ledger.Querier, member string) (int, decimal.Decimal, error) {
	var n int
	total := decimal.Zero
	err := q.QueryRow(ctx, `SELECT count(*), coalesce(sum(o.total), 0) FROM shop_orders s JOIN orders o ON o.id = s.order_id
		JOIN members m ON m.id = s.referrer_id WHERE m.code = $1 AND o.status <> 'cancelled'`, member).Scan(&n, &total)
	return n, total, err
}
