package period

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
)

// GetPlan reads one stored plan version with its document.
//
// Errors: ledger.ErrNotFound.
func GetPlan(ctx context.Context, q ledger.Querier, id int64) (StoredPlan, error) {
	s, err := planByID(ctx, q, id)
	if errors.Is(err, pgx.ErrNoRows) {
		return StoredPlan{}, fmt.Errorf("%w: no stored plan %d", ledger.ErrNotFound, id)
	}
	return s, err
}

// Line is one bonus line of a run.
type Line struct {
	Member    string
	Bonus     string
	Source    string // empty for binary and pool
	Level     int
	Amount    decimal.Decimal // after the payout cap
	BeforeCap decimal.Decimal
}

// LineKey is a line's place in bonuses.csv order: a page cursor.
type LineKey struct {
	Member, Bonus, Source string
	Level                 int
}

// Key is where the next page after l starts.
func (l Line) Key() LineKey {
	return LineKey{Member: l.Member, Bonus: l.Bonus, Source: l.Source, Level: l.Level}
}

// LineQuery selects a page of a run's lines.
type LineQuery struct {
	Member string   // only this member's lines (empty: everyone's)
	After  *LineKey // start after this line (nil: from the first)
	Limit  int
}

// Lines reads one page of the lines of period code's run, in the order of
// bonuses.csv (member, bonus, source, level), with the run.
//
// Errors: ledger.ErrNotFound for a period not run; ledger.ErrInvalid for a
// limit outside 1..10000.
func Lines(ctx context.Context, q ledger.Querier, code string, lq LineQuery) ([]Line, Run, error) {
	if lq.Limit < 1 || lq.Limit > 10000 {
		return nil, Run{}, fmt.Errorf("%w: page size %d: from 1 to 10000", ledger.ErrInvalid, lq.Limit)
	}
	r, err := GetRun(ctx, q, code)
	if err != nil {
		return nil, Run{}, err
	}
	after := LineKey{Level: -1}
	if lq.After != nil {
		after = *lq.After
	}
	// A missing source sorts first, as NULLS FIRST does in bonuses.csv. The
	// plain member >= bound lets the block-range index skip the members
	// before the cursor (the row comparison alone cannot); a whole run is
	// still sorted from the cursor on for each page, so reading every line
	// of a large run is WriteLinesCSV's job, not this one's.
	rows, err := q.Query(ctx, `SELECT member, bonus, coalesce(source, ''), level, amount, before_cap FROM settle_run_lines
		WHERE set_id = $1 AND ($2 = '' OR member = $2) AND member >= $3 COLLATE "C"
		  AND (member, bonus, coalesce(source, ''), level) > ($3 COLLATE "C", $4 COLLATE "C", $5 COLLATE "C", $6)
		ORDER BY member, bonus, coalesce(source, ''), level LIMIT $7`,
		r.LinesSet, lq.Member, after.Member, after.Bonus, after.Source, after.Level, lq.Limit)
	if err != nil {
		return nil, Run{}, err
	}
	ls, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (Line, error) {
		var l Line
		err := row.Scan(&l.Member, &l.Bonus, &l.Source, &l.Level, &l.Amount, &l.BeforeCap)
		return l, err
	})
	return ls, r, err
}

// ManualAdjustments lists the manual adjustments of period code, in the
// order they were entered.
//
// Errors: ledger.ErrNotFound for an unknown period.
func ManualAdjustments(ctx context.Context, q ledger.Querier, code string) ([]ManualAdjustment, error) {
	if _, err := Get(ctx, q, code); err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT a.id, p.code, a.member, a.amount, a.reason, a.entered_by, a.entered_at
		FROM settle_manual_adjustments a JOIN settle_periods p ON p.id = a.period_id WHERE p.code = $1 ORDER BY a.id`, code)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(row pgx.CollectableRow) (ManualAdjustment, error) {
		var a ManualAdjustment
		err := row.Scan(&a.ID, &a.Period, &a.Member, &a.Amount, &a.Reason, &a.EnteredBy, &a.EnteredAt)
		return a, err
	})
}
