package api_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"downline/ledger/goodstest"
)

// BenchmarkOrderEntryHTTP enters repeat orders over loopback HTTP, each
// under its own Idempotency-Key, from parallel clients (32 per CPU, so that
// concurrent orders share the desk's transactions). bench/api does the same
// against a running server; docs/performance.md has both.
func BenchmarkOrderEntryHTTP(b *testing.B) {
	w := newWorld(b)
	goodstest.Lot(b, w.db, "VC-100", "BENCH-V", 400, 10_000_000)
	goodstest.Lot(b, w.db, "TEA-200", "BENCH-T", 400, 10_000_000)
	srv := httptest.NewServer(w.h)
	defer srv.Close()
	token := w.token("admin")
	members := []string{"AAA", "BBB", "AAA1", "BBB1", "ROOT1"}
	skus := []string{"VC-100", "TEA-200"}
	var seq atomic.Int64
	b.SetParallelism(32)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 32}}
		for pb.Next() {
			n := seq.Add(1)
			body := fmt.Sprintf(`{"kind":"repeat","member":%q,"lines":[{"sku":%q,"qty":1}]}`, members[n%5], skus[n%2])
			req, _ := http.NewRequest("POST", srv.URL+"/api/v1/orders", bytes.NewBufferString(body))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+token)
			req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%d", n))
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 201 {
				b.Errorf("order: %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "orders/s")
}

// BenchmarkDownlineHTTP reads downline pages of both trees over loopback HTTP as a member.
func BenchmarkDownlineHTTP(b *testing.B) {
	w := newWorld(b)
	srv := httptest.NewServer(w.h)
	defer srv.Close()
	token := w.token("AAA")
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
		i := 0
		for pb.Next() {
			i++
			tree := []string{"sponsor", "placement"}[i%2]
			req, _ := http.NewRequest("GET", srv.URL+"/api/v1/members/AAA/downline?tree="+tree, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			res, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
			if res.StatusCode != 200 {
				b.Errorf("downline: %d", res.StatusCode)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "pages/s")
}
