// Package period settles a period on the ledger: plans stored with versions
// and effective dates, periods with their cut-off, and runs that read the
// period's volumes from Postgres and both trees from a graph store, compute
// with settle/engine and write the results back in one transaction; then
// four-eyes approval (journal entries), payout batches, clawbacks and
// member statements.
package period

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// Period is a settlement period: orders and returns confirmed in
// [StartsAt, CutoffAt) count in it, and the trees are taken as of CutoffAt.
type Period struct {
	ID       int64
	Code     string
	Kind     string // weekly, monthly or custom
	StartsAt time.Time
	CutoffAt time.Time
	// TimeZone is the zone the boundaries were computed in ("" for a
	// period defined before zones were recorded).
	TimeZone string
}

var (
	monthlyRE = regexp.MustCompile(`^(\d{4})-(\d{2})$`)
	weeklyRE  = regexp.MustCompile(`^(\d{4})-W(\d{2})$`)
)

// ParseCode reads a period code: YYYY-MM is a calendar month, YYYY-Www an ISO
// week, both starting at midnight in loc; the cut-off is the next period's start.
func ParseCode(code string, loc *time.Location) (kind string, start, cutoff time.Time, err error) {
	if m := monthlyRE.FindStringSubmatch(code); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		if mo < 1 || mo > 12 {
			return "", time.Time{}, time.Time{}, fmt.Errorf("%w: period %q: month %d", ledger.ErrInvalid, code, mo)
		}
		start = time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, loc)
		return "monthly", start, start.AddDate(0, 1, 0), nil
	}
	if m := weeklyRE.FindStringSubmatch(code); m != nil {
		y, _ := strconv.Atoi(m[1])
		w, _ := strconv.Atoi(m[2])
		// ISO week 1 holds 4 January; weeks start on Monday.
		jan4 := time.Date(y, 1, 4, 0, 0, 0, 0, loc)
		monday := jan4.AddDate(0, 0, -((int(jan4.Weekday()) + 6) % 7))
		start = monday.AddDate(0, 0, 7*(w-1))
		if yy, ww := start.ISOWeek(); w < 1 || yy != y || ww != w {
			return "", time.Time{}, time.Time{}, fmt.Errorf("%w: period %q: %d has no ISO week %d", ledger.ErrInvalid, code, y, w)
		}
		return "weekly", start, start.AddDate(0, 0, 7), nil
	}
	return "", time.Time{}, time.Time{}, fmt.Errorf("%w: period %q: want YYYY-MM (monthly) or YYYY-Www (weekly), or define it with explicit times", ledger.ErrInvalid, code)
}

const periodSelect = `SELECT id, code, kind, starts_at, cutoff_at, coalesce(time_zone, '') FROM settle_periods`

func scanPeriod(r pgx.Row) (Period, error) {
	var p Period
	err := r.Scan(&p.ID, &p.Code, &p.Kind, &p.StartsAt, &p.CutoffAt, &p.TimeZone)
	return p, err
}

// Get reads period code. Errors: ledger.ErrNotFound.
func Get(ctx context.Context, q ledger.Querier, code string) (Period, error) {
	p, err := scanPeriod(q.QueryRow(ctx, periodSelect+` WHERE code = $1`, code))
	if errors.Is(err, pgx.ErrNoRows) {
		return Period{}, fmt.Errorf("%w: no settlement period %q", ledger.ErrNotFound, code)
	}
	return p, err
}

// previous is the period that ends where p starts, if any.
func previous(ctx context.Context, q ledger.Querier, p Period) (Period, bool, error) {
	prev, err := scanPeriod(q.QueryRow(ctx, periodSelect+` WHERE cutoff_at = $1`, p.StartsAt))
	if errors.Is(err, pgx.ErrNoRows) {
		return Period{}, false, nil
	}
	return prev, err == nil, err
}

// Define adds a period. Periods follow each other without gaps or overlap:
// the first may start anywhere, every later one starts at the last cut-off.
// The zone of start is recorded as the zone of the period's boundaries.
//
// Errors: ledger.ErrInvalid for a bad code or times, or a gap or overlap;
// ledger.ErrConflict for a code already defined.
func Define(ctx context.Context, tx pgx.Tx, code, kind string, start, cutoff time.Time, by string) (Period, error) {
	// Postgres keeps microseconds.
	start, cutoff = start.Truncate(time.Microsecond), cutoff.Truncate(time.Microsecond)
	if !cutoff.After(start) {
		return Period{}, fmt.Errorf("%w: period %q: cut-off %s is not after the start %s", ledger.ErrInvalid, code, cutoff, start)
	}
	if strings.TrimSpace(by) == "" {
		return Period{}, fmt.Errorf("%w: period %q: who defines it is required", ledger.ErrInvalid, code)
	}
	// One definer at a time, so that two cannot both extend the same last period.
	if _, err := tx.Exec(ctx, `LOCK TABLE settle_periods IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		return Period{}, err
	}
	if _, err := Get(ctx, tx, code); err == nil {
		return Period{}, fmt.Errorf("%w: period %q is already defined", ledger.ErrConflict, code)
	} else if !errors.Is(err, ledger.ErrNotFound) {
		return Period{}, err
	}
	var last *time.Time
	if err := tx.QueryRow(ctx, `SELECT max(cutoff_at) FROM settle_periods`).Scan(&last); err != nil {
		return Period{}, err
	}
	if last != nil && !last.Equal(start) {
		return Period{}, fmt.Errorf("%w: period %q starts at %s but the last period ends at %s: periods follow each other without gaps",
			ledger.ErrInvalid, code, start.Format(time.RFC3339), last.Format(time.RFC3339))
	}
	p, err := scanPeriod(tx.QueryRow(ctx, `INSERT INTO settle_periods (code, kind, starts_at, cutoff_at, created_by, time_zone)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id, code, kind, starts_at, cutoff_at, time_zone`, code, kind, start, cutoff, by, start.Location().String()))
	if err != nil {
		var pe interface{ SQLState() string }
		if errors.As(err, &pe) && pe.SQLState() == "23514" {
			return Period{}, fmt.Errorf("%w: period code %q: letters, digits, dots, dashes and underscores only", ledger.ErrInvalid, code)
		}
		return Period{}, fmt.Errorf("define period %s: %w", code, err)
	}
	return p, nil
}

// Ensure returns period code, defining it from its code (ParseCode) in loc
// when it does not exist yet: loc is the company's zone (ledger.CompanyZone)
// unless its caller names another, and is recorded with the period. A
// non-zero cutoff overrides the computed one.
func Ensure(ctx context.Context, db *ledger.DB, code string, loc *time.Location, cutoff time.Time, by string) (Period, error) {
	if p, err := Get(ctx, db.Pool, code); err == nil || !errors.Is(err, ledger.ErrNotFound) {
		return p, err
	}
	kind, start, end, err := ParseCode(code, loc)
	if err != nil {
		return Period{}, err
	}
	if !cutoff.IsZero() {
		end = cutoff
	}
	var p Period
	err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		p, err = Define(ctx, tx, code, kind, start, end, by)
		return err
	})
	return p, err
}
