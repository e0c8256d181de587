package period_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/member"
	"downline/ledger/stock"
)

// bulkPeriod is the period the bulk tests and benchmarks settle.
var bulkStart, bulkCutoff = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// seedBulk loads a generated network of n members (all joined before the
// period) and orders confirmed during the period straight into the tables,
// like bench/settle's files: every member's registration order, repeat
// orders for the rest, and a return of a quarter of every twentieth repeat
// order. Deterministic: two databases seeded alike hold the same rows.
func seedBulk(t testing.TB, db *ledger.DB, n, orders int) {
	t.Helper()
	gen := member.GenerateNetwork(n, 7, bulkStart.Add(-731*24*time.Hour))
	if err := member.CopyNetwork(ctx, db, gen, nil); err != nil {
		t.Fatal(err)
	}
	secs := int64(bulkCutoff.Sub(bulkStart).Seconds()) - 120
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		w, err := stock.CreateWarehouse(ctx, tx, "BULK", "Bulk", 0)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO orders (kind, member_id, warehouse_id, status, total, pv, bv, entered_by, placed_at, paid_at, confirmed_at)
			SELECT CASE WHEN g <= $1 THEN 'registration' ELSE 'repeat' END,
			       CASE WHEN g <= $1 THEN g ELSE 1 + (g * 2654435761) % $1 END,
			       $3, 'confirmed', v, v, trunc(v * 0.8), 'bulk', t, t, t
			FROM generate_series(1, $2::bigint) g,
			     LATERAL (SELECT (50 + (g * 7919) % 200) + ((g * 31) % 10) / 10.0 AS v,
			                     $4::timestamptz + ((g * 104729) % $5) * interval '1 second' AS t) x`,
			n, orders, w.ID, bulkStart, secs); err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO returns (order_id, refund, pv, bv, reason, confirmed_by, confirmed_at)
			SELECT id, 0, -trunc(pv / 4, 2), -trunc(bv / 4, 2), 'bulk', 'bulk', confirmed_at + interval '1 minute'
			FROM orders WHERE kind = 'repeat' AND id % 20 = 0`)
		return err
	})
	if _, err := db.Pool.Exec(ctx, `ANALYZE`); err != nil {
		t.Fatal(err)
	}
}

func defineBulk(t testing.TB, db *ledger.DB, code string) {
	t.Helper()
	uploadPlan(t, db, "testdata/bench-plan.yaml", bulkStart.Add(-time.Hour))
	define(t, db, code, bulkStart, bulkCutoff)
}
