package order

import (
	"context"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// Filter selects orders for a list, newest first. Zero fields select all.
type Filter struct {
	Member string // buying member's code
	Agency string // agency code: orders it sells or buys
	Status Status
	Before int64 // order id: only older orders (keyset pagination)
	Limit  int   // default 50, at most 500
}

// List returns the order heads (without lines) that f selects, newest first.
func List(ctx context.Context, q ledger.Querier, f Filter) ([]Order, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	rows, err := q.Query(ctx, orderSelect+`
		WHERE ($1 = '' OR o.member_id = (SELECT id FROM members WHERE code = $1))
		  AND ($2 = '' OR o.seller_agency_id = (SELECT id FROM agencies WHERE code = $2)
		             OR o.buyer_agency_id = (SELECT id FROM agencies WHERE code = $2))
		  AND ($3 = '' OR o.status = $3)
		  AND ($4::bigint = 0 OR o.id < $4)
		ORDER BY o.id DESC LIMIT $5`, f.Member, f.Agency, string(f.Status), f.Before, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Order, error) { return scanOrder(r) })
}

// Parties are who an order belongs to, for access checks.
type Parties struct {
	Member      string // buying member
	BuyerAgency string
	Seller      string // selling agency; "" for HQ
	EnteredBy   string
}

// PartiesOf reads who order no belongs to. Errors: ledger.ErrNotFound.
func PartiesOf(ctx context.Context, q ledger.Querier, no string) (Parties, error) {
	o, err := scanOrder(q.QueryRow(ctx, orderSelect+` WHERE o.order_no = $1`, no))
	if err != nil {
		if err == pgx.ErrNoRows {
			return Parties{}, ledger.ErrNotFound
		}
		return Parties{}, err
	}
	return Parties{Member: o.Member, BuyerAgency: o.BuyerAgency, Seller: o.Seller, EnteredBy: o.EnteredBy}, nil
}

// OrderOfPayment returns the order number a payment belongs to. Errors: ledger.ErrNotFound.
func OrderOfPayment(ctx context.Context, q ledger.Querier, paymentNo string) (string, error) {
	var no string
	err := q.QueryRow(ctx, `SELECT o.order_no FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.payment_no = $1`, paymentNo).Scan(&no)
	if err == pgx.ErrNoRows {
		return "", ledger.ErrNotFound
	}
	return no, err
}
