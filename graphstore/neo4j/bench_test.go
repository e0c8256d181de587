package neo4j

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
	"downline/graphstore/memory"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/network"
	"downline/projection"
)

// BenchmarkNeo4j is the Neo4j section of docs/performance.md: a generated
// network of DOWNLINE_BENCH_MEMBERS members (default 1,000,000) in Postgres,
// bulk-synced into Neo4j, then the same queries on the embedded store and on
// Neo4j side by side, and group volume by Cypher against a linear pass.
//
//	go test ./graphstore/neo4j/ -run '^$' -bench BenchmarkNeo4j -benchtime=1x -timeout 60m
func BenchmarkNeo4j(b *testing.B) {
	n := benchMembers()
	ctx := context.Background()
	db := ledgertest.DB(b)
	started := time.Now()
	if err := member.CopyNetwork(ctx, db, member.GenerateNetwork(n, 1, time.Now().AddDate(-2, 0, 0)), nil); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d members into Postgres in %s", n, time.Since(started).Round(time.Millisecond))
	s := freshStore(b)

	b.Run("sync", func(b *testing.B) {
		var cpu serverCPU
		for b.Loop() {
			t0 := emptyThenStart(b, s, &cpu)
			var snapshotDone time.Duration
			err := projection.Sync(ctx, db, s, func(phase string, done, total int) {
				if phase == "loading graph" && snapshotDone == 0 {
					snapshotDone = time.Since(t0)
				}
			})
			if err != nil {
				b.Fatal(err)
			}
			cpu.stop(b)
			b.ReportMetric(float64(n)/time.Since(t0).Seconds(), "members/s")
			b.Logf("sync of %d members: %s (ledger snapshot ~%s, then the load)", n, time.Since(t0).Round(time.Millisecond), snapshotDone.Round(time.Millisecond))
		}
		cpu.report(b)
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

	for _, tree := range []network.Tree{network.Sponsor, network.Placement} {
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
				pageAndTeam := func() {
					if _, err := st.s.Downline(ctx, tree, id, graphstore.DownlineQuery{Limit: 100}); err != nil {
						b.Fatal(err)
					}
					if _, err := st.s.Team(ctx, tree, id); err != nil {
						b.Fatal(err)
					}
				}
				pageAndTeam() // warm: plans cached, pages read, as a server in use has them
				var cpu serverCPU
				cpu.start(b)
				for b.Loop() {
					pageAndTeam()
				}
				cpu.stop(b)
				cpu.report(b)
			})
			b.Run(tree.String()+"/upline/"+st.name, func(b *testing.B) {
				var levels int
				upline := func() {
					up, err := st.s.Upline(ctx, tree, deepest, 0)
					if err != nil {
						b.Fatal(err)
					}
					levels = len(up)
				}
				upline() // warm
				var cpu serverCPU
				cpu.start(b)
				for b.Loop() {
					upline()
				}
				cpu.stop(b)
				cpu.report(b)
				b.ReportMetric(float64(levels), "levels")
			})
		}
	}

	// Group volume: the PV of each member's whole sponsor downline, itself included.
	pv := func(id network.MemberID) int64 { return int64(id*37) % 200 }
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
		var cpu serverCPU
		cpu.start(b)
		defer cpu.report(b)
		defer cpu.stop(b)
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
			var cpu serverCPU
			cpu.start(b)
			defer cpu.report(b)
			defer cpu.stop(b)
			for b.Loop() {
				ex, err := st.Export(ctx, network.Sponsor, time.Time{})
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
func teamNear(b *testing.B, s *memory.Store, members []network.Member, tree network.Tree, size int64) network.MemberID {
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

// BenchmarkLoad is Load alone, without Postgres: the same generated network
// (DOWNLINE_BENCH_MEMBERS members, default 1,000,000) handed to Load as a
// snapshot would be, into an emptied store.
//
//	go test ./graphstore/neo4j/ -run '^$' -bench BenchmarkLoad -benchtime=1x -timeout 30m
func BenchmarkLoad(b *testing.B) {
	n := benchMembers()
	members := generatedMembers(n)
	s := freshStore(b)
	ctx := context.Background()
	var cpu serverCPU
	for b.Loop() {
		t0 := emptyThenStart(b, s, &cpu)
		if err := s.Load(ctx, members, nil, 0, nil); err != nil {
			b.Fatal(err)
		}
		cpu.stop(b)
		b.ReportMetric(float64(n)/time.Since(t0).Seconds(), "members/s")
	}
	cpu.report(b)
}

// generatedMembers is member.GenerateNetwork's network of n as a snapshot
// would hand it to Load, with ids 1..n.
func generatedMembers(n int) []network.Member {
	gen := member.GenerateNetwork(n, 1, time.Now().AddDate(-2, 0, 0))
	members := make([]network.Member, n)
	ref := func(i int32) network.MemberID { return network.MemberID(i + 1) } // the root's -1 becomes 0
	for i, g := range gen {
		members[i] = network.Member{ID: network.MemberID(i + 1), Code: g.Code, Name: g.Name, Status: g.Status,
			Joined: g.Joined, Sponsor: ref(g.Sponsor), Parent: ref(g.Parent), Side: g.Side}
	}
	return members
}

// emptyThenStart resets s outside the timed part of b, then starts the clock
// and cpu and returns the time.
func emptyThenStart(b *testing.B, s *Store, cpu *serverCPU) time.Time {
	b.StopTimer()
	if err := s.Reset(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.StartTimer()
	cpu.start(b)
	return time.Now()
}

func benchMembers() int {
	if v, err := strconv.Atoi(os.Getenv("DOWNLINE_BENCH_MEMBERS")); err == nil && v > 0 {
		return v
	}
	return 1_000_000
}

// serverCPU adds up the CPU time (user + system) the Neo4j server spends
// between start and stop, read from /proc when DOWNLINE_NEO4J_PID names its
// process (dev/neo4j keeps it in .data/neo4j/server.pid): on a shared
// machine the server's CPU is a steadier measure than the wall clock.
type serverCPU struct {
	from, used float64 // seconds
}

func (c *serverCPU) start(b *testing.B) { c.from = procCPU(b) }

func (c *serverCPU) stop(b *testing.B) { c.used += procCPU(b) - c.from }

// report adds the server CPU per operation to b's metrics.
func (c *serverCPU) report(b *testing.B) {
	if os.Getenv("DOWNLINE_NEO4J_PID") != "" {
		b.ReportMetric(c.used/float64(max(b.N, 1)), "server-cpu-s/op")
	}
}

// procCPU is the CPU time of process DOWNLINE_NEO4J_PID so far, 0 when unset.
func procCPU(b *testing.B) float64 {
	b.Helper()
	pid := os.Getenv("DOWNLINE_NEO4J_PID")
	if pid == "" {
		return 0
	}
	raw, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		b.Fatalf("DOWNLINE_NEO4J_PID: %v", err)
	}
	// After the command name (in parentheses) come the state and ten more
	// fields, then utime and stime in clock ticks (USER_HZ, 100 on Linux).
	line := string(raw)
	f := strings.Fields(line[strings.LastIndexByte(line, ')')+1:])
	var ticks int64
	for _, v := range f[11:13] {
		t, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			b.Fatalf("/proc/%s/stat: %v", pid, err)
		}
		ticks += t
	}
	return float64(ticks) / 100
}
