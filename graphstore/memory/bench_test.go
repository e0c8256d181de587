package memory_test

import (
	"context"
	"math/rand/v2"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"downline/graphstore"
	"downline/graphstore/memory"
	"downline/network"
)

// randomMembers returns n members of a random network in (Joined, ID) order:
// each sponsored by a random earlier member and placed in a random free slot,
// which gives the shallow, uneven trees real networks have.
func randomMembers(n int, seed uint64) []network.Member {
	rng := rand.New(rand.NewPCG(seed, 1))
	t0 := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	members := make([]network.Member, n)
	free := make([]network.Slot, 0, n+1)
	for i := range members {
		id := network.MemberID(i + 1)
		m := network.Member{ID: id, Code: "CN" + strconv.Itoa(i+1), Name: "Member " + strconv.Itoa(i+1),
			Status: network.Active, Joined: t0.Add(time.Duration(i) * time.Minute)}
		if i%10 == 3 {
			m.Status = network.Suspended
		}
		if i > 0 {
			m.Sponsor = network.MemberID(1 + rng.IntN(i))
			k := rng.IntN(len(free))
			slot := free[k]
			free[k] = free[len(free)-1]
			free = free[:len(free)-1]
			m.Parent, m.Side = slot.Parent, slot.Side
		}
		free = append(free, network.Slot{Parent: id, Side: network.Left}, network.Slot{Parent: id, Side: network.Right})
		members[i] = m
	}
	return members
}

var (
	bigOnce    sync.Once
	bigMembers []network.Member
	bigStore   *memory.Store
)

func big(b *testing.B) ([]network.Member, *memory.Store) {
	bigOnce.Do(func() {
		bigMembers = randomMembers(1_000_000, 42)
		var err error
		if bigStore, err = memory.Build(bigMembers, nil, 0); err != nil {
			b.Fatal(err)
		}
	})
	return bigMembers, bigStore
}

// cpuTime is the process's user+system CPU time. The benchmarks report it per
// op too, since wall time on a shared machine measures the neighbours.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, start time.Duration) {
	b.ReportMetric(float64((cpuTime()-start).Milliseconds())/float64(b.N), "cpu-ms/op")
}

func BenchmarkBuild1M(b *testing.B) {
	members, _ := big(b)
	b.ReportAllocs()
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		if _, err := memory.Build(members, nil, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// Members in random order: Build sorts them first.
func BenchmarkBuild1MShuffled(b *testing.B) {
	members, _ := big(b)
	shuffled := append([]network.Member(nil), members...)
	rand.New(rand.NewPCG(7, 7)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	b.ReportAllocs()
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		if _, err := memory.Build(shuffled, nil, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// subtreeNear finds a member whose team in tree is closest to size.
func subtreeNear(b *testing.B, s *memory.Store, tree network.Tree, size int64) network.MemberID {
	ctx := context.Background()
	best, bestDiff := network.MemberID(1), int64(1<<62)
	for id := network.MemberID(1); id <= 2000; id++ {
		tc, err := s.Team(ctx, tree, id)
		if err != nil {
			b.Fatal(err)
		}
		if d := max(tc.Total-size, size-tc.Total); d < bestDiff {
			best, bestDiff = id, d
		}
	}
	return best
}

// One page of 100 plus the team totals, under a member with ~100k below, in a
// 1M-member store: what a team leader's dashboard asks.
func BenchmarkDownlinePageAndTeam100k(b *testing.B) {
	_, s := big(b)
	ctx := context.Background()
	for _, tree := range []network.Tree{network.Sponsor, network.Placement} {
		id := subtreeNear(b, s, tree, 100_000)
		tc, _ := s.Team(ctx, tree, id)
		// A cursor deep into the downline: the page a user reaches after paging on.
		mid, err := s.Downline(ctx, tree, id, graphstore.DownlineQuery{MinDepth: tc.Depth / 2, Limit: 1})
		if err != nil {
			b.Fatal(err)
		}
		b.Run(tree.String()+"/first", func(b *testing.B) {
			b.ReportMetric(float64(tc.Total), "team")
			for b.Loop() {
				if _, err := s.Downline(ctx, tree, id, graphstore.DownlineQuery{Limit: 100}); err != nil {
					b.Fatal(err)
				}
				if _, err := s.Team(ctx, tree, id); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(tree.String()+"/deep-cursor-active", func(b *testing.B) {
			q := graphstore.DownlineQuery{Limit: 100, MinDepth: tc.Depth / 2, Cursor: mid.Next,
				Status: []network.Status{network.Active}}
			for b.Loop() {
				if _, err := s.Downline(ctx, tree, id, q); err != nil {
					b.Fatal(err)
				}
				if _, err := s.Team(ctx, tree, id); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A registration followed by a read: the read rebuilds both indexes, the
// price of keeping writes O(1).
func BenchmarkApplyThenTeam1M(b *testing.B) {
	members, _ := big(b)
	s, err := memory.Build(members, nil, 0)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	id := network.MemberID(len(members))
	seq := int64(0)
	defer reportCPU(b, cpuTime())
	for b.Loop() {
		id++
		seq++
		slot, _ := s.Place(ctx, 1, network.Leftmost)
		e := network.Event{Seq: seq, Kind: network.EventRegistered, Member: network.Member{ID: id,
			Code: "N" + strconv.Itoa(int(id)), Status: network.Active, Joined: time.Now(), Sponsor: 1,
			Parent: slot.Parent, Side: slot.Side}}
		if err := s.Apply(ctx, []network.Event{e}); err != nil {
			b.Fatal(err)
		}
		if _, err := s.Team(ctx, network.Sponsor, 1); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkExport1M(b *testing.B) {
	_, s := big(b)
	ctx := context.Background()
	for _, tree := range []network.Tree{network.Sponsor, network.Placement} {
		b.Run(tree.String(), func(b *testing.B) {
			defer reportCPU(b, cpuTime())
			for b.Loop() {
				if _, err := s.Export(ctx, tree, time.Time{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
