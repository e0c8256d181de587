package payment_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"downline/payment"
)

// The local provider's callbacks verify only as signed with its key, for
// the very body signed.
func TestLocalCallbacksAreSigned(t *testing.T) {
	l := payment.NewLocal([]byte("key one"))
	amount := decimal.RequireFromString("463.76")
	body, sig := l.Callback("PAY1", amount)
	ev, err := l.Verify(body, sig)
	if err != nil || ev.Ref != "PAY1" || ev.Status != "paid" || !ev.Amount.Equal(amount) {
		t.Fatalf("verify: %+v %v", ev, err)
	}
	tampered := []byte(strings.Replace(string(body), "463.76", "1.00", 1))
	for name, c := range map[string]struct {
		body []byte
		sig  string
	}{
		"tampered body": {tampered, sig},
		"other key":     {body, payment.NewLocal([]byte("key two")).Sign(body)},
		"not hex":       {body, "zz"},
		"empty":         {body, ""},
	} {
		if _, err := l.Verify(c.body, c.sig); !errors.Is(err, payment.ErrSignature) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := l.Verify([]byte(`{"ref":"","status":"paid"}`), l.Sign([]byte(`{"ref":"","status":"paid"}`))); err == nil {
		t.Error("a callback naming no payment verified")
	}
	u, err := l.Start(context.Background(), payment.Charge{Ref: "PAY1", Order: "SO1", Amount: amount})
	if err != nil || u != "/shop/pay/PAY1" {
		t.Fatalf("start: %q %v", u, err)
	}
	if _, err := l.Start(context.Background(), payment.Charge{Ref: "PAY2", Amount: decimal.Zero}); err == nil {
		t.Error("a payment of nothing was started")
	}
}
