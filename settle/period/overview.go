package period

import (
	"context"
	"errors"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// Open is the status of a period without a run: defined or not, it can be
// run once it has ended.
const Open = "open"

// PeriodStatus is a period with where its settlement stands.
type PeriodStatus struct {
	Period  Period // ID 0: a calendar month not defined yet
	Status  string // open, draft, approved or paid
	Run     *Run
	Plan    *StoredPlan // the run's plan, or the one in force at the start of an open period
	Defined bool
}

// maxUndefined bounds the ended months listed after the last defined period.
const maxUndefined = 12

// Periods lists the defined periods, newest first, each with its run, and
// before them the calendar months (in loc) that ended by now after the
// last defined period, at most 12 (with no period defined, the month
// before now's): the periods finance may run next.
func Periods(ctx context.Context, q ledger.Querier, now time.Time, loc *time.Location) ([]PeriodStatus, error) {
	rows, err := q.Query(ctx, periodSelect+` ORDER BY starts_at`)
	if err != nil {
		return nil, err
	}
	ps, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Period, error) { return scanPeriod(r) })
	if err != nil {
		return nil, err
	}
	runs, err := ListRuns(ctx, q)
	if err != nil {
		return nil, err
	}
	byPeriod := map[int64]*Run{}
	for i := range runs {
		byPeriod[runs[i].Period.ID] = &runs[i]
	}
	plans := map[int64]*StoredPlan{}
	planOf := func(id int64) (*StoredPlan, error) {
		if p, ok := plans[id]; ok {
			return p, nil
		}
		sp, err := planByID(ctx, q, id)
		if err != nil {
			return nil, err
		}
		plans[id] = &sp
		return &sp, nil
	}
	inForce := func(start time.Time) (*StoredPlan, error) {
		sp, err := PlanInForce(ctx, q, start)
		if errors.Is(err, ledger.ErrNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return planOf(sp.ID)
	}
	var out []PeriodStatus
	for _, p := range ps {
		st := PeriodStatus{Period: p, Status: Open, Defined: true}
		if r := byPeriod[p.ID]; r != nil {
			st.Run, st.Status = r, r.Status
			st.Plan, err = planOf(r.PlanID)
		} else {
			st.Plan, err = inForce(p.StartsAt)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	// The months after the last cut-off that have ended.
	now = now.In(loc)
	start := time.Date(now.Year(), now.Month()-1, 1, 0, 0, 0, 0, loc)
	if len(ps) > 0 {
		last := ps[len(ps)-1].CutoffAt.In(loc)
		start = time.Date(last.Year(), last.Month(), 1, 0, 0, 0, 0, loc)
		if !start.Equal(last) { // a cut-off within a month: the next whole month
			start = start.AddDate(0, 1, 0)
		}
	}
	var months []PeriodStatus
	for m := start; !m.AddDate(0, 1, 0).After(now); m = m.AddDate(0, 1, 0) {
		plan, err := inForce(m)
		if err != nil {
			return nil, err
		}
		months = append(months, PeriodStatus{Period: Period{Code: m.Format("2006-01"), Kind: "monthly", StartsAt: m,
			CutoffAt: m.AddDate(0, 1, 0), TimeZone: loc.String()}, Status: Open, Plan: plan})
	}
	if len(months) > maxUndefined {
		months = months[len(months)-maxUndefined:]
	}
	out = append(out, months...)
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}
