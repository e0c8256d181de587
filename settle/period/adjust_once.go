package period

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/idempotency"
)

// AdjustOnce is Adjust under an idempotency key. The key is claimed in the
// transaction that enters the adjustment, so a retry with the same key and
// request returns the first adjustment and enters nothing, even when the
// first answer was lost after the commit; a different request under the
// same key is refused with ledger.ErrIdempotencyConflict. (An adjustment,
// unlike an approval or a payout, may be entered many times for a period,
// so nothing but the key tells a retry from a second adjustment.)
//
// Errors: those of Adjust, and ledger.ErrIdempotencyConflict.
func AdjustOnce(ctx context.Context, db *ledger.DB, key, code, member string, amount decimal.Decimal, reason, by string) (ManualAdjustment, error) {
	p, err := adjustmentPeriod(ctx, db, code, amount, reason, by)
	if err != nil {
		return ManualAdjustment{}, err
	}
	req := struct{ Period, Member, Amount, Reason, By string }{code, member, amount.String(), reason, by}
	var a ManualAdjustment
	err = inPeriodTx(ctx, db, p, func(tx pgx.Tx) (err error) {
		a, err = idempotency.Do(ctx, tx, key, "settle.adjust", req, func() (ManualAdjustment, error) {
			return enterAdjustment(ctx, tx, p, member, amount, reason, by)
		})
		return err
	})
	return a, err
}

// adjustmentPeriod checks an adjustment's amount, reason and author and
// finds its period.
func adjustmentPeriod(ctx context.Context, db *ledger.DB, code string, amount decimal.Decimal, reason, by string) (Period, error) {
	if amount.IsZero() || !amount.Equal(amount.Round(2)) {
		return Period{}, fmt.Errorf("%w: adjustment amount %s: non-zero, at most two decimals", ledger.ErrInvalid, amount)
	}
	if strings.TrimSpace(reason) == "" || strings.TrimSpace(by) == "" {
		return Period{}, fmt.Errorf("%w: an adjustment needs who enters it and why (a reason)", ledger.ErrInvalid)
	}
	return Get(ctx, db.Pool, code)
}

// enterAdjustment is the write of an adjustment, in tx, under the period lock.
func enterAdjustment(ctx context.Context, tx pgx.Tx, p Period, member string, amount decimal.Decimal, reason, by string) (ManualAdjustment, error) {
	var status string
	err := tx.QueryRow(ctx, `SELECT status FROM settle_runs WHERE period_id = $1`, p.ID).Scan(&status)
	switch {
	case err == nil && status != Draft:
		return ManualAdjustment{}, fmt.Errorf("%w: period %s is %s: adjust a later period instead", ledger.ErrConflict, p.Code, status)
	case err != nil && !errors.Is(err, pgx.ErrNoRows):
		return ManualAdjustment{}, err
	}
	var exists bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM members WHERE code = $1)`, member).Scan(&exists); err != nil {
		return ManualAdjustment{}, err
	}
	if !exists {
		return ManualAdjustment{}, fmt.Errorf("%w: no member %q", ledger.ErrNotFound, member)
	}
	a := ManualAdjustment{Period: p.Code, Member: member, Amount: amount, Reason: reason, EnteredBy: by}
	err = tx.QueryRow(ctx, `INSERT INTO settle_manual_adjustments (period_id, member, amount, reason, entered_by, entered_at)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, entered_at`, p.ID, member, amount, reason, by, clock.Now(ctx)).Scan(&a.ID, &a.EnteredAt)
	return a, err
}

// underKey runs fn in tx under idempotency key (idempotency.Do), or simply
// runs it when there is no key.
func underKey[T any](ctx context.Context, tx pgx.Tx, key, op string, req any, fn func() (T, error)) (T, error) {
	if key == "" {
		return fn()
	}
	return idempotency.Do(ctx, tx, key, op, req, fn)
}
