package neo4j

import (
	"context"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"downline/graphstore"
	"downline/graphstore/memory"
	"downline/network"
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
	seq, next := int64(1), network.MemberID(n+1)
	now := time.Now().UTC().Truncate(time.Second)
	rng := rand.New(rand.NewPCG(1, 2))
	deepest := func(tree network.Tree) network.MemberID {
		ex, err := mem.Export(ctx, tree, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		return ex.IDs[len(ex.IDs)-1]
	}
	// event numbers an event and applies it to the embedded store.
	event := func(e network.Event) network.Event {
		seq++
		now = now.Add(time.Second)
		e.Seq, e.At = seq, now
		if e.Kind == network.EventRegistered {
			e.Member.Joined = now
		}
		if err := mem.Apply(ctx, []network.Event{e}); err != nil {
			b.Fatal(err)
		}
		return e
	}
	join := func(sponsor, under network.MemberID) network.Event {
		m := network.Member{ID: next, Code: "B" + strconv.FormatInt(int64(next), 10), Name: "bench", Status: network.Active, Sponsor: sponsor}
		next++
		slots, err := mem.FreeSlots(ctx, under, 1)
		if err != nil || len(slots) == 0 {
			b.Fatalf("no free slot under %d: %v", under, err)
		}
		m.Parent, m.Side = slots[0].Parent, slots[0].Side
		return event(network.Event{Kind: network.EventRegistered, Member: m})
	}
	// timed applies each batch, reporting the time and server CPU per event.
	timed := func(b *testing.B, batches func() [][]network.Event) {
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
	for _, tree := range []network.Tree{network.Sponsor, network.Placement} {
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
		sp, pl := deepest(network.Sponsor), deepest(network.Placement)
		up, _ := mem.Upline(ctx, network.Sponsor, sp, 0)
		b.ReportMetric(float64(len(up)), "sponsor-depth")
		timed(b, func() [][]network.Event {
			var out [][]network.Event
			for range 20 {
				e := join(sp, pl)
				sp, pl = e.Member.ID, e.Member.ID
				out = append(out, []network.Event{e})
			}
			return out
		})
	})
	pick := func() network.MemberID { return network.MemberID(1 + rng.IntN(int(next)-1)) }
	b.Run("join-batch", func(b *testing.B) {
		timed(b, func() [][]network.Event {
			batch := make([]network.Event, 0, 1000)
			for range 1000 {
				batch = append(batch, join(pick(), pick()))
			}
			return [][]network.Event{batch}
		})
	})
	b.Run("status-batch", func(b *testing.B) {
		statuses := []network.Status{network.Active, network.Suspended}
		timed(b, func() [][]network.Event {
			batch := make([]network.Event, 0, 1000)
			for range 1000 {
				batch = append(batch, event(network.Event{Kind: network.EventStatus, Member: network.Member{ID: pick(), Status: statuses[rng.IntN(2)]}}))
			}
			return [][]network.Event{batch}
		})
	})
	b.Run("move", func(b *testing.B) {
		timed(b, func() [][]network.Event {
			var out [][]network.Event
			for len(out) < 20 {
				id, to := pick(), pick()
				if in, _ := mem.IsInDownline(ctx, network.Sponsor, id, to); in || id == to {
					continue
				}
				out = append(out, []network.Event{event(network.Event{Kind: network.EventMoved, Tree: network.Sponsor, Member: network.Member{ID: id, Sponsor: to}})})
			}
			return out
		})
	})
}
