// Package order runs orders from entry to delivery: registration, repeat,
// public shop and agency purchase orders with their lines priced at the time
// of sale, payments that finance confirms or rejects, shipments (only of
// confirmed orders) choosing lots first-expiry-first, deliveries,
// cancellations, returns with refunds and reversed volumes, and the period
// volumes settlement reads. Every money or stock movement runs under an
// idempotency key and writes its journal entries and stock moves in the same
// transaction.
package order

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
	"downline/ledger/stock"
)

// Kind is what an order is for.
type Kind string

const (
	Registration Kind = "registration" // a new member's first purchase
	Repeat       Kind = "repeat"       // a member buying again
	Shop         Kind = "shop"         // a public customer in the online shop
	Agency       Kind = "agency"       // an agency buying stock from HQ
)

// Status is where an order is. The rules: placed -> paid when recorded
// payments cover the total; paid -> confirmed when finance has confirmed them
// all; confirmed -> shipped -> delivered; placed or paid -> cancelled. A
// rejected payment takes a paid order back to placed.
type Status string

const (
	Placed    Status = "placed"
	Paid      Status = "paid"
	Confirmed Status = "confirmed"
	Shipped   Status = "shipped"
	Delivered Status = "delivered"
	Cancelled Status = "cancelled"
)

// Customer is a public shop buyer.
type Customer struct {
	Name  string
	Phone string `json:",omitempty"`
}

// Line is one order line, priced when the order was placed.
type Line struct {
	No        int
	SKU       string
	ProductID int64
	Qty       int64
	UnitPrice decimal.Decimal
	UnitPV    decimal.Decimal
	UnitBV    decimal.Decimal
	UnitCost  decimal.Decimal
}

// Amount is qty times unit price.
func (l Line) Amount() decimal.Decimal { return l.UnitPrice.Mul(decimal.NewFromInt(l.Qty)) }

// Order is an order with its lines and the lots reserved for them.
type Order struct {
	ID          int64
	No          string
	Kind        Kind
	Status      Status
	Member      string    `json:",omitempty"` // buyer, registration and repeat orders
	Customer    *Customer `json:",omitempty"` // buyer, shop orders
	BuyerAgency string    `json:",omitempty"` // buyer, agency orders
	Seller      string    `json:",omitempty"` // selling agency; empty: HQ
	Warehouse   string
	Total       decimal.Decimal
	PV          decimal.Decimal
	BV          decimal.Decimal
	ShipTo      string `json:",omitempty"`
	EnteredBy   string
	PlacedAt    time.Time
	PaidAt      *time.Time `json:",omitempty"`
	ConfirmedAt *time.Time `json:",omitempty"`
	ShippedAt   *time.Time `json:",omitempty"`
	DeliveredAt *time.Time `json:",omitempty"`
	CancelledAt *time.Time `json:",omitempty"`
	// Shipment, Tracking and Carrier name the order's shipment once it has
	// left the warehouse: its number, the tracking number and the carrier.
	Shipment    string `json:",omitempty"`
	Tracking    string `json:",omitempty"`
	Carrier     string `json:",omitempty"`
	Lines       []Line
	Allocations []stock.Allocation `json:",omitempty"`

	memberID, buyerAgencyID, sellerAgencyID, warehouseID int64
}

// SoldByHQ reports whether HQ sells the order, so that its money passes
// through HQ's books. An agency's sales from its own stock are its own
// business: they move stock and volumes, not HQ's journal.
func (o Order) SoldByHQ() bool { return o.sellerAgencyID == 0 }

const orderSelect = `SELECT o.id, o.order_no, o.kind, o.status, coalesce(m.code, ''), o.customer_name, o.customer_phone,
		coalesce(ba.code, ''), coalesce(sa.code, ''), w.code, o.total, o.pv, o.bv, o.ship_to, o.entered_by,
		o.placed_at, o.paid_at, o.confirmed_at, o.shipped_at, o.delivered_at, o.cancelled_at,
		coalesce(o.member_id, 0), coalesce(o.buyer_agency_id, 0), coalesce(o.seller_agency_id, 0), o.warehouse_id,
		coalesce(sh.shipment_no, ''), coalesce(sh.tracking_no, ''), coalesce(sh.carrier, '')
	FROM orders o
	JOIN warehouses w ON w.id = o.warehouse_id
	LEFT JOIN members m ON m.id = o.member_id
	LEFT JOIN agencies ba ON ba.id = o.buyer_agency_id
	LEFT JOIN agencies sa ON sa.id = o.seller_agency_id
	LEFT JOIN shipments sh ON sh.order_id = o.id`

func scanOrder(r pgx.Row) (Order, error) {
	var o Order
	var cname, cphone string
	err := r.Scan(&o.ID, &o.No, &o.Kind, &o.Status, &o.Member, &cname, &cphone,
		&o.BuyerAgency, &o.Seller, &o.Warehouse, &o.Total, &o.PV, &o.BV, &o.ShipTo, &o.EnteredBy,
		&o.PlacedAt, &o.PaidAt, &o.ConfirmedAt, &o.ShippedAt, &o.DeliveredAt, &o.CancelledAt,
		&o.memberID, &o.buyerAgencyID, &o.sellerAgencyID, &o.warehouseID, &o.Shipment, &o.Tracking, &o.Carrier)
	if cname != "" {
		o.Customer = &Customer{Name: cname, Phone: cphone}
	}
	return o, err
}

// Get reads order no with its lines and reservations.
//
// Errors: ledger.ErrNotFound for an unknown order number.
func Get(ctx context.Context, q ledger.Querier, no string) (Order, error) {
	o, err := scanOrder(q.QueryRow(ctx, orderSelect+` WHERE o.order_no = $1`, no))
	if errors.Is(err, pgx.ErrNoRows) {
		return Order{}, fmt.Errorf("%w: unknown order %q", ledger.ErrNotFound, no)
	}
	if err != nil {
		return Order{}, err
	}
	return o, loadLines(ctx, q, &o)
}

// lock reads order no FOR UPDATE: every change of an order starts here, so
// changes of one order are serialised and always lock the order first.
func lock(ctx context.Context, tx pgx.Tx, no string) (Order, error) {
	o, err := lockHead(ctx, tx, no)
	if err != nil {
		return Order{}, err
	}
	return o, loadLines(ctx, tx, &o)
}

// lockHead is lock without the lines and reservations, for payments.
func lockHead(ctx context.Context, tx pgx.Tx, no string) (Order, error) {
	o, err := scanOrder(tx.QueryRow(ctx, orderSelect+` WHERE o.order_no = $1 FOR UPDATE OF o`, no))
	if errors.Is(err, pgx.ErrNoRows) {
		return Order{}, fmt.Errorf("%w: unknown order %q", ledger.ErrNotFound, no)
	}
	if err != nil {
		return Order{}, fmt.Errorf("lock order %s: %w", no, err)
	}
	return o, nil
}

// queueLockHead queues in b what lockHead reads, for the order that
// matches where (on orders o).
func queueLockHead(b *pgx.Batch, where string, args ...any) *ledger.Pending[Order] {
	o := &ledger.Pending[Order]{}
	b.Queue(orderSelect+` WHERE `+where+` FOR UPDATE OF o`, args...).QueryRow(func(r pgx.Row) error {
		o.Value, o.Err = scanOrder(r)
		if errors.Is(o.Err, pgx.ErrNoRows) {
			o.Err = fmt.Errorf("%w: unknown order %q", ledger.ErrNotFound, args[0])
		}
		return nil
	})
	return o
}

func loadLines(ctx context.Context, q ledger.Querier, o *Order) error {
	rows, err := q.Query(ctx, `SELECT l.line_no, p.sku, l.product_id, l.qty, l.unit_price, l.unit_pv, l.unit_bv, l.unit_cost
		FROM order_lines l JOIN products p ON p.id = l.product_id WHERE l.order_id = $1 ORDER BY l.line_no`, o.ID)
	if err != nil {
		return err
	}
	o.Lines, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Line, error) {
		var l Line
		err := r.Scan(&l.No, &l.SKU, &l.ProductID, &l.Qty, &l.UnitPrice, &l.UnitPV, &l.UnitBV, &l.UnitCost)
		return l, err
	})
	if err != nil {
		return err
	}
	rows, err = q.Query(ctx, `SELECT a.line_no, a.warehouse_id, a.lot_id, l.batch, a.qty
		FROM order_allocations a JOIN lots l ON l.id = a.lot_id WHERE a.order_id = $1 ORDER BY a.line_no, a.lot_id`, o.ID)
	if err != nil {
		return err
	}
	o.Allocations, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (stock.Allocation, error) {
		var a stock.Allocation
		err := r.Scan(&a.Line, &a.WarehouseID, &a.LotID, &a.Batch, &a.Qty)
		return a, err
	})
	return err
}

// buyer is who receives the goods, as a holder in circulation events.
func (o Order) buyer(ctx context.Context, q ledger.Querier) (stock.Holder, error) {
	switch o.Kind {
	case Registration, Repeat:
		return stock.Holder{Kind: "member", ID: o.memberID, Code: o.Member}, nil
	case Agency:
		w, err := stock.AgencyWarehouse(ctx, q, o.BuyerAgency)
		if err != nil {
			return stock.Holder{}, err
		}
		return w.Holder(), nil
	}
	return stock.Holder{Kind: "customer", Code: o.No}, nil
}

func (o Order) refuse(want string) error {
	return fmt.Errorf("%w: order %s is %s; %s", ledger.ErrConflict, o.No, o.Status, want)
}
