package order

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
	"downline/ledger/idempotency"
)

// QueuedPayment is a payment as finance's queue shows it: with its order's
// buyer and total, so that it can be checked against the bank without
// opening the order.
type QueuedPayment struct {
	Payment
	// Member is the buying member's code and name; Buyer names who else
	// bought (a shop customer, a buying agency) when no member did.
	Member      string `json:",omitempty"`
	MemberName  string `json:",omitempty"`
	Buyer       string `json:",omitempty"`
	OrderTotal  decimal.Decimal
	OrderStatus Status
}

// QueueFilter selects payments for finance's queue. Recorded payments come
// oldest first (the longest waiting on top); confirmed and rejected ones
// newest decision first.
type QueueFilter struct {
	Status PaymentStatus // default Recorded
	After  int64         // payment id of the previous page's last row (keyset)
	Limit  int           // default 50, at most 500
}

const queueSelect = `SELECT p.id, p.payment_no, o.order_no, p.method, coalesce(a.code, ''), p.amount, p.reference,
		p.status, p.recorded_by, p.recorded_at, coalesce(p.decided_by, ''), p.decided_at, p.reason,
		coalesce(m.code, ''), coalesce(m.name, ''), coalesce(nullif(o.customer_name, ''), ba.code, ''), o.total, o.status
	FROM payments p
	JOIN orders o ON o.id = p.order_id
	LEFT JOIN agencies a ON a.id = p.agency_id
	LEFT JOIN members m ON m.id = o.member_id
	LEFT JOIN agencies ba ON ba.id = o.buyer_agency_id`

// PaymentQueue lists one page of the payments f selects.
//
// Errors: ledger.ErrInvalid for an unknown status.
func PaymentQueue(ctx context.Context, q ledger.Querier, f QueueFilter) ([]QueuedPayment, error) {
	if f.Status == "" {
		f.Status = Recorded
	}
	if f.Limit <= 0 {
		f.Limit = 50
	}
	f.Limit = min(f.Limit, 500)
	var sql string
	switch f.Status {
	case Recorded:
		sql = queueSelect + ` WHERE p.status = 'recorded' AND p.id > $1 ORDER BY p.id LIMIT $2`
	case PaymentAccepted, Rejected:
		sql = queueSelect + ` WHERE p.status = $3 AND ($1 = 0 OR p.id < $1) ORDER BY p.id DESC LIMIT $2`
	default:
		return nil, fmt.Errorf("%w: payment status %q must be recorded, confirmed or rejected", ledger.ErrInvalid, f.Status)
	}
	args := []any{f.After, f.Limit}
	if f.Status != Recorded {
		args = append(args, string(f.Status))
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (QueuedPayment, error) {
		var qp QueuedPayment
		p := &qp.Payment
		err := r.Scan(&p.ID, &p.No, &p.Order, &p.Method, &p.Agency, &p.Amount, &p.Reference,
			&p.Status, &p.RecordedBy, &p.RecordedAt, &p.DecidedBy, &p.DecidedAt, &p.Reason,
			&qp.Member, &qp.MemberName, &qp.Buyer, &qp.OrderTotal, &qp.OrderStatus)
		return qp, err
	})
}

// DayFigure is how long the payments confirmed on one day (in the company's
// zone) had waited from being recorded to being confirmed.
type DayFigure struct {
	Date      string // YYYY-MM-DD in the company's zone
	Confirmed int
	// Median and P90 are in whole seconds; nil on a day without confirmations.
	Median *int64 `json:",omitempty"`
	P90    *int64 `json:",omitempty"`
}

// ConfirmationTimes gives, for each of the days calendar days in zone that
// end with now's day (oldest first), the median and 90th percentile of the
// time from recording to confirmation of the payments confirmed that day.
//
// Errors: ledger.ErrInvalid for days outside 1..366.
func ConfirmationTimes(ctx context.Context, q ledger.Querier, days int, now time.Time, zone *time.Location) ([]DayFigure, error) {
	if days < 1 || days > 366 {
		return nil, fmt.Errorf("%w: days must be between 1 and 366, got %d", ledger.ErrInvalid, days)
	}
	local := now.In(zone)
	first := time.Date(local.Year(), local.Month(), local.Day()-days+1, 0, 0, 0, 0, zone)
	end := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, zone)
	rows, err := q.Query(ctx, `SELECT to_char(p.decided_at AT TIME ZONE $3, 'YYYY-MM-DD'), count(*),
			round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM p.decided_at - p.recorded_at)))::bigint,
			round(percentile_cont(0.9) WITHIN GROUP (ORDER BY extract(epoch FROM p.decided_at - p.recorded_at)))::bigint
		FROM payments p
		WHERE p.status = 'confirmed' AND p.decided_at >= $1 AND p.decided_at < $2
		GROUP BY 1`, first, end, zone.String())
	if err != nil {
		return nil, err
	}
	byDay := map[string]DayFigure{}
	var f DayFigure
	var median, p90 int64
	if _, err := pgx.ForEachRow(rows, []any{&f.Date, &f.Confirmed, &median, &p90}, func() error {
		m, p := median, p90
		f.Median, f.P90 = &m, &p
		byDay[f.Date] = f
		return nil
	}); err != nil {
		return nil, err
	}
	out := make([]DayFigure, 0, days)
	for d := first; d.Before(end); d = time.Date(d.Year(), d.Month(), d.Day()+1, 0, 0, 0, 0, zone) {
		key := d.Format(time.DateOnly)
		if fig, ok := byDay[key]; ok {
			out = append(out, fig)
		} else {
			out = append(out, DayFigure{Date: key})
		}
	}
	return out, nil
}

// BulkDecision is finance's verdict on many recorded payments at once,
// under one idempotency key.
type BulkDecision struct {
	Key      string
	Confirm  bool // false: reject
	Payments []string
	Reason   string `json:",omitempty"` // required to reject
	By       string
}

// Outcome is what became of one payment of a BulkDecision: the payment as
// decided, or the error that refused it (the others are decided all the
// same).
type Outcome struct {
	Payment string
	Result  *Payment
	Err     error
}

// MaxBulk is the most payments one BulkDecision decides.
const MaxBulk = 500

// DecideMany confirms or rejects each payment of d in a transaction of its
// own, so that one refused payment (already decided, unknown) does not hold
// back the others. It is idempotent as a whole: the key is first claimed
// for the list (the same key with another list is
// ledger.ErrIdempotencyConflict), and each payment is decided under a key
// derived from it, so a retry answers what the first run did and decides
// only what it did not get to.
//
// Errors (of the whole): ledger.ErrInvalid for an empty or too long list,
// a repeated payment, a missing reason to reject, a missing key;
// ledger.ErrIdempotencyConflict.
func DecideMany(ctx context.Context, db *ledger.DB, d BulkDecision) ([]Outcome, error) {
	if len(d.Payments) == 0 {
		return nil, fmt.Errorf("%w: name at least one payment", ledger.ErrInvalid)
	}
	if len(d.Payments) > MaxBulk {
		return nil, fmt.Errorf("%w: at most %d payments at once, got %d", ledger.ErrInvalid, MaxBulk, len(d.Payments))
	}
	if !d.Confirm && strings.TrimSpace(d.Reason) == "" {
		return nil, fmt.Errorf("%w: rejecting payments needs a reason", ledger.ErrInvalid)
	}
	if len(d.Key) > idempotency.MaxKeyLen-len("/PAY000000000000") {
		return nil, fmt.Errorf("%w: Idempotency-Key is longer than %d characters", ledger.ErrInvalid, idempotency.MaxKeyLen-len("/PAY000000000000"))
	}
	seen := make(map[string]bool, len(d.Payments))
	for _, no := range d.Payments {
		if seen[no] {
			return nil, fmt.Errorf("%w: payment %s is named twice", ledger.ErrInvalid, no)
		}
		seen[no] = true
	}
	op := "payment.bulk_reject"
	if d.Confirm {
		op = "payment.bulk_confirm"
	}
	// The claim of the key for this list; it stores the list itself.
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := idempotency.Do(ctx, tx, d.Key, op, d, func() ([]string, error) { return d.Payments, nil })
		return err
	})
	if err != nil {
		return nil, err
	}
	out := make([]Outcome, len(d.Payments))
	// A few at a time: each waits mostly on its round trips.
	sem := make(chan struct{}, 4)
	var wg sync.WaitGroup
	for i, no := range d.Payments {
		out[i].Payment = no
		wg.Add(1)
		sem <- struct{}{}
		go func(o *Outcome) {
			defer func() { <-sem; wg.Done() }()
			one := Decision{Key: d.Key + "/" + o.Payment, Payment: o.Payment, By: d.By, Reason: d.Reason}
			var p Payment
			o.Err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
				if d.Confirm {
					p, err = ConfirmPayment(ctx, tx, one)
				} else {
					p, err = RejectPayment(ctx, tx, one)
				}
				return err
			})
			if o.Err == nil {
				o.Result = &p
			}
		}(&out[i])
	}
	wg.Wait()
	return out, nil
}
