package order

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/idempotency"
	"downline/ledger/journal"
)

// Method is how a payment was made.
type Method string

const (
	BankTransfer Method = "bank_transfer"
	CashAtAgency Method = "cash_agency" // cash taken by an agency, which owes it to HQ
	Online       Method = "online"
	OnAccount    Method = "account" // an agency order charged to the agency's account with HQ
)

// PaymentStatus is where a payment is: recorded, then confirmed or rejected by finance.
type PaymentStatus string

const (
	Recorded        PaymentStatus = "recorded"
	PaymentAccepted PaymentStatus = "confirmed"
	Rejected        PaymentStatus = "rejected"
)

// PaymentRequest records money received for an order.
type PaymentRequest struct {
	Key       string // idempotency key
	Order     string
	Method    Method
	Amount    decimal.Decimal
	Agency    string `json:",omitempty"` // cash_agency: the agency that took the cash (default: the seller)
	Reference string `json:",omitempty"` // bank or gateway reference
	By        string
}

// Payment is money received (or claimed) for an order.
type Payment struct {
	ID         int64
	No         string
	Order      string
	Method     Method
	Agency     string `json:",omitempty"`
	Amount     decimal.Decimal
	Reference  string `json:",omitempty"`
	Status     PaymentStatus
	RecordedBy string
	RecordedAt time.Time
	DecidedBy  string     `json:",omitempty"`
	DecidedAt  *time.Time `json:",omitempty"`
	Reason     string     `json:",omitempty"`
}

// RecordPayment records a payment for an order awaiting payment. When the
// recorded payments cover the total, the order is paid (not yet confirmed).
//
// Errors: ledger.ErrInvalid for an amount that is not positive, has more than
// two decimals or is more than is still owed, or a method that does not fit
// the order; ledger.ErrNotFound for an unknown order or agency;
// ledger.ErrConflict when the order is not awaiting payment;
// ledger.ErrIdempotencyConflict.
func RecordPayment(ctx context.Context, tx pgx.Tx, r PaymentRequest) (Payment, error) {
	b := &pgx.Batch{}
	head := queueLockHead(b, `o.order_no = $1`, r.Order)
	paid := queueSum(b, `o.order_no = $1 AND p.status <> 'rejected'`, r.Order)
	return idempotency.DoBatch(ctx, tx, r.Key, "payment.record", r, b, func(*idempotency.Run) (Payment, error) {
		return recordPayment(ctx, tx, r, head, paid)
	})
}

// recordPayment records r with the order locked (head) and what was paid
// on it, which were read (in this order, after the lock) with the claim.
func recordPayment(ctx context.Context, tx pgx.Tx, r PaymentRequest, head *ledger.Pending[Order], paidRead *ledger.Pending[decimal.Decimal]) (Payment, error) {
	if !r.Amount.IsPositive() {
		return Payment{}, fmt.Errorf("%w: payment amount %s for order %s must be positive", ledger.ErrInvalid, r.Amount, r.Order)
	}
	if !r.Amount.Equal(r.Amount.Round(2)) {
		return Payment{}, fmt.Errorf("%w: payment amount %s has more than two decimals", ledger.ErrInvalid, r.Amount)
	}
	if strings.TrimSpace(r.By) == "" {
		return Payment{}, fmt.Errorf("%w: a payment must say who recorded it", ledger.ErrInvalid)
	}
	o, err := head.Get()
	if err != nil {
		return Payment{}, err
	}
	if o.Status != Placed {
		if o.Status == Paid {
			return Payment{}, fmt.Errorf("%w: order %s is already fully paid (%s); a payment of %s is more than is owed",
				ledger.ErrInvalid, o.No, o.Total.StringFixed(2), r.Amount.StringFixed(2))
		}
		return Payment{}, o.refuse("only a placed order takes payments")
	}
	agencyCode := r.Agency
	switch r.Method {
	case BankTransfer, Online:
		agencyCode = ""
	case CashAtAgency:
		if agencyCode == "" {
			agencyCode = o.Seller
		}
		if agencyCode == "" {
			return Payment{}, fmt.Errorf("%w: a cash payment at an agency must name the agency", ledger.ErrInvalid)
		}
	case OnAccount:
		if o.Kind != Agency {
			return Payment{}, fmt.Errorf("%w: only agency orders can be charged to an agency's account", ledger.ErrInvalid)
		}
		agencyCode = o.BuyerAgency
	default:
		return Payment{}, fmt.Errorf("%w: payment method %q must be bank_transfer, cash_agency, online or account", ledger.ErrInvalid, r.Method)
	}
	var agencyID *int64
	if agencyCode != "" {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM agencies WHERE code = $1`, agencyCode).Scan(&id)
		if errors.Is(err, pgx.ErrNoRows) {
			return Payment{}, unknownAgency(agencyCode)
		}
		if err != nil {
			return Payment{}, err
		}
		agencyID = &id
	}
	paid, err := paidRead.Get()
	if err != nil {
		return Payment{}, err
	}
	owed := o.Total.Sub(paid)
	if r.Amount.GreaterThan(owed) {
		return Payment{}, fmt.Errorf("%w: a payment of %s is more than the %s still owed on order %s (total %s)",
			ledger.ErrInvalid, r.Amount.StringFixed(2), owed.StringFixed(2), o.No, o.Total.StringFixed(2))
	}
	p := Payment{Order: o.No, Method: r.Method, Agency: agencyCode, Amount: r.Amount, Reference: r.Reference, Status: Recorded, RecordedBy: r.By}
	err = tx.QueryRow(ctx, `WITH p AS (
			INSERT INTO payments (order_id, method, agency_id, amount, reference, recorded_by, recorded_at)
			VALUES ($1, $2, $3, $4, $5, $6, $8) RETURNING id, payment_no, recorded_at),
		o AS (UPDATE orders SET status = 'paid', paid_at = $8 WHERE id = $1 AND $7::bool)
		SELECT id, payment_no, recorded_at FROM p`,
		o.ID, string(r.Method), agencyID, r.Amount, r.Reference, r.By, r.Amount.Equal(owed), clock.Now(ctx)).Scan(&p.ID, &p.No, &p.RecordedAt)
	if err != nil {
		return Payment{}, fmt.Errorf("record payment for %s: %w", o.No, err)
	}
	return p, nil
}

// Decision is finance's verdict on a recorded payment.
type Decision struct {
	Key     string // idempotency key
	Payment string // payment number
	By      string
	Reason  string `json:",omitempty"` // required to reject
}

// ConfirmPayment confirms a recorded payment: the money is booked (for
// orders HQ sells) and, once confirmed payments cover the total, the order is
// confirmed and may ship.
//
// Errors: ledger.ErrNotFound for an unknown payment; ledger.ErrConflict for a
// payment already confirmed or rejected; ledger.ErrIdempotencyConflict.
func ConfirmPayment(ctx context.Context, tx pgx.Tx, d Decision) (Payment, error) {
	b := &pgx.Batch{}
	locked := queueLockPayment(b, d.Payment)
	confirmed := queueSum(b, `o.id = (SELECT order_id FROM payments WHERE payment_no = $1) AND p.status = 'confirmed'`, d.Payment)
	return idempotency.DoBatch(ctx, tx, d.Key, "payment.confirm", d, b, func(run *idempotency.Run) (Payment, error) {
		o, p, _, err := locked.check(d)
		now := clock.Now(ctx)
		if err != nil {
			return Payment{}, err
		}
		if err := p.decidable(); err != nil {
			return Payment{}, err
		}
		before, err := confirmed.Get()
		if err != nil {
			return Payment{}, err
		}
		p.Status, p.DecidedBy, p.DecidedAt, p.Reason = PaymentAccepted, d.By, &now, d.Reason
		// The order is locked, and every change of its payments locks it
		// first: the payments confirmed before this one stay what they were.
		covered := before.Add(p.Amount).Equal(o.Total)
		b := &pgx.Batch{}
		b.Queue(`WITH p AS (UPDATE payments SET status = $2, decided_by = $3, decided_at = $7, reason = $4 WHERE id = $1)
			UPDATE orders SET status = 'confirmed', confirmed_at = $7 WHERE id = $5 AND $6::bool`,
			p.ID, string(p.Status), d.By, d.Reason, o.ID, covered, now)
		if o.SoldByHQ() {
			if _, err := journal.Queue(b, confirmedEntry(p, o, d.Key, d.By)); err != nil {
				return Payment{}, err
			}
		}
		if err := run.QueueResult(b, p); err != nil {
			return Payment{}, err
		}
		if err := tx.SendBatch(ctx, b).Close(); err != nil {
			return Payment{}, fmt.Errorf("confirm payment %s: %w", p.No, err)
		}
		return p, emitOrderEvent(ctx, tx, EventPaymentConfirmed, o, OrderEvent{Payment: p.No, Amount: p.Amount, Confirmed: covered, At: now})
	})
}

// RejectPayment rejects a recorded payment (the money did not arrive); a
// paid order goes back to placed.
//
// Errors: ledger.ErrInvalid without a reason; otherwise as ConfirmPayment.
func RejectPayment(ctx context.Context, tx pgx.Tx, d Decision) (Payment, error) {
	return idempotency.Do(ctx, tx, d.Key, "payment.reject", d, func() (Payment, error) {
		if strings.TrimSpace(d.Reason) == "" {
			return Payment{}, fmt.Errorf("%w: rejecting payment %s needs a reason", ledger.ErrInvalid, d.Payment)
		}
		o, p, err := lockPayment(ctx, tx, d)
		if err != nil {
			return Payment{}, err
		}
		if err := decide(ctx, tx, &p, Rejected, d); err != nil {
			return Payment{}, err
		}
		if o.Status == Paid {
			if _, err := tx.Exec(ctx, `UPDATE orders SET status = 'placed', paid_at = NULL WHERE id = $1`, o.ID); err != nil {
				return Payment{}, err
			}
		}
		return p, nil
	})
}

// lockedPayment is a payment locked with its order, and the transaction's
// time (which is what now() writes).
type lockedPayment struct {
	order   *ledger.Pending[Order]
	payment *ledger.Pending[Payment]
	now     time.Time
}

// queueLockPayment queues in b the locks of payment no's order, then of
// the payment (the order first, as every change of an order does).
func queueLockPayment(b *pgx.Batch, no string) *lockedPayment {
	lp := &lockedPayment{
		order:   queueLockHead(b, `o.id = (SELECT order_id FROM payments WHERE payment_no = $1)`, no),
		payment: &ledger.Pending[Payment]{},
	}
	b.Queue(paymentSelect+` WHERE p.payment_no = $1 FOR UPDATE OF p`, no).QueryRow(func(r pgx.Row) error {
		lp.payment.Value, lp.payment.Err = scanPayment(r, &lp.now)
		return nil
	})
	return lp
}

func (lp *lockedPayment) check(d Decision) (Order, Payment, time.Time, error) {
	if strings.TrimSpace(d.By) == "" {
		return Order{}, Payment{}, time.Time{}, fmt.Errorf("%w: a decision on payment %s must say who made it", ledger.ErrInvalid, d.Payment)
	}
	o, err := lp.order.Get()
	if errors.Is(err, ledger.ErrNotFound) {
		return Order{}, Payment{}, time.Time{}, fmt.Errorf("%w: unknown payment %q", ledger.ErrNotFound, d.Payment)
	}
	if err != nil {
		return Order{}, Payment{}, time.Time{}, err
	}
	p, err := lp.payment.Get()
	return o, p, lp.now, err
}

// queueSum queues in b the sum of the payments (p) of orders (o) that match where.
func queueSum(b *pgx.Batch, where string, args ...any) *ledger.Pending[decimal.Decimal] {
	s := &ledger.Pending[decimal.Decimal]{}
	b.Queue(`SELECT coalesce(sum(p.amount), 0) FROM payments p JOIN orders o ON o.id = p.order_id WHERE `+where, args...).
		QueryRow(func(r pgx.Row) error {
			s.Err = r.Scan(&s.Value)
			return nil
		})
	return s
}

func lockPayment(ctx context.Context, tx pgx.Tx, d Decision) (Order, Payment, error) {
	if strings.TrimSpace(d.By) == "" {
		return Order{}, Payment{}, fmt.Errorf("%w: a decision on payment %s must say who made it", ledger.ErrInvalid, d.Payment)
	}
	var no string
	err := tx.QueryRow(ctx, `SELECT o.order_no FROM payments p JOIN orders o ON o.id = p.order_id WHERE p.payment_no = $1`, d.Payment).Scan(&no)
	if errors.Is(err, pgx.ErrNoRows) {
		return Order{}, Payment{}, fmt.Errorf("%w: unknown payment %q", ledger.ErrNotFound, d.Payment)
	}
	if err != nil {
		return Order{}, Payment{}, err
	}
	o, err := lockHead(ctx, tx, no)
	if err != nil {
		return Order{}, Payment{}, err
	}
	p, err := scanPayment(tx.QueryRow(ctx, paymentSelect+` WHERE p.payment_no = $1 FOR UPDATE OF p`, d.Payment), nil)
	return o, p, err
}

// decidable refuses a payment already decided.
func (p Payment) decidable() error {
	if p.Status != Recorded {
		return fmt.Errorf("%w: payment %s is already %s (by %s at %s)", ledger.ErrConflict, p.No, p.Status,
			p.DecidedBy, p.DecidedAt.Format(time.RFC3339))
	}
	return nil
}

func decide(ctx context.Context, tx pgx.Tx, p *Payment, to PaymentStatus, d Decision) error {
	if err := p.decidable(); err != nil {
		return err
	}
	err := tx.QueryRow(ctx, `UPDATE payments SET status = $2, decided_by = $3, decided_at = $5, reason = $4
		WHERE id = $1 RETURNING decided_at`, p.ID, string(to), d.By, d.Reason, clock.Now(ctx)).Scan(&p.DecidedAt)
	p.Status, p.DecidedBy, p.Reason = to, d.By, d.Reason
	return err
}

// account is where the money of a payment sits in HQ's books.
func (p Payment) account() (journal.Account, string) {
	switch p.Method {
	case CashAtAgency, OnAccount:
		return journal.AgencyReceivable, p.Agency
	case Online:
		return journal.OnlineClearing, ""
	}
	return journal.Bank, ""
}

const paymentSelect = `SELECT p.id, p.payment_no, o.order_no, p.method, coalesce(a.code, ''), p.amount, p.reference,
		p.status, p.recorded_by, p.recorded_at, coalesce(p.decided_by, ''), p.decided_at, p.reason, now()
	FROM payments p JOIN orders o ON o.id = p.order_id LEFT JOIN agencies a ON a.id = p.agency_id`

// scanPayment scans a row of paymentSelect; now, unless nil, gets the
// transaction's time.
func scanPayment(r pgx.Row, now *time.Time) (Payment, error) {
	var p Payment
	if now == nil {
		now = new(time.Time)
	}
	err := r.Scan(&p.ID, &p.No, &p.Order, &p.Method, &p.Agency, &p.Amount, &p.Reference,
		&p.Status, &p.RecordedBy, &p.RecordedAt, &p.DecidedBy, &p.DecidedAt, &p.Reason, now)
	return p, err
}

// Payments lists the payments of an order, oldest first.
func Payments(ctx context.Context, q ledger.Querier, orderNo string) ([]Payment, error) {
	rows, err := q.Query(ctx, paymentSelect+` WHERE o.order_no = $1 ORDER BY p.id`, orderNo)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Payment, error) { return scanPayment(r, nil) })
}
