package period

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/graphstore"
	"downline/ledger"
	"downline/settle/engine"
	"downline/settle/plan"
)

// Run states.
const (
	Draft    = "draft"
	Approved = "approved"
	Paid     = "paid"
)

// Run is the settlement of one period.
type Run struct {
	ID          int64
	Period      Period
	PlanID      int64
	Status      string
	Attempt     int
	RunBy       string
	RunAt       time.Time
	Members     int64
	Active      int64
	Lines       int64
	TotalBV     decimal.Decimal
	BeforeCap   decimal.Decimal
	BonusTotal  decimal.Decimal // the lines, after the payout cap
	AdjustTotal decimal.Decimal // clawbacks
	LinesSHA256 string
	LinesSet    int64 // the line set (settle_run_lines partition) holding its lines
	ReadMS      int
	ComputeMS   int
	WriteMS     int
	ApprovedBy  string
	ApprovedAt  *time.Time
	Reason      string
	PaidBy      string
	PaidAt      *time.Time
}

const runSelect = `SELECT r.id, p.id, p.code, p.kind, p.starts_at, p.cutoff_at, coalesce(p.time_zone, ''), r.plan_id, r.status, r.attempt, r.run_by, r.run_at,
		r.members, r.active, r.lines, r.total_bv, r.before_cap, r.bonus_total, r.adjust_total, r.lines_sha256, r.lines_set,
		r.read_ms, r.compute_ms, r.write_ms, coalesce(r.approved_by, ''), r.approved_at, coalesce(r.approve_reason, ''),
		coalesce(r.paid_by, ''), r.paid_at
	FROM settle_runs r JOIN settle_periods p ON p.id = r.period_id`

func scanRun(row pgx.Row) (Run, error) {
	var r Run
	p := &r.Period
	err := row.Scan(&r.ID, &p.ID, &p.Code, &p.Kind, &p.StartsAt, &p.CutoffAt, &p.TimeZone, &r.PlanID, &r.Status, &r.Attempt, &r.RunBy, &r.RunAt,
		&r.Members, &r.Active, &r.Lines, &r.TotalBV, &r.BeforeCap, &r.BonusTotal, &r.AdjustTotal, &r.LinesSHA256, &r.LinesSet,
		&r.ReadMS, &r.ComputeMS, &r.WriteMS, &r.ApprovedBy, &r.ApprovedAt, &r.Reason, &r.PaidBy, &r.PaidAt)
	return r, err
}

// lockRun reads the run of period p and locks its row, in tx.
// Errors: ledger.ErrNotFound for a period not run.
func lockRun(ctx context.Context, tx pgx.Tx, p Period) (Run, error) {
	r, err := scanRun(tx.QueryRow(ctx, runSelect+` WHERE p.id = $1 FOR UPDATE OF r`, p.ID))
	if errors.Is(err, pgx.ErrNoRows) {
		return Run{}, fmt.Errorf("%w: period %s has not been run", ledger.ErrNotFound, p.Code)
	}
	return r, err
}

// GetRun reads the run of period code. Errors: ledger.ErrNotFound.
func GetRun(ctx context.Context, q ledger.Querier, code string) (Run, error) {
	r, err := scanRun(q.QueryRow(ctx, runSelect+` WHERE p.code = $1`, code))
	if errors.Is(err, pgx.ErrNoRows) {
		return Run{}, fmt.Errorf("%w: period %q has not been run (downline settle run --period %s)", ledger.ErrNotFound, code, code)
	}
	return r, err
}

// ListRuns lists every run, by period.
func ListRuns(ctx context.Context, q ledger.Querier) ([]Run, error) {
	rows, err := q.Query(ctx, runSelect+` ORDER BY p.starts_at`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Run, error) { return scanRun(r) })
}

// periodLock is the advisory lock class of settlement periods: runs,
// approvals, adjustments and payouts of one period take it in turn.
const periodLock = 7_400_200

// lockWait is how long an operation waits for another one on the same period.
const lockWait = 10 * time.Second

// withPeriodLock holds period id's advisory lock (on a connection of its
// own, so that it is taken before the work's snapshot) while fn runs.
func withPeriodLock(ctx context.Context, db *ledger.DB, id int64, fn func() error) error {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	// Wait a little: a run killed a moment ago holds the lock until its
	// server process notices the dead connection.
	deadline := time.Now().Add(lockWait)
	for {
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1, $2::int)`, periodLock, id).Scan(&ok); err != nil {
			return err
		}
		if ok {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%w: another run, approval or payout of this period is in progress; try again when it ends", ledger.ErrConflict)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1, $2::int)`, periodLock, id)
	return fn()
}

// inPeriodTx runs fn in one read-committed transaction under period p's
// lock: how an approval, a payout or an adjustment changes a period.
func inPeriodTx(ctx context.Context, db *ledger.DB, p Period, fn func(tx pgx.Tx) error) error {
	return withPeriodLock(ctx, db, p.ID, func() error {
		return db.Transact(ctx, pgx.ReadCommitted, fn)
	})
}

// Runner settles periods from the ledger and a graph store.
type Runner struct {
	DB    *ledger.DB
	Graph graphstore.Store
	// Progress, when set, hears each stage as it starts.
	Progress func(stage string)
}

// Outcome is what a run did.
type Outcome struct {
	Run      Run
	Plan     *plan.Plan
	Totals   engine.Totals
	Replaced bool // a draft was replaced
	Read     readStats
	// Clawbacks lists the earlier periods recomputed, with the adjustments.
	Clawbacks []Clawback
	Commit    time.Duration
}

func (r *Runner) stage(s string) {
	if r.Progress != nil {
		r.Progress(s)
	}
}

// Run settles period code as a draft, by: it reads the period's volumes,
// both trees as of the cut-off and the carry-in of the previous period's
// approved run, claws back what returns took from approved periods, computes,
// and writes the run with its lines, member summaries and adjustments in one
// transaction. A draft of the period is replaced.
//
// Errors: ledger.ErrNotFound for an unknown period or no plan in force;
// ledger.ErrConflict when the period is already approved, the previous
// period is not, or another run of it is in progress; the engine's errors
// for inconsistent input.
func (r *Runner) Run(ctx context.Context, code, by string) (*Outcome, error) {
	if strings.TrimSpace(by) == "" {
		return nil, fmt.Errorf("%w: who runs the settlement is required (--by)", ledger.ErrInvalid)
	}
	p, err := Get(ctx, r.DB.Pool, code)
	if err != nil {
		return nil, err
	}
	var out *Outcome
	var commitStart time.Time
	err = withPeriodLock(ctx, r.DB, p.ID, func() error {
		err := r.DB.Transact(ctx, pgx.RepeatableRead, func(tx pgx.Tx) error {
			var err error
			out, err = r.run(ctx, tx, p, by)
			if err != nil {
				return err
			}
			r.stage("committing")
			commitStart = time.Now()
			return nil
		})
		if err != nil {
			// The lines written for the failed attempt are not published:
			// drop them now rather than at the next run.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			r.DB.Transact(cctx, pgx.ReadCommitted, func(tx pgx.Tx) error { return dropOrphanSets(cctx, tx, p.ID) })
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	out.Commit = time.Since(commitStart)
	return out, nil
}

func (r *Runner) run(ctx context.Context, tx pgx.Tx, p Period, by string) (*Outcome, error) {
	out := &Outcome{}
	// This transaction only: the reads are plain scans and index probes
	// whose plans JIT compilation would not pay for; the data is cached,
	// so an index probe costs about what reading the next page does (with
	// the default, the returns' join scanned every order); clawbacks sort
	// and hash whole periods.
	if _, err := tx.Exec(ctx, `SET LOCAL jit = off; SET LOCAL random_page_cost = 1.1; SET LOCAL work_mem = '256MB'`); err != nil {
		return nil, err
	}
	var existing int64
	var status string
	err := tx.QueryRow(ctx, `SELECT id, status FROM settle_runs WHERE period_id = $1 FOR UPDATE`, p.ID).Scan(&existing, &status)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
	case err != nil:
		return nil, err
	case status != Draft:
		return nil, fmt.Errorf("%w: period %s is %s: an approved run never changes; corrections go into a later period", ledger.ErrConflict, p.Code, status)
	}
	// Lines of earlier attempts killed before they were published.
	if err := dropOrphanSets(ctx, tx, p.ID); err != nil {
		return nil, fmt.Errorf("drop unpublished lines of %s: %w", p.Code, err)
	}
	carryRun, err := previousApproved(ctx, tx, p)
	if err != nil {
		return nil, err
	}
	sp, err := PlanInForce(ctx, tx, p.StartsAt)
	if err != nil {
		return nil, err
	}
	pl, err := sp.Parse()
	if err != nil {
		return nil, err
	}
	out.Plan = pl

	// Clawbacks first, so that their periods leave memory before this one is read.
	t0 := time.Now()
	out.Clawbacks, err = r.clawbacks(ctx, tx, p)
	if err != nil {
		return nil, err
	}
	clawTime := time.Since(t0)

	t0 = time.Now()
	in, stats, err := r.load(ctx, tx, inputSpec{period: p, asOf: p.CutoffAt, carryRun: carryRun})
	if err != nil {
		return nil, err
	}
	out.Read = stats
	readTime := time.Since(t0)
	t0 = time.Now()
	r.stage("computing")
	res, err := engine.Run(pl, in, engine.Options{})
	if err != nil {
		return nil, fmt.Errorf("compute period %s: %w", p.Code, err)
	}
	computeTime := time.Since(t0) + clawTime
	out.Totals = res.Totals

	t0 = time.Now()
	r.stage("writing")
	// The lines go into a line set of their own, written on other
	// connections while this one writes the member summaries, and
	// published (attached) at the end of this transaction.
	set, err := newLineSet(ctx, r.DB, p.ID, res)
	if err != nil {
		return nil, err
	}
	var runID, previousSet int64
	if existing != 0 {
		out.Replaced = true
		runID = existing
		if err := tx.QueryRow(ctx, `SELECT lines_set FROM settle_runs WHERE id = $1`, runID).Scan(&previousSet); err != nil {
			return nil, err
		}
		for _, t := range []string{"settle_run_members", "settle_run_adjustments"} {
			if _, err := tx.Exec(ctx, `DELETE FROM `+t+` WHERE run_id = $1`, existing); err != nil {
				return nil, fmt.Errorf("replace the draft of %s: %w", p.Code, err)
			}
		}
		_, err = tx.Exec(ctx, `UPDATE settle_runs SET plan_id = $2, attempt = attempt + 1, run_by = $3, run_at = $4 WHERE id = $1`,
			runID, sp.ID, by, clock.Now(ctx))
	} else {
		err = tx.QueryRow(ctx, `INSERT INTO settle_runs (period_id, plan_id, status, run_by, members, active, lines, total_bv,
			before_cap, bonus_total, adjust_total, lines_sha256, read_ms, compute_ms, write_ms, lines_set, run_at)
			VALUES ($1, $2, 'draft', $3, 0, 0, 0, 0, 0, 0, 0, '', 0, 0, 0, $4, $5) RETURNING id`, p.ID, sp.ID, by, set.id, clock.Now(ctx)).Scan(&runID)
	}
	if err != nil {
		return nil, fmt.Errorf("record the run of %s: %w", p.Code, err)
	}
	type written struct {
		n   int64
		sum string
		err error
	}
	linesDone := make(chan written, 1)
	go func() {
		var w written
		w.n, w.sum, w.err = writeParts(ctx, r.DB, set, res)
		linesDone <- w
	}()
	r.stage(fmt.Sprintf("writing %d lines", res.Lines.NumRows()))
	_, err = writeMembers(ctx, tx, runID, in, res)
	lw := <-linesDone
	if err != nil {
		return nil, fmt.Errorf("write member summaries: %w", err)
	}
	if lw.err != nil {
		return nil, lw.err
	}
	n, sum := lw.n, lw.sum
	in.Members.Release()
	in.Volumes.Release()
	adjTotal := decimal.Zero
	if len(out.Clawbacks) > 0 {
		if err := tx.QueryRow(ctx, `WITH a AS (INSERT INTO settle_run_adjustments (run_id, target_period, member, bonus, amount)
				SELECT $1, target_period, member, bonus, amount FROM settle_clawback RETURNING amount)
			SELECT coalesce(sum(amount), 0) FROM a`, runID).Scan(&adjTotal); err != nil {
			return nil, fmt.Errorf("write clawbacks: %w", err)
		}
	}
	if err := publishSet(ctx, tx, set, runID, previousSet); err != nil {
		return nil, err
	}
	writeTime := time.Since(t0)
	t := res.Totals
	out.Run, err = scanRun(tx.QueryRow(ctx, `WITH u AS (UPDATE settle_runs SET members = $2, active = $3, lines = $4, total_bv = $5,
			before_cap = $6, bonus_total = $7, adjust_total = $8, lines_sha256 = $9, read_ms = $10, compute_ms = $11, write_ms = $12
			WHERE id = $1 RETURNING *) `+strings.Replace(runSelect, "settle_runs r", "u r", 1),
		runID, t.Members, t.Active, n, t.TotalBV, t.BeforeCap, t.Paid, adjTotal, sum,
		readTime.Milliseconds(), computeTime.Milliseconds(), writeTime.Milliseconds()))
	if err != nil {
		return nil, fmt.Errorf("record the run of %s: %w", p.Code, err)
	}
	return out, nil
}

// previousApproved returns the run of the period before p, which must be
// approved (0 when p is the first period).
func previousApproved(ctx context.Context, tx pgx.Tx, p Period) (int64, error) {
	prev, ok, err := previous(ctx, tx, p)
	if err != nil || !ok {
		return 0, err
	}
	var id int64
	var status string
	err = tx.QueryRow(ctx, `SELECT id, status FROM settle_runs WHERE period_id = $1`, prev.ID).Scan(&id, &status)
	if errors.Is(err, pgx.ErrNoRows) || (err == nil && status == Draft) {
		return 0, fmt.Errorf("%w: the previous period %s is not approved: run and approve it first (its carry-out starts %s)",
			ledger.ErrConflict, prev.Code, p.Code)
	}
	return id, err
}

// load reads a period's input into an engine.Input (loadColumns).
func (r *Runner) load(ctx context.Context, tx pgx.Tx, spec inputSpec) (engine.Input, readStats, error) {
	return loadColumns(ctx, tx, r.Graph, spec, r.Progress)
}
