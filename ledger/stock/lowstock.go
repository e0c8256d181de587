package stock

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// LowStock is a product whose available units in a warehouse are below the
// warehouse's threshold for it.
type LowStock struct {
	Warehouse string
	SKU       string
	Available int64
	Threshold int64
}

// EventLowStock is the outbox kind of a low-stock warning (for SMS).
const EventLowStock = "stock.low"

// SetThreshold sets the minimum available units of sku in warehouse; below
// it a warning is listed and raised. A threshold of 0 turns warnings off.
//
// Errors: ledger.ErrNotFound for an unknown warehouse or SKU; ledger.ErrInvalid for a negative threshold.
func SetThreshold(ctx context.Context, tx pgx.Tx, warehouse, sku string, min int64) error {
	if min < 0 {
		return fmt.Errorf("%w: threshold %d for %s in %s is negative", ledger.ErrInvalid, min, sku, warehouse)
	}
	tag, err := tx.Exec(ctx, `INSERT INTO stock_thresholds (warehouse_id, product_id, min_available)
		SELECT w.id, p.id, $3 FROM warehouses w, products p WHERE w.code = $1 AND p.sku = $2
		ON CONFLICT (warehouse_id, product_id) DO UPDATE SET min_available = EXCLUDED.min_available`, warehouse, sku, min)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: unknown warehouse %q or SKU %q", ledger.ErrNotFound, warehouse, sku)
	}
	return nil
}

const lowSelect = `SELECT w.code, p.sku, coalesce(sum(b.on_hand - b.reserved), 0)::bigint, t.min_available, t.warehouse_id, t.product_id
	FROM stock_thresholds t
	JOIN warehouses w ON w.id = t.warehouse_id
	JOIN products p ON p.id = t.product_id
	LEFT JOIN stock_balances b ON b.warehouse_id = t.warehouse_id AND b.product_id = t.product_id`

// Warnings lists every product below its threshold, by warehouse and SKU.
func Warnings(ctx context.Context, q ledger.Querier) ([]LowStock, error) {
	rows, err := q.Query(ctx, lowSelect+`
		GROUP BY w.code, p.sku, t.min_available, t.warehouse_id, t.product_id
		HAVING coalesce(sum(b.on_hand - b.reserved), 0) < t.min_available ORDER BY w.code, p.sku`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (LowStock, error) {
		var l LowStock
		var w, p int64
		err := r.Scan(&l.Warehouse, &l.SKU, &l.Available, &l.Threshold, &w, &p)
		return l, err
	})
}

// lowAfter returns the thresholds crossed downwards by the given decreases
// of available units per (warehouse, product).
func lowAfter(ctx context.Context, tx pgx.Tx, drops map[[2]int64]int64) ([]LowStock, error) {
	var ws, ps []int64
	for k := range drops {
		ws, ps = append(ws, k[0]), append(ps, k[1])
	}
	rows, err := tx.Query(ctx, lowSelect+`
		WHERE (t.warehouse_id, t.product_id) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))
		GROUP BY w.code, p.sku, t.min_available, t.warehouse_id, t.product_id`, ws, ps)
	if err != nil {
		return nil, fmt.Errorf("low-stock check: %w", err)
	}
	var out []LowStock
	var l LowStock
	var w, p int64
	_, err = pgx.ForEachRow(rows, []any{&l.Warehouse, &l.SKU, &l.Available, &l.Threshold, &w, &p}, func() error {
		before := l.Available + drops[[2]int64{w, p}]
		if l.Available < l.Threshold && before >= l.Threshold {
			out = append(out, l)
		}
		return nil
	})
	return out, err
}

// EmitLow writes a stock.low outbox event per warning. Call it at the end of
// the transaction (it appends to the outbox).
func EmitLow(ctx context.Context, tx pgx.Tx, lows []LowStock) error {
	for _, l := range lows {
		if _, err := ledger.AppendOutbox(ctx, tx, EventLowStock, l.Warehouse+"/"+l.SKU, l); err != nil {
			return err
		}
	}
	return nil
}
