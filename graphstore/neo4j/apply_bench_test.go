package neo4j

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"downline/graphstore"
	"downline/graphstore/memory"
)

// BenchmarkApply is what the feed's writes cost on a loaded network of
// DOWNLINE_BENCH_MEMBERS members (default 1,000,000; the generated network
// of BenchmarkLoad, loaded by Load), after the top member's downline page and
// team totals for comparison: registrations at the bottom of the
// deepest chains one event per Apply, a feed-sized batch of registrations
// under random members, status changes and moves of random members. The
// embedded store, fed alongside, picks valid parents and slots.
//
//	DOWNLINE_BENCH_MEMBERS=100000 go test ./graphstore/neo4j/ -run '^$' -bench BenchmarkApply -benchtime=1x -timeout 30m
func BenchmarkApply(b *testing.B) {
	n := benchMembers()
	ctx := context.Background()
	members := generatedMembers(n)
	s := freshStore(b)
	if err := s.Load(ctx, members, nil, 1, nil); err != nil {
		b.Fatal(err)
	}
	mem, err := memory.Build(members, nil, 1)
	if err != nil {
		b.Fatal(err)
	}
	seq, next := int64(1), graphstore.MemberID(n+1)
	now := time.Now().UTC().Truncate(time.Second)
	rng := rand.New(rand.NewPCG(1, 2))
	deepest := func(tree graphstore.Tree) graphstore.MemberID {
		ex, err := mem.Export(ctx, tree, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		return ex.IDs[len(ex.IDs)-1]
	}
	// event numbers an event and applies it to the embedded store.
	event := func(e graphstore.Event) graphstore.Event {
		seq++
		now = now.Add(time.Second)
		e.Seq, e.At = seq, now
		if e.Kind == graphstore.EventRegistered {
			e.Member.Joined = now
		}
		if err := mem.Apply(ctx, []graphstore.Event{e}); err != nil {
			b.Fatal(err)
		}
		return e
	}
	join := func(sponsor, under graphstore.MemberID) graphstore.Event {
		m := graphstore.Member{ID: next, Code: "B" + strconv.FormatInt(int64(next), 10), Name: "bench", Status: graphstore.Active, Sponsor: sponsor}
		next++
		slots, err := mem.FreeSlots(ctx, under, 1)
		if err != nil || len(slots) == 0 {
			b.Fatalf("no free slot under %d: %v", under, err)
		}
		m.Parent, m.Side = slots[0].Parent, slots[0].Side
		return event(graphstore.Event{Kind: graphstore.EventRegistered, Member: m})
	}
	// timed applies each batch, reporting the time and server CPU per event.
	timed := func(b *testing.B, batches func() [][]graphstore.Event) {
		var cpu serverCPU
		events := 0
		var spent time.Duration
		for b.Loop() {
			b.StopTimer()
			all := batches()
			b.StartTimer()
			cpu.start(b)
			t0 := time.Now()
			for _, batch := range all {
				if err := s.Apply(ctx, batch); err != nil {
					b.Fatal(err)
				}
				events += len(batch)
			}
			spent += time.Since(t0)
			cpu.stop(b)
		}
		b.ReportMetric(float64(spent.Microseconds())/1000/float64(events), "ms/event")
		if cpu.used > 0 {
			b.ReportMetric(cpu.used*1000/float64(events), "server-cpu-ms/event")
		}
	}
	// The reads first, on the loaded network: the downline page and team
	// totals of the top member (the whole network) in each tree, 20 times
	// after one warm-up run.
	for _, tree := range []graphstore.Tree{graphstore.Sponsor, graphstore.Placement} {
		b.Run(tree.String()+"/page+team", func(b *testing.B) {
			pageAndTeam := func() {
				if _, err := s.Downline(ctx, tree, 1, graphstore.DownlineQuery{Limit: 100}); err != nil {
					b.Fatal(err)
				}
				if _, err := s.Team(ctx, tree, 1); err != nil {
					b.Fatal(err)
				}
			}
			pageAndTeam()
			var cpu serverCPU
			const runs = 20
			var spent time.Duration
			for b.Loop() {
				cpu.start(b)
				t0 := time.Now()
				for range runs {
					pageAndTeam()
				}
				spent += time.Since(t0)
				cpu.stop(b)
			}
			b.ReportMetric(float64(spent.Microseconds())/1000/float64(runs*b.N), "ms/run")
			if cpu.used > 0 {
				b.ReportMetric(cpu.used*1000/float64(runs*b.N), "server-cpu-ms/run")
			}
		})
	}
	b.Run("join-deep", func(b *testing.B) {
		sp, pl := deepest(graphstore.Sponsor), deepest(graphstore.Placement)
		up, _ := mem.Upline(ctx, graphstore.Sponsor, sp, 0)
		b.ReportMetric(float64(len(up)), "sponsor-depth")
		timed(b, func() [][]graphstore.Event {
			var out [][]graphstore.Event
			for range 20 {
				e := join(sp, pl)
				sp, pl = e.Member.ID, e.Member.ID
				out = append(out, []graphstore.Event{e})
			}
			return out
		})
	})
	pick := func() graphstore.MemberID { return graphstore.MemberID(1 + rng.IntN(int(next)-1)) }
	b.Run("join-batch", func(b *testing.B) {
		timed(b, func() [][]graphstore.Event {
			batch := make([]graphstore.Event, 0, 1000)
			for range 1000 {
				batch = append(batch, join(pick(), pick()))
			}
			return [][]graphstore.Event{batch}
		})
	})
	b.Run("status-batch", func(b *testing.B) {
		statuses := []graphstore.Status{graphstore.Active, graphstore.Suspended}
		timed(b, func() [][]graphstore.Event {
			batch := make([]graphstore.Event, 0, 1000)
			for range 1000 {
				batch = append(batch, event(graphstore.Event{Kind: graphstore.EventStatus, Member: graphstore.Member{ID: pick(), Status: statuses[rng.IntN(2)]}}))
			}
			return [][]graphstore.Event{batch}
		})
	})
	b.Run("move", func(b *testing.B) {
		timed(b, func() [][]graphstore.Event {
			var out [][]graphstore.Event
			for len(out) < 20 {
				id, to := pick(), pick()
				if in, _ := mem.IsInDownline(ctx, graphstore.Sponsor, id, to); in || id == to {
					continue
				}
				out = append(out, []graphstore.Event{event(graphstore.Event{Kind: graphstore.EventMoved, Tree: graphstore.Sponsor, Member: graphstore.Member{ID: id, Sponsor: to}})})
			}
			return out
		})
	})
}
