package order

import (
	"context"
	"fmt"
	"math/big"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"downline/ledger"
	"downline/ledger/stock"
)

// BulkPeriod says what CopyPeriod writes: n confirmed member orders in
// [Start, End), drawn from Seed.
type BulkPeriod struct {
	Orders     int
	Start, End time.Time
	Seed       uint64
}

// BulkWarehouse is the warehouse CopyPeriod creates for the orders it writes.
const BulkWarehouse = "SEED"

// CopyPeriod writes a period of confirmed member orders into a ledger that has
// members and no orders yet, with COPY in one transaction, for benchmarks and
// trials of a settlement run at scale (`downline seed --orders`). Every member
// who joined during the period gets its registration order at its joining
// (while orders remain), the rest are repeat orders of members who are not
// terminated and had joined by then, at random times in the period. The same
// members and BulkPeriod always give the same orders.
//
// The orders carry their volumes and totals only, as orders imported from an
// earlier system would: no lines, stock or payments, so nothing moved in the
// warehouse or the journal and `ledger check` holds. Settlement reads the
// volumes, not the lines; writing lines, reservations, payments and their
// journal entries for every order would multiply the rows (and the time) by
// about eight for nothing a settlement run reads.
//
// Errors: ErrInvalid for a bad period or count, or when no member had joined
// before the period ends; ErrConflict when the ledger already holds orders.
func CopyPeriod(ctx context.Context, db *ledger.DB, p BulkPeriod, progress func(done int)) (int, error) {
	if p.Orders < 1 {
		return 0, fmt.Errorf("%w: number of orders must be at least 1, got %d", ledger.ErrInvalid, p.Orders)
	}
	if !p.Start.Before(p.End) {
		return 0, fmt.Errorf("%w: period start %s is not before its end %s", ledger.ErrInvalid, p.Start, p.End)
	}
	var n int
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		var existing int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM orders`).Scan(&existing); err != nil {
			return err
		}
		if existing > 0 {
			return fmt.Errorf("%w: the orders table already holds %d orders; seed into an empty database (seed --reset)", ledger.ErrConflict, existing)
		}
		buyers, err := bulkBuyers(ctx, tx, p.End)
		if err != nil {
			return err
		}
		w, err := stock.CreateWarehouse(ctx, tx, BulkWarehouse, "Seeded orders", 0)
		if err != nil {
			return fmt.Errorf("create the seeded orders' warehouse: %w", err)
		}
		n, err = copyOrders(ctx, tx, newBulkOrders(buyers, p), w.ID, progress)
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("seed orders: %w", err)
	}
	// Fresh statistics, so that the settlement's queries plan for the rows.
	if _, err := db.Pool.Exec(ctx, `ANALYZE orders`); err != nil {
		return 0, fmt.Errorf("analyze orders: %w", err)
	}
	return n, nil
}

// buyer is a member who may order in the period.
type buyer struct {
	id     int64
	joined time.Time
}

// bulkBuyers reads the members who joined before end and are not terminated,
// in id order.
func bulkBuyers(ctx context.Context, tx pgx.Tx, end time.Time) ([]buyer, error) {
	rows, err := tx.Query(ctx, `SELECT id, joined_at FROM members WHERE joined_at < $1 AND status <> 'terminated' ORDER BY id`, end)
	if err != nil {
		return nil, fmt.Errorf("read members: %w", err)
	}
	var out []buyer
	for rows.Next() {
		var b buyer
		if err := rows.Scan(&b.id, &b.joined); err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read members: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no member who may order joined before %s", ledger.ErrInvalid, end.Format(time.RFC3339))
	}
	return out, nil
}

// bulkOrder is one generated order; amounts in cents.
type bulkOrder struct {
	kind          Kind
	member        int64
	at            time.Time
	total, pv, bv int64
}

// bulkOrders draws the orders one at a time: first the registrations of the
// members who joined during the period, then repeat orders.
type bulkOrders struct {
	buyers []buyer
	p      BulkPeriod
	rng    *rand.Rand
	reg    int // next buyer to consider for a registration order
	done   int
}

func newBulkOrders(buyers []buyer, p BulkPeriod) *bulkOrders {
	reg := 0
	for reg < len(buyers) && buyers[reg].joined.Before(p.Start) {
		reg++
	}
	return &bulkOrders{buyers: buyers, p: p, rng: rand.New(rand.NewPCG(p.Seed, p.Seed^0x5851f42d4c957f2d)), reg: reg}
}

// next returns the next order, false after the last.
func (g *bulkOrders) next() (bulkOrder, bool) {
	if g.done >= g.p.Orders {
		return bulkOrder{}, false
	}
	g.done++
	o := bulkOrder{kind: Repeat}
	var b buyer
	if g.reg < len(g.buyers) {
		b, o.kind = g.buyers[g.reg], Registration
		g.reg++
		o.at = g.within(b.joined, time.Hour)
	} else {
		b = g.buyers[g.rng.IntN(len(g.buyers))]
		from := later(b.joined, g.p.Start)
		o.at = g.within(from, g.p.End.Sub(from))
	}
	o.member = b.id
	// PV 50.0-249.9, BV 80% of it in whole units, the price twice the PV.
	o.pv = int64(5000 + g.rng.IntN(2000)*10)
	o.bv = o.pv * 8 / 10 / 100 * 100
	o.total = 2 * o.pv
	return o, true
}

// within is a moment in [from, from+span) that is also before the period's end.
func (g *bulkOrders) within(from time.Time, span time.Duration) time.Time {
	span = min(span, g.p.End.Sub(from))
	if span <= time.Second {
		return from
	}
	return from.Add(time.Duration(g.rng.Int64N(int64(span/time.Second))) * time.Second)
}

// later of two times.
func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// copyOrders COPYs the orders in. Into an empty table the member key and the
// two secondary indexes are cheaper to check and build once at the end; the
// definitions mirror migrations/0103_orders.sql.
func copyOrders(ctx context.Context, tx pgx.Tx, g *bulkOrders, warehouse int64, progress func(done int)) (int, error) {
	if _, err := tx.Exec(ctx, `SET LOCAL maintenance_work_mem = '512MB';
		ALTER TABLE orders DROP CONSTRAINT orders_member_id_fkey;
		DROP INDEX orders_member_idx, orders_confirmed_idx`); err != nil {
		return 0, fmt.Errorf("prepare bulk load: %w", err)
	}
	cents := func(v int64) pgtype.Numeric { return pgtype.Numeric{Int: big.NewInt(v), Exp: -2, Valid: true} }
	n := 0
	src := pgx.CopyFromFunc(func() ([]any, error) {
		o, ok := g.next()
		if !ok {
			return nil, nil
		}
		n++
		if progress != nil && n%50_000 == 0 {
			progress(n)
		}
		return []any{string(o.kind), o.member, warehouse, string(Confirmed), cents(o.total), cents(o.pv), cents(o.bv), "seed", o.at, o.at, o.at}, nil
	})
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"orders"},
		[]string{"kind", "member_id", "warehouse_id", "status", "total", "pv", "bv", "entered_by", "placed_at", "paid_at", "confirmed_at"}, src); err != nil {
		return 0, fmt.Errorf("copy orders: %w", err)
	}
	if progress != nil {
		progress(n)
	}
	if _, err := tx.Exec(ctx, `ALTER TABLE orders ADD CONSTRAINT orders_member_id_fkey FOREIGN KEY (member_id) REFERENCES members (id);
		CREATE INDEX orders_member_idx ON orders (member_id);
		CREATE INDEX orders_confirmed_idx ON orders (confirmed_at)`); err != nil {
		return 0, fmt.Errorf("index and check the loaded orders: %w", err)
	}
	return n, nil
}
