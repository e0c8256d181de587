package order

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
)

// Outbox event kinds written by this package, for the notifications (SMS).
const (
	EventPaymentConfirmed = "order.payment_confirmed"
	EventShipped          = "order.shipped"
	EventReturned         = "order.returned"
)

// OrderEvent is the payload of the order events: the order and who bought
// it (a member's code, a shop customer's phone or an agency's code), with
// what the event is about.
type OrderEvent struct {
	Order    string
	Kind     Kind
	Member   string          `json:",omitempty"`
	Customer string          `json:",omitempty"` // shop customer's phone
	Agency   string          `json:",omitempty"` // buying agency
	Payment  string          `json:",omitempty"` // payment_confirmed
	Amount   decimal.Decimal `json:",omitzero"`  // payment_confirmed: the payment; returned: the refund
	// Confirmed (payment_confirmed): the order is now fully confirmed and may ship.
	Confirmed bool   `json:",omitempty"`
	Shipment  string `json:",omitempty"`
	Tracking  string `json:",omitempty"`
	Return    string `json:",omitempty"`
	At        time.Time
}

func emitOrderEvent(ctx context.Context, tx pgx.Tx, kind string, o Order, e OrderEvent) error {
	e.Order, e.Kind, e.Member, e.Agency = o.No, o.Kind, o.Member, o.BuyerAgency
	if o.Customer != nil {
		e.Customer = o.Customer.Phone
	}
	if e.At.IsZero() {
		e.At = clock.Now(ctx)
	}
	_, err := ledger.AppendOutbox(ctx, tx, kind, o.No, e)
	return err
}
