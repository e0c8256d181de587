// Package exports_test benchmarks the analysts' exports (analytics/export)
// of a big ledger: 1,000,000 members and 5,000,000 lot movements, each as
// Parquet, Arrow IPC and CSV, beside Postgres's own COPY of the same rows
// (the same query) to CSV, and, for the movements, COPY of the table alone
// (ids for codes, no days): the floor of anything read from Postgres.
//
//	go test -run '^$' -bench . -benchtime 3x ./bench/exports/
//
// EXPORT_MEMBERS and EXPORT_MOVES size the ledger (defaults 1,000,000 and
// 5,000,000). It is seeded once, untimed, into a fresh database: the
// members with member.GenerateNetwork and COPY (as `seed --members` does),
// the movements with COPY into stock_moves (500 lots, HQ and 200 agencies'
// warehouses, a move a second). The files go to a discarding writer that
// counts their bytes (MB/op); cpu-ms/op is this process's CPU time (not
// Postgres's), which, unlike wall time, shared cores do not stretch.
package exports_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/analytics/export"
	"downline/ledger"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
)

func size(b *testing.B, env string, def int) int {
	if s := os.Getenv(env); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			b.Fatalf("%s=%q: want a positive number", env, s)
		}
		return n
	}
	return def
}

// seedMoves writes n stock moves: receipts into HQ, transfers to agencies'
// warehouses, reservations and shipments, spread over 500 lots.
func seedMoves(ctx context.Context, db *ledger.DB, n int) error {
	_, err := db.Pool.Exec(ctx, `
		INSERT INTO products (sku, name_zh, name_en, retail_price, member_price, agency_price)
			SELECT 'P' || lpad(i::text, 3, '0'), '产品' || i, 'Product ' || i, 100, 80, 60 FROM generate_series(1, 50) i;
		INSERT INTO lots (product_id, batch, produced_on)
			SELECT p.id, 'B' || b, '2026-01-01' FROM products p, generate_series(1, 10) b;
		INSERT INTO agencies (code, name) SELECT 'AG' || lpad(i::text, 3, '0'), 'Agency ' || i FROM generate_series(1, 200) i;
		INSERT INTO warehouses (code, name) VALUES ('HQ-SH', 'HQ Shanghai');
		INSERT INTO warehouses (code, name, agency_id) SELECT a.code || '-WH', a.name, a.id FROM agencies a;`)
	if err != nil {
		return err
	}
	var lots, whs []int64
	for q, out := range map[string]*[]int64{`SELECT id FROM lots ORDER BY id`: &lots, `SELECT id FROM warehouses ORDER BY id`: &whs} {
		rows, _ := db.Pool.Query(ctx, q)
		ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			return err
		}
		*out = ids
	}
	kinds := []string{"receipt", "reserve", "ship", "release", "restock"}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	i := 0
	_, err = db.Pool.CopyFrom(ctx, pgx.Identifier{"stock_moves"},
		[]string{"warehouse_id", "lot_id", "kind", "on_hand_delta", "reserved_delta", "ref", "moved_at"},
		pgx.CopyFromFunc(func() ([]any, error) {
			if i == n {
				return nil, nil
			}
			i++
			k := kinds[i%len(kinds)]
			onHand, reserved := int64(0), int64(0)
			switch k {
			case "receipt", "restock":
				onHand = 100
			case "reserve":
				reserved = 2
			case "release":
				reserved = -2
			case "ship":
				onHand, reserved = -2, -2
			}
			return []any{whs[i%len(whs)], lots[i%len(lots)], k, onHand, reserved, "SO" + strconv.Itoa(i), t0.Add(time.Duration(i) * time.Second)}, nil
		}))
	if err != nil {
		return err
	}
	return nil
}

// cpu is the CPU time this process has used (user and system, every
// thread): on shared cores wall time follows the neighbours, this does
// not. Postgres's own time is not in it.
func cpu() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// counter is a discarding writer that counts bytes.
type counter int64

func (c *counter) Write(p []byte) (int, error) { *c += counter(len(p)); return len(p), nil }

func BenchmarkExports(b *testing.B) {
	ctx := context.Background()
	nMembers, nMoves := size(b, "EXPORT_MEMBERS", 1_000_000), size(b, "EXPORT_MOVES", 5_000_000)
	db := ledgertest.DB(b)
	start := time.Now()
	gen := member.GenerateNetwork(nMembers, 42, time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
	if err := member.CopyNetwork(ctx, db, gen, nil); err != nil {
		b.Fatal(err)
	}
	gen = nil
	if err := seedMoves(ctx, db, nMoves); err != nil {
		b.Fatal(err)
	}
	// A first read of rows just copied in writes their hint bits: done here,
	// untimed, as any table some time after its writes.
	if _, err := db.Pool.Exec(ctx, `VACUUM (FREEZE, ANALYZE)`); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d members and %d lot moves in %s", nMembers, nMoves, time.Since(start).Round(time.Second))
	zone, err := ledger.CompanyZone()
	if err != nil {
		b.Fatal(err)
	}
	// The exports' own queries, as COPY gives them.
	copies := map[string]string{
		export.Members: `SELECT id, code, name, lang, status, joined_at, (joined_at AT TIME ZONE '` + zone.String() + `')::date FROM members ORDER BY id`,
		export.LotMoves: `SELECT sm.id, sm.moved_at, (sm.moved_at AT TIME ZONE '` + zone.String() + `')::date, w.code, a.code, p.sku, l.batch, l.id,
				sm.kind, sm.on_hand_delta, sm.reserved_delta, sm.ref
			FROM stock_moves sm JOIN warehouses w ON w.id = sm.warehouse_id LEFT JOIN agencies a ON a.id = w.agency_id
			JOIN lots l ON l.id = sm.lot_id JOIN products p ON p.id = l.product_id ORDER BY sm.id`,
	}
	for _, c := range []struct {
		dataset string
		rows    int
	}{{export.Members, nMembers}, {export.LotMoves, nMoves}} {
		for _, f := range export.Formats {
			b.Run(fmt.Sprintf("%s/%s", c.dataset, f), func(b *testing.B) {
				var out counter
				c0 := cpu()
				for b.Loop() {
					out = 0
					e, err := export.Open(ctx, db, c.dataset, export.Filters{})
					if err != nil {
						b.Fatal(err)
					}
					n, err := e.Write(ctx, &out, f, nil)
					e.Close()
					if err != nil || n != int64(c.rows) {
						b.Fatalf("%d rows (%v), want %d", n, err, c.rows)
					}
				}
				b.ReportMetric(float64(out)/1e6, "MB/op")
				b.ReportMetric(float64((cpu()-c0).Milliseconds())/float64(b.N), "cpu-ms/op")
			})
		}
		copyCSV := func(name, query string) {
			b.Run(c.dataset+"/"+name, func(b *testing.B) {
				var out counter
				c0 := cpu()
				for b.Loop() {
					out = 0
					conn, err := db.Pool.Acquire(ctx)
					if err != nil {
						b.Fatal(err)
					}
					tag, err := conn.Conn().PgConn().CopyTo(ctx, &out, `COPY (`+query+`) TO STDOUT WITH (FORMAT csv, HEADER)`)
					conn.Release()
					if err != nil || tag.RowsAffected() != int64(c.rows) {
						b.Fatalf("%d rows (%v), want %d", tag.RowsAffected(), err, c.rows)
					}
				}
				b.ReportMetric(float64(out)/1e6, "MB/op")
				b.ReportMetric(float64((cpu()-c0).Milliseconds())/float64(b.N), "cpu-ms/op")
			})
		}
		copyCSV("postgres-copy-csv", copies[c.dataset])
		if c.dataset == export.LotMoves {
			// The floor: the table alone, ids for codes, no days.
			copyCSV("postgres-copy-table-csv", `SELECT id, moved_at, warehouse_id, lot_id, kind, on_hand_delta, reserved_delta, ref FROM stock_moves ORDER BY id`)
		}
	}
}
