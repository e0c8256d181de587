package period

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/journal"
)

// Approve approves the draft run of period code: by, who must not be the
// person who ran it nor anyone who entered one of its manual adjustments
// (four eyes), records the reason and posts one journal entry per member
// with money in the period: commission expense against the member's bonus
// payable, for the member's lines plus clawbacks plus manual adjustments
// (a negative total reverses the direction: the member owes it back, and
// later earnings recover it). Drafts are never in the journal; an approved
// run never changes. The same transaction tells the outbox of the amounts
// (settlement.approved) and of the members who advanced in rank
// (member.rank_advanced, announceRanks).
//
// Errors: ledger.ErrNotFound for a period not run; ledger.ErrConflict for a
// run already approved; ledger.ErrInvalid for a missing reason, or an
// approver who ran the period or entered an adjustment.
func Approve(ctx context.Context, db *ledger.DB, code, by, reason string) (Run, error) {
	return ApproveOnce(ctx, db, "", code, by, reason)
}

// ApproveOnce is Approve under an idempotency key (none: ""), claimed in the
// transaction that approves: a retry with the same key and request returns
// the first approval, also when its answer was lost after the commit, and a
// failed approval leaves the key free for the retry. A different request
// under the same key is refused with ledger.ErrIdempotencyConflict.
func ApproveOnce(ctx context.Context, db *ledger.DB, key, code, by, reason string) (Run, error) {
	if strings.TrimSpace(by) == "" || strings.TrimSpace(reason) == "" {
		return Run{}, fmt.Errorf("%w: approving needs who approves (--by) and why (--reason)", ledger.ErrInvalid)
	}
	p, err := Get(ctx, db.Pool, code)
	if err != nil {
		return Run{}, err
	}
	req := struct{ Period, By, Reason string }{code, by, reason}
	var out Run
	err = inPeriodTx(ctx, db, p, func(tx pgx.Tx) (err error) {
		out, err = underKey(ctx, tx, key, "settle.approve:"+code, req, func() (Run, error) { return approve(ctx, tx, p, by, reason) })
		return err
	})
	return out, err
}

// approve is the work of Approve, in tx, under the period lock.
func approve(ctx context.Context, tx pgx.Tx, p Period, by, reason string) (Run, error) {
	code := p.Code
	r, err := lockRun(ctx, tx, p)
	if err != nil {
		return Run{}, err
	}
	if r.Status != Draft {
		return Run{}, fmt.Errorf("%w: period %s is already %s (by %s): a period is approved once", ledger.ErrConflict, code, r.Status, r.ApprovedBy)
	}
	if r.RunBy == by {
		return Run{}, fmt.Errorf("%w: %s ran period %s and cannot also approve it: a second finance user must approve", ledger.ErrInvalid, by, code)
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM settle_manual_adjustments WHERE period_id = $1 AND entered_by = $2`, p.ID, by).Scan(&n); err != nil {
		return Run{}, err
	}
	if n > 0 {
		return Run{}, fmt.Errorf("%w: %s entered %d manual adjustment(s) of period %s and cannot also approve it", ledger.ErrInvalid, by, n, code)
	}
	ms, err := memberAmounts(ctx, tx, `SELECT member, sum(amount) FROM (
			SELECT member, earnings AS amount FROM settle_run_members WHERE run_id = $1 AND earnings <> 0
			UNION ALL SELECT member, amount FROM settle_run_adjustments WHERE run_id = $1
			UNION ALL SELECT member, amount FROM settle_manual_adjustments WHERE period_id = $2) x
		GROUP BY member HAVING sum(amount) <> 0 ORDER BY member`, r.ID, p.ID)
	if err != nil {
		return Run{}, err
	}
	ids, err := postEach(ctx, tx, ms, "settlement.approved", "settle:"+code, "bonus of period "+code+" for ",
		fmt.Sprintf("settle:%d:approve:", r.ID), by, journal.CommissionExpense, journal.BonusPayable, false)
	if err != nil {
		return Run{}, err
	}
	members := make([]string, len(ms))
	amounts := make([]string, len(ms))
	for i, m := range ms {
		members[i], amounts[i] = m.Member, m.Amount.String()
	}
	if _, err := tx.Exec(ctx, `INSERT INTO settle_postings (run_id, member, amount, entry_id)
		SELECT $1, m, a, e FROM unnest($2::text[], $3::numeric[], $4::bigint[]) u(m, a, e)`, r.ID, members, amounts, ids); err != nil {
		return Run{}, err
	}
	if _, err := tx.Exec(ctx, `UPDATE settle_runs SET status = 'approved', approved_by = $2, approved_at = $3, approve_reason = $4
		WHERE id = $1`, r.ID, by, clock.Now(ctx), reason); err != nil {
		return Run{}, err
	}
	if err := announce(ctx, tx, EventApproved, code, r.ID, ms); err != nil {
		return Run{}, err
	}
	if err := announceRanks(ctx, tx, r); err != nil {
		return Run{}, err
	}
	return GetRun(ctx, tx, code)
}

// ManualAdjustment is a correction of one member's bonus for a period,
// entered by one finance user and approved with the run by another.
type ManualAdjustment struct {
	ID        int64
	Period    string
	Member    string
	Amount    decimal.Decimal
	Reason    string
	EnteredBy string
	EnteredAt time.Time
}

// Adjust enters a manual adjustment of member's bonus for period code,
// before the period is approved.
//
// Errors: ledger.ErrInvalid for a zero amount, more than two decimals, no
// reason or no author; ledger.ErrNotFound for an unknown period or member;
// ledger.ErrConflict when the period is already approved.
func Adjust(ctx context.Context, db *ledger.DB, code, member string, amount decimal.Decimal, reason, by string) (ManualAdjustment, error) {
	p, err := adjustmentPeriod(ctx, db, code, amount, reason, by)
	if err != nil {
		return ManualAdjustment{}, err
	}
	var a ManualAdjustment
	err = inPeriodTx(ctx, db, p, func(tx pgx.Tx) (err error) {
		a, err = enterAdjustment(ctx, tx, p, member, amount, reason, by)
		return err
	})
	return a, err
}
