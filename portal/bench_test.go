package portal_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/api"
	"downline/graphstore/memory"
	"downline/ledger/content"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
)

// BenchmarkHomePage asks for the home page (the latest news and the
// catalogue, from Postgres) through the whole router from 64 clients at
// once, half in each language, over 200 published items, and reports the
// latency's p50 and p99.
func BenchmarkHomePage(b *testing.B) {
	db := ledgertest.DB(b)
	goodstest.World(b, db)
	ctx := context.Background()
	goodstest.Tx(b, db, func(_ context.Context, tx pgx.Tx) error {
		for i := range 200 {
			it, err := content.Create(ctx, tx, content.NewItem{Kind: content.News, Text: content.Text{
				TitleZH: fmt.Sprintf("新闻 %d", i), TitleEN: fmt.Sprintf("News %d", i),
				SummaryZH: "摘要", SummaryEN: "Summary", BodyZH: "正文", BodyEN: "Body"}}, "user:w")
			if err == nil {
				_, err = content.Publish(ctx, tx, it.ID, "user:ed")
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	ts := httptest.NewServer((&api.Server{DB: db, Graph: memory.New()}).Handler())
	b.Cleanup(ts.Close)
	const clients = 64
	var mu sync.Mutex
	var lat []time.Duration
	work := make(chan int, b.N)
	for i := range b.N {
		work <- i
	}
	close(work)
	b.ResetTimer()
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}
			var mine []time.Duration
			for i := range work {
				start := time.Now()
				res, err := client.Get(ts.URL + "/?lang=" + []string{"zh-CN", "en"}[i%2])
				if err != nil {
					b.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != 200 {
					b.Errorf("GET /: %d", res.StatusCode)
					return
				}
				mine = append(mine, time.Since(start))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		})
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
	b.Logf("%d requests from %d clients: p50 %.2f ms, p99 %.2f ms, max %.2f ms", len(lat), clients, pct(0.5), pct(0.99), pct(1))
}
