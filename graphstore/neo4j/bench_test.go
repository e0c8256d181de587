package neo4j

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
	"downline/graphstore/feed"
	"downline/graphstore/memory"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
)

// BenchmarkNeo4j is the Neo4j section of docs/performance.md: a generated
// network of DOWNLINE_BENCH_MEMBERS members (default 1,000,000) in Postgres,
// bulk-synced into Neo4j, then the same queries on the embedded store and on
// Neo4j side by side, and group volume by Cypher against a linear pass.
//
//	go test ./graphstore/neo4j/ -run '^$' -bench BenchmarkNeo4j -benchtime=1x -timeout 60m
func BenchmarkNeo4j(b *testing.B) {
	n := 1_000_000
	if v, err := strconv.Atoi(os.Getenv("DOWNLINE_BENCH_MEMBERS")); err == nil && v > 0 {
		n = v
	}
	ctx := context.Background()
	db := ledgertest.DB(b)
	started := time.Now()
	if err := member.CopyNetwork(ctx, db, member.GenerateNetwork(n, 1, time.Now().AddDate(-2, 0, 0)), nil); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d members into Postgres in %s", n, time.Since(started).Round(time.Millisecond))
	s := freshStore(b)

	b.Run("sync", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			if err := s.Reset(ctx); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			t0 := time.Now()
			var snapshotDone time.Duration
			err := feed.Sync(ctx, db, s, func(phase string, done, total int) {
				if phase == "loading graph" && snapshotDone == 0 {
					snapshotDone = time.Since(t0)
				}
			})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(n)/time.Since(t0).Seconds(), "members/s")
			b.Logf("sync of %d members: %s (ledger snapshot ~%s, then the load)", n, time.Since(t0).Round(time.Millisecond), snapshotDone.Round(time.Millisecond))
		}
	})

	snap, err := member.TakeSnapshot(ctx, db, nil)
	if err != nil {
		b.Fatal(err)
	}
	mem, err := memory.Build(snap.Members, snap.Moves, snap.LastSeq)
	if err != nil {
		b.Fatal(err)
	}
	stores := []struct {
		name string
		s    graphstore.Store
	}{{"embedded", mem}, {"neo4j", s}}

	for _, tree := range []graphstore.Tree{graphstore.Sponsor, graphstore.Placement} {
		id := teamNear(b, mem, snap.Members, tree, 100_000)
		tc, _ := mem.Team(ctx, tree, id)
		ex, err := mem.Export(ctx, tree, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		deepest := ex.IDs[len(ex.IDs)-1] // breadth first: the last is on the deepest level
		for _, st := range stores {
			b.Run(tree.String()+"/page+team/"+st.name, func(b *testing.B) {
				b.ReportMetric(float64(tc.Total), "team")
				for b.Loop() {
					if _, err := st.s.Downline(ctx, tree, id, graphstore.DownlineQuery{Limit: 100}); err != nil {
						b.Fatal(err)
					}
					if _, err := st.s.Team(ctx, tree, id); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(tree.String()+"/upline/"+st.name, func(b *testing.B) {
				var levels int
				for b.Loop() {
					up, err := st.s.Upline(ctx, tree, deepest, 0)
					if err != nil {
						b.Fatal(err)
					}
					levels = len(up)
				}
				b.ReportMetric(float64(levels), "levels")
			})
		}
	}

	// Group volume: the PV of each member's whole sponsor downline, itself included.
	pv := func(id graphstore.MemberID) int64 { return int64(id*37) % 200 }
	rows := make([]map[string]any, 0, loadBatch)
	for i, m := range snap.Members {
		rows = append(rows, map[string]any{"id": int64(m.ID), "pv": pv(m.ID)})
		if len(rows) == loadBatch || i == len(snap.Members)-1 {
			if err := s.writeBatch(ctx, `UNWIND $rows AS row MATCH (m:Member {id: row.id}) SET m.pv = row.pv`, rows); err != nil {
				b.Fatal(err)
			}
			rows = rows[:0]
		}
	}
	var byCypher map[int64]int64
	b.Run("group-volume/cypher", func(b *testing.B) {
		for b.Loop() {
			byCypher, err = read(ctx, s, func(tx neo4j.ManagedTransaction) (map[int64]int64, error) {
				gv := make(map[int64]int64, n)
				err := each(ctx, tx, `MATCH (d:Member)-[:SPONSOR*0..]->(a:Member) RETURN a.id, sum(d.pv)`, nil,
					func(r *neo4j.Record) error { gv[asInt(r.Values[0])] = asInt(r.Values[1]); return nil })
				return gv, err
			})
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	linear := func(st graphstore.Store) func(b *testing.B) {
		return func(b *testing.B) {
			for b.Loop() {
				ex, err := st.Export(ctx, graphstore.Sponsor, time.Time{})
				if err != nil {
					b.Fatal(err)
				}
				gv := make([]int64, len(ex.IDs))
				for i, id := range ex.IDs {
					gv[i] = pv(id)
				}
				for i := len(gv) - 1; i >= 0; i-- { // children after parents: one pass bottom up
					if p := ex.Parent[i]; p >= 0 {
						gv[p] += gv[i]
					}
				}
				if byCypher != nil {
					for i, id := range ex.IDs {
						if byCypher[int64(id)] != gv[i] {
							b.Fatalf("member %d: group volume %d by Cypher, %d by the linear pass", id, byCypher[int64(id)], gv[i])
						}
					}
				}
			}
		}
	}
	b.Run("group-volume/export+pass/neo4j", linear(s))
	b.Run("group-volume/export+pass/embedded", linear(mem))
}

// teamNear finds, among the first members, one whose team in tree is
// closest to size.
func teamNear(b *testing.B, s *memory.Store, members []graphstore.Member, tree graphstore.Tree, size int64) graphstore.MemberID {
	ctx := context.Background()
	best, bestDiff := members[0].ID, int64(1<<62)
	for _, m := range members[:min(2000, len(members))] {
		tc, err := s.Team(ctx, tree, m.ID)
		if err != nil {
			b.Fatal(err)
		}
		if d := max(tc.Total-size, size-tc.Total); d < bestDiff {
			best, bestDiff = m.ID, d
		}
	}
	return best
}
