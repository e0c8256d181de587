package idempotency_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/idempotency"
	"downline/ledger/ledgertest"
)

type req struct{ N int }

// Concurrent requests under one key run the work once; the others read back
// its result.
func TestConcurrentReplays(t *testing.T) {
	db := ledgertest.DB(t)
	ctx := context.Background()
	var runs atomic.Int64
	var wg sync.WaitGroup
	results := make([]int, 20)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
				results[i], err = idempotency.Do(ctx, tx, "k", "test", req{7}, func() (int, error) {
					return int(runs.Add(1)) * 100, nil
				})
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if runs.Load() != 1 {
		t.Fatalf("work ran %d times, want once", runs.Load())
	}
	for _, r := range results {
		if r != 100 {
			t.Fatalf("results %v, want all 100", results)
		}
	}
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := idempotency.Do(ctx, tx, "k", "test", req{8}, func() (int, error) { return 0, nil })
		return err
	})
	if !errors.Is(err, ledger.ErrIdempotencyConflict) {
		t.Fatalf("different request under the same key: %v", err)
	}
	if _, err := db.Pool.Exec(ctx, `UPDATE idempotency_keys SET result = '1'`); err == nil {
		t.Fatal("a stored result was overwritten")
	}
}

// A failed operation leaves no key behind: a retry runs the work again.
func TestFailureLeavesNoKey(t *testing.T) {
	db := ledgertest.DB(t)
	ctx := context.Background()
	boom := errors.New("boom")
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := idempotency.Do(ctx, tx, "k2", "test", req{1}, func() (int, error) { return 0, boom })
		return err
	})
	if !errors.Is(err, boom) {
		t.Fatal(err)
	}
	var got int
	err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		got, err = idempotency.Do(ctx, tx, "k2", "test", req{1}, func() (int, error) { return 5, nil })
		return err
	})
	if err != nil || got != 5 {
		t.Fatalf("retry: %d, %v", got, err)
	}
}
