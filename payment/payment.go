// Package payment is how the shop takes money: a Provider opens a payment
// and sends the visitor to pay, then tells the shop, in a callback it
// signs, that the payment went through. Local is a provider that runs in
// Downline itself (the visitor "pays" on a page of the shop), for tests
// and the demo; a real gateway is another Provider.
package payment

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"

	"github.com/shopspring/decimal"
)

// Charge is a payment to open: the shop's reference, the order, the amount.
type Charge struct {
	Ref    string
	Order  string
	Amount decimal.Decimal
}

// Event is what a provider's callback says of a payment.
type Event struct {
	Ref    string          `json:"ref"`
	Status string          `json:"status"` // paid or failed
	Amount decimal.Decimal `json:"amount"`
}

// Provider is a payment gateway.
type Provider interface {
	// Name is how the shop records the provider (also the callback's path).
	Name() string
	// Start opens the payment of c at the provider and returns where the
	// visitor pays.
	Start(ctx context.Context, c Charge) (payURL string, err error)
	// Verify checks the signature of a callback's body and reads it.
	// Errors: ErrSignature.
	Verify(body []byte, signature string) (Event, error)
}

// ErrSignature: a callback whose signature does not verify.
var ErrSignature = errors.New("the callback's signature does not verify")

// Local is the provider that runs in Downline: Start sends the visitor to
// the shop's own pay page (PayPath + the ref), where Pay makes the
// callback a gateway would send, signed with an HMAC-SHA256 key.
type Local struct {
	key []byte
}

// PayPath is where the shop serves the local provider's pay page.
const PayPath = "/shop/pay/"

// NewLocal makes a local provider signing with key (random when empty).
func NewLocal(key []byte) *Local {
	if len(key) == 0 {
		key = make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			panic(err)
		}
	}
	return &Local{key: key}
}

// Name is "local".
func (l *Local) Name() string { return "local" }

// Start answers the local pay page of c.
func (l *Local) Start(_ context.Context, c Charge) (string, error) {
	if !c.Amount.IsPositive() {
		return "", fmt.Errorf("payment %s: amount %s must be positive", c.Ref, c.Amount)
	}
	return PayPath + url.PathEscape(c.Ref), nil
}

// Sign is the signature of body.
func (l *Local) Sign(body []byte) string {
	m := hmac.New(sha256.New, l.key)
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// Callback is the signed callback saying payment ref of amount is paid:
// what a gateway would post to the shop.
func (l *Local) Callback(ref string, amount decimal.Decimal) (body []byte, signature string) {
	body, err := json.Marshal(Event{Ref: ref, Status: "paid", Amount: amount})
	if err != nil {
		panic(err) // an Event always marshals
	}
	return body, l.Sign(body)
}

// Verify checks an HMAC-SHA256 signature (hex) of body.
func (l *Local) Verify(body []byte, signature string) (Event, error) {
	got, err := hex.DecodeString(signature)
	if err != nil || !hmac.Equal(got, mustHex(l.Sign(body))) {
		return Event{}, ErrSignature
	}
	var e Event
	if err := json.Unmarshal(body, &e); err != nil {
		return Event{}, fmt.Errorf("callback body: %w", err)
	}
	if e.Ref == "" || (e.Status != "paid" && e.Status != "failed") {
		return Event{}, fmt.Errorf("callback names no payment or has status %q (paid or failed)", e.Status)
	}
	return e, nil
}

func mustHex(s string) []byte {
	b, _ := hex.DecodeString(s)
	return b
}
