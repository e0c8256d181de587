package order

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/catalog"
	"downline/ledger/idempotency"
	"downline/ledger/stock"
)

// LineRequest asks for Qty units of a SKU, from lot Batch when given.
type LineRequest struct {
	SKU   string
	Qty   int64
	Batch string `json:",omitempty"`
}

// Request is an order to place.
type Request struct {
	Key         string // idempotency key
	Kind        Kind
	Member      string    `json:",omitempty"` // registration, repeat: the buying member's code
	Customer    *Customer `json:",omitempty"` // shop: the buyer
	BuyerAgency string    `json:",omitempty"` // agency: the agency buying from HQ
	// Seller is the agency selling from its own stock; empty for HQ.
	Seller string `json:",omitempty"`
	// Warehouse ships the goods; it defaults to the seller agency's, or HQ's
	// first warehouse.
	Warehouse string `json:",omitempty"`
	Lines     []LineRequest
	ShipTo    string `json:",omitempty"`
	By        string // who entered it: a member, an agency, HQ staff
}

// Place enters r in tx: it prices the lines (member price for members,
// retail for the shop, agency price for agencies; PV and BV only on member
// orders), reserves stock first-expiry-first, and records the order as placed.
//
// Errors: ledger.ErrInvalid for a missing or contradictory field, a quantity
// that is not positive, an inactive product; ledger.ErrNotFound for an
// unknown SKU, lot, member, agency or warehouse; ledger.ErrForbidden for a
// seller shipping from a warehouse that is not its own;
// ledger.ErrInsufficientStock; ledger.ErrIdempotencyConflict.
func Place(ctx context.Context, tx pgx.Tx, r Request) (Order, error) {
	reads := queuePlaceReads(r)
	return idempotency.DoBatch(ctx, tx, r.Key, opPlace, r, reads.batch, func(run *idempotency.Run) (Order, error) {
		return place(ctx, tx, r, reads, placing{run: run})
	})
}

// placeReads are the rows Place reads before it writes, queued in one batch
// (sent with the idempotency claim): the buyer, the warehouse, the products.
type placeReads struct {
	batch     *pgx.Batch
	buyer     *ledger.Pending[buyerRow]
	warehouse *ledger.Pending[stock.Warehouse]
	products  *ledger.Pending[map[string]catalog.Product]
}

// buyerRow is the buying member or agency.
type buyerRow struct {
	id   int64
	code string
}

func queuePlaceReads(r Request) *placeReads {
	rd := &placeReads{batch: &pgx.Batch{}, buyer: &ledger.Pending[buyerRow]{}}
	queueBuyer := func(sql, code string, notFound error) {
		b := rd.buyer
		rd.batch.Queue(sql, code).QueryRow(func(row pgx.Row) error {
			b.Err = row.Scan(&b.Value.id, &b.Value.code)
			if errors.Is(b.Err, pgx.ErrNoRows) {
				b.Err = notFound
			}
			return nil
		})
	}
	switch {
	case (r.Kind == Registration || r.Kind == Repeat) && r.Member != "":
		queueBuyer(`SELECT id, code FROM members WHERE code = $1`, r.Member,
			fmt.Errorf("%w: unknown member %q", ledger.ErrNotFound, r.Member))
	case r.Kind == Agency && r.BuyerAgency != "":
		queueBuyer(`SELECT id, code FROM agencies WHERE code = $1 AND status = 'active'`, r.BuyerAgency,
			fmt.Errorf("%w: unknown or closed agency %q", ledger.ErrNotFound, r.BuyerAgency))
	}
	rd.warehouse = stock.QueueWarehouse(rd.batch, r.Warehouse, r.Seller)
	skus := make([]string, 0, len(r.Lines))
	for _, l := range r.Lines {
		skus = append(skus, l.SKU)
	}
	rd.products = catalog.QueueGetMany(rd.batch, skus)
	return rd
}

// placing says how place finishes an order.
type placing struct {
	run *idempotency.Run // stores the order as the result, unless nil
	// paid: the order is paid and confirmed as it is placed (a counter sale).
	paid bool
	// then, unless nil, queues more writes with the reservation, the order
	// being in the database.
	then func(b *pgx.Batch, o *Order)
}

// place enters r with the rows in reads, which have been read.
func place(ctx context.Context, tx pgx.Tx, r Request, reads *placeReads, how placing) (Order, error) {
	o, w, wants, err := price(r, resolved{
		buyer:     reads.buyer.Get,
		warehouse: reads.warehouse.Get,
		product: func(sku string) (catalog.Product, error) {
			ps, err := reads.products.Get()
			return ps[sku], err
		},
		lot: func(sku, batch string) (int64, error) {
			lot, err := catalog.GetLot(ctx, tx, sku, batch)
			return lot.ID, err
		},
	}, how.paid)
	if err != nil {
		return Order{}, err
	}

	// The order and its lines go in with the lock of the stock, so the lock
	// is held for one round trip (the reservation with the allocations and
	// the result) before the commit.
	b := &pgx.Batch{}
	queueInsert(b, &o, clock.Now(ctx))
	rv := stock.QueueReservation(b, w, wants, "order", r.Key)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return Order{}, fmt.Errorf("insert order: %w", err)
	}
	b = &pgx.Batch{}
	allocs, low, err := rv.Queue(b, clock.Now(ctx))
	if err != nil {
		return Order{}, err
	}
	o.Allocations = allocs
	queueAllocations(b, &o)
	if how.then != nil {
		how.then(b, &o)
	}
	if how.run != nil {
		if err := how.run.QueueResult(b, o); err != nil {
			return Order{}, err
		}
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return Order{}, fmt.Errorf("reserve stock for %s: %w", r.Key, err)
	}
	return o, stock.EmitLow(ctx, tx, low)
}

// resolved is what the checks of an order need from the database, read
// before (for one order or for a batch).
type resolved struct {
	buyer     func() (buyerRow, error)
	warehouse func() (stock.Warehouse, error)
	// product: ledger.ErrNotFound for an unknown SKU.
	product func(sku string) (catalog.Product, error)
	// lot: the id of a SKU's lot; ledger.ErrNotFound for an unknown one.
	lot func(sku, batch string) (int64, error)
}

// price checks r and prices its lines (member price for members, retail
// for the shop, agency price for agencies; PV and BV only on member orders).
// It returns the order, not yet in the database, the warehouse it ships from
// and what it wants from stock; paid: the order is paid and confirmed as it
// is placed.
func price(r Request, rs resolved, paid bool) (Order, stock.Warehouse, []stock.Want, error) {
	fail := func(err error) (Order, stock.Warehouse, []stock.Want, error) {
		return Order{}, stock.Warehouse{}, nil, err
	}
	if strings.TrimSpace(r.By) == "" {
		return fail(fmt.Errorf("%w: an order must say who entered it", ledger.ErrInvalid))
	}
	if len(r.Lines) == 0 {
		return fail(fmt.Errorf("%w: an order needs at least one line", ledger.ErrInvalid))
	}
	o := Order{Kind: r.Kind, Status: Placed, ShipTo: r.ShipTo, EnteredBy: r.By, Total: decimal.Zero, PV: decimal.Zero, BV: decimal.Zero}
	buyer := func(id *int64, code *string) error {
		b, err := rs.buyer()
		*id, *code = b.id, b.code
		return err
	}
	switch r.Kind {
	case Registration, Repeat:
		if r.Member == "" || r.Customer != nil || r.BuyerAgency != "" {
			return fail(fmt.Errorf("%w: a %s order is bought by a member (and only a member)", ledger.ErrInvalid, r.Kind))
		}
		if err := buyer(&o.memberID, &o.Member); err != nil {
			return fail(err)
		}
	case Shop:
		if r.Customer == nil || strings.TrimSpace(r.Customer.Name) == "" || r.Member != "" || r.BuyerAgency != "" {
			return fail(fmt.Errorf("%w: a shop order is bought by a customer with a name", ledger.ErrInvalid))
		}
		o.Customer = r.Customer
	case Agency:
		if r.BuyerAgency == "" || r.Member != "" || r.Customer != nil {
			return fail(fmt.Errorf("%w: an agency order is bought by an agency (and only an agency)", ledger.ErrInvalid))
		}
		if r.Seller != "" {
			return fail(fmt.Errorf("%w: agencies buy from HQ, not from agency %s", ledger.ErrInvalid, r.Seller))
		}
		if err := buyer(&o.buyerAgencyID, &o.BuyerAgency); err != nil {
			return fail(err)
		}
	default:
		return fail(fmt.Errorf("%w: order kind %q must be registration, repeat, shop or agency", ledger.ErrInvalid, r.Kind))
	}

	w, err := sellerWarehouse(r, rs.warehouse)
	if err != nil {
		return fail(err)
	}
	o.Warehouse, o.warehouseID, o.sellerAgencyID, o.Seller = w.Code, w.ID, w.AgencyID, w.AgencyCode

	for i, l := range r.Lines {
		if l.Qty <= 0 {
			return fail(fmt.Errorf("%w: line %d (%s): quantity %d must be positive", ledger.ErrInvalid, i+1, l.SKU, l.Qty))
		}
	}
	products := make([]catalog.Product, len(r.Lines))
	for i, lr := range r.Lines {
		if products[i], err = rs.product(lr.SKU); err != nil {
			return fail(err)
		}
	}
	wants := make([]stock.Want, len(r.Lines))
	for i, lr := range r.Lines {
		p := products[i]
		if p.Status != catalog.Active {
			return fail(fmt.Errorf("%w: SKU %s is %s and cannot be ordered", ledger.ErrInvalid, p.SKU, p.Status))
		}
		l := Line{No: i + 1, SKU: p.SKU, ProductID: p.ID, Qty: lr.Qty, UnitCost: p.UnitCost, UnitPV: decimal.Zero, UnitBV: decimal.Zero}
		switch r.Kind {
		case Registration, Repeat:
			l.UnitPrice, l.UnitPV, l.UnitBV = p.MemberPrice, p.PV, p.BV
		case Shop:
			l.UnitPrice = p.RetailPrice
		case Agency:
			l.UnitPrice = p.AgencyPrice
		}
		q := decimal.NewFromInt(l.Qty)
		o.Total = o.Total.Add(l.Amount())
		o.PV = o.PV.Add(l.UnitPV.Mul(q))
		o.BV = o.BV.Add(l.UnitBV.Mul(q))
		o.Lines = append(o.Lines, l)
		wants[i] = stock.Want{Line: l.No, ProductID: p.ID, SKU: p.SKU, Qty: l.Qty}
		if lr.Batch != "" {
			if wants[i].LotID, err = rs.lot(p.SKU, lr.Batch); err != nil {
				return fail(err)
			}
		}
	}
	if o.Total.IsZero() || paid {
		o.Status = Confirmed // nothing (more) to pay
	}
	return o, w, wants, nil
}

// sellerWarehouse checks the warehouse read for r (stock.QueueWarehouse)
// against the seller.
func sellerWarehouse(r Request, read func() (stock.Warehouse, error)) (stock.Warehouse, error) {
	w, err := read()
	if err != nil {
		return w, err
	}
	switch {
	case r.Seller == "" && !w.IsHQ():
		return w, fmt.Errorf("%w: HQ sells from its own warehouses; %s belongs to agency %s (name the agency as seller)",
			ledger.ErrForbidden, w.Code, w.AgencyCode)
	case r.Seller != "" && w.AgencyCode != r.Seller:
		owner := "HQ"
		if !w.IsHQ() {
			owner = "agency " + w.AgencyCode
		}
		return w, fmt.Errorf("%w: agency %s may only sell its own stock; warehouse %s belongs to %s",
			ledger.ErrForbidden, r.Seller, w.Code, owner)
	}
	return w, nil
}

// queueInsert queues in b the insert of order o with its lines; the
// callback fills in its id, number and time.
func queueInsert(b *pgx.Batch, o *Order, at time.Time) {
	n := len(o.Lines)
	lineNo := make([]int32, n)
	pids := make([]int64, n)
	qtys := make([]int64, n)
	prices, pvs, bvs, costs := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, l := range o.Lines {
		lineNo[i], pids[i], qtys[i] = int32(l.No), l.ProductID, l.Qty
		prices[i], pvs[i], bvs[i], costs[i] = l.UnitPrice.String(), l.UnitPV.String(), l.UnitBV.String(), l.UnitCost.String()
	}
	var cname, cphone string
	if o.Customer != nil {
		cname, cphone = o.Customer.Name, o.Customer.Phone
	}
	nz := func(id int64) *int64 {
		if id == 0 {
			return nil
		}
		return &id
	}
	confirmed := o.Status == Confirmed
	b.Queue(`WITH o AS (
			INSERT INTO orders (kind, member_id, customer_name, customer_phone, buyer_agency_id, seller_agency_id,
				warehouse_id, status, total, pv, bv, ship_to, entered_by, placed_at, paid_at, confirmed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $22, CASE WHEN $14::bool THEN $22::timestamptz END, CASE WHEN $14::bool THEN $22::timestamptz END)
			RETURNING id, order_no, placed_at),
		l AS (
			INSERT INTO order_lines (order_id, line_no, product_id, qty, unit_price, unit_pv, unit_bv, unit_cost)
			SELECT o.id, u.* FROM o, unnest($15::int[], $16::bigint[], $17::bigint[], $18::numeric[], $19::numeric[], $20::numeric[], $21::numeric[]) AS u)
		SELECT id, order_no, placed_at FROM o`,
		string(o.Kind), nz(o.memberID), cname, cphone, nz(o.buyerAgencyID), nz(o.sellerAgencyID),
		o.warehouseID, string(o.Status), o.Total, o.PV, o.BV, o.ShipTo, o.EnteredBy, confirmed,
		lineNo, pids, qtys, prices, pvs, bvs, costs, at).QueryRow(func(r pgx.Row) error {
		if err := r.Scan(&o.ID, &o.No, &o.PlacedAt); err != nil {
			return err
		}
		if o.Status == Confirmed {
			o.PaidAt, o.ConfirmedAt = &o.PlacedAt, &o.PlacedAt
		}
		return nil
	})
}

// queueAllocations queues in b the insert of the allocations of order o,
// which is in the database.
func queueAllocations(b *pgx.Batch, o *Order) {
	m := len(o.Allocations)
	aLine, aWh, aLot, aQty := make([]int32, m), make([]int64, m), make([]int64, m), make([]int64, m)
	for i, a := range o.Allocations {
		aLine[i], aWh[i], aLot[i], aQty[i] = int32(a.Line), a.WarehouseID, a.LotID, a.Qty
	}
	b.Queue(`INSERT INTO order_allocations (order_id, line_no, warehouse_id, lot_id, qty)
		SELECT $1, u.* FROM unnest($2::int[], $3::bigint[], $4::bigint[], $5::bigint[]) AS u`,
		o.ID, aLine, aWh, aLot, aQty)
}
