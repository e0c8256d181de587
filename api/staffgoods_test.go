package api_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// An admin edits a product: a bad field is named in the detail, the edit
// is revision 2 with its history, an edit of revision 1 afterwards is a
// conflict, and the warehouse may not edit.
func TestProductEditRoute(t *testing.T) {
	w := newWorld(t)
	admin := w.token("admin")
	p := w.call("GET", "/api/v1/products/VC-100", admin, nil).json(t)
	edit := map[string]any{"revision": 1, "name_zh": p["name_zh"], "name_en": p["name_en"], "retail_price": p["retail_price"],
		"member_price": "95.00", "agency_price": p["agency_price"], "unit_cost": p["unit_cost"], "pv": "45", "bv": "45", "images": []string{}}
	bad := map[string]any{}
	for k, v := range edit {
		bad[k] = v
	}
	bad["bv"] = "-1"
	if r := w.call("POST", "/api/v1/products/VC-100", admin, bad); r.status != 422 || !strings.HasPrefix(r.json(t)["detail"].(string), "bv: ") {
		t.Errorf("a negative BV: %d %s, want 422 naming bv", r.status, r.body)
	}
	if r := w.call("POST", "/api/v1/products/VC-100", w.token("warehouse"), edit); r.status != 403 {
		t.Errorf("the warehouse edits a product: %d", r.status)
	}
	r := w.call("POST", "/api/v1/products/VC-100", admin, edit)
	if got := r.json(t); r.status != 200 || got["revision"] != 2.0 || got["member_price"] != "95.00" {
		t.Fatalf("the edit: %d %s", r.status, r.body)
	}
	edit["member_price"] = "90.00"
	if r := w.call("POST", "/api/v1/products/VC-100", admin, edit); r.status != 409 {
		t.Errorf("an edit of revision 1 after revision 2: %d %s, want 409", r.status, r.body)
	}
	var revs []map[string]any
	if err := json.Unmarshal(w.call("GET", "/api/v1/products/VC-100/revisions", admin, nil).body, &revs); err != nil {
		t.Fatal(err)
	}
	if len(revs) != 2 || revs[1]["replaced_by"] != "user:admin" {
		t.Errorf("revisions %v", revs)
	}
}
