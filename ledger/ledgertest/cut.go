package ledgertest

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"downline/ledger"
)

// Cutter is a query tracer that ends a caller's context at a chosen point
// of its work: when a statement starting with the watched text is sent
// (before its transaction commits), or once the transaction that sent it
// has committed (the work is done, the answer not yet given). It stands for
// a caller that gives up, or a connection lost, at that point. Statements
// sent in a pgx.Batch are not seen; "begin" and "commit" always are.
type Cutter struct {
	watch       string
	afterCommit bool

	mu     sync.Mutex
	armed  map[*pgx.Conn]bool
	sql    map[*pgx.Conn]string
	cancel context.CancelFunc
	cuts   int
}

// NewCutter returns a cutter watching for statements that start with watch.
func NewCutter(watch string, afterCommit bool) *Cutter {
	return &Cutter{watch: watch, afterCommit: afterCommit, armed: map[*pgx.Conn]bool{}, sql: map[*pgx.Conn]string{}}
}

// Context returns a new context for the cutter to end (once).
func (c *Cutter) Context() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	c.mu.Lock()
	c.cancel = cancel
	c.mu.Unlock()
	return ctx
}

// Cuts is how many contexts the cutter has ended.
func (c *Cutter) Cuts() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cuts
}

func (c *Cutter) cut() {
	if c.cancel != nil {
		c.cancel()
		c.cancel = nil
		c.cuts++
	}
}

// TraceQueryStart implements pgx.QueryTracer.
func (c *Cutter) TraceQueryStart(ctx context.Context, conn *pgx.Conn, d pgx.TraceQueryStartData) context.Context {
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

// TraceQueryEnd implements pgx.QueryTracer.
func (c *Cutter) TraceQueryEnd(ctx context.Context, conn *pgx.Conn, d pgx.TraceQueryEndData) {
	c.mu.Lock()
	defer c.mu.Unlock()
	end := c.sql[conn] == "commit" || c.sql[conn] == "rollback"
	if c.afterCommit && c.armed[conn] && c.sql[conn] == "commit" && d.Err == nil {
		c.cut()
	}
	if end {
		delete(c.armed, conn)
	}
}

// Traced opens a second pool on db's database whose connections report to
// tracer; it is closed when the test ends.
func Traced(t testing.TB, db *ledger.DB, tracer pgx.QueryTracer) *ledger.DB {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(db.Pool.Config().ConnString())
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.Tracer = tracer
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return &ledger.DB{Pool: pool}
}
