package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/graphstore"
	"downline/ledger"
	"downline/settle/period"
)

// Worker claims queued jobs and runs them, one at a time. Any number of
// workers, in any number of processes and machines, may share a database:
// each job is claimed by one (FOR UPDATE SKIP LOCKED).
type Worker struct {
	DB    *ledger.DB
	Graph graphstore.Store // the trees the runs read
	// CatchUp, when set, brings Graph up to the ledger before each run.
	CatchUp func(context.Context)
	// Describe turns a failed run's error into the HTTP status and detail
	// the API would have answered had the run been a request (the API's
	// problem mapper); nil: 500 and the error's text.
	Describe func(error) (status int, detail string)
	// Name identifies the worker in its jobs' rows (default: host, process
	// and a number).
	Name string
	Log  *slog.Logger

	// Poll is how often an idle worker looks for work besides being woken
	// by a start, and for jobs whose worker died (default 2s).
	Poll time.Duration
	// HeartbeatEvery: how often a running job's heartbeat is beaten (default
	// 2s); StaleAfter: a running job without a heartbeat for this long has
	// lost its worker and is queued again (default a minute).
	HeartbeatEvery, StaleAfter time.Duration
	// RunTimeout bounds one run; past it the run is cancelled, its
	// transaction rolled back (nothing is written) and the job failed
	// (default an hour).
	RunTimeout time.Duration
	// MaxAttempts: a job whose worker died this many times fails instead of
	// being queued again (default 3): a run that kills its worker would
	// otherwise kill every worker in turn.
	MaxAttempts int
}

var workers atomic.Int64

func (w *Worker) defaults() {
	if w.Name == "" {
		host, _ := os.Hostname()
		w.Name = fmt.Sprintf("%s:%d:%d", host, os.Getpid(), workers.Add(1))
	}
	if w.Log == nil {
		w.Log = slog.Default()
	}
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&w.Poll, 2 * time.Second}, {&w.HeartbeatEvery, 2 * time.Second}, {&w.StaleAfter, time.Minute}, {&w.RunTimeout, time.Hour}} {
		if *d.v <= 0 {
			*d.v = d.def
		}
	}
	if w.MaxAttempts <= 0 {
		w.MaxAttempts = 3
	}
}

// Run claims and runs jobs until ctx ends. A run going on when ctx ends is
// cancelled (nothing is written) and its job queued again for another
// worker. Run returns ctx's error.
func (w *Worker) Run(ctx context.Context) error {
	w.defaults()
	wake := make(chan struct{}, 1)
	go w.listen(ctx, wake)
	for {
		for {
			ran, err := w.RunOnce(ctx)
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if err != nil {
				w.Log.Warn("settlement worker: will retry", "worker", w.Name, "err", err)
			}
			if !ran || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		case <-time.After(w.Poll):
		}
	}
}

// listen wakes the worker when a job is queued (on any server).
func (w *Worker) listen(ctx context.Context, wake chan<- struct{}) {
	for ctx.Err() == nil {
		if err := w.listenOnce(ctx, wake); err != nil && ctx.Err() == nil {
			w.Log.Warn("settlement worker: listen for new jobs (polling meanwhile)", "worker", w.Name, "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(w.Poll):
			}
		}
	}
}

func (w *Worker) listenOnce(ctx context.Context, wake chan<- struct{}) error {
	conn, err := w.DB.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release() // a connection closed by a cancelled wait is dropped by the pool
	if _, err := conn.Exec(ctx, `LISTEN `+notifyChannel); err != nil {
		return err
	}
	for {
		if _, err := conn.Conn().WaitForNotification(ctx); err != nil {
			return err
		}
		select {
		case wake <- struct{}{}:
		default:
		}
	}
}

// RunOnce queues again the jobs whose worker died, then claims the oldest
// queued job and runs it; ran is false when there was none.
func (w *Worker) RunOnce(ctx context.Context) (ran bool, err error) {
	w.defaults()
	if err := w.recoverLost(ctx); err != nil {
		return false, err
	}
	c, ok, err := w.claim(ctx)
	if !ok || err != nil {
		return false, err
	}
	w.run(ctx, c)
	return true, nil
}

// recoverLost queues again each running job whose heartbeat stopped, or
// fails it when its workers died MaxAttempts times.
func (w *Worker) recoverLost(ctx context.Context) error {
	rows, err := w.DB.Pool.Query(ctx, `UPDATE settle_jobs j SET worker = CASE WHEN j.attempts < $2 THEN NULL ELSE j.worker END,
			status = CASE WHEN j.attempts < $2 THEN 'queued' ELSE 'failed' END,
			stage = CASE WHEN j.attempts < $2 THEN 'queued' ELSE j.stage END,
			finished_at = CASE WHEN j.attempts < $2 THEN NULL ELSE now() END,
			error_status = CASE WHEN j.attempts < $2 THEN NULL ELSE 500 END,
			error = CASE WHEN j.attempts < $2 THEN NULL
				ELSE 'the worker running it stopped before it finished (' || j.attempts || ' attempts); GET /api/v1/periods/' ||
					p.code || '/run shows whether the run was written' END
		FROM settle_periods p
		WHERE p.id = j.period_id AND j.status = 'running' AND j.heartbeat_at < now() - $1::interval
		RETURNING j.id, p.code, j.status`, w.StaleAfter.String(), w.MaxAttempts)
	if err != nil {
		return fmt.Errorf("recover run jobs whose worker stopped: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var code, status string
		if err := rows.Scan(&id, &code, &status); err != nil {
			return fmt.Errorf("recover run jobs whose worker stopped: %w", err)
		}
		w.Log.Warn("settlement worker: a run job lost its worker", "job", id, "period", code, "now", status)
	}
	return rows.Err()
}

// claimed is a job this worker holds: its row names the worker and the
// attempt, so a worker that lost a job (its heartbeat was too late, and
// another took it) changes nothing of it.
type claimed struct {
	id      int64
	period  string
	by      string
	attempt int
}

func (w *Worker) claim(ctx context.Context) (claimed, bool, error) {
	// A claim cancelled in flight could be made without its answer, and
	// the job would wait for its heartbeat to go stale: it ends on its own.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var c claimed
	err := w.DB.Pool.QueryRow(ctx, `UPDATE settle_jobs j SET status = 'running', worker = $1, attempts = j.attempts + 1,
			stage = 'starting', heartbeat_at = now()
		FROM settle_periods p
		WHERE p.id = j.period_id AND j.status = 'queued'
			AND j.id = (SELECT id FROM settle_jobs WHERE status = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
		RETURNING j.id, p.code, j.requested_by, j.attempts`, w.Name).Scan(&c.id, &c.period, &c.by, &c.attempt)
	if errors.Is(err, pgx.ErrNoRows) {
		return c, false, nil
	}
	if err != nil {
		return c, false, fmt.Errorf("claim a queued run job: %w", err)
	}
	return c, true, nil
}

// errLost: another worker took the job over.
var errLost = errors.New("the job was taken over by another worker")

// run runs the claimed job, beating its heartbeat with the current stage,
// and records how it ended.
func (w *Worker) run(ctx context.Context, c claimed) {
	lostCtx, lose := context.WithCancelCause(ctx)
	defer lose(nil)
	runCtx, cancel := context.WithTimeout(lostCtx, w.RunTimeout)
	defer cancel()
	var stage atomic.Value
	stage.Store("starting")
	done := make(chan struct{})
	beating := make(chan struct{})
	go func() {
		defer close(beating)
		t := time.NewTicker(w.HeartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				w.beat(runCtx, c, stage.Load().(string), lose)
			}
		}
	}()
	out, err := w.runPeriod(runCtx, c, &stage)
	close(done)
	<-beating
	// The job's row must be finished even when the run timed out.
	fctx, fcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer fcancel()
	switch {
	case err == nil:
		err = w.finish(fctx, c, `status = 'succeeded', finished_at = now(), replaced = $4, stage = 'done'`, out.Replaced)
	case errors.Is(context.Cause(lostCtx), errLost):
		w.Log.Warn("settlement worker: gave up a run job another worker took over", "job", c.id, "period", c.period)
		return
	case ctx.Err() != nil:
		// The worker stops: the run rolled back, and the job waits for
		// another worker (this attempt does not count).
		err = w.finish(fctx, c, `status = 'queued', worker = NULL, attempts = attempts - 1, stage = 'queued'`)
		if err == nil {
			_, err = w.DB.Pool.Exec(fctx, `SELECT pg_notify($1, $2)`, notifyChannel, fmt.Sprint(c.id))
		}
		w.Log.Info("settlement worker: stopped during a run; the job is queued again", "job", c.id, "period", c.period)
	default:
		status, msg := w.describe(err)
		if status >= 500 {
			w.Log.Error("run job failed", "job", c.id, "period", c.period, "err", err)
		}
		if errors.Is(err, context.DeadlineExceeded) {
			status, msg = 503, fmt.Sprintf("the run took longer than %s and was cancelled; nothing was written", w.RunTimeout)
		}
		err = w.finish(fctx, c, `status = 'failed', finished_at = now(), error_status = $4, error = $5, stage = $6`,
			status, msg, stage.Load().(string))
	}
	if err != nil {
		w.Log.Error("run job: record the end", "job", c.id, "err", err)
	}
}

// runPeriod brings the trees up to the ledger and runs the period.
func (w *Worker) runPeriod(ctx context.Context, c claimed, stage *atomic.Value) (out *period.Outcome, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("run of %s panicked: %v", c.period, p)
		}
	}()
	if w.CatchUp != nil {
		w.CatchUp(ctx) // the trees as the ledger has them now
	}
	r := &period.Runner{DB: w.DB, Graph: w.Graph, Progress: func(st string) { stage.Store(st) }}
	return r.Run(ctx, c.period, c.by)
}

// beat records the job's stage and that its worker lives; a job no longer
// this worker's (another took it over) cancels the run through lose.
func (w *Worker) beat(ctx context.Context, c claimed, stage string, lose context.CancelCauseFunc) {
	tag, err := w.DB.Pool.Exec(ctx, `UPDATE settle_jobs SET stage = $4, heartbeat_at = now()
		WHERE id = $1 AND status = 'running' AND worker = $2 AND attempts = $3`, c.id, w.Name, c.attempt, stage)
	switch {
	case err != nil && ctx.Err() == nil:
		w.Log.Warn("run job heartbeat", "job", c.id, "err", err)
	case err == nil && tag.RowsAffected() == 0:
		lose(errLost)
	}
}

// finish sets the claimed job's row (set may use $4 on: args).
func (w *Worker) finish(ctx context.Context, c claimed, set string, args ...any) error {
	_, err := w.DB.Pool.Exec(ctx, `UPDATE settle_jobs SET `+set+`
		WHERE id = $1 AND status = 'running' AND worker = $2 AND attempts = $3`, append([]any{c.id, w.Name, c.attempt}, args...)...)
	return err
}

func (w *Worker) describe(err error) (int, string) {
	if w.Describe != nil {
		return w.Describe(err)
	}
	return 500, err.Error()
}
