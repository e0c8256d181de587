// Package trace benchmarks the forward trace of one lot with millions of
// movements: in the embedded graph store, in Neo4j, and the same question
// asked of Postgres in SQL.
//
//	go test -run '^$' -bench . -benchtime 10x ./bench/trace/
//
// TRACE_MOVES sizes the lot (default 5,000,000); TRACE_NEO4J_MOVES the
// lot Neo4j is loaded with (default 1,000,000: loading goes through
// RecordMoves in batches of 20,000, a few thousand movements a second on
// two cores).
package trace_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/analytics"
	"downline/graphstore"
	"downline/graphstore/memory"
	"downline/graphstore/neo4j"
	"downline/graphstore/neo4j/neo4jtest"
	"downline/ledger/ledgertest"
)

// benchMoves is the size of the traced lot: TRACE_MOVES, else 5,000,000.
func benchMoves(b *testing.B) int { return envSize(b, "TRACE_MOVES", 5_000_000) }

// envSize is a size from the environment variable name, else def.
func envSize(b *testing.B, name string, def int) int {
	s := os.Getenv(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 100 {
		b.Fatalf("%s=%q: want a number of at least 100", name, s)
	}
	return n
}

// bigLot makes, in batches given to emit, one lot with n movements shaped like a
// best-seller's: a receipt into HQ every 100 movements, nine shipments to
// one of 500 agencies, then sales of one to three units to members (one in
// twenty a shop customer) out of a million, one in twenty sales returned.
// Another lot with a few movements shares the holders.
func bigLot(n int, emit func([]graphstore.Movement) error) error {
	hq := graphstore.Holder{Kind: graphstore.Warehouse, ID: "HQ-SH"}
	supplier := graphstore.Holder{Kind: graphstore.Supplier, ID: "supplier"}
	agencies := make([]graphstore.Holder, 500)
	for k := range agencies {
		agencies[k] = graphstore.Holder{Kind: graphstore.Agency, ID: fmt.Sprintf("AG%03d-WH", k)}
	}
	members := make([]graphstore.Holder, 1_000_000)
	for k := range members {
		members[k] = graphstore.Holder{Kind: graphstore.MemberHolder, ID: "CN" + strconv.Itoa(1_000_000+k)}
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	batch := make([]graphstore.Movement, 0, 20_050)
	x := uint64(88172645463325252) // xorshift: the same lot every run
	rnd := func(m int) int { x ^= x << 13; x ^= x >> 7; x ^= x << 17; return int(x % uint64(m)) }
	var last graphstore.Holder
	for i := range n {
		m := graphstore.Movement{Seq: int64(i + 1), Lot: "1", At: t0.Add(time.Duration(i) * time.Second)}
		switch j := i % 100; {
		case j == 0:
			m.From, m.To, m.Qty = supplier, hq, 10_000
		case j < 10:
			m.From, m.To, m.Qty = hq, agencies[rnd(len(agencies))], 1000
		case j%20 == 19 && last.Kind != "":
			m.From, m.To, m.Qty = last, agencies[rnd(len(agencies))], 1
		default:
			to := members[rnd(len(members))]
			if j%20 == 7 {
				to = graphstore.Holder{Kind: graphstore.Customer, ID: "SO" + strconv.Itoa(i)}
			}
			m.From, m.To, m.Qty = agencies[rnd(len(agencies))], to, int64(1+rnd(3))
			last = to
		}
		if i < 50 {
			mm := m
			mm.Lot, mm.Seq = "2", int64(n+i+1)
			batch = append(batch, mm)
		}
		batch = append(batch, m)
		if len(batch) >= 20_000 || i == n-1 {
			if err := emit(batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return nil
}

// feed gives cs the big lot.
func feed(ctx context.Context, cs graphstore.Circulation, n int) error {
	if err := cs.AddLots(ctx, []graphstore.Lot{{ID: "1", SKU: "TEA-250", Batch: "2025-01"}, {ID: "2", SKU: "TEA-250", Batch: "2025-02"}}); err != nil {
		return err
	}
	return bigLot(n, func(ms []graphstore.Movement) error { return cs.RecordMoves(ctx, ms) })
}

var (
	memOnce sync.Once
	memLot  *memory.Store
	memErr  error
)

// BenchmarkLotTraceEmbedded: the forward trace of one lot with TRACE_MOVES
// movements (default 5M) in the embedded store.
func BenchmarkLotTraceEmbedded(b *testing.B) {
	ctx := context.Background()
	n := benchMoves(b)
	memOnce.Do(func() {
		memLot = memory.New()
		memErr = feed(ctx, memLot, n)
	})
	if memErr != nil {
		b.Fatal(memErr)
	}
	b.Run("trace", func(b *testing.B) { benchTrace(b, memLot, n) })
	b.Run("page", func(b *testing.B) { benchPages(b, memLot) })
	// The whole recall list as the CSV the API streams.
	b.Run("csv", func(b *testing.B) {
		b.ReportAllocs()
		var w countWriter
		for b.Loop() {
			w = 0
			if err := analytics.WriteRecallCSV(ctx, memLot, nil, "TEA-250", "2025-01", &w); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(w)/1e6, "MB")
	})
	b.Run("store", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := memLot.LotHolders(ctx, "1"); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The flows a Sankey draws: the store's per-edge sums, copied.
	b.Run("edges", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			edges, err := memLot.LotEdges(ctx, "1")
			if err != nil {
				b.Fatal(err)
			}
			n = len(edges)
		}
		b.ReportMetric(float64(n), "edges")
	})
}

func benchTrace(b *testing.B, cs graphstore.Circulation, n int) {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	var tr analytics.Trace
	for b.Loop() {
		var err error
		if tr, err = analytics.LotTrace(ctx, cs, nil, "TEA-250", "2025-01"); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if tr.Movements != int64(n) {
		b.Fatalf("the trace counts %d movements, want %d", tr.Movements, n)
	}
	if len(tr.Recall) != analytics.DefaultRecallLimit || tr.Next == "" {
		b.Fatalf("the trace's first page has %d recipients, next %q", len(tr.Recall), tr.Next)
	}
	b.ReportMetric(float64(len(tr.Holders)), "holders")
	b.ReportMetric(float64(tr.Recipients.Count), "recipients")
}

// benchPages reads the recall list's pages after the trace's first: the
// second, and one half way down (the cursor found by walking there first,
// not timed).
func benchPages(b *testing.B, cs graphstore.Circulation) {
	ctx := context.Background()
	tr, err := analytics.LotTrace(ctx, cs, nil, "TEA-250", "2025-01")
	if err != nil {
		b.Fatal(err)
	}
	half, err := analytics.LotRecall(ctx, cs, nil, "TEA-250", "2025-01", "", int(tr.Recipients.Count/2))
	if err != nil {
		b.Fatal(err)
	}
	for _, at := range []struct{ name, cursor string }{{"second", tr.Next}, {"half-way", half.Next}} {
		b.Run(at.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				p, err := analytics.LotRecall(ctx, cs, nil, "TEA-250", "2025-01", at.cursor, analytics.DefaultRecallLimit)
				if err != nil || len(p.Recall) != analytics.DefaultRecallLimit {
					b.Fatalf("page: %d recipients, %v", len(p.Recall), err)
				}
			}
		})
	}
}

// countWriter counts the bytes written to it.
type countWriter int64

func (w *countWriter) Write(p []byte) (int, error) { *w += countWriter(len(p)); return len(p), nil }

// BenchmarkLotTraceNeo4j: the same trace in Neo4j, loaded with a lot of
// TRACE_NEO4J_MOVES movements (default 1,000,000) through RecordMoves; the
// load is not timed. It empties the repository's Neo4j first (as the Neo4j
// store's tests do) and runs only when NEO4J_URI is set.
func BenchmarkLotTraceNeo4j(b *testing.B) {
	uri := os.Getenv("NEO4J_URI")
	if uri == "" {
		b.Skip("NEO4J_URI is not set (dev/neo4j up prints one)")
	}
	n := envSize(b, "TRACE_NEO4J_MOVES", 1_000_000)
	s := loadedNeo4j(b, uri, n)
	b.Run("trace", func(b *testing.B) { benchTrace(b, s, n) })
	b.Run("page", func(b *testing.B) { benchPages(b, s) })
}

// loadedNeo4j empties the Neo4j at uri (and again when the benchmark
// ends) and feeds it the big lot of n movements, the load not timed.
func loadedNeo4j(b *testing.B, uri string, n int) *neo4j.Store {
	ctx := context.Background()
	neo4jtest.Lock(b)
	s, err := neo4j.New(ctx, uri, os.Getenv("NEO4J_USER"), os.Getenv("NEO4J_PASSWORD"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = s.Close(ctx) })
	if err := s.Reset(ctx); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := s.Reset(ctx); err != nil {
			b.Error(err)
		}
	})
	start := time.Now()
	if err := feed(ctx, s, n); err != nil {
		b.Fatal(err)
	}
	b.Logf("loaded %d movements in %s (%.0f a second)", n, time.Since(start).Round(time.Second), float64(n)/time.Since(start).Seconds())
	return s
}

// BenchmarkLotTracePostgres asks Postgres the same question in SQL: the
// lot's movements, in a table of the same shape as the graph's (lot, from
// and to holder, quantity, time) with an index on the lot, summed per
// holder; the stops in the order the lot reached them, the recipients'
// totals and their first page. The table is loaded with COPY
// into a fresh database (not timed) and analysed.
func BenchmarkLotTracePostgres(b *testing.B) {
	ctx := context.Background()
	n := benchMoves(b)
	db := ledgertest.DB(b)
	if _, err := db.Pool.Exec(ctx, `CREATE UNLOGGED TABLE lot_moves (seq bigint PRIMARY KEY, lot text NOT NULL,
		from_kind text NOT NULL, from_id text NOT NULL, to_kind text NOT NULL, to_id text NOT NULL,
		qty bigint NOT NULL, at timestamptz NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	err := bigLot(n, func(ms []graphstore.Movement) error {
		_, err := db.Pool.CopyFrom(ctx, pgx.Identifier{"lot_moves"}, []string{"seq", "lot", "from_kind", "from_id", "to_kind", "to_id", "qty", "at"},
			pgx.CopyFromSlice(len(ms), func(i int) ([]any, error) {
				m := ms[i]
				return []any{m.Seq, m.Lot, string(m.From.Kind), m.From.ID, string(m.To.Kind), m.To.ID, m.Qty, m.At}, nil
			}))
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `CREATE INDEX ON lot_moves (lot, seq); ANALYZE lot_moves`); err != nil {
		b.Fatal(err)
	}
	// What the trace answers: the stops (supplier, warehouses, agencies,
	// write-offs) in the order the lot reached them, the recipients'
	// totals, and the first page of recipients, those holding first.
	const q = `WITH m AS (SELECT * FROM lot_moves WHERE lot = $1),
	ends AS (
		SELECT from_kind AS kind, from_id AS id, 0::bigint AS qty_in, qty AS qty_out, seq * 2 AS ord, at FROM m
		UNION ALL
		SELECT to_kind, to_id, qty, 0, seq * 2 + 1, at FROM m),
	h AS (
		SELECT kind, id, sum(qty_in) AS qty_in, sum(qty_out) AS qty_out, count(*) AS moves, min(at) AS first, max(at) AS last,
			min(ord) AS ord, kind IN ('member', 'customer') AS recipient
		FROM ends GROUP BY kind, id)
	(SELECT 0 AS part, kind, id, qty_in, qty_out, moves, first, last FROM h WHERE NOT recipient ORDER BY ord)
	UNION ALL
	(SELECT 1, 'total', count(*)::text, sum(qty_in), sum(qty_in - qty_out), sum(moves), NULL, NULL FROM h WHERE recipient)
	UNION ALL
	(SELECT 2, kind, id, qty_in, qty_out, moves, first, last FROM h WHERE recipient
		ORDER BY qty_in - qty_out <= 0, ord LIMIT 100)`
	b.ReportAllocs()
	b.ResetTimer()
	var holders, moves, page int64
	for b.Loop() {
		rows, err := db.Pool.Query(ctx, q, "1")
		if err != nil {
			b.Fatal(err)
		}
		holders, moves, page = 0, 0, 0
		for rows.Next() {
			var part, count int64
			var kind, id string
			var in, out int64
			var first, last *time.Time
			if err := rows.Scan(&part, &kind, &id, &in, &out, &count, &first, &last); err != nil {
				b.Fatal(err)
			}
			switch part {
			case 0:
				holders++
				moves += count
			case 1:
				moves += count
				n, _ := strconv.ParseInt(id, 10, 64)
				holders += n
			case 2:
				page++
			}
		}
		if err := rows.Err(); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	if moves != 2*int64(n) {
		b.Fatalf("SQL counted %d movement ends, want %d", moves, 2*n)
	}
	if page != 100 {
		b.Fatalf("SQL's first page has %d recipients", page)
	}
	b.ReportMetric(float64(holders), "holders")
}
