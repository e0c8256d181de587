package shop

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/order"
)

// Payment is an order's payment at a provider: pending until the
// provider's callback says it is paid, which records the order's payment
// (PaymentNo) for finance to confirm.
type Payment struct {
	Ref       string
	Order     string
	Provider  string
	Amount    decimal.Decimal
	Status    string // pending, paid, failed
	PaymentNo string `json:",omitempty"`
	CreatedAt time.Time
	PaidAt    *time.Time `json:",omitempty"`
}

const paymentSelect = `SELECT p.ref, o.order_no, p.provider, p.amount, p.status, coalesce(p.payment_no, ''), p.created_at, p.paid_at
	FROM shop_payments p JOIN orders o ON o.id = p.order_id`

func scanPayment(r pgx.Row) (Payment, error) {
	var p Payment
	err := r.Scan(&p.Ref, &p.Order, &p.Provider, &p.Amount, &p.Status, &p.PaymentNo, &p.CreatedAt, &p.PaidAt)
	if errors.Is(err, pgx.ErrNoRows) {
		err = fmt.Errorf("%w: unknown payment", ledger.ErrNotFound)
	}
	return p, err
}

// OpenPayment starts (or, when one is pending, finds) the payment of
// order no, placed and awaiting its money, at provider.
//
// Errors: ledger.ErrNotFound for an unknown order; ledger.ErrConflict for
// an order that takes no payment (paid already, cancelled).
func OpenPayment(ctx context.Context, tx pgx.Tx, no, provider string) (Payment, error) {
	var id int64
	var status string
	var total decimal.Decimal
	err := tx.QueryRow(ctx, `SELECT id, status, total FROM orders WHERE order_no = $1 FOR UPDATE`, no).Scan(&id, &status, &total)
	if errors.Is(err, pgx.ErrNoRows) {
		return Payment{}, fmt.Errorf("%w: unknown order %q", ledger.ErrNotFound, no)
	}
	if err != nil {
		return Payment{}, err
	}
	if p, err := scanPayment(tx.QueryRow(ctx, paymentSelect+` WHERE p.order_id = $1 AND p.provider = $2 AND p.status = 'pending'`, id, provider)); err == nil {
		return p, nil
	} else if !errors.Is(err, ledger.ErrNotFound) {
		return Payment{}, err
	}
	if status != string(order.Placed) {
		return Payment{}, &Error{Code: "not_payable", Msg: fmt.Sprintf("order %s is %s: it takes no payment", no, status), kind: ledger.ErrConflict}
	}
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return Payment{}, err
	}
	ref := "PAY" + hex.EncodeToString(b)
	if _, err := tx.Exec(ctx, `INSERT INTO shop_payments (order_id, provider, ref, amount, created_at) VALUES ($1, $2, $3, $4, $5)`,
		id, provider, ref, total, clock.Now(ctx)); err != nil {
		return Payment{}, fmt.Errorf("open payment of %s: %w", no, err)
	}
	return GetPayment(ctx, tx, ref)
}

// GetPayment reads the payment ref. Errors: ledger.ErrNotFound.
func GetPayment(ctx context.Context, q ledger.Querier, ref string) (Payment, error) {
	return scanPayment(q.QueryRow(ctx, paymentSelect+` WHERE p.ref = $1`, ref))
}

// Paid records that the provider was paid amount for payment ref: the
// order's online payment is recorded (by the provider, with the ref as
// its reference) for finance to confirm, and the payment is paid. Paid
// again for the same payment changes nothing and returns it: providers
// repeat their callbacks.
//
// Errors: ledger.ErrNotFound for an unknown ref; ledger.ErrInvalid for an
// amount other than the payment's.
func Paid(ctx context.Context, tx pgx.Tx, ref string, amount decimal.Decimal) (Payment, error) {
	p, err := scanPayment(tx.QueryRow(ctx, paymentSelect+` WHERE p.ref = $1 FOR UPDATE OF p`, ref))
	if err != nil {
		return p, err
	}
	if p.Status == "paid" {
		return p, nil
	}
	if !amount.Equal(p.Amount) {
		return p, fmt.Errorf("%w: payment %s is for %s, the provider reports %s", ledger.ErrInvalid, ref, p.Amount.StringFixed(2), amount.StringFixed(2))
	}
	rec, err := order.RecordPayment(ctx, tx, order.PaymentRequest{Key: "shop-pay:" + ref, Order: p.Order, Method: order.Online,
		Amount: amount, Reference: p.Provider + ":" + ref, By: "provider:" + p.Provider})
	if err != nil {
		return p, err
	}
	if _, err := tx.Exec(ctx, `UPDATE shop_payments SET status = 'paid', payment_no = $2, paid_at = $3 WHERE ref = $1`,
		ref, rec.No, clock.Now(ctx)); err != nil {
		return p, err
	}
	return GetPayment(ctx, tx, ref)
}
