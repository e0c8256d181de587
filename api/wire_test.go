package api

import (
	"encoding/json"
	"testing"

	"github.com/shopspring/decimal"
)

func TestWireWritesDecimalsWithTwoPlacesAtLeast(t *testing.T) {
	type tagged struct { // all fields tagged: encoding/json would write it as is
		Amount decimal.Decimal `json:"amount"`
	}
	type order struct {
		Total   decimal.Decimal
		Price   decimal.Decimal
		PV      decimal.Decimal
		Refund  *decimal.Decimal
		Lines   []tagged
		ByMonth map[string]decimal.Decimal
	}
	refund := decimal.RequireFromString("-3.5")
	v := order{
		Total:   decimal.RequireFromString("239"),
		Price:   decimal.RequireFromString("0.0075"),
		PV:      decimal.RequireFromString("12.3400"),
		Refund:  &refund,
		Lines:   []tagged{{decimal.RequireFromString("1.5").Mul(decimal.NewFromInt(2))}},
		ByMonth: map[string]decimal.Decimal{"2026-11": decimal.Zero},
	}
	b, err := json.Marshal(wire(v))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"by_month":{"2026-11":"0.00"},"lines":[{"amount":"3.00"}],"price":"0.0075","pv":"12.34","refund":"-3.50","total":"239.00"}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
}
