package trace_test

import (
	"context"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"

	"downline/graphstore"
	"downline/graphstore/memory"
	"downline/ledger/ledgertest"
)

// The graph walk: everything downstream of one agency in the big lot (its
// sales, what its buyers returned to other agencies, those agencies' later
// sales, and so on), the question Circulation.Downstream answers.
//
//	go test -run '^$' -bench Downstream -benchtime 5x ./bench/trace/
//
// DOWNSTREAM_MOVES sizes the lot (default 200,000) for all three: the SQL
// walk revisits a holder at every movement that reaches it, which a lot of
// millions does not finish in minutes.

var agency0 = graphstore.Holder{Kind: graphstore.Agency, ID: "AG000-WH"}

func downstreamMoves(b *testing.B) int { return envSize(b, "DOWNSTREAM_MOVES", 200_000) }

func benchDownstream(b *testing.B, cs graphstore.Circulation) int {
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	var got []graphstore.Movement
	for b.Loop() {
		var err error
		if got, err = cs.Downstream(ctx, agency0); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(len(got)), "movements")
	return len(got)
}

// BenchmarkDownstreamEmbedded walks the embedded store: one pass over the
// lot's movements in Seq order, carrying the holders reached.
func BenchmarkDownstreamEmbedded(b *testing.B) {
	n := downstreamMoves(b)
	s := newMemory(b, n)
	benchDownstream(b, s)
}

// BenchmarkDownstreamNeo4j walks Neo4j, one Cypher query per step of the
// walk. It empties the repository's Neo4j first and runs only when
// NEO4J_URI is set.
func BenchmarkDownstreamNeo4j(b *testing.B) {
	uri := os.Getenv("NEO4J_URI")
	if uri == "" {
		b.Skip("NEO4J_URI is not set (dev/neo4j up prints one)")
	}
	n := downstreamMoves(b)
	s := loadedNeo4j(b, uri, n)
	got := benchDownstream(b, s)
	if want := len(downstreamIn(b, n)); got != want {
		b.Fatalf("Neo4j walked %d movements, the embedded store %d", got, want)
	}
}

// BenchmarkDownstreamPostgres asks Postgres in SQL: a recursive query over
// the movements table (indexed by sender and Seq) that follows each later
// movement of the lot out of every holder reached. SQL cannot keep only the
// earliest time a holder was reached, so it walks again from each.
func BenchmarkDownstreamPostgres(b *testing.B) {
	ctx := context.Background()
	n := downstreamMoves(b)
	db := ledgertest.DB(b)
	if _, err := db.Pool.Exec(ctx, `CREATE UNLOGGED TABLE lot_moves (seq bigint PRIMARY KEY, lot text NOT NULL,
		from_key text NOT NULL, to_key text NOT NULL, qty bigint NOT NULL, at timestamptz NOT NULL)`); err != nil {
		b.Fatal(err)
	}
	key := func(h graphstore.Holder) string { return string(h.Kind) + ":" + h.ID }
	err := bigLot(n, func(ms []graphstore.Movement) error {
		_, err := db.Pool.CopyFrom(ctx, pgx.Identifier{"lot_moves"}, []string{"seq", "lot", "from_key", "to_key", "qty", "at"},
			pgx.CopyFromSlice(len(ms), func(i int) ([]any, error) {
				m := ms[i]
				return []any{m.Seq, m.Lot, key(m.From), key(m.To), m.Qty, m.At}, nil
			}))
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `CREATE INDEX ON lot_moves (from_key, lot, seq); ANALYZE lot_moves`); err != nil {
		b.Fatal(err)
	}
	const q = `WITH RECURSIVE walk(lot, holder, seq) AS (
		SELECT NULL::text, $1::text, 0::bigint
		UNION
		SELECT m.lot, m.to_key, m.seq FROM walk w JOIN lot_moves m
			ON m.from_key = w.holder AND m.seq > w.seq AND (w.lot IS NULL OR m.lot = w.lot))
	SELECT count(DISTINCT seq) FROM walk WHERE seq > 0`
	b.ReportAllocs()
	b.ResetTimer()
	var got int
	for b.Loop() {
		if err := db.Pool.QueryRow(ctx, q, key(agency0)).Scan(&got); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(got), "movements")
	if want := len(downstreamIn(b, n)); got != want {
		b.Fatalf("SQL walked %d movements, the embedded store %d", got, want)
	}
}

// downstreamIn is the embedded store's answer, the reference the others
// must match.
func downstreamIn(b *testing.B, n int) []graphstore.Movement {
	got, err := newMemory(b, n).Downstream(context.Background(), agency0)
	if err != nil {
		b.Fatal(err)
	}
	return got
}

var memBy = map[int]*memory.Store{}

// newMemory is an embedded store holding the big lot of n movements, made
// once per size.
func newMemory(b *testing.B, n int) *memory.Store {
	if s, ok := memBy[n]; ok {
		return s
	}
	s := memory.New()
	if err := feed(context.Background(), s, n); err != nil {
		b.Fatal(err)
	}
	memBy[n] = s
	return s
}
