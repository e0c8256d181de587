package api_test

import (
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestOpenAPIMatchesRoutes compares the served document with the routes gin
// actually serves: a route missing from either fails.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	w := newWorld(t)
	res := w.call("GET", "/api/v1/openapi.json", "", nil)
	if res.status != 200 {
		t.Fatalf("openapi.json: %d %s", res.status, res.body)
	}
	var doc struct {
		OpenAPI    string                                `json:"openapi"`
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Schemas map[string]json.RawMessage `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(res.body, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi version %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, ops := range doc.Paths {
		for method, op := range ops {
			documented[strings.ToUpper(method)+" "+path] = true
			// Every $ref must resolve.
			for _, ref := range refs(string(op)) {
				name := strings.TrimPrefix(ref, "#/components/schemas/")
				if strings.HasPrefix(ref, "#/components/schemas/") && doc.Components.Schemas[name] == nil {
					t.Errorf("%s %s refers to missing schema %s", method, path, name)
				}
			}
		}
	}
	served := map[string]bool{}
	for _, r := range w.h.(*gin.Engine).Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/") {
			continue
		}
		served[r.Method+" "+openAPIPath(r.Path)] = true
	}
	var onlyServed, onlyDocumented []string
	for k := range served {
		if !documented[k] {
			onlyServed = append(onlyServed, k)
		}
	}
	for k := range documented {
		if !served[k] {
			onlyDocumented = append(onlyDocumented, k)
		}
	}
	sort.Strings(onlyServed)
	sort.Strings(onlyDocumented)
	if len(onlyServed) > 0 {
		t.Errorf("served but not in openapi.json: %v", onlyServed)
	}
	if len(onlyDocumented) > 0 {
		t.Errorf("in openapi.json but not served: %v", onlyDocumented)
	}
	if len(served) < 50 {
		t.Errorf("only %d routes served", len(served))
	}
	// Every POST that moves money or stock takes an Idempotency-Key.
	for _, p := range []string{"/api/v1/orders", "/api/v1/orders/{no}/payments", "/api/v1/payments/{no}/confirm",
		"/api/v1/orders/{no}/shipments", "/api/v1/orders/{no}/returns", "/api/v1/warehouses/{code}/receipts",
		"/api/v1/agencies/{code}/payments", "/api/v1/journal/{id}/reverse", "/api/v1/orders/{no}/cancel",
		"/api/v1/periods/{period}/approve", "/api/v1/periods/{period}/adjustments", "/api/v1/periods/{period}/pay"} {
		if !strings.Contains(string(doc.Paths[p]["post"]), `"Idempotency-Key"`) {
			t.Errorf("POST %s does not document an Idempotency-Key", p)
		}
	}
	// Bank files are documented as the files they are; money as two-decimal strings.
	for p, ct := range map[string]string{"/api/v1/periods/{period}/payout.csv": "text/csv", "/api/v1/periods/{period}/payout.xlsx": "spreadsheetml"} {
		if !strings.Contains(string(doc.Paths[p]["get"]), ct) {
			t.Errorf("GET %s does not document its %s content: %s", p, ct, doc.Paths[p]["get"])
		}
	}
	if !strings.Contains(string(doc.Components.Schemas["RunView"]), `"bonus_total":{"description":"an amount of money`) {
		t.Errorf("RunView.bonus_total is not documented as money: %s", doc.Components.Schemas["RunView"])
	}
	if res := w.call(http.MethodPost, "/api/v1/orders", w.token("admin"), "{}"); res.status != 400 ||
		!strings.Contains(string(res.body), "Idempotency-Key") {
		t.Errorf("order without Idempotency-Key: %d %s", res.status, res.body)
	}
}

func openAPIPath(ginPath string) string {
	segs := strings.Split(ginPath, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			segs[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(segs, "/")
}

func refs(s string) []string {
	var out []string
	for {
		i := strings.Index(s, `"$ref":"`)
		if i < 0 {
			return out
		}
		s = s[i+8:]
		j := strings.IndexByte(s, '"')
		out = append(out, s[:j])
		s = s[j:]
	}
}
