package teamdata_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/analytics/teamstats"
	"downline/graphstore"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/network"
)

// The same question, every member's own team figures in one month (members,
// joins, active members, volume), answered by analytics/teamstats in one
// pass over column arrays and by Postgres with a recursive CTE over the
// sponsor links, on the network `seed --members N` writes
// (member.GenerateNetwork: heavy-tailed teams and a few long recruiting
// chains) and PV for about half the members each month.

var shanghai = func() *time.Location {
	z, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return z
}()

// start is when the generated members start joining (over two years); the
// 36 months end a year after the last joins.
var start = time.Date(2024, 1, 1, 0, 0, 0, 0, shanghai)

func months() []teamstats.Period {
	return teamstats.Months(start.AddDate(0, 35, 0), 36, shanghai)
}

var gens sync.Map // n -> []member.Generated

func generated(n int) []member.Generated {
	if g, ok := gens.Load(n); ok {
		return g.([]member.Generated)
	}
	g := member.GenerateNetwork(n, 42, start)
	gens.Store(n, g)
	return g
}

// monthPV is member i's PV in month p, in hundredths: about half the
// members buy 100 to 300 PV a month.
func monthPV(p, i int) int64 {
	r := rand.New(rand.NewPCG(uint64(p), uint64(i)))
	if r.IntN(2) == 0 {
		return 0
	}
	return 10000 + r.Int64N(20000)
}

// columns is the generated network as the loader hands it to teamstats.
func columns(gen []member.Generated) teamstats.Network {
	n := len(gen)
	per := months()
	net := teamstats.Network{Periods: per, Ranks: []string{"Member"}}
	net.Sponsor = graphstore.Export{Tree: network.Sponsor, IDs: make([]network.MemberID, n), Parent: make([]int32, n)}
	net.Codes, net.Names, net.Joined = make([]string, n), make([]string, n), make([]time.Time, n)
	for i, g := range gen {
		net.Sponsor.IDs[i], net.Sponsor.Parent[i] = network.MemberID(i+1), g.Sponsor
		net.Codes[i], net.Names[i], net.Joined[i] = g.Code, g.Name, g.Joined
	}
	for p := range per {
		col := make([]int64, n)
		for i := range n {
			if !gen[i].Joined.Before(per[p].To) {
				continue
			}
			col[i] = monthPV(p, i)
		}
		net.PV, net.ActivePV, net.Rank = append(net.PV, col), append(net.ActivePV, 10000), append(net.Rank, nil)
	}
	return net
}

// BenchmarkAllTeamsMemory lays out the columns of 1M members and 36 months
// once (reported as layout-s), then computes one month's figures of every
// member's team per iteration.
func BenchmarkAllTeamsMemory(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			net := columns(generated(n))
			t0, c0 := time.Now(), cpu()
			d, err := teamstats.New(net)
			if err != nil {
				b.Fatal(err)
			}
			layout, layoutCPU := time.Since(t0), cpu()-c0
			ctx := context.Background()
			c0 = cpu()
			for b.Loop() {
				if _, err := d.All(ctx, 35); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpu()-c0).Milliseconds())/float64(b.N), "cpu-ms/op")
			b.ReportMetric(layout.Seconds(), "layout-s")
			b.ReportMetric(layoutCPU.Seconds(), "layout-cpu-s")
			b.ReportMetric(float64(pairs(generated(n))), "pairs")
		})
	}
}

// BenchmarkComputeTeams is one team's figures over 36 months: HQ (every
// member) and the leader of the largest team under half the network.
func BenchmarkComputeTeams(b *testing.B) {
	ctx := context.Background()
	d, err := teamstats.New(columns(generated(1_000_000)))
	if err != nil {
		b.Fatal(err)
	}
	c, err := d.All(ctx, 35)
	if err != nil {
		b.Fatal(err)
	}
	leader, size := "", int32(0)
	for k, m := range c.Members {
		if m > size && m < int32(d.Members()/2) {
			leader, size = c.Code[k], m
		}
	}
	for _, team := range []struct{ name, code string }{{"hq", ""}, {"leader", leader}} {
		b.Run(team.name, func(b *testing.B) {
			c0 := cpu()
			for b.Loop() {
				if _, err := teamstats.Compute(ctx, d, team.code, 36); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64((cpu()-c0).Milliseconds())/float64(b.N), "cpu-ms/op")
		})
	}
	b.Logf("the leader %s has a team of %d", leader, size)
}

// allTeamsSQL is the question in SQL: every member paired with each of its
// sponsor ancestors (itself included) by a recursive CTE, then grouped by
// ancestor. $1 and $2 bound the month.
const allTeamsSQL = `
WITH RECURSIVE up(member, ancestor) AS (
	SELECT id, id FROM members WHERE joined_at < $2
	UNION ALL
	SELECT up.member, m.sponsor_id FROM up JOIN members m ON m.id = up.ancestor WHERE m.sponsor_id IS NOT NULL
)
SELECT up.ancestor, count(*) AS members,
	count(*) FILTER (WHERE d.joined_at >= $1) AS joins,
	count(*) FILTER (WHERE p.pv >= 100) AS active,
	coalesce(sum(p.pv), 0) AS volume
FROM up JOIN members d ON d.id = up.member LEFT JOIN bench_month_pv p ON p.member_id = up.member
GROUP BY up.ancestor`

// BenchmarkAllTeamsSQL asks Postgres the same for the last month. Sizes
// beyond 100,000 are run when TEAMSTATS_SQL_MAX says so (the pairs grow
// with the depth of the chains); TEAMSTATS_SQL_TIMEOUT bounds each query
// (default 10m).
func BenchmarkAllTeamsSQL(b *testing.B) {
	max := 100_000
	if v := os.Getenv("TEAMSTATS_SQL_MAX"); v != "" {
		fmt.Sscan(v, &max)
	}
	timeout := "10min"
	if v := os.Getenv("TEAMSTATS_SQL_TIMEOUT"); v != "" {
		timeout = v
	}
	for _, n := range []int{10_000, 100_000, 1_000_000} {
		if n > max {
			continue
		}
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			ctx := context.Background()
			gen := generated(n)
			db := ledgertest.DB(b)
			if err := member.CopyNetwork(ctx, db, gen, nil); err != nil {
				b.Fatal(err)
			}
			per := months()
			last := len(per) - 1
			if _, err := db.Pool.Exec(ctx, `CREATE TABLE bench_month_pv (member_id bigint PRIMARY KEY, pv numeric NOT NULL)`); err != nil {
				b.Fatal(err)
			}
			i := 0
			_, err := db.Pool.CopyFrom(ctx, pgx.Identifier{"bench_month_pv"}, []string{"member_id", "pv"}, pgx.CopyFromFunc(func() ([]any, error) {
				for ; i < n; i++ {
					if v := monthPV(last, i); v > 0 {
						i++
						return []any{int64(i), fmt.Sprintf("%d.%02d", v/100, v%100)}, nil
					}
				}
				return nil, nil
			}))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := db.Pool.Exec(ctx, `ANALYZE members; ANALYZE bench_month_pv`); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
					if _, err := tx.Exec(ctx, fmt.Sprintf(`SET LOCAL statement_timeout = '%s'; SET LOCAL work_mem = '256MB'`, timeout)); err != nil {
						return err
					}
					rows, err := tx.Query(ctx, allTeamsSQL, per[last].From, per[last].To)
					if err != nil {
						return err
					}
					got := 0
					for rows.Next() {
						got++
					}
					if err := rows.Err(); err != nil {
						return err
					}
					if got != n {
						return fmt.Errorf("%d teams, want %d", got, n)
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(pairs(gen)), "pairs")
		})
	}
}

// cpu is the processor time this process has used (user and system): on a
// shared machine the wall clock also counts the time others had the CPUs.
func cpu() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// pairs counts the (member, ancestor) pairs, the member itself included:
// the rows the recursive CTE makes.
func pairs(gen []member.Generated) int64 {
	var c int64
	depth := make([]int64, len(gen)) // sponsors come first
	for i, g := range gen {
		if g.Sponsor >= 0 {
			depth[i] = depth[g.Sponsor] + 1
		}
		c += depth[i] + 1
	}
	return c
}

// levelsSQL is a team's growth by level in SQL: a recursive CTE down the
// sponsor links from the member, $4 levels deep, through members_sponsor_idx.
const levelsSQL = `
WITH RECURSIVE down(id, level) AS (
	SELECT id, 0 FROM members WHERE code = $1
	UNION ALL
	SELECT m.id, d.level + 1 FROM down d JOIN members m ON m.sponsor_id = d.id WHERE d.level < $4
)
SELECT d.level, count(*), count(*) FILTER (WHERE m.joined_at >= $2)
FROM down d JOIN members m ON m.id = d.id
WHERE d.level > 0 AND m.joined_at < $3
GROUP BY d.level ORDER BY d.level`

// BenchmarkGrowthByLevelSQL is the question graphstore/neo4j's
// BenchmarkGrowthByLevel asks (members and joins of the last month on 10
// levels below CN0000045, whose team is nearest a tenth of the network) in
// Postgres, on the same network (member.GenerateNetwork, seed 1, 100,000).
func BenchmarkGrowthByLevelSQL(b *testing.B) {
	ctx := context.Background()
	n := 100_000
	gen := member.GenerateNetwork(n, 1, start)
	db := ledgertest.DB(b)
	if err := member.CopyNetwork(ctx, db, gen, nil); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Pool.Exec(ctx, `ANALYZE members`); err != nil {
		b.Fatal(err)
	}
	to := gen[n-1].Joined.Add(time.Second)
	from := to.AddDate(0, -1, 0)
	var levels []string
	for b.Loop() {
		rows, err := db.Pool.Query(ctx, levelsSQL, "CN0000045", from, to, 10)
		if err != nil {
			b.Fatal(err)
		}
		levels = levels[:0]
		var level, members, joins int64
		_, err = pgx.ForEachRow(rows, []any{&level, &members, &joins}, func() error {
			levels = append(levels, fmt.Sprintf("%d:%d/%d", level, members, joins))
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.Logf("levels (members/joins): %v", levels)
}
