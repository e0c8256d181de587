package stock_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/stock"
)

func TestReservePicksEarliestExpiryFirst(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db) // VC-100: B1 expires in 400 days, B2 in 200
	var allocs []stock.Allocation
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) (err error) {
		w, _ := stock.GetWarehouse(ctx, tx, goodstest.HQ)
		p := goodstest.ProductID(t, tx, "VC-100")
		allocs, _, err = stock.ReserveFor(ctx, tx, w, []stock.Want{{Line: 1, ProductID: p, SKU: "VC-100", Qty: 120}}, "test", "k1")
		return err
	})
	if len(allocs) != 2 || allocs[0].Batch != "B2" || allocs[0].Qty != 100 || allocs[1].Batch != "B1" || allocs[1].Qty != 20 {
		t.Fatalf("allocations %+v, want 100 of B2 then 20 of B1", allocs)
	}
	n, err := stock.Available(context.Background(), db.Pool, goodstest.HQ, "VC-100")
	if err != nil || n != 80 {
		t.Fatalf("available = %d, %v; want 80", n, err)
	}
}

// 100 transactions race for the last 10 units: exactly 10 get one.
func TestConcurrentReservationsNeverOversell(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	goodstest.Product(t, db, "LAST-1", "10.00", "1")
	goodstest.Lot(t, db, "LAST-1", "L1", 100, 4)
	goodstest.Lot(t, db, "LAST-1", "L2", 50, 6)
	ctx := context.Background()
	var ok, refused atomic.Int64
	var wg sync.WaitGroup
	for i := 0; i < 100; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
				w, err := stock.GetWarehouse(ctx, tx, goodstest.HQ)
				if err != nil {
					return err
				}
				p := goodstest.ProductID(t, tx, "LAST-1")
				_, _, err = stock.ReserveFor(ctx, tx, w, []stock.Want{{Line: 1, ProductID: p, SKU: "LAST-1", Qty: 1}}, fmt.Sprint("r", i), "")
				return err
			})
			switch {
			case err == nil:
				ok.Add(1)
			case errors.Is(err, ledger.ErrInsufficientStock):
				refused.Add(1)
			default:
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if ok.Load() != 10 || refused.Load() != 90 {
		t.Fatalf("%d reserved, %d refused; want 10 and 90", ok.Load(), refused.Load())
	}
	if n, _ := stock.Available(ctx, db.Pool, goodstest.HQ, "LAST-1"); n != 0 {
		t.Fatalf("available = %d, want 0", n)
	}
}

func TestApplyRefusesNegativeStock(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	l := goodstest.Lot(t, db, "TEA-200", "T9", 100, 3)
	ctx := context.Background()
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		w, _ := stock.GetWarehouse(ctx, tx, goodstest.HQ)
		_, err := stock.Apply(ctx, tx, stock.KindAdjust, "count", "", []stock.Move{{Warehouse: w.ID, Lot: l.ID, OnHand: -5}})
		return err
	})
	if !errors.Is(err, ledger.ErrInsufficientStock) || !strings.Contains(err.Error(), "only 3 units available in warehouse HQ-SH, 5 requested") {
		t.Fatalf("err = %v", err)
	}
	// The database refuses it too, whatever the Go code does.
	_, err = db.Pool.Exec(ctx, `UPDATE stock_balances SET on_hand = -1 WHERE lot_id = $1`, l.ID)
	if err == nil || !strings.Contains(err.Error(), "stock_balances_never_negative") {
		t.Fatalf("negative balance accepted: %v", err)
	}
	if _, err := db.Pool.Exec(ctx, `DELETE FROM stock_moves`); err == nil {
		t.Fatal("deleting stock moves succeeded")
	}
}

func TestLowStockWarning(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	ctx := context.Background()
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		return stock.SetThreshold(ctx, tx, goodstest.HQ, "TEA-200", 480)
	})
	var low []stock.LowStock
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) (err error) {
		w, _ := stock.GetWarehouse(ctx, tx, goodstest.HQ)
		p := goodstest.ProductID(t, tx, "TEA-200")
		_, low, err = stock.ReserveFor(ctx, tx, w, []stock.Want{{Line: 1, ProductID: p, SKU: "TEA-200", Qty: 30}}, "o1", "")
		if err != nil {
			return err
		}
		return stock.EmitLow(ctx, tx, low)
	})
	if len(low) != 1 || low[0].Available != 470 || low[0].Threshold != 480 {
		t.Fatalf("low = %+v", low)
	}
	ws, err := stock.Warnings(ctx, db.Pool)
	if err != nil || len(ws) != 1 || ws[0].SKU != "TEA-200" {
		t.Fatalf("warnings %+v, %v", ws, err)
	}
	var n int
	_ = db.Pool.QueryRow(ctx, `SELECT count(*) FROM outbox WHERE kind = 'stock.low'`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d stock.low events, want 1", n)
	}
}

func TestReceiveIsIdempotent(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	l := goodstest.Lot(t, db, "TEA-200", "T7", 100, 0)
	ctx := context.Background()
	r := stock.Receipt{Key: "rcv-T7", Warehouse: goodstest.HQ, SKU: "TEA-200", Batch: l.Batch, Qty: 12, By: "wh"}
	for i := 0; i < 3; i++ {
		var got stock.Received
		goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) (err error) {
			got, err = stock.Receive(ctx, tx, r)
			return err
		})
		if got.OnHand != 12 {
			t.Fatalf("replay %d: on hand %d, want 12", i, got.OnHand)
		}
	}
	r.Qty = 13
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error { _, err := stock.Receive(ctx, tx, r); return err })
	if !errors.Is(err, ledger.ErrIdempotencyConflict) {
		t.Fatalf("a different receipt under the same key: %v", err)
	}
	for _, bad := range []stock.Receipt{
		{Key: "x1", Warehouse: goodstest.HQ, SKU: "NOPE", Batch: "T7", Qty: 1, By: "wh"},
		{Key: "x2", Warehouse: goodstest.HQ, SKU: "TEA-200", Batch: "NOPE", Qty: 1, By: "wh"},
		{Key: "x3", Warehouse: goodstest.HQ, SKU: "TEA-200", Batch: "T7", Qty: 0, By: "wh"},
		{Key: "x4", Warehouse: "NOWHERE", SKU: "TEA-200", Batch: "T7", Qty: 1, By: "wh"},
	} {
		err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error { _, err := stock.Receive(ctx, tx, bad); return err })
		if !errors.Is(err, ledger.ErrNotFound) && !errors.Is(err, ledger.ErrInvalid) {
			t.Errorf("%+v: err = %v", bad, err)
		}
	}
}
