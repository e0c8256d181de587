// Command api is a load generator for Downline's HTTP API: concurrent
// clients on keep-alive connections sign in, then enter orders (POST
// /api/v1/orders, each under its own Idempotency-Key), counter sales (POST
// /api/v1/counter-sales: placed, paid and confirmed; sign in as finance) or
// read downline pages or the explorer's children of random members, for a fixed time, and it reports throughput and
// latency percentiles.
//
//	go run ./bench/api -url http://127.0.0.1:8080 -login admin -password PW -mode orders -c 16 -d 20s
//	go run ./bench/api -url http://127.0.0.1:8080 -login finance -password PW -mode counter -c 64 -d 20s
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:8080", "server")
	login := flag.String("login", "admin", "user to sign in as")
	password := flag.String("password", os.Getenv("DOWNLINE_PASSWORD"), "its password")
	mode := flag.String("mode", "orders", "orders, counter, downline, children (the explorer's children with figures of random members, either tree) or frontline (the explorer's pages of -root's children)")
	conc := flag.Int("c", 16, "concurrent clients")
	dur := flag.Duration("d", 20*time.Second, "how long")
	members := flag.Int("members", 2000, "orders (and children reads) go to members CN0000001..CN<members>")
	root := flag.String("root", "CN0000001", "downline, frontline: the member whose pages are read")
	skus := flag.String("skus", "VC-100,TEA-200,PRO-300,OIL-400", "SKUs ordered, comma-separated")
	flag.Parse()

	tr := &http.Transport{MaxIdleConnsPerHost: *conc * 2, MaxConnsPerHost: *conc * 2}
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	token := signIn(client, *base, *login, *password)
	skuList := bytes.Split([]byte(*skus), []byte(","))

	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      atomic.Int64
		statuses  sync.Map
		seq       atomic.Int64
	)
	run := fmt.Sprintf("%d", time.Now().UnixNano())
	deadline := time.Now().Add(*dur)
	var wg sync.WaitGroup
	for w := 0; w < *conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			var mine []time.Duration
			cursors := map[string]string{}
			tree := ""
			for time.Now().Before(deadline) {
				var req *http.Request
				switch *mode {
				case "orders", "counter":
					n := seq.Add(1)
					var body []byte
					o := map[string]any{"kind": "repeat", "member": fmt.Sprintf("CN%07d", 1+rng.IntN(*members)),
						"lines": []any{map[string]any{"sku": string(skuList[rng.IntN(len(skuList))]), "qty": 1}}}
					path := "/api/v1/orders"
					if *mode == "counter" {
						path = "/api/v1/counter-sales"
						body, _ = json.Marshal(map[string]any{"order": o, "method": "bank_transfer", "reference": fmt.Sprint("B", n)})
					} else {
						body, _ = json.Marshal(o)
					}
					req, _ = http.NewRequest("POST", *base+path, bytes.NewReader(body))
					req.Header.Set("Content-Type", "application/json")
					req.Header.Set("Idempotency-Key", fmt.Sprintf("bench-%s-%d", run, n))
				case "children":
					u := fmt.Sprintf("%s/api/v1/members/CN%07d/children?tree=%s", *base, 1+rng.IntN(*members), []string{"sponsor", "placement"}[rng.IntN(2)])
					req, _ = http.NewRequest("GET", u, nil)
				default:
					tree = []string{"sponsor", "placement"}[rng.IntN(2)]
					u := fmt.Sprintf("%s/api/v1/members/%s/downline?tree=%s&limit=100", *base, *root, tree)
					if *mode == "frontline" {
						u = fmt.Sprintf("%s/api/v1/members/%s/children?tree=%s", *base, *root, tree)
					}
					if cur := cursors[tree]; cur != "" {
						u += "&cursor=" + cur
					}
					req, _ = http.NewRequest("GET", u, nil)
				}
				req.Header.Set("Authorization", "Bearer "+token)
				t0 := time.Now()
				res, err := client.Do(req)
				if err != nil {
					errs.Add(1)
					continue
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				mine = append(mine, time.Since(t0))
				v, _ := statuses.LoadOrStore(res.StatusCode, new(atomic.Int64))
				v.(*atomic.Int64).Add(1)
				if (*mode == "downline" || *mode == "frontline") && res.StatusCode == 200 {
					cursors[tree] = next(b)
				}
			}
			mu.Lock()
			latencies = append(latencies, mine...)
			mu.Unlock()
		}(w)
	}
	wg.Wait()
	slices.Sort(latencies)
	pct := func(p float64) time.Duration {
		if len(latencies) == 0 {
			return 0
		}
		return latencies[min(len(latencies)-1, int(float64(len(latencies))*p))]
	}
	fmt.Printf("mode=%s clients=%d duration=%s requests=%d errors=%d\n", *mode, *conc, *dur, len(latencies), errs.Load())
	statuses.Range(func(k, v any) bool { fmt.Printf("  status %v: %d\n", k, v.(*atomic.Int64).Load()); return true })
	fmt.Printf("  throughput %.0f req/s\n", float64(len(latencies))/dur.Seconds())
	fmt.Printf("  latency p50 %s p90 %s p99 %s max %s\n", pct(.5).Round(10*time.Microsecond), pct(.9).Round(10*time.Microsecond),
		pct(.99).Round(10*time.Microsecond), pct(1).Round(10*time.Microsecond))
}

// next is the "next" cursor of a page. It follows the items, so it is
// found from the end: decoding a whole page of 200 explorer nodes (~80 KB)
// cost the load generator more CPU than the server spent writing it.
func next(page []byte) string {
	i := bytes.LastIndex(page, []byte(`"next":`))
	if i < 0 {
		return ""
	}
	var cur string
	_ = json.NewDecoder(bytes.NewReader(page[i+len(`"next":`):])).Decode(&cur)
	return cur
}

func signIn(c *http.Client, base, login, password string) string {
	body, _ := json.Marshal(map[string]string{"login": login, "password": password})
	res, err := c.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	if err != nil {
		log.Fatal(err)
	}
	defer res.Body.Close()
	var out struct{ Token string }
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || json.Unmarshal(b, &out) != nil {
		log.Fatalf("sign in as %s: %d %s", login, res.StatusCode, b)
	}
	return out.Token
}
