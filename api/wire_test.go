package api

import (
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
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

// Concurrent first use of a type: every caller gets the snake_case form.
// A provisional "native" mark once leaked to concurrent callers, which then
// sent a nested struct through encoding/json with its Go field names. Each
// round makes types never seen before (reflect.StructOf) and has callers
// race on their first use.
func TestWireConcurrentFirstUse(t *testing.T) {
	for round := range 200 {
		field := fmt.Sprintf("PaymentNo%d", round)
		inner := reflect.StructOf([]reflect.StructField{
			{Name: field, Type: reflect.TypeFor[string]()},
			{Name: "Amount", Type: reflect.TypeFor[decimal.Decimal]()},
		})
		outer := reflect.StructOf([]reflect.StructField{
			{Name: "Order", Type: reflect.TypeFor[string](), Tag: `json:"order"`},
			{Name: "Payment", Type: reflect.PointerTo(inner), Tag: `json:"payment"`},
		})
		in := reflect.New(inner)
		in.Elem().Field(0).SetString("PAY1")
		in.Elem().Field(1).Set(reflect.ValueOf(decimal.RequireFromString("100")))
		v := reflect.New(outer).Elem()
		v.Field(0).SetString("SO1")
		v.Field(1).Set(in)
		want := fmt.Sprintf(`{"order":"SO1","payment":{"amount":"100.00","payment_no%d":"PAY1"}}`, round)
		const n = 8
		got := make([]string, n)
		var start, wg sync.WaitGroup
		start.Add(1)
		for i := range got {
			wg.Add(1)
			go func() {
				defer wg.Done()
				start.Wait()
				b, err := json.Marshal(wire(v.Interface()))
				if err != nil {
					t.Error(err)
				}
				got[i] = string(b)
			}()
		}
		start.Done()
		wg.Wait()
		for i, g := range got {
			if g != want {
				t.Fatalf("round %d: caller %d got %s, want %s", round, i, g, want)
			}
		}
	}
	// A type met twice in one walk, and a recursive one.
	type node struct {
		Name string `json:"name"`
		Next *node  `json:"next,omitempty"`
	}
	type untagged struct{ PaymentNo string }
	type pair struct {
		A untagged `json:"a"`
		B untagged `json:"b"`
	}
	if native(reflect.TypeFor[pair]()) {
		t.Error("a struct of untagged structs counts as native")
	}
	if !native(reflect.TypeFor[node]()) {
		t.Error("a tagged recursive struct does not count as native")
	}
}
