package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/settle/period"
)

// A run reads a period's volumes and both trees, computes and writes every
// line in one transaction: seconds for a small company, half a minute or
// more for a million members, longer than an HTTP request (or the proxy in
// front of it) should wait. So POST /periods/{period}/run records a job
// (settle_jobs) and answers 202 at once; the run goes on in the background
// and GET /run-jobs/{id} reports its stage, then the run or why it failed.
// Jobs live in Postgres, so any server answers for them, and a job whose
// server died (no heartbeat) is marked failed when the period is run again.
const (
	// runTimeout bounds one run; past it the run is cancelled and its
	// transaction rolled back (nothing is written).
	runTimeout     = time.Hour
	heartbeatEvery = 2 * time.Second
	// staleAfter: a running job without a heartbeat for this long has lost its server.
	staleAfter = time.Minute
)

// RunJob is a run started over HTTP.
type RunJob struct {
	ID          int64      `json:"id"`
	Period      string     `json:"period"`
	Status      string     `json:"status"` // running, succeeded or failed
	Stage       string     `json:"stage"`
	RequestedBy string     `json:"requested_by"`
	StartedAt   time.Time  `json:"started_at"`
	HeartbeatAt time.Time  `json:"heartbeat_at"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
	// Replaced: the run replaced the period's draft (a re-run).
	Replaced *bool     `json:"replaced,omitempty"`
	Error    *JobError `json:"error,omitempty"`
	// Run is the period's run, once the job succeeded.
	Run *RunView `json:"run,omitempty"`
}

// JobError is why a job failed: the status and detail the run would have
// answered had it run in the request.
type JobError struct {
	Status int    `json:"status"`
	Detail string `json:"detail"`
}

const (
	jobRunning   = "running"
	jobSucceeded = "succeeded"
	jobFailed    = "failed"
)

// jobSelect reads jobs; a running job whose heartbeat stopped reads as
// failed (the row itself is marked when the period is started again).
var jobSelect = fmt.Sprintf(`SELECT j.id, p.code, j.status, j.stage, j.requested_by, j.started_at, j.heartbeat_at, j.finished_at,
		j.replaced, j.error_status, j.error, j.status = 'running' AND j.heartbeat_at < now() - interval '%d seconds'
	FROM settle_jobs j JOIN settle_periods p ON p.id = j.period_id`, int(staleAfter.Seconds()))

// lostJob is why a job whose server died failed.
func lostJob(code string) string {
	return "the server running it stopped before it finished; GET /api/v1/periods/" + code + "/run shows whether the run was written"
}

func scanJob(row pgx.Row) (RunJob, error) {
	var j RunJob
	var status *int
	var msg *string
	var lost bool
	err := row.Scan(&j.ID, &j.Period, &j.Status, &j.Stage, &j.RequestedBy, &j.StartedAt, &j.HeartbeatAt, &j.FinishedAt,
		&j.Replaced, &status, &msg, &lost)
	if lost {
		j.Status, status, msg = jobFailed, new(int), new(string)
		*status, *msg = http.StatusInternalServerError, lostJob(j.Period)
	}
	if err == nil && msg != nil {
		j.Error = &JobError{Detail: *msg}
		if status != nil {
			j.Error.Status = *status
		}
	}
	return j, err
}

// job reads job id, with the period's run when it succeeded.
func (s *Server) job(ctx context.Context, id int64) (RunJob, error) {
	j, err := scanJob(s.DB.Pool.QueryRow(ctx, jobSelect+` WHERE j.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return RunJob{}, err404("no run job %d", id)
	}
	if err != nil || j.Status != jobSucceeded {
		return j, err
	}
	r, err := period.GetRun(ctx, s.DB.Pool, j.Period)
	if err != nil {
		return RunJob{}, err
	}
	v := runView(r)
	j.Run = &v
	return j, nil
}

func (s *Server) getRunJob(c *call) (any, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, err404("no run job %q", c.Param("id"))
	}
	return s.job(c.ctx(), id)
}

type runRequest struct {
	// TZ is the zone of the period's boundaries and of Cutoff (default: the
	// company's, ledger.CompanyZone).
	TZ string `json:"tz,omitempty"`
	// Cutoff overrides the period's computed cut-off when the period is
	// defined by this run (its first); later runs keep it.
	Cutoff string `json:"cutoff,omitempty"`
}

// startRun checks what can be checked at once (the period code, a plan in
// force, a run not yet approved), defines the period on its first run and
// starts the job. A retry under the same Idempotency-Key answers the same
// job; a second start while one runs is a conflict.
func (s *Server) startRun(c *call) (any, error) {
	var req runRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	wait, err := intQuery(c, "wait", 0, 0, 120)
	if err != nil {
		return nil, err
	}
	loc, err := zone(req.TZ)
	if err != nil {
		return nil, err
	}
	var cutoff time.Time
	if req.Cutoff != "" {
		if cutoff, err = ledger.ParseWhen("cutoff", req.Cutoff, loc); err != nil {
			return nil, errStatus(http.StatusUnprocessableEntity, err.Error())
		}
	}
	if s.Graph == nil {
		return nil, errStatus(http.StatusServiceUnavailable, "this server has no graph store, which a run reads the trees from")
	}
	ctx, code, by := c.ctx(), c.Param("period"), c.who.By()
	if c.key != "" {
		// A retry answers its job, whatever happened to the period since.
		var id int64
		var jobPeriod string
		err := s.DB.Pool.QueryRow(ctx, `SELECT j.id, p.code FROM settle_jobs j JOIN settle_periods p ON p.id = j.period_id
			WHERE j.op_key = $1`, c.key).Scan(&id, &jobPeriod)
		switch {
		case err == nil && jobPeriod != code:
			return nil, fmt.Errorf("%w: this Idempotency-Key started a run of another period; use a new key for a new request", ledger.ErrIdempotencyConflict)
		case err == nil:
			return s.awaitJob(c, id, wait)
		case !errors.Is(err, pgx.ErrNoRows):
			return nil, err
		}
	}
	p, err := period.Get(ctx, s.DB.Pool, code)
	switch {
	case errors.Is(err, ledger.ErrNotFound):
		_, start, _, err := period.ParseCode(code, loc)
		if err != nil {
			return nil, err
		}
		if _, err := period.PlanInForce(ctx, s.DB.Pool, start); err != nil {
			return nil, err
		}
		p, err = period.Ensure(ctx, s.DB, code, loc, cutoff, by)
		if errors.Is(err, ledger.ErrConflict) { // defined by a concurrent first run
			p, err = period.Get(ctx, s.DB.Pool, code)
		}
		if err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		if !cutoff.IsZero() && !cutoff.Truncate(time.Microsecond).Equal(p.CutoffAt) { // Postgres keeps microseconds
			return nil, fmt.Errorf("%w: period %s is defined already, with cut-off %s; cutoff applies to a period's first run only",
				ledger.ErrConflict, code, p.CutoffAt.In(loc).Format(time.RFC3339))
		}
		if _, err := period.PlanInForce(ctx, s.DB.Pool, p.StartsAt); err != nil {
			return nil, err
		}
		if r, err := period.GetRun(ctx, s.DB.Pool, code); err == nil && r.Status != period.Draft {
			return nil, fmt.Errorf("%w: period %s is %s: an approved run never changes; corrections go into a later period",
				ledger.ErrConflict, code, r.Status)
		}
	}
	id, fresh, err := s.recordJob(ctx, p, c.key, by)
	if err != nil {
		return nil, err
	}
	if fresh {
		s.jobs.Add(1)
		go func() {
			defer s.jobs.Done()
			s.runJob(id, code, by)
		}()
	}
	c.Set("audit.detail", fmt.Sprintf("run job %d of period %s", id, code))
	return s.awaitJob(c, id, wait)
}

// awaitJob answers job id once it has ended or wait seconds have passed.
func (s *Server) awaitJob(c *call, id int64, wait int) (any, error) {
	ctx := c.ctx()
	c.Header("Location", "/api/v1/run-jobs/"+strconv.FormatInt(id, 10))
	deadline := time.Now().Add(time.Duration(wait) * time.Second)
	for {
		j, err := s.job(ctx, id)
		if err != nil || j.Status != jobRunning || !time.Now().Before(deadline) {
			return j, err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// recordJob inserts a running job of period p, after marking failed a
// running one whose server stopped. fresh is false when key names an
// earlier job of the same period (a retry).
func (s *Server) recordJob(ctx context.Context, p period.Period, key, by string) (id int64, fresh bool, err error) {
	err = s.DB.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE settle_jobs SET status = 'failed', finished_at = now(), error_status = 500, error = $3
			WHERE period_id = $1 AND status = 'running' AND heartbeat_at < now() - $2::interval`,
			p.ID, staleAfter.String(), lostJob(p.Code)); err != nil {
			return err
		}
		var keyArg *string
		if key != "" {
			keyArg = &key
		}
		err := tx.QueryRow(ctx, `INSERT INTO settle_jobs (period_id, op_key, requested_by) VALUES ($1, $2, $3)
			ON CONFLICT DO NOTHING RETURNING id`, p.ID, keyArg, by).Scan(&id)
		if err == nil {
			fresh = true
			return nil
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return err
		}
		if key != "" {
			var periodID int64
			err := tx.QueryRow(ctx, `SELECT id, period_id FROM settle_jobs WHERE op_key = $1`, key).Scan(&id, &periodID)
			if err == nil && periodID != p.ID {
				return fmt.Errorf("%w: this Idempotency-Key started a run of another period; use a new key for a new request", ledger.ErrIdempotencyConflict)
			}
			if err == nil {
				return nil
			}
			if !errors.Is(err, pgx.ErrNoRows) {
				return err
			}
		}
		var running int64
		if err := tx.QueryRow(ctx, `SELECT id FROM settle_jobs WHERE period_id = $1 AND status = 'running'`, p.ID).Scan(&running); err != nil {
			return fmt.Errorf("start a run of %s: %w", p.Code, err)
		}
		return fmt.Errorf("%w: a run of period %s is in progress: job %d (GET /api/v1/run-jobs/%d); start again when it has finished",
			ledger.ErrConflict, p.Code, running, running)
	})
	return id, fresh, err
}

// runJob runs the period, beating the job's heartbeat with the current stage,
// and records how it ended.
func (s *Server) runJob(id int64, code, by string) {
	ctx, cancel := context.WithTimeout(s.jobContext(), runTimeout)
	defer cancel()
	var stage atomic.Value
	stage.Store("reading")
	beat := func(ctx context.Context) {
		if _, err := s.DB.Pool.Exec(ctx, `UPDATE settle_jobs SET stage = $2, heartbeat_at = now() WHERE id = $1 AND status = 'running'`,
			id, stage.Load().(string)); err != nil && ctx.Err() == nil {
			slog.Warn("run job heartbeat", "job", id, "err", err)
		}
	}
	done := make(chan struct{})
	beating := make(chan struct{})
	go func() {
		defer close(beating)
		t := time.NewTicker(heartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				beat(ctx)
			}
		}
	}()
	var out *period.Outcome
	var err error
	func() {
		defer func() {
			if p := recover(); p != nil {
				err = fmt.Errorf("run of %s panicked: %v", code, p)
			}
		}()
		s.catchUp(ctx) // the trees as the ledger has them now
		r := &period.Runner{DB: s.DB, Graph: s.Graph, Progress: func(st string) { stage.Store(st) }}
		out, err = r.Run(ctx, code, by)
	}()
	close(done)
	<-beating
	// The job's row must be finished even when the run timed out.
	fctx, fcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer fcancel()
	if err != nil {
		status, msg := statusOf(err)
		if status >= 500 {
			slog.Error("run job failed", "job", id, "period", code, "err", err)
		}
		switch {
		case errors.Is(err, context.DeadlineExceeded):
			status, msg = http.StatusServiceUnavailable, fmt.Sprintf("the run took longer than %s and was cancelled; nothing was written", runTimeout)
		case errors.Is(err, context.Canceled):
			status, msg = http.StatusServiceUnavailable, "the server shut down during the run; nothing was written: start it again"
		}
		_, err = s.DB.Pool.Exec(fctx, `UPDATE settle_jobs SET status = 'failed', finished_at = now(), error_status = $2, error = $3,
			stage = $4 WHERE id = $1 AND status = 'running'`, id, status, msg, stage.Load().(string))
	} else {
		_, err = s.DB.Pool.Exec(fctx, `UPDATE settle_jobs SET status = 'succeeded', finished_at = now(), replaced = $2, stage = 'done'
			WHERE id = $1 AND status = 'running'`, id, out.Replaced)
	}
	if err != nil {
		slog.Error("run job: record the end", "job", id, "err", err)
	}
}

// jobContext is the context background runs start from: Close cancels it.
func (s *Server) jobContext() context.Context {
	s.jobsOnce.Do(func() { s.jobsCtx, s.stopJobs = context.WithCancel(context.Background()) })
	return s.jobsCtx
}

// WaitJobs waits for the background jobs this server started (settlement
// runs) to end.
func (s *Server) WaitJobs() { s.jobs.Wait() }

// Close cancels the settlement runs still going (each rolls back, and its
// job is marked failed, to be started again) and waits for them: call it
// after the HTTP server has shut down.
func (s *Server) Close() {
	s.jobContext()
	s.stopJobs()
	s.jobs.Wait()
}
