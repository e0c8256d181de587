package neo4j

import (
	"context"
	"testing"
	"time"

	"downline/graphstore/memory"
	"downline/network"
)

// BenchmarkGrowthByLevel is a team's growth by level in a month (members
// and joins on each of 10 levels) for the member whose team is nearest a
// tenth of the network: Cypher on Neo4j beside one pass over the embedded
// store's export. DOWNLINE_BENCH_MEMBERS members (default 1,000,000).
//
//	DOWNLINE_BENCH_MEMBERS=100000 go test ./graphstore/neo4j/ -run '^$' -bench GrowthByLevel -benchtime=5x -timeout 30m
func BenchmarkGrowthByLevel(b *testing.B) {
	n := benchMembers()
	ctx := context.Background()
	members := generatedMembers(n)
	s := freshStore(b)
	if err := s.Load(ctx, members, nil, 0, nil); err != nil {
		b.Fatal(err)
	}
	mem, err := memory.Build(members, nil, 0)
	if err != nil {
		b.Fatal(err)
	}
	head := teamNear(b, mem, members, network.Sponsor, int64(n/10))
	hm, err := mem.Member(ctx, head)
	if err != nil {
		b.Fatal(err)
	}
	to := members[n-1].Joined.Add(time.Second)
	from := to.AddDate(0, -1, 0)
	var want []LevelCount
	b.Run("embedded", func(b *testing.B) {
		for b.Loop() {
			ex, err := mem.Export(ctx, network.Sponsor, time.Time{})
			if err != nil {
				b.Fatal(err)
			}
			// Parents come first: a member's level is its parent's plus one.
			level := make([]int16, len(ex.IDs))
			counts := make([]LevelCount, 11)
			for i, id := range ex.IDs {
				switch p := ex.Parent[i]; {
				case id == head:
					level[i] = 0
				case p >= 0 && level[p] >= 0 && level[p] < 10:
					level[i] = level[p] + 1
				default:
					level[i] = -1
				}
				if l := level[i]; l > 0 {
					// ids are 1..n in the generated order
					j := members[id-1].Joined
					if j.Before(to) {
						counts[l].Level = int(l)
						counts[l].Members++
						if !j.Before(from) {
							counts[l].Joins++
						}
					}
				}
			}
			want = want[:0]
			for _, c := range counts[1:] {
				if c.Members > 0 {
					want = append(want, c)
				}
			}
		}
	})
	b.Run("neo4j", func(b *testing.B) {
		for b.Loop() {
			got, err := s.GrowthByLevel(ctx, network.Sponsor, hm.Code, from, to, 10)
			if err != nil {
				b.Fatal(err)
			}
			if len(got) != len(want) || (len(got) > 0 && got[0] != want[0]) {
				b.Fatalf("Neo4j counts %+v, the export %+v", got, want)
			}
		}
	})
	b.Logf("team of %s: levels %+v", hm.Code, want)
}
