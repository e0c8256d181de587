package stock

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// LotCount is what a warehouse's stock moves add up to for one lot.
type LotCount struct {
	Lot    int64
	SKU    string
	Batch  string
	OnHand int64
}

// CountLots adds up a warehouse's stock moves per lot, those written before
// the moment given (stock moves are stamped when written). Lots whose moves
// add up to nothing are left out.
//
// Errors: ledger.ErrNotFound (no such warehouse).
func CountLots(ctx context.Context, q ledger.Querier, warehouse string, before time.Time) ([]LotCount, error) {
	w, err := GetWarehouse(ctx, q, warehouse)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT m.lot_id, p.sku, l.batch, sum(m.on_hand_delta)::bigint
		FROM stock_moves m JOIN lots l ON l.id = m.lot_id JOIN products p ON p.id = l.product_id
		WHERE m.warehouse_id = $1 AND m.moved_at < $2
		GROUP BY 1, 2, 3 HAVING sum(m.on_hand_delta) <> 0 ORDER BY 2, 3`, w.ID, before)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowToStructByPos[LotCount])
}

// LotExpiries returns every lot's expiry date ("2006-01-02") by lot id, as
// circulation names lots; lots that do not expire are left out.
func LotExpiries(ctx context.Context, q ledger.Querier) (map[string]string, error) {
	rows, err := q.Query(ctx, `SELECT id, expires_on FROM lots WHERE expires_on IS NOT NULL`)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	var id int64
	var on time.Time
	_, err = pgx.ForEachRow(rows, []any{&id, &on}, func() error {
		out[strconv.FormatInt(id, 10)] = on.Format(time.DateOnly)
		return nil
	})
	return out, err
}
