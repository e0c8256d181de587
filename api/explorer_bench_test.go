package api_test

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/api"
	"downline/api/explorer"
	"downline/clock"
	"downline/graphstore/memory"
	"downline/ledger"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/ledger/order"
	"downline/ledger/user"
	"downline/network"
	"downline/projection"
	"downline/settle/period"
)

var (
	explorerMembers = flag.Int("explorer.members", 100_000, "members in the explorer benchmarks")
	explorerOrders  = flag.Int("explorer.orders", 0, "orders of the month in the explorer benchmarks (0: 2 per member)")
)

// explorerCompany seeds -explorer.members generated members who joined over
// the two years before October 2026 and a month of orders in October (as
// `seed --members N --orders M --period 2026-10` does), loads the embedded
// graph store and returns a server whose clock reads 25 October 2026.
func explorerCompany(b *testing.B) (*ledger.DB, *api.Server, http.Handler, []member.Generated) {
	b.Helper()
	ctx := context.Background()
	loc, err := ledger.CompanyZone()
	if err != nil {
		b.Fatal(err)
	}
	_, from, to, err := period.ParseCode("2026-10", loc)
	if err != nil {
		b.Fatal(err)
	}
	n := *explorerMembers
	orders := *explorerOrders
	if orders == 0 {
		orders = 2 * n
	}
	db := ledgertest.DB(b)
	t0 := time.Now()
	gen := member.GenerateNetwork(n, 7, from.AddDate(-2, 0, 0))
	if err := member.CopyNetwork(ctx, db, gen, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := order.CopyPeriod(ctx, db, order.BulkPeriod{Orders: orders, Start: from, End: to, Seed: 7}, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE`); err != nil {
		b.Fatal(err)
	}
	store := memory.New()
	if err := projection.Sync(ctx, db, store, nil); err != nil {
		b.Fatal(err)
	}
	b.Logf("seeded %d members and %d orders, graph store loaded, in %s", n, orders, time.Since(t0).Round(time.Second))
	srv := &api.Server{DB: db, Graph: store, Feed: &projection.Feed{DB: db, Store: store}}
	h := srv.Handler()
	now := time.Date(2026, 10, 25, 12, 0, 0, 0, loc)
	at := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r.WithContext(clock.With(r.Context(), clock.Fixed(now))))
	})
	return db, srv, at, gen
}

// BenchmarkExplorerIndexBuild builds the figures of October 2026 for the
// whole company and reports the build time and the heap the index holds.
//
//	go test ./api -run '^$' -bench ExplorerIndexBuild -benchtime 3x -timeout 30m -v -args -explorer.members 1000000
func BenchmarkExplorerIndexBuild(b *testing.B) {
	db, srv, _, _ := explorerCompany(b)
	loc, _ := ledger.CompanyZone()
	_, from, to, _ := period.ParseCode("2026-10", loc)
	src := explorer.Source{DB: db, Graph: srv.Graph}
	// A sub-benchmark, so that the company is seeded once.
	b.Run("build", func(b *testing.B) {
		var keep *explorer.Index
		b.ResetTimer()
		for range b.N {
			keep = nil
			x, err := explorer.Build(context.Background(), src, "2026-10", from, to, time.Time{})
			if err != nil {
				b.Fatal(err)
			}
			keep = x
		}
		b.StopTimer()
		// The heap the index holds: with it, then without it.
		var with, without runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&with)
		n, took := keep.Len(), keep.Took
		keep = nil
		runtime.GC()
		runtime.ReadMemStats(&without)
		held := float64(with.HeapAlloc) - float64(without.HeapAlloc)
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "build-s")
		b.ReportMetric(held/(1<<20), "heap-MiB")
		b.ReportMetric(held/float64(n), "B/member")
		b.Logf("index of %d members: last built in %s, %.1f MiB held (%.0f B/member)", n, took.Round(time.Millisecond), held/(1<<20), held/float64(n))
	})
	// Searching the whole company for a name no one has: the worst case
	// of /members/{code}/search, a scan of the subtree's range.
	b.Run("search-top", func(b *testing.B) {
		x, err := explorer.Build(context.Background(), src, "2026-10", from, to, time.Time{})
		if err != nil {
			b.Fatal(err)
		}
		root, _ := x.Lookup(1)
		b.ResetTimer()
		for range b.N {
			if got := x.Search(network.Sponsor, root, "nobody", 20); len(got) != 0 {
				b.Fatalf("found %d", len(got))
			}
		}
	})
}

// BenchmarkExplorerChildrenHTTP reads children with their figures through
// the HTTP handler from 32 concurrent clients on keep-alive connections,
// signed in as the top member: its own sponsor and placement frontline
// (the widest page) or a random member's, and reports p50/p99. The index is
// built before the clock starts.
//
//	go test ./api -run '^$' -bench ExplorerChildrenHTTP -benchtime 20000x -timeout 30m -v
func BenchmarkExplorerChildrenHTTP(b *testing.B) {
	db, _, h, gen := explorerCompany(b)
	ctx := context.Background()
	var u user.User
	if err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		u, err = user.Create(ctx, tx, user.New{Login: "top", Role: user.Member, Member: gen[0].Code, Password: password})
		return err
	}); err != nil {
		b.Fatal(err)
	}
	token, _, err := user.StartSession(ctx, db.Pool, u, time.Hour, "bench", "")
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	get := func(c *http.Client, path string) (time.Duration, error) {
		t0 := time.Now()
		req, _ := http.NewRequest("GET", srv.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := c.Do(req)
		if err != nil {
			return 0, err
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != 200 {
			return 0, fmt.Errorf("GET %s: %d", path, res.StatusCode)
		}
		return time.Since(t0), nil
	}
	top := gen[0].Code
	if _, err := get(http.DefaultClient, "/api/v1/members/"+top+"/children?period=2026-10"); err != nil {
		b.Fatal(err)
	}
	wide := 0
	for i := range gen {
		if gen[i].Sponsor == 0 {
			wide++
		}
	}
	b.Logf("%s has %d members in its sponsor frontline (pages of 200) and 2 in its placement frontline", top, wide)
	for _, mix := range []struct {
		name string
		path func(rng *rand.Rand) string
	}{
		{"top", func(rng *rand.Rand) string {
			return "/api/v1/members/" + top + "/children?tree=" + []string{"sponsor", "placement"}[rng.IntN(2)]
		}},
		{"random", func(rng *rand.Rand) string {
			return "/api/v1/members/" + gen[rng.IntN(len(gen))].Code + "/children?tree=" + []string{"sponsor", "placement"}[rng.IntN(2)]
		}},
	} {
		b.Run(mix.name, func(b *testing.B) {
			const clients = 32
			var mu sync.Mutex
			var lat []time.Duration
			work := make(chan struct{}, b.N)
			for range b.N {
				work <- struct{}{}
			}
			close(work)
			b.ResetTimer()
			var wg sync.WaitGroup
			for c := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
					rng := rand.New(rand.NewPCG(uint64(c), 11))
					var mine []time.Duration
					for range work {
						d, err := get(client, mix.path(rng))
						if err != nil {
							b.Error(err)
							return
						}
						mine = append(mine, d)
					}
					mu.Lock()
					lat = append(lat, mine...)
					mu.Unlock()
				}()
			}
			wg.Wait()
			b.StopTimer()
			slices.Sort(lat)
			pct := func(p float64) float64 {
				if len(lat) == 0 {
					return 0
				}
				return float64(lat[min(len(lat)-1, int(p*float64(len(lat))))].Microseconds()) / 1000
			}
			b.ReportMetric(pct(0.50), "p50-ms")
			b.ReportMetric(pct(0.99), "p99-ms")
			b.ReportMetric(float64(len(lat))/b.Elapsed().Seconds(), "req/s")
			b.Logf("%s: %d requests from %d clients: p50 %.2f ms, p99 %.2f ms, max %.2f ms", mix.name, len(lat), clients, pct(0.5), pct(0.99), pct(1))
		})
	}
}
