package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"downline/ledger/goodstest"
)

// queueBench is the world with n paid orders of AAA1, each with its bank
// transfer recorded and waiting for finance, written in two statements
// (placing them one by one would take minutes for nothing the queue reads:
// it reads payments with their order heads, and a confirmation books the
// payment and confirms the order).
func queueBench(b *testing.B, n int) (*world, []string) {
	b.Helper()
	w := newWorld(b)
	ctx := context.Background()
	_, err := w.db.Pool.Exec(ctx, `
		WITH o AS (
			INSERT INTO orders (kind, member_id, warehouse_id, status, total, pv, bv, entered_by, placed_at, paid_at)
			SELECT 'repeat', (SELECT id FROM members WHERE code = 'AAA1'), (SELECT id FROM warehouses WHERE code = $2),
				'paid', 100, 50, 50, 'bench', now() - make_interval(mins => $1 - g), now() - make_interval(mins => $1 - g)
			FROM generate_series(1, $1) g RETURNING id, total, paid_at)
		INSERT INTO payments (order_id, method, amount, reference, recorded_by, recorded_at)
		SELECT id, 'bank_transfer', total, 'BENCH-' || id, 'bench', paid_at FROM o ORDER BY id`, n, goodstest.HQ)
	if err != nil {
		b.Fatal(err)
	}
	rows, err := w.db.Pool.Query(ctx, `SELECT payment_no FROM payments WHERE status = 'recorded' AND recorded_by = 'bench' ORDER BY id`)
	if err != nil {
		b.Fatal(err)
	}
	var nos []string
	for rows.Next() {
		var no string
		if err := rows.Scan(&no); err != nil {
			b.Fatal(err)
		}
		nos = append(nos, no)
	}
	if _, err := w.db.Pool.Exec(ctx, `ANALYZE orders; ANALYZE payments`); err != nil {
		b.Fatal(err)
	}
	return w, nos
}

// BenchmarkPaymentQueueFirstPage is finance opening the queue with 10,000
// payments waiting: GET /api/v1/payments through the router (session,
// role check, JSON), 50 rows (the console's page) and 500 (the most).
func BenchmarkPaymentQueueFirstPage(b *testing.B) {
	w, _ := queueBench(b, 10_000)
	fin := w.token("finance")
	for _, limit := range []int{50, 500} {
		b.Run(fmt.Sprintf("limit=%d", limit), func(b *testing.B) {
			for b.Loop() {
				r := w.call("GET", fmt.Sprintf("/api/v1/payments?limit=%d", limit), fin, nil)
				if r.status != 200 {
					b.Fatalf("%d %s", r.status, r.body)
				}
			}
		})
	}
}

// BenchmarkConfirm100 is finance confirming 100 selected payments in one
// action: POST /api/v1/payments/confirm, each payment booked (journal
// entry) and its order confirmed, of 10,000 waiting. Each round confirms
// the next 100, so -benchtime is at most 100x.
func BenchmarkConfirm100(b *testing.B) {
	w, nos := queueBench(b, 10_000)
	fin := w.token("finance")
	i := 0
	for b.Loop() {
		if (i+1)*100 > len(nos) {
			b.Fatalf("only %d payments: run at most %dx", len(nos), len(nos)/100)
		}
		batch := nos[i*100 : (i+1)*100]
		r := w.call("POST", "/api/v1/payments/confirm", fin, map[string]any{"payments": batch}, "Idempotency-Key", fmt.Sprintf("bench-%d", i))
		var a struct{ Decided int }
		if err := json.Unmarshal(r.body, &a); r.status != 200 || err != nil || a.Decided != 100 {
			b.Fatalf("%d %s", r.status, r.body)
		}
		i++
	}
}
