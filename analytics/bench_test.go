package analytics_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"downline/analytics"
	"downline/graphstore"
	"downline/graphstore/memory"
)

// benchMoves is the size of the traced lot: TRACE_MOVES, else 5,000,000.
func benchMoves(b *testing.B) int {
	if s := os.Getenv("TRACE_MOVES"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 100 {
			b.Fatalf("TRACE_MOVES=%q: want a number of at least 100", s)
		}
		return n
	}
	return 5_000_000
}

// BigLot feeds cs, in batches, one lot with n movements shaped like a
// best-seller's: a receipt into HQ every 100 movements, nine shipments to
// one of 500 agencies, then sales of one to three units to members (one in
// twenty a shop customer) out of a million, one in twenty sales returned.
// Another lot with a few movements shares the holders.
func BigLot(ctx context.Context, cs graphstore.Circulation, n int) error {
	if err := cs.AddLots(ctx, []graphstore.Lot{{ID: "1", SKU: "TEA-250", Batch: "2025-01"}, {ID: "2", SKU: "TEA-250", Batch: "2025-02"}}); err != nil {
		return err
	}
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
	batch := make([]graphstore.Movement, 0, 50_000)
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
		if len(batch) >= 50_000 || i == n-1 {
			if err := cs.RecordMoves(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	return nil
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
		memErr = BigLot(ctx, memLot, n)
	})
	if memErr != nil {
		b.Fatal(memErr)
	}
	b.Run("trace", func(b *testing.B) { benchTrace(b, memLot, n) })
	b.Run("store", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := memLot.LotHolders(ctx, "1"); err != nil {
				b.Fatal(err)
			}
		}
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
	b.ReportMetric(float64(len(tr.Holders)), "holders")
	b.ReportMetric(float64(len(tr.Recall)), "recipients")
}
