package stock

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
)

// Want asks for Qty units of a product for one order line, from a given lot
// (LotID) or, when LotID is 0, from the lots that expire first.
type Want struct {
	Line      int
	ProductID int64
	SKU       string
	LotID     int64
	Qty       int64
}

// Allocation is the part of a line taken from one lot.
type Allocation struct {
	Line        int
	WarehouseID int64
	LotID       int64
	Batch       string
	Qty         int64
}

// Lock locks every balance of the given products in a warehouse (lot order,
// as Apply does) and returns them.
func Lock(ctx context.Context, tx pgx.Tx, warehouseID int64, productIDs []int64) ([]Balance, error) {
	rows, err := tx.Query(ctx, balanceSelect+`
		WHERE b.warehouse_id = $1 AND b.product_id = ANY($2) ORDER BY b.warehouse_id, b.lot_id FOR UPDATE OF b`,
		warehouseID, productIDs)
	if err != nil {
		return nil, err
	}
	return scanBalances(rows)
}

// Pick chooses lots for wants from locked balances: the named lot, or the
// unexpired lots with the earliest expiry first. It changes nothing.
//
// Errors: ledger.ErrInsufficientStock naming the SKU, the warehouse, what is
// available and what was asked; ledger.ErrInvalid for an expired lot.
func Pick(bs []Balance, warehouse string, wants []Want, today time.Time) ([]Allocation, error) {
	avail := map[int64]int64{}
	byProduct := map[int64][]Balance{}
	for _, b := range bs {
		avail[b.LotID] = b.Available()
		byProduct[b.ProductID] = append(byProduct[b.ProductID], b)
	}
	for _, lots := range byProduct {
		slices.SortFunc(lots, func(a, b Balance) int {
			ea, eb := a.ExpiresOn, b.ExpiresOn
			switch {
			case ea.Equal(eb):
				return int(a.LotID - b.LotID)
			case ea.IsZero():
				return 1
			case eb.IsZero():
				return -1
			}
			return ea.Compare(eb)
		})
	}
	day := today.Truncate(24 * time.Hour)
	expired := func(b Balance) bool { return !b.ExpiresOn.IsZero() && b.ExpiresOn.Before(day) }
	var out []Allocation
	for _, w := range wants {
		need := w.Qty
		if w.LotID != 0 {
			var lot *Balance
			for i, b := range byProduct[w.ProductID] {
				if b.LotID == w.LotID {
					lot = &byProduct[w.ProductID][i]
				}
			}
			if lot == nil {
				return nil, fmt.Errorf("%w: SKU %s: the requested lot has no stock in warehouse %s, %d requested",
					ledger.ErrInsufficientStock, w.SKU, warehouse, w.Qty)
			}
			if expired(*lot) {
				return nil, fmt.Errorf("%w: SKU %s lot %s expired on %s and cannot be sold",
					ledger.ErrInvalid, w.SKU, lot.Batch, lot.ExpiresOn.Format(time.DateOnly))
			}
			if avail[lot.LotID] < need {
				return nil, fmt.Errorf("%w: SKU %s lot %s: only %d units available in warehouse %s, %d requested",
					ledger.ErrInsufficientStock, w.SKU, lot.Batch, avail[lot.LotID], warehouse, need)
			}
			avail[lot.LotID] -= need
			out = append(out, Allocation{Line: w.Line, WarehouseID: lot.WarehouseID, LotID: lot.LotID, Batch: lot.Batch, Qty: need})
			continue
		}
		var total int64
		for _, b := range byProduct[w.ProductID] {
			if !expired(b) {
				total += avail[b.LotID]
			}
		}
		if total < need {
			return nil, fmt.Errorf("%w: SKU %s: only %d units available in warehouse %s, %d requested",
				ledger.ErrInsufficientStock, w.SKU, total, warehouse, need)
		}
		for _, b := range byProduct[w.ProductID] {
			if need == 0 {
				break
			}
			take := min(need, avail[b.LotID])
			if take <= 0 || expired(b) {
				continue
			}
			avail[b.LotID] -= take
			need -= take
			out = append(out, Allocation{Line: w.Line, WarehouseID: b.WarehouseID, LotID: b.LotID, Batch: b.Batch, Qty: take})
		}
	}
	return out, nil
}

// ReserveFor locks the balances of the wanted products in warehouse w,
// picks lots (see Pick) and reserves them.
//
// Errors: those of Pick and Apply.
func ReserveFor(ctx context.Context, tx pgx.Tx, w Warehouse, wants []Want, ref, opKey string) ([]Allocation, []LowStock, error) {
	b := &pgx.Batch{}
	rv := QueueReservation(b, w, wants, ref, opKey)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, nil, fmt.Errorf("reserve stock for %s: %w", ref, err)
	}
	b = &pgx.Batch{}
	allocs, low, err := rv.Queue(b, clock.Now(ctx))
	if err != nil {
		return nil, nil, err
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return nil, nil, fmt.Errorf("reserve stock for %s: %w", ref, err)
	}
	return allocs, low, nil
}

// Reservation is ReserveFor in two steps, for callers that send their own
// statements in the same round trips: QueueReservation queues the lock of
// the balances, Queue picks the lots and queues the writes.
type Reservation struct {
	w          Warehouse
	wants      []Want
	ref, opKey string
	balances   []Balance
	thresholds map[int64]int64 // product -> min_available in w
	err        error
}

// QueueReservation queues in b the lock of every balance of the wanted
// products in warehouse w (in lot order, as Apply locks them), with their
// low-stock thresholds.
func QueueReservation(b *pgx.Batch, w Warehouse, wants []Want, ref, opKey string) *Reservation {
	rv := &Reservation{w: w, wants: wants, ref: ref, opKey: opKey, thresholds: map[int64]int64{}}
	pids := make([]int64, 0, len(wants))
	for _, x := range wants {
		pids = append(pids, x.ProductID)
	}
	slices.Sort(pids)
	b.Queue(`SELECT x.*, coalesce(t.min_available, -1) FROM (`+balanceSelect+`
		WHERE b.warehouse_id = $1 AND b.product_id = ANY($2) ORDER BY b.warehouse_id, b.lot_id FOR UPDATE OF b) x
		LEFT JOIN stock_thresholds t ON t.warehouse_id = x.warehouse_id AND t.product_id = x.product_id`,
		w.ID, slices.Compact(pids)).Query(func(rows pgx.Rows) error {
		var min int64
		rv.balances, rv.err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Balance, error) {
			b, err := scanBalance(r, &min)
			if min >= 0 {
				rv.thresholds[b.ProductID] = min
			}
			return b, err
		})
		return nil
	})
	return rv
}

// Queue picks lots for the reservation from the locked balances (see Pick)
// and queues in b the reservation of them with its stock moves. It returns
// the allocations and the low-stock warnings the reservation raises; the
// caller sends b, then emits the warnings with EmitLow.
//
// Errors: those of Pick and Apply, and the error of the lock.
func (rv *Reservation) Queue(b *pgx.Batch, today time.Time) ([]Allocation, []LowStock, error) {
	if rv.err != nil {
		return nil, nil, fmt.Errorf("reserve stock for %s: %w", rv.ref, rv.err)
	}
	allocs, err := Pick(rv.balances, rv.w.Code, rv.wants, today)
	if err != nil {
		return nil, nil, err
	}
	locked := make(map[balanceKey]Balance, len(rv.balances))
	before := map[int64]int64{} // product -> available
	for _, bal := range rv.balances {
		locked[balanceKey{bal.WarehouseID, bal.LotID}] = bal
		before[bal.ProductID] += bal.Available()
	}
	moves := make([]Move, len(allocs))
	for i, a := range allocs {
		moves[i] = Move{Warehouse: a.WarehouseID, Lot: a.LotID, Reserved: a.Qty}
	}
	drops, err := queueLocked(b, KindReserve, rv.ref, rv.opKey, moves, locked)
	if err != nil {
		return nil, nil, err
	}
	// Every balance of these products in the warehouse is locked, so what
	// is available after is known without reading it back.
	var low []LowStock
	for _, bal := range rv.balances {
		k := [2]int64{bal.WarehouseID, bal.ProductID}
		min, ok := rv.thresholds[bal.ProductID]
		drop, dropped := drops[k]
		if !ok || !dropped {
			continue
		}
		delete(drops, k)
		if after := before[bal.ProductID] - drop; after < min && before[bal.ProductID] >= min {
			low = append(low, LowStock{Warehouse: rv.w.Code, SKU: bal.SKU, Available: after, Threshold: min})
		}
	}
	return allocs, low, nil
}
