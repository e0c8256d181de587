package order

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

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
	return idempotency.Do(ctx, tx, r.Key, "order.place", r, func() (Order, error) {
		return place(ctx, tx, r)
	})
}

func place(ctx context.Context, tx pgx.Tx, r Request) (Order, error) {
	if strings.TrimSpace(r.By) == "" {
		return Order{}, fmt.Errorf("%w: an order must say who entered it", ledger.ErrInvalid)
	}
	if len(r.Lines) == 0 {
		return Order{}, fmt.Errorf("%w: an order needs at least one line", ledger.ErrInvalid)
	}
	o := Order{Kind: r.Kind, Status: Placed, ShipTo: r.ShipTo, EnteredBy: r.By, Total: decimal.Zero, PV: decimal.Zero, BV: decimal.Zero}
	switch r.Kind {
	case Registration, Repeat:
		if r.Member == "" || r.Customer != nil || r.BuyerAgency != "" {
			return Order{}, fmt.Errorf("%w: a %s order is bought by a member (and only a member)", ledger.ErrInvalid, r.Kind)
		}
		err := tx.QueryRow(ctx, `SELECT id, code FROM members WHERE code = $1`, r.Member).Scan(&o.memberID, &o.Member)
		if errors.Is(err, pgx.ErrNoRows) {
			return Order{}, fmt.Errorf("%w: unknown member %q", ledger.ErrNotFound, r.Member)
		}
		if err != nil {
			return Order{}, err
		}
	case Shop:
		if r.Customer == nil || strings.TrimSpace(r.Customer.Name) == "" || r.Member != "" || r.BuyerAgency != "" {
			return Order{}, fmt.Errorf("%w: a shop order is bought by a customer with a name", ledger.ErrInvalid)
		}
		o.Customer = r.Customer
	case Agency:
		if r.BuyerAgency == "" || r.Member != "" || r.Customer != nil {
			return Order{}, fmt.Errorf("%w: an agency order is bought by an agency (and only an agency)", ledger.ErrInvalid)
		}
		if r.Seller != "" {
			return Order{}, fmt.Errorf("%w: agencies buy from HQ, not from agency %s", ledger.ErrInvalid, r.Seller)
		}
		err := tx.QueryRow(ctx, `SELECT id, code FROM agencies WHERE code = $1 AND status = 'active'`, r.BuyerAgency).Scan(&o.buyerAgencyID, &o.BuyerAgency)
		if errors.Is(err, pgx.ErrNoRows) {
			return Order{}, fmt.Errorf("%w: unknown or closed agency %q", ledger.ErrNotFound, r.BuyerAgency)
		}
		if err != nil {
			return Order{}, err
		}
	default:
		return Order{}, fmt.Errorf("%w: order kind %q must be registration, repeat, shop or agency", ledger.ErrInvalid, r.Kind)
	}

	w, err := sellerWarehouse(ctx, tx, r)
	if err != nil {
		return Order{}, err
	}
	o.Warehouse, o.warehouseID, o.sellerAgencyID, o.Seller = w.Code, w.ID, w.AgencyID, w.AgencyCode

	skus := make([]string, 0, len(r.Lines))
	for i, l := range r.Lines {
		if l.Qty <= 0 {
			return Order{}, fmt.Errorf("%w: line %d (%s): quantity %d must be positive", ledger.ErrInvalid, i+1, l.SKU, l.Qty)
		}
		skus = append(skus, l.SKU)
	}
	products, err := catalog.GetMany(ctx, tx, skus)
	if err != nil {
		return Order{}, err
	}
	wants := make([]stock.Want, len(r.Lines))
	for i, lr := range r.Lines {
		p := products[lr.SKU]
		if p.Status != catalog.Active {
			return Order{}, fmt.Errorf("%w: SKU %s is %s and cannot be ordered", ledger.ErrInvalid, p.SKU, p.Status)
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
			lot, err := catalog.GetLot(ctx, tx, p.SKU, lr.Batch)
			if err != nil {
				return Order{}, err
			}
			wants[i].LotID = lot.ID
		}
	}
	allocs, low, err := stock.ReserveFor(ctx, tx, w, wants, "order", r.Key)
	if err != nil {
		return Order{}, err
	}
	o.Allocations = allocs
	if o.Total.IsZero() {
		o.Status = Confirmed // nothing to pay
	}
	if err := insert(ctx, tx, &o, r.Key); err != nil {
		return Order{}, err
	}
	return o, stock.EmitLow(ctx, tx, low)
}

func sellerWarehouse(ctx context.Context, tx pgx.Tx, r Request) (stock.Warehouse, error) {
	var w stock.Warehouse
	var err error
	switch {
	case r.Warehouse != "":
		w, err = stock.GetWarehouse(ctx, tx, r.Warehouse)
	case r.Seller != "":
		w, err = stock.AgencyWarehouse(ctx, tx, r.Seller)
	default:
		w, err = stock.DefaultHQWarehouse(ctx, tx)
	}
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

func insert(ctx context.Context, tx pgx.Tx, o *Order, key string) error {
	n := len(o.Lines)
	lineNo := make([]int32, n)
	pids := make([]int64, n)
	qtys := make([]int64, n)
	prices, pvs, bvs, costs := make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, l := range o.Lines {
		lineNo[i], pids[i], qtys[i] = int32(l.No), l.ProductID, l.Qty
		prices[i], pvs[i], bvs[i], costs[i] = l.UnitPrice.String(), l.UnitPV.String(), l.UnitBV.String(), l.UnitCost.String()
	}
	m := len(o.Allocations)
	aLine, aWh, aLot, aQty := make([]int32, m), make([]int64, m), make([]int64, m), make([]int64, m)
	for i, a := range o.Allocations {
		aLine[i], aWh[i], aLot[i], aQty[i] = int32(a.Line), a.WarehouseID, a.LotID, a.Qty
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
	err := tx.QueryRow(ctx, `WITH o AS (
			INSERT INTO orders (kind, member_id, customer_name, customer_phone, buyer_agency_id, seller_agency_id,
				warehouse_id, status, total, pv, bv, ship_to, entered_by, paid_at, confirmed_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, CASE WHEN $14::bool THEN now() END, CASE WHEN $14::bool THEN now() END)
			RETURNING id, order_no, placed_at),
		l AS (
			INSERT INTO order_lines (order_id, line_no, product_id, qty, unit_price, unit_pv, unit_bv, unit_cost)
			SELECT o.id, u.* FROM o, unnest($15::int[], $16::bigint[], $17::bigint[], $18::numeric[], $19::numeric[], $20::numeric[], $21::numeric[]) AS u),
		a AS (
			INSERT INTO order_allocations (order_id, line_no, warehouse_id, lot_id, qty)
			SELECT o.id, u.* FROM o, unnest($22::int[], $23::bigint[], $24::bigint[], $25::bigint[]) AS u)
		SELECT id, order_no, placed_at FROM o`,
		string(o.Kind), nz(o.memberID), cname, cphone, nz(o.buyerAgencyID), nz(o.sellerAgencyID),
		o.warehouseID, string(o.Status), o.Total, o.PV, o.BV, o.ShipTo, o.EnteredBy, confirmed,
		lineNo, pids, qtys, prices, pvs, bvs, costs,
		aLine, aWh, aLot, aQty).Scan(&o.ID, &o.No, &o.PlacedAt)
	if err != nil {
		return fmt.Errorf("insert order: %w", err)
	}
	if o.Status == Confirmed {
		o.PaidAt, o.ConfirmedAt = &o.PlacedAt, &o.PlacedAt
	}
	return nil
}
