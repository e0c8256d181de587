package api_test

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"downline/ledger/check"
)

// Counter sales over HTTP: finance enters orders paid in full, concurrent
// ones share transactions and each gets its own answer; a retry returns the
// first answer; members may not take money at the desk; an agency takes cash
// only for itself.
func TestCounterSalesOverHTTP(t *testing.T) {
	w := newWorld(t)
	fin, a, ag1 := w.token("finance"), w.token("AAA"), w.token("agency1")
	sale := func(qty int) map[string]any {
		return map[string]any{"method": "bank_transfer", "reference": "TX-1",
			"order": map[string]any{"kind": "repeat", "member": "AAA", "lines": []any{map[string]any{"sku": "VC-100", "qty": qty}}}}
	}
	var wg sync.WaitGroup
	nos := make([]string, 20)
	for i := range nos {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := w.call("POST", "/api/v1/counter-sales", fin, sale(1), "Idempotency-Key", fmt.Sprint("cs-", i))
			if r.status != 201 {
				t.Errorf("counter sale %d: %d %s", i, r.status, r.body)
				return
			}
			m := r.json(t)
			o, p := m["order"].(map[string]any), m["payment"].(map[string]any)
			if o["status"] != "confirmed" || p["status"] != "confirmed" || p["amount"] != "100.00" || p["order"] != o["no"] {
				t.Errorf("counter sale %d: %s", i, r.body)
			}
			nos[i] = o["no"].(string)
		}()
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, no := range nos {
		if seen[no] {
			t.Fatalf("order %s answered twice", no)
		}
		seen[no] = true
	}
	again := w.call("POST", "/api/v1/counter-sales", fin, sale(1), "Idempotency-Key", "cs-3")
	if again.status != 201 || again.json(t)["order"].(map[string]any)["no"] != nos[3] {
		t.Errorf("retry: %d %s, want order %s", again.status, again.body, nos[3])
	}
	if r := w.call("POST", "/api/v1/counter-sales", fin, sale(2), "Idempotency-Key", "cs-3"); r.status != 409 {
		t.Errorf("same key, other sale: %d %s", r.status, r.body)
	}
	if r := w.call("POST", "/api/v1/counter-sales", fin, sale(5000), "Idempotency-Key", "cs-big"); r.status != 409 && r.status != 422 {
		t.Errorf("more than in stock: %d %s", r.status, r.body)
	}
	if r := w.call("POST", "/api/v1/counter-sales", a, sale(1), "Idempotency-Key", "cs-member"); r.status != 403 {
		t.Errorf("a member at the desk: %d %s", r.status, r.body)
	}
	cash := sale(1)
	cash["method"], cash["agency"] = "cash_agency", "AG2"
	if r := w.call("POST", "/api/v1/counter-sales", ag1, cash, "Idempotency-Key", "cs-ag2"); r.status != 404 {
		t.Errorf("agency AG1 taking cash for AG2: %d %s", r.status, r.body)
	}
	problems, err := check.Run(context.Background(), w.db)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}
