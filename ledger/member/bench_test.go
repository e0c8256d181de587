package member_test

import (
	"testing"
	"time"

	"downline/ledger/ledgertest"
	"downline/ledger/member"
)

// BenchmarkSeed1M is `downline seed --members 1000000`: generate the network
// and COPY it into an empty database. Run with -benchtime=1x.
func BenchmarkSeed1M(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := ledgertest.DB(b)
		b.StartTimer()
		gen := member.GenerateNetwork(1_000_000, 1, time.Now().AddDate(-2, 0, 0))
		if err := member.CopyNetwork(ctx, db, gen, nil); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(1_000_000*float64(b.N)/b.Elapsed().Seconds(), "members/s")
}

// BenchmarkSnapshot1M reads a 1M-member ledger the way a graph store rebuild does.
func BenchmarkSnapshot1M(b *testing.B) {
	db := ledgertest.DB(b)
	gen := member.GenerateNetwork(1_000_000, 1, time.Now().AddDate(-2, 0, 0))
	if err := member.CopyNetwork(ctx, db, gen, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		s, err := member.TakeSnapshot(ctx, db, nil)
		if err != nil || len(s.Members) != 1_000_000 {
			b.Fatal(len(s.Members), err)
		}
	}
}

// BenchmarkSearch1M is the staff console's member search on a 1M-member
// ledger: a phone number as people write it (no match: every row read), a
// code's start, part of a name, and one character (many matches), one page
// of 20.
func BenchmarkSearch1M(b *testing.B) {
	db := ledgertest.DB(b)
	gen := member.GenerateNetwork(1_000_000, 1, time.Now().AddDate(-2, 0, 0))
	if err := member.CopyNetwork(ctx, db, gen, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE members`); err != nil {
		b.Fatal(err)
	}
	for _, q := range []struct{ name, q string }{
		{"phone-none", "139 9999 9999 9"},
		{"phone-national", "138 0013"},
		{"code", gen[500_000].Code},
		{"name", gen[500_000].Name},
		{"one-character", "王"},
	} {
		b.Run(q.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, err := member.Search(ctx, db.Pool, q.q, 0, 20); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
