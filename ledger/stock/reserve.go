package stock

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

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
	pids := make([]int64, 0, len(wants))
	for _, x := range wants {
		pids = append(pids, x.ProductID)
	}
	slices.Sort(pids)
	bs, err := Lock(ctx, tx, w.ID, slices.Compact(pids))
	if err != nil {
		return nil, nil, fmt.Errorf("reserve stock for %s: %w", ref, err)
	}
	allocs, err := Pick(bs, w.Code, wants, time.Now())
	if err != nil {
		return nil, nil, err
	}
	locked := make(map[balanceKey]Balance, len(bs))
	for _, b := range bs {
		locked[balanceKey{b.WarehouseID, b.LotID}] = b
	}
	moves := make([]Move, len(allocs))
	for i, a := range allocs {
		moves[i] = Move{Warehouse: a.WarehouseID, Lot: a.LotID, Reserved: a.Qty}
	}
	low, err := applyLocked(ctx, tx, KindReserve, ref, opKey, moves, locked)
	return allocs, low, err
}
