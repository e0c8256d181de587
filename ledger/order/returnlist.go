package order

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
)

// ReturnEntry is a return as the warehouse and agencies list it: the order
// it came from, who bought and who sold, and where each lot went.
type ReturnEntry struct {
	ID          int64
	No          string
	Order       string
	OrderKind   Kind
	Buyer       string // member code, shop customer or buying agency code
	Seller      string `json:",omitempty"` // selling agency; empty: HQ
	Warehouse   string
	Refund      decimal.Decimal
	PV          decimal.Decimal
	Reason      string `json:",omitempty"`
	By          string
	ConfirmedAt time.Time
	Lines       []ReturnEntryLine
}

// ReturnEntryLine is one lot of a listed return.
type ReturnEntryLine struct {
	Line     int
	SKU      string
	Batch    string
	Qty      int64
	WriteOff bool `json:",omitempty"`
}

// ReturnFilter selects returns, newest first.
type ReturnFilter struct {
	Agency string // agency code: returns of orders it sold or bought
	Before int64  // return id of the previous page's last (keyset)
	Limit  int    // default 50, at most 500
}

// Returns lists the returns f selects, newest first, with their lines.
func Returns(ctx context.Context, q ledger.Querier, f ReturnFilter) ([]ReturnEntry, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	rows, err := q.Query(ctx, `SELECT r.id, r.return_no, o.order_no, o.kind,
			coalesce(m.code, ba.code, o.customer_name), coalesce(sa.code, ''), w.code,
			r.refund, r.pv, r.reason, r.confirmed_by, r.confirmed_at
		FROM returns r JOIN orders o ON o.id = r.order_id
		JOIN warehouses w ON w.id = o.warehouse_id
		LEFT JOIN members m ON m.id = o.member_id
		LEFT JOIN agencies ba ON ba.id = o.buyer_agency_id
		LEFT JOIN agencies sa ON sa.id = o.seller_agency_id
		WHERE ($1 = '' OR sa.code = $1 OR ba.code = $1) AND ($2::bigint = 0 OR r.id < $2)
		ORDER BY r.id DESC LIMIT $3`, f.Agency, f.Before, f.Limit)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReturnEntry, error) {
		var e ReturnEntry
		err := r.Scan(&e.ID, &e.No, &e.Order, &e.OrderKind, &e.Buyer, &e.Seller, &e.Warehouse, &e.Refund, &e.PV, &e.Reason, &e.By, &e.ConfirmedAt)
		return e, err
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]int64, len(out))
	at := make(map[int64]*ReturnEntry, len(out))
	for i := range out {
		ids[i], at[out[i].ID] = out[i].ID, &out[i]
	}
	lines, err := q.Query(ctx, `SELECT rl.return_id, rl.line_no, p.sku, l.batch, rl.qty, rl.disposition = 'writeoff'
		FROM return_lines rl JOIN lots l ON l.id = rl.lot_id JOIN products p ON p.id = l.product_id
		WHERE rl.return_id = ANY($1) ORDER BY rl.return_id, rl.line_no, l.batch`, ids)
	if err != nil {
		return nil, err
	}
	var id int64
	var l ReturnEntryLine
	_, err = pgx.ForEachRow(lines, []any{&id, &l.Line, &l.SKU, &l.Batch, &l.Qty, &l.WriteOff}, func() error {
		at[id].Lines = append(at[id].Lines, l)
		return nil
	})
	return out, err
}

// Returnable is what of a shipped order can still come back, lot by lot,
// and until when.
type Returnable struct {
	Order       string
	Kind        Kind
	Status      Status
	Member      string `json:",omitempty"`
	BuyerAgency string `json:",omitempty"`
	Customer    string `json:",omitempty"`
	Seller      string `json:",omitempty"`
	Warehouse   string
	// WindowEnds is the last moment a return is taken; Open says whether
	// it is still ahead (shipped or delivered orders only).
	WindowEnds *time.Time `json:",omitempty"`
	Open       bool
	Lots       []ReturnableLot
}

// ReturnableLot is a lot shipped on an order line: how many units went,
// how many came back, and what is left to return.
type ReturnableLot struct {
	Line      int
	SKU       string
	Batch     string
	ExpiresOn *time.Time `json:",omitempty"`
	UnitPrice decimal.Decimal
	Shipped   int64
	Returned  int64
	Left      int64
}

// ReturnableOf reads what of order no can still be returned.
//
// Errors: ledger.ErrNotFound for an unknown order.
func ReturnableOf(ctx context.Context, q ledger.Querier, no string, now time.Time) (Returnable, error) {
	o, err := Get(ctx, q, no)
	if err != nil {
		return Returnable{}, err
	}
	r := Returnable{Order: o.No, Kind: o.Kind, Status: o.Status, Member: o.Member, BuyerAgency: o.BuyerAgency, Seller: o.Seller,
		Warehouse: o.Warehouse, Lots: []ReturnableLot{}}
	if o.Customer != nil {
		r.Customer = o.Customer.Name
	}
	if o.Status != Shipped && o.Status != Delivered {
		return r, nil
	}
	days, err := ReturnWindow(ctx, q)
	if err != nil {
		return Returnable{}, err
	}
	from := *o.ShippedAt
	if o.DeliveredAt != nil {
		from = *o.DeliveredAt
	}
	end := from.AddDate(0, 0, days)
	r.WindowEnds, r.Open = &end, !now.After(end)
	rows, err := q.Query(ctx, `SELECT sl.line_no, p.sku, l.batch, l.expires_on, ol.unit_price, sum(sl.qty)::bigint,
			coalesce((SELECT sum(rl.qty) FROM return_lines rl WHERE rl.order_id = sl.order_id AND rl.line_no = sl.line_no AND rl.lot_id = sl.lot_id), 0)::bigint
		FROM shipment_lots sl JOIN lots l ON l.id = sl.lot_id JOIN products p ON p.id = l.product_id
		JOIN order_lines ol ON ol.order_id = sl.order_id AND ol.line_no = sl.line_no
		WHERE sl.order_id = $1 GROUP BY sl.order_id, sl.line_no, sl.lot_id, p.sku, l.batch, l.expires_on, ol.unit_price
		ORDER BY sl.line_no, l.batch`, o.ID)
	if err != nil {
		return Returnable{}, err
	}
	var x ReturnableLot
	_, err = pgx.ForEachRow(rows, []any{&x.Line, &x.SKU, &x.Batch, &x.ExpiresOn, &x.UnitPrice, &x.Shipped, &x.Returned}, func() error {
		x.Left = x.Shipped - x.Returned
		r.Lots = append(r.Lots, x)
		x.ExpiresOn = nil
		return nil
	})
	return r, err
}
