package jobs_test

import (
	"context"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"downline/graphstore"
	"downline/graphstore/memory"
	"downline/ledger"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/ledger/stock"
	"downline/projection"
	"downline/settle/jobs"
	"downline/settle/period"
)

var ctx = context.Background()

var start, cutoff = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// company is a generated network of n members with orders in period C1
// (October 2026) and a plan in force, and a graph store fed from it.
func company(t *testing.T, n int) (*ledger.DB, graphstore.Store) {
	t.Helper()
	db := ledgertest.DB(t)
	if err := member.CopyNetwork(ctx, db, member.GenerateNetwork(n, 7, start.Add(-731*24*time.Hour)), nil); err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile("../period/testdata/bench-plan.yaml")
	if err != nil {
		t.Fatal(err)
	}
	err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		w, err := stock.CreateWarehouse(ctx, tx, "WH", "Warehouse", 0)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO orders (kind, member_id, warehouse_id, status, total, pv, bv, entered_by, placed_at, paid_at, confirmed_at)
			SELECT 'repeat', g, $2, 'confirmed', v, v, trunc(v * 0.8), 'test', t, t, t
			FROM generate_series(1, $1::bigint) g,
			     LATERAL (SELECT 50 + (g * 7919) % 200 AS v, $3::timestamptz + (g % 700) * interval '1 hour' AS t) x`,
			n, w.ID, start); err != nil {
			return err
		}
		if _, err := period.UploadPlan(ctx, tx, doc, start.Add(-time.Hour), "finance"); err != nil {
			return err
		}
		_, err = period.Define(ctx, tx, "C1", "custom", start, cutoff, "finance")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	store := memory.New()
	if err := projection.Sync(ctx, db, store, nil); err != nil {
		t.Fatal(err)
	}
	return db, store
}

// dying stands for a worker process killed at a chosen statement: its
// sessions end (as when its connections drop), which rolls its open
// transaction back and frees its locks, and from then on nothing it sends
// reaches the database: no heartbeat, no record of how the run ended.
type dying struct {
	watch string
	admin *ledger.DB
	dead  atomic.Bool
	died  chan struct{}
}

// dyingPool is a pool on db's database whose connections d watches, named
// so that d can end all of them.
func dyingPool(t *testing.T, db *ledger.DB, d *dying) *ledger.DB {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(db.Pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Tracer = d
	cfg.ConnConfig.RuntimeParams["application_name"] = "dying worker"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return &ledger.DB{Pool: pool}
}

func (d *dying) TraceQueryStart(ctx context.Context, conn *pgx.Conn, q pgx.TraceQueryStartData) context.Context {
	if !d.dead.Load() && strings.HasPrefix(strings.TrimSpace(q.SQL), d.watch) {
		d.dead.Store(true)
		_, _ = d.admin.Pool.Exec(context.Background(), `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE application_name = 'dying worker'`)
		close(d.died)
	}
	if d.dead.Load() {
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		return ctx
	}
	return ctx
}

func (d *dying) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

// TestDeadWorkerReplaced: a worker killed while it writes a run leaves no
// run; once its heartbeat is old another worker claims the job again and
// runs it, with the lines of an uninterrupted run.
func TestDeadWorkerReplaced(t *testing.T) {
	db, store := company(t, 3000)
	d := &dying{watch: "INSERT INTO settle_runs", admin: db, died: make(chan struct{})}
	first := &jobs.Worker{DB: dyingPool(t, db, d), Graph: store, Name: "first"}
	fctx, stop := context.WithCancel(ctx)
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		_ = first.Run(fctx)
	}()
	defer func() {
		stop()
		<-stopped
	}()

	id, fresh, err := jobs.Start(ctx, db, jobs.Request{Period: "C1", By: "finance"})
	if err != nil || !fresh {
		t.Fatalf("start: job %d, fresh %v, %v", id, fresh, err)
	}
	select {
	case <-d.died:
	case <-time.After(2 * time.Minute):
		t.Fatal("the first worker never wrote the run")
	}
	var runs int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM settle_runs`).Scan(&runs); err != nil || runs != 0 {
		t.Fatalf("the killed worker left %d runs (%v)", runs, err)
	}
	if j, err := jobs.Get(ctx, db.Pool, id); err != nil || j.Status != jobs.Running || j.Attempts != 1 {
		t.Fatalf("the killed worker's job: %+v, %v", j, err)
	}

	// Its heartbeat goes stale (here at once, rather than in a minute).
	if _, err := db.Pool.Exec(ctx, `UPDATE settle_jobs SET heartbeat_at = now() - interval '2 minutes' WHERE id = $1`, id); err != nil {
		t.Fatal(err)
	}
	second := &jobs.Worker{DB: db, Graph: store, Name: "second"}
	if ran, err := second.RunOnce(ctx); !ran || err != nil {
		t.Fatalf("the second worker: ran %v, %v", ran, err)
	}
	j, err := jobs.Get(ctx, db.Pool, id)
	if err != nil || j.Status != jobs.Succeeded || j.Attempts != 2 || j.Stage != "done" {
		t.Fatalf("the job after the second worker: %+v, %v", j, err)
	}
	var worker string
	if err := db.Pool.QueryRow(ctx, `SELECT worker FROM settle_jobs WHERE id = $1`, id).Scan(&worker); err != nil || worker != "second" {
		t.Errorf("the job was finished by %q (%v), want second", worker, err)
	}
	r, err := period.GetRun(ctx, db.Pool, "C1")
	if err != nil || r.Attempt != 1 || r.Lines == 0 {
		t.Fatalf("the run: %+v, %v", r, err)
	}
	// An uninterrupted run of the same period writes the same lines.
	again, err := (&period.Runner{DB: db, Graph: store}).Run(ctx, "C1", "finance")
	if err != nil {
		t.Fatal(err)
	}
	if again.Run.LinesSHA256 != r.LinesSHA256 || again.Run.Lines != r.Lines {
		t.Errorf("the recovered run's lines %s (%d), an uninterrupted run's %s (%d)", r.LinesSHA256, r.Lines, again.Run.LinesSHA256, again.Run.Lines)
	}
}

// TestQueueWaitsForAWorker: a job waits, queued, while no worker runs; a
// second start of its period is refused; a worker gives up a run when it
// stops, and the job waits for the next worker.
func TestQueueWaitsForAWorker(t *testing.T) {
	db, store := company(t, 300)
	id, _, err := jobs.Start(ctx, db, jobs.Request{Period: "C1", Key: "k1", By: "finance"})
	if err != nil {
		t.Fatal(err)
	}
	if again, fresh, err := jobs.Start(ctx, db, jobs.Request{Period: "C1", Key: "k1", By: "finance"}); again != id || fresh || err != nil {
		t.Errorf("a retry under the same key: job %d (want %d), fresh %v, %v", again, id, fresh, err)
	}
	if _, _, err := jobs.Start(ctx, db, jobs.Request{Period: "C1", By: "finance"}); !strings.Contains(err.Error(), "in progress") {
		t.Errorf("a second start while one is queued: %v", err)
	}
	if j, err := jobs.Get(ctx, db.Pool, id); err != nil || j.Status != jobs.Queued || j.Attempts != 0 {
		t.Fatalf("the job with no worker: %+v, %v", j, err)
	}

	// A worker stopped during its run (its context ends once the run reads).
	wctx, stop := context.WithCancel(ctx)
	defer stop()
	stopping := &jobs.Worker{DB: db, Graph: store, CatchUp: func(context.Context) { stop() }}
	if ran, err := stopping.RunOnce(wctx); !ran || err != nil {
		t.Fatalf("the stopping worker: ran %v, %v", ran, err)
	}
	if j, err := jobs.Get(ctx, db.Pool, id); err != nil || j.Status != jobs.Queued || j.Attempts != 0 {
		t.Fatalf("the job after its worker stopped: %+v, %v", j, err)
	}
	var runs int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM settle_runs`).Scan(&runs); err != nil || runs != 0 {
		t.Fatalf("the stopped worker left %d runs (%v)", runs, err)
	}
	if ran, err := (&jobs.Worker{DB: db, Graph: store}).RunOnce(ctx); !ran || err != nil {
		t.Fatalf("the next worker: ran %v, %v", ran, err)
	}
	if j, err := jobs.Get(ctx, db.Pool, id); err != nil || j.Status != jobs.Succeeded || j.Attempts != 1 {
		t.Fatalf("the job after the next worker: %+v, %v", j, err)
	}
}
