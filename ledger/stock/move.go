package stock

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// Kind says why stock moved.
type Kind string

const (
	KindReceipt   Kind = "receipt"    // goods in: production into HQ, HQ goods into an agency
	KindReserve   Kind = "reserve"    // held for an order awaiting shipment
	KindRelease   Kind = "release"    // a reservation given back (cancellation, other lots chosen)
	KindShip      Kind = "ship"       // goods out to the buyer
	KindRestock   Kind = "restock"    // returned goods back on the shelf
	KindReturnOut Kind = "return_out" // goods leaving an agency back to HQ
	KindAdjust    Kind = "adjust"     // a stock count correction
)

// Move changes one balance: units on hand and units reserved, by delta.
type Move struct {
	Warehouse int64
	Lot       int64
	OnHand    int64
	Reserved  int64
}

// Balance is what a warehouse holds of one lot.
type Balance struct {
	WarehouseID int64
	Warehouse   string
	LotID       int64
	ProductID   int64
	SKU         string
	Batch       string
	ExpiresOn   time.Time // zero: does not expire
	OnHand      int64
	Reserved    int64
}

// Available is what can still be reserved or issued.
func (b Balance) Available() int64 { return b.OnHand - b.Reserved }

type balanceKey struct{ warehouse, lot int64 }

const balanceSelect = `SELECT b.warehouse_id, w.code, b.lot_id, b.product_id, p.sku, l.batch,
		coalesce(l.expires_on, '9999-12-31'::date)::timestamptz, b.on_hand, b.reserved
	FROM stock_balances b
	JOIN warehouses w ON w.id = b.warehouse_id
	JOIN lots l ON l.id = b.lot_id
	JOIN products p ON p.id = b.product_id`

func scanBalances(rows pgx.Rows) ([]Balance, error) {
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Balance, error) { return scanBalance(r) })
}

// scanBalance scans the columns of balanceSelect, then into extra.
func scanBalance(r pgx.Row, extra ...any) (Balance, error) {
	var b Balance
	var exp time.Time
	err := r.Scan(append([]any{&b.WarehouseID, &b.Warehouse, &b.LotID, &b.ProductID, &b.SKU, &b.Batch, &exp, &b.OnHand, &b.Reserved}, extra...)...)
	if exp.Year() < 9999 && !exp.IsZero() {
		b.ExpiresOn = exp
	}
	return b, err
}

// Apply applies moves in tx: it locks the balances involved in (warehouse,
// lot) order, so that concurrent transactions cannot deadlock on them, checks
// that nothing goes negative and that no more is reserved than is on hand,
// and writes one stock_moves row per move. It returns the low-stock warnings
// the moves raised; the caller emits them with EmitLow at the end of tx.
//
// Errors: ledger.ErrInsufficientStock when a balance would go negative or
// below what is reserved; ledger.ErrNotFound for an unknown lot or warehouse.
func Apply(ctx context.Context, tx pgx.Tx, kind Kind, ref, opKey string, moves []Move) ([]LowStock, error) {
	keys := moveKeys(moves)
	var create []balanceKey
	for _, m := range moves {
		if m.OnHand > 0 {
			create = append(create, balanceKey{m.Warehouse, m.Lot})
		}
	}
	if len(create) > 0 {
		slices.SortFunc(create, compareKeys)
		create = slices.Compact(create)
		ws, ls := splitKeys(create)
		if _, err := tx.Exec(ctx, `INSERT INTO stock_balances (warehouse_id, lot_id, product_id)
			SELECT u.w, u.l, lots.product_id FROM unnest($1::bigint[], $2::bigint[]) WITH ORDINALITY AS u(w, l, n)
			JOIN lots ON lots.id = u.l JOIN warehouses ON warehouses.id = u.w
			ORDER BY u.n ON CONFLICT DO NOTHING`, ws, ls); err != nil {
			return nil, fmt.Errorf("stock %s %s: %w", kind, ref, err)
		}
	}
	ws, ls := splitKeys(keys)
	rows, err := tx.Query(ctx, balanceSelect+`
		WHERE (b.warehouse_id, b.lot_id) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))
		ORDER BY b.warehouse_id, b.lot_id FOR UPDATE OF b`, ws, ls)
	if err != nil {
		return nil, fmt.Errorf("stock %s %s: lock balances: %w", kind, ref, err)
	}
	bs, err := scanBalances(rows)
	if err != nil {
		return nil, fmt.Errorf("stock %s %s: lock balances: %w", kind, ref, err)
	}
	locked := make(map[balanceKey]Balance, len(bs))
	for _, b := range bs {
		locked[balanceKey{b.WarehouseID, b.LotID}] = b
	}
	return applyLocked(ctx, tx, kind, ref, opKey, moves, locked)
}

func compareKeys(a, b balanceKey) int {
	if a.warehouse != b.warehouse {
		return int(a.warehouse - b.warehouse)
	}
	return int(a.lot - b.lot)
}

func moveKeys(moves []Move) []balanceKey {
	keys := make([]balanceKey, 0, len(moves))
	for _, m := range moves {
		keys = append(keys, balanceKey{m.Warehouse, m.Lot})
	}
	slices.SortFunc(keys, compareKeys)
	return slices.Compact(keys)
}

func splitKeys(keys []balanceKey) (ws, ls []int64) {
	ws = make([]int64, len(keys))
	ls = make([]int64, len(keys))
	for i, k := range keys {
		ws[i], ls[i] = k.warehouse, k.lot
	}
	return ws, ls
}

// applyLocked applies moves to balances the transaction has already locked.
func applyLocked(ctx context.Context, tx pgx.Tx, kind Kind, ref, opKey string, moves []Move, locked map[balanceKey]Balance) ([]LowStock, error) {
	b := &pgx.Batch{}
	drops, err := queueLocked(b, kind, ref, opKey, moves, locked)
	if err != nil {
		return nil, err
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, fmt.Errorf("stock %s %s: %w", kind, ref, err)
	}
	if len(drops) == 0 {
		return nil, nil
	}
	return lowAfter(ctx, tx, drops)
}

// queueLocked checks moves against balances the transaction has already
// locked, updates locked to what they will be, and queues in b the update
// of the balances and the stock_moves rows. It returns by how much each
// (warehouse, product) loses available units.
func queueLocked(batch *pgx.Batch, kind Kind, ref, opKey string, moves []Move, locked map[balanceKey]Balance) (map[[2]int64]int64, error) {
	type delta struct{ onHand, reserved int64 }
	sum := map[balanceKey]delta{}
	for _, m := range moves {
		k := balanceKey{m.Warehouse, m.Lot}
		d := sum[k]
		d.onHand += m.OnHand
		d.reserved += m.Reserved
		sum[k] = d
	}
	keys := moveKeys(moves)
	var (
		ws, ls, ohs, rs []int64
		drops           = map[[2]int64]int64{} // (warehouse, product) -> decrease of available
	)
	for _, k := range keys {
		b, ok := locked[k]
		if !ok {
			return nil, fmt.Errorf("%w: stock %s %s: warehouse %d holds nothing of lot %d", ledger.ErrInsufficientStock, kind, ref, k.warehouse, k.lot)
		}
		d := sum[k]
		oh, rv := b.OnHand+d.onHand, b.Reserved+d.reserved
		switch {
		case rv < 0:
			return nil, fmt.Errorf("%w: SKU %s lot %s: only %d units reserved in warehouse %s, %d to release",
				ledger.ErrInsufficientStock, b.SKU, b.Batch, b.Reserved, b.Warehouse, -d.reserved)
		case oh < 0 || rv > oh:
			return nil, fmt.Errorf("%w: SKU %s lot %s: only %d units available in warehouse %s, %d requested",
				ledger.ErrInsufficientStock, b.SKU, b.Batch, b.Available(), b.Warehouse, d.reserved-d.onHand)
		}
		b.OnHand, b.Reserved = oh, rv
		locked[k] = b
		if drop := d.reserved - d.onHand; drop > 0 {
			drops[[2]int64{b.WarehouseID, b.ProductID}] += drop
		}
		if d.onHand == 0 && d.reserved == 0 {
			continue
		}
		ws, ls, ohs, rs = append(ws, k.warehouse), append(ls, k.lot), append(ohs, d.onHand), append(rs, d.reserved)
	}
	if len(ws) > 0 {
		batch.Queue(`UPDATE stock_balances b SET on_hand = b.on_hand + d.oh, reserved = b.reserved + d.rs
			FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS d(w, l, oh, rs)
			WHERE b.warehouse_id = d.w AND b.lot_id = d.l`, ws, ls, ohs, rs)
	}
	var mw, ml, moh, mrs []int64
	for _, m := range moves {
		if m.OnHand == 0 && m.Reserved == 0 {
			continue
		}
		mw, ml, moh, mrs = append(mw, m.Warehouse), append(ml, m.Lot), append(moh, m.OnHand), append(mrs, m.Reserved)
	}
	if len(mw) > 0 {
		batch.Queue(`INSERT INTO stock_moves (warehouse_id, lot_id, kind, on_hand_delta, reserved_delta, ref, op_key)
			SELECT w, l, $5, oh, rs, $6, $7 FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS u(w, l, oh, rs)`,
			mw, ml, moh, mrs, string(kind), ref, opKey)
	}
	return drops, nil
}

// Balances lists what a warehouse holds, by SKU and lot, first expiry first.
func Balances(ctx context.Context, q ledger.Querier, warehouse string) ([]Balance, error) {
	rows, err := q.Query(ctx, balanceSelect+` WHERE w.code = $1 ORDER BY p.sku, l.expires_on NULLS LAST, l.id`, warehouse)
	if err != nil {
		return nil, err
	}
	return scanBalances(rows)
}

// Available is what a warehouse can still reserve of a SKU, over all its
// lots that have not expired.
func Available(ctx context.Context, q ledger.Querier, warehouse, sku string) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, `SELECT coalesce(sum(b.on_hand - b.reserved), 0) FROM stock_balances b
		JOIN warehouses w ON w.id = b.warehouse_id JOIN products p ON p.id = b.product_id JOIN lots l ON l.id = b.lot_id
		WHERE w.code = $1 AND p.sku = $2 AND (l.expires_on IS NULL OR l.expires_on >= current_date)`, warehouse, sku).Scan(&n)
	return n, err
}
