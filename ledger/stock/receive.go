package stock

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/catalog"
	"downline/ledger/idempotency"
	"downline/ledger/journal"
)

// Receipt brings produced goods of one lot into an HQ warehouse.
type Receipt struct {
	Key       string // idempotency key
	Warehouse string
	SKU       string
	Batch     string
	Qty       int64
	By        string
}

// Received is the result of a receipt.
type Received struct {
	Warehouse string
	SKU       string
	Batch     string
	LotID     int64
	Qty       int64
	OnHand    int64 // of the lot in the warehouse, after the receipt
}

// Receive books r in tx: the stock move, the inventory at standard cost
// against supplier payables, and a lot.moved event from the supplier.
//
// Errors: ledger.ErrInvalid for a quantity that is not positive or an agency
// warehouse (agencies get goods by ordering from HQ); ledger.ErrNotFound for
// an unknown warehouse, SKU or lot; ledger.ErrIdempotencyConflict.
func Receive(ctx context.Context, tx pgx.Tx, r Receipt) (Received, error) {
	return idempotency.Do(ctx, tx, r.Key, "stock.receive", r, func() (Received, error) {
		if r.Qty <= 0 {
			return Received{}, fmt.Errorf("%w: receipt of %s lot %s: quantity %d must be positive", ledger.ErrInvalid, r.SKU, r.Batch, r.Qty)
		}
		w, err := GetWarehouse(ctx, tx, r.Warehouse)
		if err != nil {
			return Received{}, err
		}
		if !w.IsHQ() {
			return Received{}, fmt.Errorf("%w: warehouse %s belongs to agency %s, which gets goods by ordering from HQ",
				ledger.ErrInvalid, w.Code, w.AgencyCode)
		}
		p, err := catalog.Get(ctx, tx, r.SKU)
		if err != nil {
			return Received{}, err
		}
		lot, err := catalog.GetLot(ctx, tx, r.SKU, r.Batch)
		if err != nil {
			return Received{}, err
		}
		ref := fmt.Sprintf("receipt %s/%s", r.SKU, r.Batch)
		if _, err := Apply(ctx, tx, KindReceipt, ref, r.Key, []Move{{Warehouse: w.ID, Lot: lot.ID, OnHand: r.Qty}}); err != nil {
			return Received{}, err
		}
		value := p.UnitCost.Mul(decimal.NewFromInt(r.Qty))
		if _, err := journal.Post(ctx, tx, journal.Entry{Kind: "stock.receipt", Ref: ref, OpKey: r.Key, By: r.By,
			Lines: []journal.Line{journal.Dr(journal.Inventory, "", value), journal.Cr(journal.SupplierPayable, "", value)}}); err != nil {
			return Received{}, err
		}
		out := Received{Warehouse: w.Code, SKU: p.SKU, Batch: lot.Batch, LotID: lot.ID, Qty: r.Qty}
		if err := tx.QueryRow(ctx, `SELECT on_hand FROM stock_balances WHERE warehouse_id = $1 AND lot_id = $2`, w.ID, lot.ID).Scan(&out.OnHand); err != nil {
			return Received{}, err
		}
		return out, EmitLotMoved(ctx, tx, []LotMoved{{Lot: lot.ID, SKU: p.SKU, Batch: lot.Batch,
			From: Holder{Kind: "supplier"}, To: w.Holder(), Qty: r.Qty, At: clock.Now(ctx)}})
	})
}
