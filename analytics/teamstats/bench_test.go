package teamstats_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"downline/analytics/teamstats"
	"downline/graphstore"
	"downline/network"
)

// bigNetwork is a generated network of n members over 36 months: sponsors
// drawn mostly among recent members (deep legs, as networks grow), joins
// spread over the three years, about half the members active a month, and
// a settled run with ranks every month.
func bigNetwork(n int) teamstats.Network {
	rng := rand.New(rand.NewPCG(42, uint64(n)))
	periods := teamstats.Months(time.Date(2026, 11, 15, 0, 0, 0, 0, shanghai), 36, shanghai)
	net := teamstats.Network{Periods: periods, Ranks: []string{"Member", "Bronze", "Silver", "Gold", "Diamond"}}
	net.Sponsor = graphstore.Export{Tree: network.Sponsor, IDs: make([]network.MemberID, n), Parent: make([]int32, n)}
	net.Codes, net.Joined = make([]string, n), make([]time.Time, n)
	start, span := periods[0].From, periods[35].To.Sub(periods[0].From)
	for i := range n {
		net.Sponsor.IDs[i] = network.MemberID(i + 1)
		net.Codes[i] = fmt.Sprintf("CN%07d", i+1)
		// Joined in id order, so a sponsor always joined first.
		net.Joined[i] = start.Add(time.Duration(int64(span) / int64(n) * int64(i)))
		switch {
		case i == 0:
			net.Sponsor.Parent[i] = -1
		case rng.IntN(10) < 7:
			net.Sponsor.Parent[i] = int32(max(0, i-1-rng.IntN(min(i, 2000))))
		default:
			net.Sponsor.Parent[i] = int32(rng.IntN(i))
		}
	}
	for range periods {
		pv, rk := make([]int64, n), make([]int16, n)
		for i := range n {
			if rng.IntN(2) == 0 {
				pv[i] = 10000 + rng.Int64N(20000)
			}
			rk[i] = int16(min(4, rng.IntN(40)/8))
		}
		net.PV, net.Rank, net.ActivePV = append(net.PV, pv), append(net.Rank, rk), append(net.ActivePV, 10000)
	}
	return net
}

var (
	bigOnce sync.Once
	bigData *teamstats.Data
)

func big(b *testing.B) *teamstats.Data {
	bigOnce.Do(func() {
		var err error
		if bigData, err = teamstats.New(bigNetwork(1_000_000)); err != nil {
			b.Fatal(err)
		}
	})
	return bigData
}

// BenchmarkAll is one period's figures of every member's own team, 1M members.
func BenchmarkAll(b *testing.B) {
	d := big(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := d.All(ctx, 35); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkComputeHQ is HQ's figures over 36 months, 1M members.
func BenchmarkComputeHQ(b *testing.B) {
	d := big(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := teamstats.Compute(ctx, d, "", 36); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkComputeLeader is a leader's figures over 36 months: the member
// with the largest team below the root's frontline.
func BenchmarkComputeLeader(b *testing.B) {
	d := big(b)
	ctx := context.Background()
	c, err := d.All(ctx, 35)
	if err != nil {
		b.Fatal(err)
	}
	leader, size := "", int32(0)
	for k, m := range c.Members {
		if m > size && m < int32(d.Members()/2) {
			leader, size = c.Code[k], m
		}
	}
	b.ReportMetric(float64(size), "team")
	b.ResetTimer()
	for b.Loop() {
		if _, err := teamstats.Compute(ctx, d, leader, 36); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNew lays out 1M members and 36 months of columns.
func BenchmarkNew(b *testing.B) {
	net := bigNetwork(1_000_000)
	b.ResetTimer()
	for b.Loop() {
		if _, err := teamstats.New(net); err != nil {
			b.Fatal(err)
		}
	}
}
