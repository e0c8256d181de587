// Package jobs is the queue of settlement runs. A run of a million members
// takes longer than an HTTP request should wait, so the API records a job
// (Start) and answers at once; a worker (Worker, run by `downline worker`
// or embedded in `downline serve`) claims queued jobs from Postgres, runs
// them, beats each job's heartbeat with the current stage, and records how
// it ended. API servers and workers may run on different machines. A worker
// that dies mid-run leaves nothing (a run writes in one transaction), and
// once its heartbeat is old another worker queues the job again and runs it.
package jobs

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/settle/period"
)

// The states of a job.
const (
	Queued    = "queued"
	Running   = "running"
	Succeeded = "succeeded"
	Failed    = "failed"
)

// notifyChannel is the Postgres channel a start notifies, waking idle workers.
const notifyChannel = "settle_jobs"

// Job is a requested run of a period.
type Job struct {
	ID          int64
	Period      string
	Status      string // queued, running, succeeded or failed
	Stage       string // queued, then the run's stages, then done
	RequestedBy string
	StartedAt   time.Time // when it was requested
	HeartbeatAt time.Time
	FinishedAt  *time.Time
	Attempts    int   // how many times a worker claimed it
	Replaced    *bool // the run replaced the period's draft (a re-run)
	// ErrorStatus and Error say why the job failed: the HTTP status and
	// detail the run would have answered had it run in a request.
	ErrorStatus *int
	Error       *string
}

// Open: the job waits for a worker or runs.
func (j Job) Open() bool { return j.Status == Queued || j.Status == Running }

const jobSelect = `SELECT j.id, p.code, j.status, j.stage, j.requested_by, j.started_at, j.heartbeat_at, j.finished_at,
		j.attempts, j.replaced, j.error_status, j.error
	FROM settle_jobs j JOIN settle_periods p ON p.id = j.period_id`

func scanJob(row pgx.Row) (Job, error) {
	var j Job
	err := row.Scan(&j.ID, &j.Period, &j.Status, &j.Stage, &j.RequestedBy, &j.StartedAt, &j.HeartbeatAt, &j.FinishedAt,
		&j.Attempts, &j.Replaced, &j.ErrorStatus, &j.Error)
	return j, err
}

// Get reads job id.
func Get(ctx context.Context, q ledger.Querier, id int64) (Job, error) {
	j, err := scanJob(q.QueryRow(ctx, jobSelect+` WHERE j.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Job{}, fmt.Errorf("%w: no run job %d", ledger.ErrNotFound, id)
	}
	if err != nil {
		return Job{}, fmt.Errorf("read run job %d: %w", id, err)
	}
	return j, nil
}

// Request is a request to run a period.
type Request struct {
	Period string
	// Loc is the zone of the period's boundaries and of Cutoff, when this
	// request defines the period (its first run).
	Loc *time.Location
	// Cutoff overrides the period's computed cut-off on its first run;
	// later runs must leave it zero or repeat it.
	Cutoff time.Time
	// Key is the caller's idempotency key (optional): a retry under it
	// answers the same job.
	Key string
	By  string
}

// errOtherPeriod: a key names a job of another period.
var errOtherPeriod = fmt.Errorf("%w: this Idempotency-Key started a run of another period; use a new key for a new request", ledger.ErrIdempotencyConflict)

// Start checks what can be checked at once (the period code, a plan in
// force, a run not yet approved), defines the period on its first run and
// queues a job. A retry under the same key answers the same job (fresh is
// false), whatever happened to the period since; a second start while a job
// of the period waits or runs is a conflict.
func Start(ctx context.Context, db *ledger.DB, req Request) (id int64, fresh bool, err error) {
	if req.Key != "" {
		id, err := byKey(ctx, db.Pool, req.Key, req.Period)
		if err == nil || !errors.Is(err, pgx.ErrNoRows) {
			return id, false, err
		}
	}
	p, err := ready(ctx, db, req)
	if err != nil {
		return 0, false, err
	}
	return enqueue(ctx, db, p, req.Key, req.By)
}

// byKey finds the job an idempotency key started, which must be of period code.
func byKey(ctx context.Context, q ledger.Querier, key, code string) (int64, error) {
	var id int64
	var jobPeriod string
	err := q.QueryRow(ctx, `SELECT j.id, p.code FROM settle_jobs j JOIN settle_periods p ON p.id = j.period_id
		WHERE j.op_key = $1`, key).Scan(&id, &jobPeriod)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return 0, err
	case err != nil:
		return 0, fmt.Errorf("find the run job of key %q: %w", key, err)
	case jobPeriod != code:
		return 0, errOtherPeriod
	}
	return id, nil
}

// ready returns the period to run, defining it on its first run, once a plan
// is in force for it and its run (if any) is still a draft.
func ready(ctx context.Context, db *ledger.DB, req Request) (period.Period, error) {
	code := req.Period
	p, err := period.Get(ctx, db.Pool, code)
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		_, start, _, err := period.ParseCode(code, req.Loc)
		if err != nil {
			return p, err
		}
		if _, err := period.PlanInForce(ctx, db.Pool, start); err != nil {
			return p, err
		}
		p, err = period.Ensure(ctx, db, code, req.Loc, req.Cutoff, req.By)
		if errors.Is(err, ledger.ErrConflict) { // defined by a concurrent first run
			p, err = period.Get(ctx, db.Pool, code)
		}
		return p, err
	case err != nil:
		return p, err
	}
	if !req.Cutoff.IsZero() && !req.Cutoff.Truncate(time.Microsecond).Equal(p.CutoffAt) { // Postgres keeps microseconds
		return p, fmt.Errorf("%w: period %s is defined already, with cut-off %s; cutoff applies to a period's first run only",
			ledger.ErrConflict, code, p.CutoffAt.In(req.Loc).Format(time.RFC3339))
	}
	if _, err := period.PlanInForce(ctx, db.Pool, p.StartsAt); err != nil {
		return p, err
	}
	if r, err := period.GetRun(ctx, db.Pool, code); err == nil && r.Status != period.Draft {
		return p, fmt.Errorf("%w: period %s is %s: an approved run never changes; corrections go into a later period",
			ledger.ErrConflict, code, r.Status)
	}
	return p, nil
}

// enqueue inserts a queued job of period p and wakes the workers. fresh is
// false when key names an earlier job of the same period (a retry that
// raced its first attempt).
func enqueue(ctx context.Context, db *ledger.DB, p period.Period, key, by string) (id int64, fresh bool, err error) {
	err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		var keyArg *string
		if key != "" {
			keyArg = &key
		}
		err := tx.QueryRow(ctx, `INSERT INTO settle_jobs (period_id, op_key, requested_by) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING RETURNING id`, p.ID, keyArg, by).Scan(&id)
		if err == nil {
			fresh = true
			_, err = tx.Exec(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, fmt.Sprint(id))
			return err
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if key != "" {
			if id, err = byKey(ctx, tx, key, p.Code); !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		var open int64
		if err := tx.QueryRow(ctx, `SELECT id FROM settle_jobs WHERE period_id = $1 AND status IN ('queued', 'running')`, p.ID).Scan(&open); err != nil {
			return err
		}
		return fmt.Errorf("%w: a run of period %s is in progress: job %d (GET /api/v1/run-jobs/%d); start again when it has finished",
			ledger.ErrConflict, p.Code, open, open)
	})
	if err != nil && !errors.Is(err, ledger.ErrConflict) && !errors.Is(err, ledger.ErrIdempotencyConflict) {
		err = fmt.Errorf("queue a run of %s: %w", p.Code, err)
	}
	return id, fresh, err
}

// Wait returns job id once it has ended, or when until passes (then it may
// still be open), polling every poll.
func Wait(ctx context.Context, q ledger.Querier, id int64, until time.Time, poll time.Duration) (Job, error) {
	for {
		j, err := Get(ctx, q, id)
		if err != nil || !j.Open() || !time.Now().Before(until) {
			return j, err
		}
		select {
		case <-ctx.Done():
			return Job{}, ctx.Err()
		case <-time.After(poll):
		}
	}
}
