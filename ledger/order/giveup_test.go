package order_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/order"
)

// A caller of the desk that gives up before its answer never leaves an
// order it cannot find: still waiting for its batch, the request is
// withdrawn and nothing is written; once its batch has started (cut before
// the commit, or after it), the caller hears that the order may be entered,
// and a retry under the same key returns it, entered exactly once.
func TestDeskCallerGivesUp(t *testing.T) {
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	ctx := context.Background()
	repeat := func(key string) order.Request {
		return order.Request{Key: key, Kind: order.Repeat, Member: "M001", By: "M001", Lines: []order.LineRequest{{SKU: "VC-100", Qty: 1}}}
	}
	count := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := db.Pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	orders := func() int { return count(`SELECT count(*) FROM orders`) }
	// retry sends the request again, twice, on a desk of its own, and checks
	// that both answer the same order.
	fresh := order.NewDesk(db, order.DeskOptions{})
	retry := func(key string) order.Order {
		t.Helper()
		o, err := fresh.Place(ctx, repeat(key))
		if err != nil {
			t.Fatalf("retry of %s: %v", key, err)
		}
		if again, err := fresh.Place(ctx, repeat(key)); err != nil || again.No != o.No {
			t.Errorf("second retry of %s: %s, %v; first %s", key, again.No, err, o.No)
		}
		return o
	}

	// Waiting for its batch: the desk waits an hour for company, or for a
	// full batch of two, which the two requests after it make.
	before := orders()
	desk := order.NewDesk(db, order.DeskOptions{MaxBatch: 2, Wait: time.Hour, InFlight: 1})
	gone, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := desk.Place(gone, repeat("gave-up")); !errors.Is(err, order.ErrNotEntered) || !errors.Is(err, context.Canceled) {
		t.Errorf("a request given up while it waited: %v, want ErrNotEntered", err)
	}
	var wg sync.WaitGroup
	for _, key := range []string{"next-1", "next-2"} {
		wg.Go(func() {
			if _, err := desk.Place(ctx, repeat(key)); err != nil {
				t.Errorf("%s: %v", key, err)
			}
		})
	}
	wg.Wait()
	if n := count(`SELECT count(*) FROM idempotency_keys WHERE key = 'gave-up'`); n != 0 || orders() != before+2 {
		t.Fatalf("the withdrawn request was entered: key rows %d, %d orders entered, want 2", n, orders()-before)
	}
	retry("gave-up")
	if orders() != before+3 {
		t.Errorf("%d orders entered, want 3", orders()-before)
	}

	// Given up once its batch started: before and after the commit.
	for _, c := range []struct {
		key         string
		watch       string
		afterCommit bool
	}{{"cut-before-commit", "commit", false}, {"cut-after-commit", "begin", true}} {
		cut := ledgertest.NewCutter(c.watch, c.afterCommit)
		desk := order.NewDesk(ledgertest.Traced(t, db, cut), order.DeskOptions{})
		before := orders()
		o, err := desk.Place(cut.Context(), repeat(c.key))
		if cut.Cuts() != 1 {
			t.Fatalf("%s: not cut (%v)", c.key, err)
		}
		if err != nil && !errors.Is(err, order.ErrMaybeEntered) {
			t.Errorf("%s: %v, want the order or ErrMaybeEntered", c.key, err)
		}
		got := retry(c.key)
		if err == nil && got.No != o.No {
			t.Errorf("%s: answered %s, the retry %s", c.key, o.No, got.No)
		}
		if orders() != before+1 {
			t.Errorf("%s: %d orders entered, want 1", c.key, orders()-before)
		}
	}
}
