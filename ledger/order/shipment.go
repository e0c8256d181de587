package order

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/catalog"
	"downline/ledger/idempotency"
	"downline/ledger/journal"
	"downline/ledger/stock"
)

// LotPick ships Qty units of an order line from lot Batch.
type LotPick struct {
	Line  int
	Batch string
	Qty   int64
}

// ShipRequest ships a confirmed order in full.
type ShipRequest struct {
	Key      string // idempotency key
	Order    string
	Tracking string
	// Carrier names the carrier (SF Express, EMS…); optional.
	Carrier string `json:",omitempty"`
	// Lots overrides the lots reserved at placement; when given it must
	// cover every line exactly.
	Lots []LotPick `json:",omitempty"`
	By   string
}

// ShippedLot is the part of a line shipped from one lot.
type ShippedLot struct {
	Line  int
	SKU   string
	LotID int64
	Batch string
	Qty   int64
}

// Shipment is goods leaving a warehouse for an order.
type Shipment struct {
	ID        int64
	No        string
	Order     string
	Warehouse string
	Tracking  string
	Carrier   string `json:",omitempty"`
	Lots      []ShippedLot
	By        string
	ShippedAt time.Time
}

// Ship ships a confirmed order from its warehouse: the reserved lots (or the
// lots picked), the revenue and cost of goods (for orders HQ sells), and a
// lot.moved event per lot.
//
// Errors: ledger.ErrConflict for an order that is not confirmed (finance
// has not confirmed its payment) or already shipped; ledger.ErrInvalid for
// a missing tracking number or lots that do not cover the lines;
// ledger.ErrNotFound for an unknown order or lot; ledger.ErrInsufficientStock
// for picked lots without the units; ledger.ErrIdempotencyConflict.
func Ship(ctx context.Context, tx pgx.Tx, r ShipRequest) (Shipment, error) {
	return idempotency.Do(ctx, tx, r.Key, "order.ship", r, func() (Shipment, error) {
		return ship(ctx, tx, r)
	})
}

func ship(ctx context.Context, tx pgx.Tx, r ShipRequest) (Shipment, error) {
	if strings.TrimSpace(r.Tracking) == "" {
		return Shipment{}, fmt.Errorf("%w: shipping order %s needs a tracking number", ledger.ErrInvalid, r.Order)
	}
	if strings.TrimSpace(r.By) == "" {
		return Shipment{}, fmt.Errorf("%w: a shipment must say who shipped it", ledger.ErrInvalid)
	}
	o, err := lock(ctx, tx, r.Order)
	if err != nil {
		return Shipment{}, err
	}
	switch o.Status {
	case Confirmed:
	case Placed, Paid:
		var confirmed decimal.Decimal
		if err := tx.QueryRow(ctx, `SELECT coalesce(sum(amount), 0) FROM payments WHERE order_id = $1 AND status = 'confirmed'`, o.ID).Scan(&confirmed); err != nil {
			return Shipment{}, err
		}
		return Shipment{}, fmt.Errorf("%w: order %s is not confirmed: finance has confirmed %s of %s, and the warehouse ships only confirmed orders",
			ledger.ErrConflict, o.No, confirmed.StringFixed(2), o.Total.StringFixed(2))
	default:
		return Shipment{}, o.refuse("only a confirmed order can ship")
	}
	lines := map[int]Line{}
	for _, l := range o.Lines {
		lines[l.No] = l
	}
	var moves []stock.Move
	var shipped []ShippedLot
	if len(r.Lots) == 0 {
		for _, a := range o.Allocations {
			moves = append(moves, stock.Move{Warehouse: a.WarehouseID, Lot: a.LotID, OnHand: -a.Qty, Reserved: -a.Qty})
			shipped = append(shipped, ShippedLot{Line: a.Line, SKU: lines[a.Line].SKU, LotID: a.LotID, Batch: a.Batch, Qty: a.Qty})
		}
	} else {
		for _, a := range o.Allocations {
			moves = append(moves, stock.Move{Warehouse: a.WarehouseID, Lot: a.LotID, Reserved: -a.Qty})
		}
		today, err := companyToday(ctx)
		if err != nil {
			return Shipment{}, err
		}
		perLine := map[int]int64{}
		for _, pk := range r.Lots {
			l, ok := lines[pk.Line]
			if !ok {
				return Shipment{}, fmt.Errorf("%w: order %s has no line %d", ledger.ErrInvalid, o.No, pk.Line)
			}
			if pk.Qty <= 0 {
				return Shipment{}, fmt.Errorf("%w: line %d lot %s: quantity %d must be positive", ledger.ErrInvalid, pk.Line, pk.Batch, pk.Qty)
			}
			lot, err := catalog.GetLot(ctx, tx, l.SKU, pk.Batch)
			if err != nil {
				return Shipment{}, err
			}
			if !lot.ExpiresOn.IsZero() && lot.ExpiresOn.Before(today) {
				return Shipment{}, fmt.Errorf("%w: line %d (%s): lot %s expired on %s and cannot be shipped",
					ledger.ErrInvalid, pk.Line, l.SKU, lot.Batch, lot.ExpiresOn.Format(time.DateOnly))
			}
			perLine[pk.Line] += pk.Qty
			moves = append(moves, stock.Move{Warehouse: o.warehouseID, Lot: lot.ID, OnHand: -pk.Qty})
			shipped = append(shipped, ShippedLot{Line: pk.Line, SKU: l.SKU, LotID: lot.ID, Batch: lot.Batch, Qty: pk.Qty})
		}
		for _, l := range o.Lines {
			if perLine[l.No] != l.Qty {
				return Shipment{}, fmt.Errorf("%w: the lots picked for line %d (%s) add up to %d units, the line has %d",
					ledger.ErrInvalid, l.No, l.SKU, perLine[l.No], l.Qty)
			}
		}
	}
	ref := "shipment " + o.No
	if _, err := stock.Apply(ctx, tx, stock.KindShip, ref, r.Key, moves); err != nil {
		return Shipment{}, err
	}
	s := Shipment{Order: o.No, Warehouse: o.Warehouse, Tracking: r.Tracking, Carrier: strings.TrimSpace(r.Carrier), Lots: shipped, By: r.By}
	ls, lots, qtys := make([]int32, len(shipped)), make([]int64, len(shipped)), make([]int64, len(shipped))
	for i, x := range shipped {
		ls[i], lots[i], qtys[i] = int32(x.Line), x.LotID, x.Qty
	}
	err = tx.QueryRow(ctx, `WITH s AS (
			INSERT INTO shipments (order_id, warehouse_id, tracking_no, shipped_by, shipped_at, carrier) VALUES ($1, $2, $3, $4, $8, $9)
			RETURNING id, shipment_no, shipped_at),
		l AS (
			INSERT INTO shipment_lots (shipment_id, order_id, line_no, lot_id, qty)
			SELECT s.id, $1, u.* FROM s, unnest($5::int[], $6::bigint[], $7::bigint[]) AS u),
		o AS (UPDATE orders SET status = 'shipped', shipped_at = $8 WHERE id = $1)
		SELECT id, shipment_no, shipped_at FROM s`,
		o.ID, o.warehouseID, r.Tracking, r.By, ls, lots, qtys, clock.Now(ctx), s.Carrier).Scan(&s.ID, &s.No, &s.ShippedAt)
	if err != nil {
		return Shipment{}, fmt.Errorf("record shipment of %s: %w", o.No, err)
	}
	if o.SoldByHQ() {
		if _, err := journal.Post(ctx, tx, shipmentEntry(o, s.No, r.Key, r.By)); err != nil {
			return Shipment{}, err
		}
	}
	to, err := o.buyer(ctx, tx)
	if err != nil {
		return Shipment{}, err
	}
	w, err := stock.GetWarehouseByID(ctx, tx, o.warehouseID)
	if err != nil {
		return Shipment{}, err
	}
	events := make([]stock.LotMoved, len(shipped))
	for i, x := range shipped {
		events[i] = stock.LotMoved{Lot: x.LotID, SKU: x.SKU, Batch: x.Batch, From: w.Holder(), To: to, Qty: x.Qty,
			Order: o.No, Shipment: s.No, At: s.ShippedAt}
	}
	if err := stock.EmitLotMoved(ctx, tx, events); err != nil {
		return Shipment{}, err
	}
	return s, emitOrderEvent(ctx, tx, EventShipped, o, OrderEvent{Shipment: s.No, Tracking: s.Tracking, At: s.ShippedAt})
}

// companyToday is the business clock's date in the company's zone, as a
// UTC midnight like the lot dates: a lot expiring on that day still ships.
func companyToday(ctx context.Context) (time.Time, error) {
	zone, err := ledger.CompanyZone()
	if err != nil {
		return time.Time{}, err
	}
	y, m, d := clock.Now(ctx).In(zone).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC), nil
}

// shippedLots reads what was shipped for an order.
func shippedLots(ctx context.Context, q ledger.Querier, orderID int64) ([]ShippedLot, error) {
	rows, err := q.Query(ctx, `SELECT sl.line_no, p.sku, sl.lot_id, l.batch, sl.qty FROM shipment_lots sl
		JOIN lots l ON l.id = sl.lot_id JOIN products p ON p.id = l.product_id
		WHERE sl.order_id = $1 ORDER BY sl.line_no, sl.lot_id`, orderID)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (ShippedLot, error) {
		var s ShippedLot
		err := r.Scan(&s.Line, &s.SKU, &s.LotID, &s.Batch, &s.Qty)
		return s, err
	})
}

// StatusChange asks to deliver or cancel an order.
type StatusChange struct {
	Key    string // idempotency key
	Order  string
	By     string
	Reason string `json:",omitempty"`
}

// Deliver records that a shipped order arrived. Goods an agency bought go
// into the agency's warehouse, where it can sell them.
//
// Errors: ledger.ErrConflict for an order that is not shipped;
// ledger.ErrNotFound; ledger.ErrIdempotencyConflict.
func Deliver(ctx context.Context, tx pgx.Tx, c StatusChange) (Order, error) {
	return idempotency.Do(ctx, tx, c.Key, "order.deliver", c, func() (Order, error) {
		o, err := lock(ctx, tx, c.Order)
		if err != nil {
			return Order{}, err
		}
		if o.Status != Shipped {
			return Order{}, o.refuse("only a shipped order can be delivered")
		}
		if o.Kind == Agency {
			w, err := stock.AgencyWarehouse(ctx, tx, o.BuyerAgency)
			if err != nil {
				return Order{}, err
			}
			sl, err := shippedLots(ctx, tx, o.ID)
			if err != nil {
				return Order{}, err
			}
			moves := make([]stock.Move, len(sl))
			for i, x := range sl {
				moves[i] = stock.Move{Warehouse: w.ID, Lot: x.LotID, OnHand: x.Qty}
			}
			if _, err := stock.Apply(ctx, tx, stock.KindReceipt, "delivery "+o.No, c.Key, moves); err != nil {
				return Order{}, err
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE orders SET status = 'delivered', delivered_at = $2 WHERE id = $1`, o.ID, clock.Now(ctx)); err != nil {
			return Order{}, err
		}
		return Get(ctx, tx, o.No)
	})
}

// Cancel cancels an order that has not been confirmed: its reservations are
// released, its recorded payments rejected and any part already confirmed
// refunded. A confirmed order has had its
// money confirmed by finance and its volumes counted: it ships and comes
// back as a return.
//
// Errors: ledger.ErrConflict for a confirmed, shipped, delivered or
// cancelled order; ledger.ErrNotFound; ledger.ErrIdempotencyConflict.
func Cancel(ctx context.Context, tx pgx.Tx, c StatusChange) (Order, error) {
	return idempotency.Do(ctx, tx, c.Key, "order.cancel", c, func() (Order, error) {
		o, err := lock(ctx, tx, c.Order)
		if err != nil {
			return Order{}, err
		}
		if o.Status != Placed && o.Status != Paid {
			return Order{}, o.refuse("only a placed or paid order can be cancelled (after confirmation, take a return)")
		}
		moves := make([]stock.Move, len(o.Allocations))
		for i, a := range o.Allocations {
			moves[i] = stock.Move{Warehouse: a.WarehouseID, Lot: a.LotID, Reserved: -a.Qty}
		}
		if _, err := stock.Apply(ctx, tx, stock.KindRelease, "cancel "+o.No, c.Key, moves); err != nil {
			return Order{}, err
		}
		reason := "order cancelled"
		if c.Reason != "" {
			reason += ": " + c.Reason
		}
		if _, err := tx.Exec(ctx, `UPDATE payments SET status = 'rejected', decided_by = $2, decided_at = $4, reason = $3
			WHERE order_id = $1 AND status = 'recorded'`, o.ID, c.By, reason, clock.Now(ctx)); err != nil {
			return Order{}, err
		}
		// Part of the money may already be confirmed: it goes back the way it came.
		if o.SoldByHQ() {
			ps, err := Payments(ctx, tx, o.No)
			if err != nil {
				return Order{}, err
			}
			for _, p := range ps {
				if p.Status != PaymentAccepted {
					continue
				}
				acct, holder := p.account()
				if _, err := journal.Post(ctx, tx, journal.Entry{Kind: "order.cancelled", Ref: p.No + " " + o.No, OpKey: c.Key, By: c.By,
					Memo: "refund of a confirmed payment", Lines: []journal.Line{
						journal.Dr(journal.DeferredRevenue, "", p.Amount), journal.Cr(acct, holder, p.Amount)}}); err != nil {
					return Order{}, err
				}
			}
		}
		if _, err := tx.Exec(ctx, `UPDATE orders SET status = 'cancelled', cancelled_at = $2 WHERE id = $1`, o.ID, clock.Now(ctx)); err != nil {
			return Order{}, err
		}
		return Get(ctx, tx, o.No)
	})
}
