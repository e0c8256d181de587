package order

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// ToShip is a confirmed order waiting in the warehouse, with its lines and
// the lots reserved for them when it was placed (first expiry first), which
// is what ships unless other lots are picked.
type ToShip struct {
	Order
	// MemberName is the buying member's name; Buyer names a shop customer
	// or a buying agency.
	MemberName string `json:",omitempty"`
	Buyer      string `json:",omitempty"`
	Lots       []SuggestedLot
}

// SuggestedLot is a reserved lot of a line, with its expiry.
type SuggestedLot struct {
	Line      int
	SKU       string
	Batch     string
	ExpiresOn *time.Time `json:",omitempty"`
	Qty       int64
}

// ShipFilter selects confirmed orders to ship, oldest first.
type ShipFilter struct {
	// HQ keeps the orders of HQ's warehouses only (agencies ship their own).
	HQ    bool
	After int64 // order id of the previous page's last order (keyset)
	Limit int   // default 50, at most 500
}

// ShipQueue lists one page of confirmed orders, oldest first, each with its
// lines and reserved lots.
func ShipQueue(ctx context.Context, q ledger.Querier, f ShipFilter) ([]ToShip, error) {
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	rows, err := q.Query(ctx, `SELECT o.*, coalesce(m.name, ''), coalesce(nullif(o2.customer_name, ''), ba.code, '')
		FROM (`+orderSelect+` WHERE o.status = 'confirmed' AND o.id > $1 AND (NOT $3 OR w.agency_id IS NULL)
			ORDER BY o.id LIMIT $2) o
		JOIN orders o2 ON o2.id = o.id
		LEFT JOIN members m ON m.id = o2.member_id
		LEFT JOIN agencies ba ON ba.id = o2.buyer_agency_id
		ORDER BY o.id`, f.After, f.Limit, f.HQ)
	if err != nil {
		return nil, err
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ToShip, error) {
		var s ToShip
		o, err := scanOrder(trailing{r, []any{&s.MemberName, &s.Buyer}})
		s.Order = o
		return s, err
	})
	if err != nil || len(out) == 0 {
		return out, err
	}
	ids := make([]int64, len(out))
	at := make(map[int64]*ToShip, len(out))
	for i := range out {
		ids[i], at[out[i].ID] = out[i].ID, &out[i]
	}
	lines, err := q.Query(ctx, `SELECT l.order_id, l.line_no, p.sku, l.product_id, l.qty, l.unit_price, l.unit_pv, l.unit_bv, l.unit_cost
		FROM order_lines l JOIN products p ON p.id = l.product_id WHERE l.order_id = ANY($1) ORDER BY l.order_id, l.line_no`, ids)
	if err != nil {
		return nil, err
	}
	var id int64
	var l Line
	if _, err := pgx.ForEachRow(lines, []any{&id, &l.No, &l.SKU, &l.ProductID, &l.Qty, &l.UnitPrice, &l.UnitPV, &l.UnitBV, &l.UnitCost}, func() error {
		at[id].Lines = append(at[id].Lines, l)
		return nil
	}); err != nil {
		return nil, err
	}
	lots, err := q.Query(ctx, `SELECT a.order_id, a.line_no, p.sku, l.batch, l.expires_on, a.qty
		FROM order_allocations a JOIN lots l ON l.id = a.lot_id JOIN products p ON p.id = l.product_id
		WHERE a.order_id = ANY($1) ORDER BY a.order_id, a.line_no, l.expires_on NULLS LAST, l.id`, ids)
	if err != nil {
		return nil, err
	}
	var s SuggestedLot
	if _, err := pgx.ForEachRow(lots, []any{&id, &s.Line, &s.SKU, &s.Batch, &s.ExpiresOn, &s.Qty}, func() error {
		at[id].Lots = append(at[id].Lots, s)
		s.ExpiresOn = nil // the next row's scan must not write through this one's
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}

// trailing scans a row whose leading columns are another scanner's and
// whose last columns go to more.
type trailing struct {
	r    pgx.Row
	more []any
}

func (t trailing) Scan(dest ...any) error { return t.r.Scan(append(dest, t.more...)...) }
