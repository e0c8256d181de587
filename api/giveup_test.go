package api_test

import (
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"downline/api"
	"downline/ledger"
)

// cutter is a query tracer that ends a request's context at a chosen point
// of its work: when a statement starting with watch is sent (before its
// transaction commits), or when the transaction that ran it has committed
// (the work is done, the answer not yet given). It stands for a caller
// that gives up, or a connection lost, at that point.
type cutter struct {
	watch       string
	afterCommit bool

	mu     sync.Mutex
	armed  map[*pgx.Conn]bool
	sql    map[*pgx.Conn]string
	cancel context.CancelFunc
	cuts   int
}

type cutKey struct{}

func newCutter(watch string, afterCommit bool) *cutter {
	return &cutter{watch: watch, afterCommit: afterCommit, armed: map[*pgx.Conn]bool{}, sql: map[*pgx.Conn]string{}}
}

// context returns the context of the request the cutter ends.
func (c *cutter) context() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	c.mu.Lock()
	c.cancel = cancel
	c.mu.Unlock()
	return ctx
}

func (c *cutter) cut() {
	if c.cancel != nil {
		c.cancel()
		c.cancel = nil
		c.cuts++
	}
}

func (c *cutter) TraceQueryStart(ctx context.Context, conn *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sql[conn] = d.SQL
	if strings.HasPrefix(strings.TrimSpace(d.SQL), c.watch) {
		if !c.afterCommit {
			c.cut()
		}
		c.armed[conn] = true
	}
	return ctx
}

func (c *cutter) TraceQueryEnd(ctx context.Context, conn *pgx.Conn, d pgx.TraceQueryEndData) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.afterCommit && c.armed[conn] && c.sql[conn] == "commit" && d.Err == nil {
		c.cut()
	}
	if c.sql[conn] == "commit" || c.sql[conn] == "rollback" {
		delete(c.armed, conn)
	}
}

// tracedHandler is a second server on the world's database whose
// connections report to tracer.
func (w *world) tracedHandler(t *testing.T, tracer pgx.QueryTracer) http.Handler {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(w.db.Pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Tracer = tracer
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	srv := &api.Server{DB: &ledger.DB{Pool: pool}, Graph: w.srv.Graph, Feed: w.srv.Feed}
	t.Cleanup(srv.WaitJobs)
	return srv.Handler()
}
