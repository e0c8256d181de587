package api_test

import (
	"testing"
)

// An admin marks a product as a starter kit; the catalogue shows the mark
// to everyone, and only on that product.
func TestStarterKitInTheCatalogue(t *testing.T) {
	w := newWorld(t)
	res := w.call("POST", "/api/v1/products", w.token("admin"), map[string]any{"sku": "KIT-500", "name_zh": "入会套装", "name_en": "Starter kit",
		"retail_price": "600.00", "member_price": "500.00", "unit_cost": "200.00", "pv": "250", "bv": "250", "starter_kit": true})
	if res.status != 201 || res.json(t)["starter_kit"] != true {
		t.Fatalf("create a starter kit: %d %s", res.status, res.body)
	}
	if got := w.call("GET", "/api/v1/products/KIT-500", "", nil).json(t); got["starter_kit"] != true {
		t.Errorf("KIT-500 read anonymously: %v", got)
	}
	page := w.call("GET", "/api/v1/products?limit=500", w.token("AAA"), nil).json(t)
	kits := 0
	for _, p := range page["items"].([]any) {
		if p.(map[string]any)["starter_kit"] == true {
			kits++
			if p.(map[string]any)["sku"] != "KIT-500" {
				t.Errorf("%v is marked as a starter kit", p.(map[string]any)["sku"])
			}
		}
	}
	if kits != 1 {
		t.Errorf("the catalogue marks %d starter kits, want 1: %v", kits, page["items"])
	}
}
