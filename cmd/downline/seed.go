package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"downline/clock"
	"downline/demo"
	"downline/ledger"
	"downline/ledger/member"
	"downline/ledger/order"
	"downline/settle/period"
)

func newSeedCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Fill an empty database with a realistic, deterministic member network",
		Long: `Seed writes a synthetic network with COPY: heavy-tailed team sizes, a few deep
recruiting chains, most members with few recruits. The same --members and --seed
always give the same network. --demo seeds the demo company: a network grown
by six leaders (2,000 members unless --members says otherwise), the months of
orders from the first of the month before last to now, about half the members
active in each, and the settlement of the two complete months; 100,000 members
take under a minute. It prints each phase with its counts and rate.

--orders M then writes M confirmed member orders dated in --period (a month
YYYY-MM or an ISO week YYYY-Www in the company's zone; by default the month
before now), so that "settle plan upload" and "settle run --period" have a
period to settle: the registrations of the members who joined in it first,
then repeat orders at random times. The orders carry volumes and totals only
(no lines, stock or payments). The same --members, --orders, --period and
--seed always give the same orders.`,
		Args: cobra.NoArgs,
	}
	cfg := withDatabase(cmd)
	n := cmd.Flags().Int("members", 10_000, "number of members")
	seed := cmd.Flags().Uint64("seed", 1, "random seed")
	withDemo := cmd.Flags().Bool("demo", false, "seed the demo company")
	orders := cmd.Flags().Int("orders", 0, "also write this many confirmed member orders dated in --period")
	periodCode := cmd.Flags().String("period", "", "period of the --orders: YYYY-MM or YYYY-Www in the company's zone (default: the month before now)")
	var reset resetFlag
	cmd.Flags().BoolFunc("reset", "drop everything in the database first: a development database (dev/pg, make demo and the tests mark theirs), "+
		"or any database given its name, --reset=NAME", reset.set)
	demoPass := cmd.Flags().String("demo-password", "", "password of every demo account (default: a random one, printed at the end)")
	at := cmd.Flags().String("now", "", "seed as if it were this moment (RFC 3339, or a date and time in Asia/Shanghai): members joined in the two years before it, the demo's history ends at it (default: the present)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		if *at != "" {
			zone, err := ledger.CompanyZone()
			if err != nil {
				return err
			}
			t, err := clock.Parse(*at, zone)
			if err != nil {
				return fmt.Errorf("--now: %w", err)
			}
			ctx = clock.With(ctx, clock.Fixed(t))
		}
		bulk, err := bulkPeriod(ctx, cmd, *orders, *periodCode, *seed, *withDemo)
		if err != nil {
			return err
		}
		db, err := cfg.openDB(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		if reset.on {
			if err := reset.check(ctx, db); err != nil {
				return err
			}
			if _, err := db.Pool.Exec(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public`); err != nil {
				return fmt.Errorf("reset: %w", err)
			}
		}
		if _, err := db.Migrate(ctx); err != nil {
			return err
		}
		members := *n
		if *withDemo && !cmd.Flags().Changed("members") {
			members = 2_000
		}
		if members < 1 {
			return fmt.Errorf("--members must be at least 1, got %d", members)
		}
		out := cmd.ErrOrStderr()
		started := time.Now()
		fmt.Fprintf(out, "generating %d members (seed %d)\n", members, *seed)
		generate := member.GenerateNetwork
		if *withDemo {
			generate = member.GenerateCompany
		}
		gen := generate(members, *seed, clock.Now(ctx).AddDate(-2, 0, 0))
		progress, finish := copyProgress(out, len(gen), "copying members")
		err = member.CopyNetwork(ctx, db, gen, progress)
		finish()
		if err != nil {
			return err
		}
		took := time.Since(started)
		fmt.Fprintf(cmd.OutOrStdout(), "seeded %d members in %s, %.0f members/s (top member %s)\n",
			len(gen), took.Round(time.Millisecond), float64(len(gen))/took.Seconds(), gen[0].Code)
		if bulk.Orders > 0 {
			return seedOrders(ctx, cmd, db, bulk, *periodCode)
		}
		if !*withDemo {
			return nil
		}
		pass := *demoPass
		if pass == "" {
			pass = demo.Password()
		}
		sum, err := demo.Company(ctx, db, pass, *seed, out)
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		sum.Print(w)
		fmt.Fprintf(w, "\nDemo accounts (all with password %s):\n", pass)
		fmt.Fprintf(w, "  admin, finance, finance2, warehouse, agency1 (agency AG1), agency2 (agency AG2), customer, analyst, editor\n")
		fmt.Fprintf(w, "  members log in with their member code, e.g. %s (the top of the network)", gen[0].Code)
		if len(gen) > member.CompanyLeaders {
			fmt.Fprintf(w, " or %s (one of the leaders)", gen[1].Code)
		}
		fmt.Fprintln(w)
		fmt.Fprintf(w, "  settlement: runs by finance, approvals by finance2 (four eyes)\n")
		fmt.Fprintf(w, "  the shop (/shop): the customer signs in with the phone %s; payments go through the local test provider\n", demo.DemoCustomerPhone)
		fmt.Fprintf(w, "Seeded the demo in %s.\n", time.Since(started).Round(100*time.Millisecond))
		fmt.Fprintf(w, "Sign in: curl -s -X POST http://127.0.0.1:8080/api/v1/auth/login -H 'Content-Type: application/json' -d '{\"login\": \"admin\", \"password\": \"%s\"}'\n", pass)
		return nil
	}
	return cmd
}

// bulkPeriod reads --orders and --period: what seedOrders writes (no orders
// when --orders is 0). periodCode is set to the period's code.
func bulkPeriod(ctx context.Context, cmd *cobra.Command, orders int, periodCode string, seed uint64, demo bool) (order.BulkPeriod, error) {
	switch {
	case orders < 0:
		return order.BulkPeriod{}, fmt.Errorf("--orders must be 0 or more, got %d", orders)
	case orders == 0 && cmd.Flags().Changed("period"):
		return order.BulkPeriod{}, errors.New("--period is the period of the --orders: give --orders too")
	case orders == 0:
		return order.BulkPeriod{}, nil
	case demo:
		return order.BulkPeriod{}, errors.New("--orders seeds a period for a settlement at scale; the demo company (--demo) places its own orders: use one or the other")
	}
	loc, err := ledger.CompanyZone()
	if err != nil {
		return order.BulkPeriod{}, err
	}
	code := periodCode
	if code == "" {
		code = previousMonth(clock.Now(ctx), loc)
	}
	_, start, end, err := period.ParseCode(code, loc)
	if err != nil {
		return order.BulkPeriod{}, fmt.Errorf("--period: %w", err)
	}
	return order.BulkPeriod{Orders: orders, Start: start, End: end, Seed: seed}, nil
}

// previousMonth is the code of the month before the one now falls in, in loc.
func previousMonth(now time.Time, loc *time.Location) string {
	local := now.In(loc)
	return time.Date(local.Year(), local.Month(), 1, 0, 0, 0, 0, loc).AddDate(0, -1, 0).Format("2006-01")
}

// seedOrders writes the --orders and says how to settle them.
func seedOrders(ctx context.Context, cmd *cobra.Command, db *ledger.DB, bulk order.BulkPeriod, periodCode string) error {
	out := cmd.ErrOrStderr()
	started := time.Now()
	progress, finish := copyProgress(out, bulk.Orders, "copying orders")
	n, err := order.CopyPeriod(ctx, db, bulk, progress)
	finish()
	if err != nil {
		return err
	}
	if periodCode == "" {
		periodCode = bulk.Start.Format("2006-01")
	}
	fmt.Fprintf(cmd.OutOrStdout(), "seeded %d confirmed orders in period %s [%s, %s) in %s\n", n, periodCode,
		bulk.Start.Format(time.RFC3339), bulk.End.Format(time.RFC3339), time.Since(started).Round(time.Millisecond))
	return nil
}

// copyProgress shows a bulk copy's progress on out when it is a terminal:
// progress takes the rows written so far, finish ends the bar.
func copyProgress(out io.Writer, total int, what string) (progress func(done int), finish func()) {
	bar := progressbar.NewOptions(total,
		progressbar.OptionSetWriter(out),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionThrottle(200*time.Millisecond),
		progressbar.OptionSetVisibility(isTerminal(out)),
	)
	last := 0
	return func(done int) {
		_ = bar.Add(done - last)
		last = done
	}, func() { _ = bar.Finish() }
}

// resetFlag is --reset: on, and the name of the database to empty when given
// as --reset=NAME ("" for a development database, whatever its name).
type resetFlag struct {
	on   bool
	name string
}

func (r *resetFlag) set(v string) error {
	if b, err := strconv.ParseBool(v); err == nil { // --reset, --reset=false
		r.on, r.name = b, ""
		return nil
	}
	if v == "" {
		return errors.New("--reset= needs the name of the database to empty")
	}
	r.on, r.name = true, v
	return nil
}

// check refuses to empty a database that is neither marked as a development
// one nor the one named: DATABASE_URL may well name a production database.
func (r *resetFlag) check(ctx context.Context, db *ledger.DB) error {
	name, marked, err := db.Development(ctx)
	if err != nil {
		return fmt.Errorf("reset: %w", err)
	}
	switch {
	case r.name != "" && r.name != name:
		return fmt.Errorf("--reset=%s, but the database is %q: nothing was dropped; check --database-url or DATABASE_URL", r.name, name)
	case r.name == "" && !marked:
		return fmt.Errorf("refusing to reset database %q: it is not a development database (dev/pg up marks its own); "+
			"nothing was dropped. To drop everything in it anyway, name it: --reset=%s", name, name)
	}
	return nil
}

func isTerminal(w any) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
