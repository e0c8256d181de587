package order

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/idempotency"
	"downline/ledger/journal"
)

// CounterSale is an order paid in full where it is entered: finance or an
// agency takes the money, so the payment is recorded and confirmed with the
// order instead of in two later steps.
type CounterSale struct {
	Order     Request // its Key is the key of the whole sale
	Method    Method  // bank_transfer, online or cash_agency
	Agency    string  `json:",omitempty"` // cash_agency: the agency that took the cash (default: the seller)
	Reference string  `json:",omitempty"`
}

// PaidOrder is the result of a counter sale: the order, confirmed, and its
// payment (none when the order costs nothing).
type PaidOrder struct {
	Order   Order
	Payment *Payment `json:",omitempty"`
}

// PlaceAndPay places s.Order and records and confirms a payment of its
// total, in one transaction: what Place, RecordPayment and ConfirmPayment
// do, the stock reservation, the payment and the journal entry included.
//
// Errors: those of Place; ledger.ErrInvalid for a method that is not
// bank_transfer, online or cash_agency; ledger.ErrNotFound for an unknown
// agency.
func PlaceAndPay(ctx context.Context, tx pgx.Tx, s CounterSale) (PaidOrder, error) {
	reads := queuePlaceReads(s.Order)
	return idempotency.DoBatch(ctx, tx, s.Order.Key, opCounter, s, reads.batch, func(run *idempotency.Run) (PaidOrder, error) {
		agencyCode, err := s.payer()
		if err != nil {
			return PaidOrder{}, err
		}
		var agencyID *int64
		if agencyCode != "" {
			var id int64
			err := tx.QueryRow(ctx, `SELECT id FROM agencies WHERE code = $1`, agencyCode).Scan(&id)
			if errors.Is(err, pgx.ErrNoRows) {
				return PaidOrder{}, unknownAgency(agencyCode)
			}
			if err != nil {
				return PaidOrder{}, err
			}
			agencyID = &id
		}
		var p *Payment
		o, err := place(ctx, tx, s.Order, reads, placing{paid: true, then: func(b *pgx.Batch, o *Order) {
			if o.Total.IsZero() || s.Method == OnCredit {
				return
			}
			p = s.payment(*o, agencyCode)
			b.Queue(`INSERT INTO payments (order_id, method, agency_id, amount, reference, recorded_by, status, decided_by, decided_at, recorded_at)
				VALUES ($1, $2, $3, $4, $5, $6, 'confirmed', $6, $7, $7) RETURNING id, payment_no, recorded_at`,
				o.ID, string(s.Method), agencyID, o.Total, s.Reference, o.EnteredBy, clock.Now(ctx)).QueryRow(func(r pgx.Row) error {
				p.DecidedAt = &p.RecordedAt
				return r.Scan(&p.ID, &p.No, &p.RecordedAt)
			})
		}})
		if err != nil {
			return PaidOrder{}, err
		}
		out := PaidOrder{Order: o, Payment: p}
		b := &pgx.Batch{}
		if s.Method == OnCredit {
			if o.SoldByHQ() {
				return PaidOrder{}, fmt.Errorf("%w: only an agency sells on credit, from its own stock; %s is HQ's warehouse", ledger.ErrInvalid, o.Warehouse)
			}
			if !o.Total.IsZero() {
				queueCreditSale(ctx, b, o, s.Order.Key)
			}
		}
		if p != nil && o.SoldByHQ() {
			if _, err := journal.Queue(b, confirmedEntry(*p, o, s.Order.Key, o.EnteredBy)); err != nil {
				return PaidOrder{}, err
			}
		}
		if err := run.QueueResult(b, out); err != nil {
			return PaidOrder{}, err
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return PaidOrder{}, fmt.Errorf("counter sale %s: %w", o.No, err)
		}
		return out, nil
	})
}

// opCounter and opPlace are the operations' names under their idempotency keys.
const (
	opCounter = "order.counter"
	opPlace   = "order.place"
)

// payer checks s's payment method and returns the agency that took the
// money (none for a bank transfer or an online payment).
func (s CounterSale) payer() (string, error) {
	switch s.Method {
	case BankTransfer, Online:
		return "", nil
	case OnCredit:
		return "", checkCredit(s)
	case CashAtAgency:
	default:
		return "", fmt.Errorf("%w: a counter sale is paid by bank_transfer, online or cash_agency, or is an agency's sale on credit, not %q", ledger.ErrInvalid, s.Method)
	}
	code := s.Agency
	if code == "" {
		code = s.Order.Seller
	}
	if code == "" {
		return "", fmt.Errorf("%w: a cash payment at an agency must name the agency", ledger.ErrInvalid)
	}
	return code, nil
}

func unknownAgency(code string) error {
	return fmt.Errorf("%w: unknown agency %q", ledger.ErrNotFound, code)
}

// payment is the confirmed payment of the whole of o, taken by the one who
// entered it; its id, number and time come from the database.
func (s CounterSale) payment(o Order, agency string) *Payment {
	return &Payment{Order: o.No, Method: s.Method, Agency: agency, Amount: o.Total, Reference: s.Reference,
		Status: PaymentAccepted, RecordedBy: o.EnteredBy, DecidedBy: o.EnteredBy}
}

// confirmedEntry books confirmed payment p of order o: the money in, as
// deferred revenue until the goods ship.
func confirmedEntry(p Payment, o Order, key, by string) journal.Entry {
	acct, holder := p.account()
	return journal.Entry{Kind: "payment.confirmed", Ref: p.No + " " + o.No, OpKey: key, By: by,
		Lines: []journal.Line{journal.Dr(acct, holder, p.Amount), journal.Cr(journal.DeferredRevenue, "", p.Amount)}}
}
