// Package teamdata loads what the team statistics (analytics/teamstats) are
// computed from: the sponsor and placement trees from the graph store's
// Export, the members' join times from the ledger, each month's PV (the
// settlement's rule, order.PeriodPV) with the plan's active_pv, and the
// ranks of each month's approved or paid settlement run. A Cache keeps the
// loaded data until the ledger moves on.
package teamdata

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"golang.org/x/sync/errgroup"
	"golang.org/x/sync/singleflight"

	"downline/analytics/teamstats"
	"downline/api/explorer"
	"downline/graphstore"
	"downline/ledger"
	"downline/ledger/order"
	"downline/network"
	"downline/settle/period"
)

// Source is where the data is loaded from.
type Source struct {
	DB    *ledger.DB
	Graph graphstore.Store
}

// Load loads the data of periods (consecutive months, oldest first). The
// trees are taken as they stand now: a member counts in a month's team
// when it had joined by the month's end.
func Load(ctx context.Context, src Source, periods []teamstats.Period) (*teamstats.Data, error) {
	net := teamstats.Network{Periods: periods}
	var err error
	if net.Sponsor, err = src.Graph.Export(ctx, network.Sponsor, time.Time{}); err != nil {
		return nil, fmt.Errorf("export the sponsor tree: %w", err)
	}
	pl, err := src.Graph.Export(ctx, network.Placement, time.Time{})
	if err != nil {
		return nil, fmt.Errorf("export the placement tree: %w", err)
	}
	if len(pl.IDs) == len(net.Sponsor.IDs) {
		net.Placement = pl
	}
	n := len(net.Sponsor.IDs)
	num := make(map[network.MemberID]int32, n)
	for i, id := range net.Sponsor.IDs {
		num[id] = int32(i)
	}
	net.Codes, net.Names, net.Joined = make([]string, n), make([]string, n), make([]time.Time, n)
	np := len(periods)
	net.PV, net.ActivePV, net.Rank = make([][]int64, np), make([]int64, np), make([][]int16, np)

	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(4)
	g.Go(func() error { return readMembers(gctx, src.DB, num, &net) })
	for p, per := range periods {
		g.Go(func() error {
			col := make([]int64, n)
			err := order.PeriodPV(gctx, src.DB.Pool, per.From, per.To, func(id int64, pv decimal.Decimal) error {
				if i, ok := num[network.MemberID(id)]; ok && pv.IsPositive() {
					col[i] = pv.Shift(teamstats.Scale).IntPart()
				}
				return nil
			})
			net.PV[p] = col
			return err
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	if err := readPlans(ctx, src.DB, num, &net); err != nil {
		return nil, err
	}
	return teamstats.New(net)
}

// readMembers reads codes, names and join times, in one query.
func readMembers(ctx context.Context, db *ledger.DB, num map[network.MemberID]int32, net *teamstats.Network) error {
	rows, err := db.Pool.Query(ctx, `SELECT id, code, name, joined_at FROM members`)
	if err != nil {
		return fmt.Errorf("read members: %w", err)
	}
	var (
		id         int64
		code, name string
		joined     time.Time
		seen       int
	)
	_, err = pgx.ForEachRow(rows, []any{&id, &code, &name, &joined}, func() error {
		if i, ok := num[network.MemberID(id)]; ok {
			net.Codes[i], net.Names[i], net.Joined[i] = code, name, joined
			seen++
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read members: %w", err)
	}
	if seen != len(num) {
		return fmt.Errorf("the graph store holds %d members the ledger does not: rebuild it (downline graph sync)", len(num)-seen)
	}
	return nil
}

// readPlans sets each month's active_pv from the plan in force at its start
// (without a plan, any PV makes a member active), the ladder from the plan
// of the latest month that has one, and each month's ranks from its approved or paid run,
// read by rank name.
func readPlans(ctx context.Context, db *ledger.DB, num map[network.MemberID]int32, net *teamstats.Network) error {
	for p, per := range net.Periods {
		sp, err := period.PlanInForce(ctx, db.Pool, per.From)
		if errors.Is(err, ledger.ErrNotFound) {
			net.ActivePV[p] = 1 // a hundredth
			continue
		}
		if err != nil {
			return fmt.Errorf("the plan in force in %s: %w", per.Code, err)
		}
		pl, err := sp.Parse()
		if err != nil {
			return fmt.Errorf("plan %s: %w", sp.Name, err)
		}
		net.ActivePV[p] = pl.ActivePV.Shift(teamstats.Scale).Ceil().IntPart()
		net.Ranks = net.Ranks[:0]
		for _, r := range pl.Ranks {
			net.Ranks = append(net.Ranks, r.Name)
		}
	}
	if len(net.Periods) == 0 {
		return nil
	}
	rankOf := map[string]int16{}
	for i, r := range net.Ranks {
		rankOf[r] = int16(i)
	}
	first, last := net.Periods[0].From, net.Periods[len(net.Periods)-1].To
	rows, err := db.Pool.Query(ctx, `SELECT r.id, p.starts_at, p.cutoff_at FROM settle_runs r JOIN settle_periods p ON p.id = r.period_id
		WHERE r.status IN ('approved', 'paid') AND p.starts_at >= $1 AND p.cutoff_at <= $2`, first, last)
	if err != nil {
		return fmt.Errorf("find the settled runs: %w", err)
	}
	type run struct {
		id       int64
		from, to time.Time
	}
	runs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (run, error) {
		var x run
		return x, r.Scan(&x.id, &x.from, &x.to)
	})
	if err != nil {
		return fmt.Errorf("find the settled runs: %w", err)
	}
	for _, r := range runs {
		for p, per := range net.Periods {
			// Only a run of the whole month gives the month's ranks.
			if !r.from.Equal(per.From) || !r.to.Equal(per.To) {
				continue
			}
			col := make([]int16, len(num))
			for i := range col {
				col[i] = -1
			}
			rows, err := db.Pool.Query(ctx, `SELECT m.id, s.rank FROM settle_run_members s JOIN members m ON m.code = s.member WHERE s.run_id = $1`, r.id)
			if err != nil {
				return fmt.Errorf("read the ranks of %s: %w", per.Code, err)
			}
			var (
				id   int64
				rank string
			)
			_, err = pgx.ForEachRow(rows, []any{&id, &rank}, func() error {
				if i, ok := num[network.MemberID(id)]; ok {
					if k, ok := rankOf[rank]; ok {
						col[i] = k
					}
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("read the ranks of %s: %w", per.Code, err)
			}
			net.Rank[p] = col
		}
	}
	return nil
}

// Cache keeps the data of recent windows (a window is its months) and loads
// them again when the ledger has moved on: its outbox head, the graph
// store's last applied event or the approved runs differ from those the
// data was loaded at. Loads of one window are shared by concurrent callers.
type Cache struct {
	Source Source
	// Keep is how many windows are kept (default 4).
	Keep int

	mu      sync.Mutex
	entries map[string]*entry
	flight  singleflight.Group
}

type entry struct {
	data *teamstats.Data
	ver  version
	used time.Time
}

type version struct {
	outbox, graph int64
	runs          string
}

// Get returns the data of periods, loading it when the cache has none as
// current as the ledger.
func (c *Cache) Get(ctx context.Context, periods []teamstats.Period) (*teamstats.Data, error) {
	if len(periods) == 0 {
		return nil, fmt.Errorf("%w: no periods", teamstats.ErrInvalid)
	}
	key := periods[0].Code + ".." + periods[len(periods)-1].Code
	ver, err := c.version(ctx)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	e := c.entries[key]
	c.mu.Unlock()
	if e != nil && e.ver == ver {
		c.touch(key, e)
		return e.data, nil
	}
	v, err, _ := c.flight.Do(key, func() (any, error) {
		d, err := Load(context.WithoutCancel(ctx), c.Source, periods)
		if err != nil {
			return nil, err
		}
		c.touch(key, &entry{data: d, ver: ver})
		return d, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*teamstats.Data), nil
}

// touch stores e under key as just used, dropping the least recently used
// windows beyond Keep.
func (c *Cache) touch(key string, e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.entries == nil {
		c.entries = map[string]*entry{}
	}
	e.used = time.Now()
	c.entries[key] = e
	keep := max(c.Keep, 1)
	if c.Keep == 0 {
		keep = 4
	}
	for len(c.entries) > keep {
		oldest := ""
		for k, x := range c.entries {
			if k != key && (oldest == "" || x.used.Before(c.entries[oldest].used)) {
				oldest = k
			}
		}
		delete(c.entries, oldest)
	}
}

// version reads how far the ledger and the graph store have gone.
func (c *Cache) version(ctx context.Context) (version, error) {
	var v version
	var err error
	v.outbox, v.graph, v.runs, err = explorer.Position(ctx, explorer.Source(c.Source))
	return v, err
}
