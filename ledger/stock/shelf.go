package stock

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// Shelf is every balance of some products in some warehouses, locked, for
// reserving the lots of many orders in one transaction: QueueShelf queues
// the lock (one statement for the whole batch), Reserve picks lots for one
// order at a time against what the orders before it left, and Queue writes
// all the reservations at once. An order refused for stock changes nothing
// on the shelf, so the others go on.
type Shelf struct {
	balances   []Balance // in lock order, as the reservations so far leave them
	byLot      map[balanceKey]int
	byProduct  map[[2]int64][]int // (warehouse, product) -> indexes into balances
	thresholds map[[2]int64]int64 // (warehouse, product) -> min_available
	moves      []Move
	opKeys     []string
	kinds      []Kind   // of each move: reserve, or ship (Issue)
	refs       []string // of each ship move
	err        error
}

// QueueShelf queues in b the lock of every balance of the (warehouse,
// product) pairs (warehouses[i], products[i]), in (warehouse, lot) order as
// Apply locks them, with their low-stock thresholds.
func QueueShelf(b *pgx.Batch, warehouses, products []int64) *Shelf {
	s := &Shelf{byLot: map[balanceKey]int{}, byProduct: map[[2]int64][]int{}, thresholds: map[[2]int64]int64{}}
	b.Queue(`SELECT x.*, coalesce(t.min_available, -1) FROM (`+balanceSelect+`
		WHERE (b.warehouse_id, b.product_id) IN (SELECT * FROM unnest($1::bigint[], $2::bigint[]))
		ORDER BY b.warehouse_id, b.lot_id FOR UPDATE OF b) x
		LEFT JOIN stock_thresholds t ON t.warehouse_id = x.warehouse_id AND t.product_id = x.product_id`,
		warehouses, products).Query(func(rows pgx.Rows) error {
		var min int64
		s.balances, s.err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Balance, error) {
			b, err := scanBalance(r, &min)
			if min >= 0 {
				s.thresholds[[2]int64{b.WarehouseID, b.ProductID}] = min
			}
			return b, err
		})
		for i, b := range s.balances {
			s.byLot[balanceKey{b.WarehouseID, b.LotID}] = i
			k := [2]int64{b.WarehouseID, b.ProductID}
			s.byProduct[k] = append(s.byProduct[k], i)
		}
		return nil
	})
	return s
}

// Err is the error of the lock, if it failed.
func (s *Shelf) Err() error { return s.err }

// Reserve picks lots for wants in warehouse w (see Pick) from what the
// reservations before it left, and keeps the reservation, under opKey, for
// Queue.
//
// Errors: those of Pick.
func (s *Shelf) Reserve(w Warehouse, wants []Want, opKey string, today time.Time) ([]Allocation, error) {
	var bs []Balance
	seen := map[int64]bool{}
	for _, x := range wants {
		if seen[x.ProductID] {
			continue
		}
		seen[x.ProductID] = true
		for _, i := range s.byProduct[[2]int64{w.ID, x.ProductID}] {
			bs = append(bs, s.balances[i])
		}
	}
	allocs, err := Pick(bs, w.Code, wants, today)
	if err != nil {
		return nil, err
	}
	for _, a := range allocs {
		i, ok := s.byLot[balanceKey{a.WarehouseID, a.LotID}]
		if !ok {
			return nil, fmt.Errorf("reserve stock: lot %d in warehouse %d was not locked", a.LotID, a.WarehouseID)
		}
		s.balances[i].Reserved += a.Qty
		s.moves = append(s.moves, Move{Warehouse: a.WarehouseID, Lot: a.LotID, Reserved: a.Qty})
		s.opKeys = append(s.opKeys, opKey)
		s.kinds, s.refs = append(s.kinds, KindReserve), append(s.refs, "")
	}
	return allocs, nil
}

// Issue ships the units of allocs, which Reserve reserved, out of their
// warehouse: one ship move per lot under ref and opKey, for Copy.
//
// Errors: ledger.ErrInsufficientStock when fewer units are reserved.
func (s *Shelf) Issue(allocs []Allocation, ref, opKey string) error {
	for _, a := range allocs {
		i, ok := s.byLot[balanceKey{a.WarehouseID, a.LotID}]
		if !ok {
			return fmt.Errorf("issue stock: lot %d in warehouse %d was not locked", a.LotID, a.WarehouseID)
		}
		b := &s.balances[i]
		if b.Reserved < a.Qty || b.OnHand < a.Qty {
			return fmt.Errorf("%w: SKU %s lot %s: %d units reserved in warehouse %s, %d to ship",
				ledger.ErrInsufficientStock, b.SKU, b.Batch, b.Reserved, b.Warehouse, a.Qty)
		}
		b.OnHand, b.Reserved = b.OnHand-a.Qty, b.Reserved-a.Qty
		s.moves = append(s.moves, Move{Warehouse: a.WarehouseID, Lot: a.LotID, OnHand: -a.Qty, Reserved: -a.Qty})
		s.opKeys = append(s.opKeys, opKey)
		s.kinds, s.refs = append(s.kinds, KindShip), append(s.refs, ref)
	}
	return nil
}

// Copy writes what Reserve and Issue did, for an import of many orders in
// one transaction: the balances updated once each and the stock_moves rows
// by COPY (ref reserveRef for the reservations), in the order they were
// made. It returns the low-stock warnings they raise together, as Queue
// does.
func (s *Shelf) Copy(ctx context.Context, tx pgx.Tx, reserveRef string) ([]LowStock, error) {
	if len(s.moves) == 0 {
		return nil, nil
	}
	type delta struct{ onHand, reserved int64 }
	sum := map[balanceKey]delta{}
	drop := map[balanceKey]int64{}
	for _, m := range s.moves {
		k := balanceKey{m.Warehouse, m.Lot}
		d := sum[k]
		d.onHand, d.reserved = d.onHand+m.OnHand, d.reserved+m.Reserved
		sum[k] = d
		drop[k] += m.Reserved - m.OnHand
	}
	keys := moveKeys(s.moves)
	ws, ls := splitKeys(keys)
	ohs, rs := make([]int64, len(keys)), make([]int64, len(keys))
	for i, k := range keys {
		ohs[i], rs[i] = sum[k].onHand, sum[k].reserved
	}
	if _, err := tx.Exec(ctx, `UPDATE stock_balances b SET on_hand = b.on_hand + d.oh, reserved = b.reserved + d.rs
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS d(w, l, oh, rs)
		WHERE b.warehouse_id = d.w AND b.lot_id = d.l`, ws, ls, ohs, rs); err != nil {
		return nil, fmt.Errorf("stock: update balances: %w", err)
	}
	i := 0
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"stock_moves"}, []string{"warehouse_id", "lot_id", "kind", "on_hand_delta", "reserved_delta", "ref", "op_key"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i >= len(s.moves) {
				return nil, nil
			}
			m, ref := s.moves[i], s.refs[i]
			if s.kinds[i] == KindReserve {
				ref = reserveRef
			}
			row := []any{m.Warehouse, m.Lot, string(s.kinds[i]), m.OnHand, m.Reserved, ref, s.opKeys[i]}
			i++
			return row, nil
		}))
	if err != nil {
		return nil, fmt.Errorf("stock: copy moves: %w", err)
	}
	return s.low(keys, drop), nil
}

// Queue queues in b the update of the balances and one stock_moves row (kind
// reserve, ref) per lot of each reservation, and returns the low-stock
// warnings the reservations raise together: a threshold crossed by the
// batch is one warning, as it would be one crossing order by order.
func (s *Shelf) Queue(b *pgx.Batch, ref string) []LowStock {
	if len(s.moves) == 0 {
		return nil
	}
	sum := map[balanceKey]int64{}
	for _, m := range s.moves {
		sum[balanceKey{m.Warehouse, m.Lot}] += m.Reserved
	}
	keys := moveKeys(s.moves)
	ws, ls := splitKeys(keys)
	rs := make([]int64, len(keys))
	for i, k := range keys {
		rs[i] = sum[k]
	}
	b.Queue(`UPDATE stock_balances b SET reserved = b.reserved + d.rs
		FROM unnest($1::bigint[], $2::bigint[], $3::bigint[]) AS d(w, l, rs)
		WHERE b.warehouse_id = d.w AND b.lot_id = d.l`, ws, ls, rs)
	mw, ml, mrs := make([]int64, len(s.moves)), make([]int64, len(s.moves)), make([]int64, len(s.moves))
	for i, m := range s.moves {
		mw[i], ml[i], mrs[i] = m.Warehouse, m.Lot, m.Reserved
	}
	b.Queue(`INSERT INTO stock_moves (warehouse_id, lot_id, kind, on_hand_delta, reserved_delta, ref, op_key)
		SELECT w, l, $4, 0, rs, $5, k FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $6::text[]) AS u(w, l, rs, k)`,
		mw, ml, mrs, string(KindReserve), ref, s.opKeys)

	return s.low(keys, sum)
}

// low is the warnings of the thresholds crossed when each balance of keys
// lost drop[key] available units to reach what the shelf holds now.
func (s *Shelf) low(keys []balanceKey, drop map[balanceKey]int64) []LowStock {
	// What each (warehouse, product) has available after, and lost.
	type span struct{ drop, after int64 }
	spans := map[[2]int64]*span{}
	for _, k := range keys {
		bal := s.balances[s.byLot[k]]
		wp := [2]int64{bal.WarehouseID, bal.ProductID}
		if spans[wp] == nil {
			sp := &span{}
			for _, i := range s.byProduct[wp] {
				sp.after += s.balances[i].Available()
			}
			spans[wp] = sp
		}
		spans[wp].drop += drop[k]
	}
	var low []LowStock
	for _, k := range keys {
		bal := s.balances[s.byLot[k]]
		wp := [2]int64{bal.WarehouseID, bal.ProductID}
		sp, min, ok := spans[wp], int64(0), false
		if sp == nil {
			continue
		}
		delete(spans, wp)
		if min, ok = s.thresholds[wp]; !ok {
			continue
		}
		if before := sp.after + sp.drop; sp.after < min && before >= min {
			low = append(low, LowStock{Warehouse: bal.Warehouse, SKU: bal.SKU, Available: sp.after, Threshold: min})
		}
	}
	return low
}
