package explorer

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/singleflight"
)

// Cache holds the indexes of recent periods.
//
// A past period's index (its end is not after now) shows the trees at its
// end and the volumes confirmed within it, which no longer change; only an
// approval of a run can change its ranks and carry, so it is rebuilt only
// when the approved runs change. The current period's index goes stale as
// orders, returns, members and moves arrive: it is rebuilt when the ledger
// has moved on (the outbox's head, the graph store's last applied event or
// the approved runs differ from those it was built at).
//
// A small index (built in under SyncBelow) is checked on every read and
// rebuilt before answering, so a small company always reads its latest
// figures. A large one is checked at most every Interval (and five build
// times), in the background: reads go on with the previous index while one
// rebuild runs.
// The first read of a period waits for its first build; concurrent builds
// of one period are shared.
type Cache struct {
	Source Source
	// Interval is the least time between two checks of a large index (default 2s).
	Interval time.Duration
	// SyncBelow is the build time under which an index counts as small (default 50ms).
	SyncBelow time.Duration
	// Keep is the number of periods kept (default 4), least recently used
	// out first: a client asking for many periods, past or future, cannot
	// fill the memory (an index of a million members holds ~170 MiB).
	Keep int

	mu      sync.Mutex
	entries map[key]*entry
	flight  singleflight.Group
	builds  atomic.Int64
}

type key struct {
	period string
	past   bool
}

type entry struct {
	idx      atomic.Pointer[Index]
	ver      atomic.Pointer[version]
	checked  atomic.Int64 // unix nanoseconds of the last check
	checking atomic.Bool
	used     atomic.Int64 // for the LRU
}

// version is what an index was built from.
type version struct {
	outbox, graph int64
	runs          string
}

func (v version) equal(o version, past bool) bool {
	if past {
		return v.runs == o.runs
	}
	return v == o
}

// Builds counts the index builds so far (for tests and metrics).
func (c *Cache) Builds() int64 { return c.builds.Load() }

// Get returns the index of period code, [from, to), as of now (the caller's
// clock): a past period's trees are taken at to.
func (c *Cache) Get(ctx context.Context, code string, from, to, now time.Time) (*Index, error) {
	k := key{period: code, past: !to.After(now)}
	e := c.entry(k)
	e.used.Store(time.Now().UnixNano())
	x := e.idx.Load()
	if x == nil {
		return c.build(ctx, k, e, from, to)
	}
	if x.Took < c.syncBelow() {
		v, err := c.version(ctx)
		if err != nil {
			return nil, err
		}
		if !e.ver.Load().equal(v, k.past) {
			return c.build(ctx, k, e, from, to)
		}
		return x, nil
	}
	last := e.checked.Load()
	// Rebuilding takes CPU from the answers: a large index is rebuilt at
	// most once in five times its build time.
	if time.Since(time.Unix(0, last)) >= max(c.interval(), 5*x.Took) && e.checking.CompareAndSwap(false, true) {
		e.checked.Store(time.Now().UnixNano())
		bg := context.WithoutCancel(ctx)
		go func() {
			defer e.checking.Store(false)
			v, err := c.version(bg)
			if err != nil {
				slog.Error("explorer: check whether the figures are current", "period", code, "err", err)
				return
			}
			if !e.ver.Load().equal(v, k.past) {
				if _, err := c.build(bg, k, e, from, to); err != nil {
					slog.Error("explorer: rebuild the figures", "period", code, "err", err)
				}
			}
		}()
	}
	return x, nil
}

func (c *Cache) interval() time.Duration {
	if c.Interval > 0 {
		return c.Interval
	}
	return 2 * time.Second
}

func (c *Cache) syncBelow() time.Duration {
	if c.SyncBelow > 0 {
		return c.SyncBelow
	}
	return 50 * time.Millisecond
}

// entry finds or makes the entry of k, dropping the least recently used
// entries beyond Keep.
func (c *Cache) entry(k key) *entry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[key]*entry{}
	}
	if e, ok := c.entries[k]; ok {
		return e
	}
	e := &entry{}
	c.entries[k] = e
	if k.past {
		// The period has ended: its live index is not read again.
		delete(c.entries, key{period: k.period})
	}
	keep := c.Keep
	if keep <= 0 {
		keep = 4
	}
	for len(c.entries) > keep {
		var oldest key
		at := int64(-1)
		for k2, e2 := range c.entries {
			if u := e2.used.Load(); k2 != k && (at < 0 || u < at) {
				oldest, at = k2, u
			}
		}
		delete(c.entries, oldest)
	}
	return e
}

// build builds k's index once for all concurrent callers and installs it.
func (c *Cache) build(ctx context.Context, k key, e *entry, from, to time.Time) (*Index, error) {
	name := fmt.Sprintf("%s/%t", k.period, k.past)
	// Shared by every caller waiting: one leaving must not cancel it.
	ctx = context.WithoutCancel(ctx)
	v, err, _ := c.flight.Do(name, func() (any, error) {
		ver, err := c.version(ctx)
		if err != nil {
			return nil, err
		}
		var asOf time.Time
		if k.past {
			asOf = to
		}
		x, err := Build(ctx, c.Source, k.period, from, to, asOf)
		if err != nil {
			return nil, err
		}
		c.builds.Add(1)
		e.ver.Store(&ver)
		e.idx.Store(x)
		e.checked.Store(time.Now().UnixNano())
		return x, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*Index), nil
}

// version reads, in one round trip, how far the ledger has gone; the graph
// store's position is read from it.
func (c *Cache) version(ctx context.Context) (version, error) {
	var v version
	var err error
	v.outbox, v.graph, v.runs, err = Position(ctx, c.Source)
	return v, err
}

// Position is how far src has gone: the ledger's outbox head, the graph
// store's last applied event and the approved (or paid) runs. Figures
// built from src stay current while it is unchanged.
func Position(ctx context.Context, src Source) (outbox, graph int64, runs string, err error) {
	err = src.DB.Pool.QueryRow(ctx, `SELECT
		coalesce((SELECT max(seq) FROM outbox), 0),
		(SELECT coalesce(string_agg(r.id || ':' || r.status, ',' ORDER BY r.id), '') FROM settle_runs r WHERE r.status IN ('approved', 'paid'))`).
		Scan(&outbox, &runs)
	if err != nil {
		return 0, 0, "", fmt.Errorf("read the ledger's position: %w", err)
	}
	if graph, err = src.Graph.LastSeq(ctx); err != nil {
		return 0, 0, "", fmt.Errorf("read the graph store's position: %w", err)
	}
	return outbox, graph, runs, nil
}
