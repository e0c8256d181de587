package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"downline/clock"
	"downline/demo"
	"downline/ledger"
	"downline/ledger/member"
)

func newSeedCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "seed",
		Short: "Fill an empty database with a realistic, deterministic member network",
		Long: `Seed writes a synthetic network with COPY: heavy-tailed team sizes, a few deep
recruiting chains, most members with few recruits. The same --members and --seed
always give the same network. --demo seeds the demo company.`,
		Args: cobra.NoArgs,
	}
	cfg := withDatabase(cmd)
	n := cmd.Flags().Int("members", 10_000, "number of members")
	seed := cmd.Flags().Uint64("seed", 1, "random seed")
	withDemo := cmd.Flags().Bool("demo", false, "seed the demo company")
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
		gen := member.GenerateNetwork(members, *seed, clock.Now(ctx).AddDate(-2, 0, 0))
		bar := progressbar.NewOptions(len(gen),
			progressbar.OptionSetWriter(out),
			progressbar.OptionSetDescription("copying members"),
			progressbar.OptionShowCount(),
			progressbar.OptionThrottle(200*time.Millisecond),
			progressbar.OptionSetVisibility(isTerminal(out)),
		)
		last := 0
		err = member.CopyNetwork(ctx, db, gen, func(done int) {
			_ = bar.Add(done - last)
			last = done
		})
		_ = bar.Finish()
		if err != nil {
			return err
		}
		fmt.Fprintf(cmd.OutOrStdout(), "seeded %d members in %s (top member %s)\n",
			len(gen), time.Since(started).Round(time.Millisecond), gen[0].Code)
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
		fmt.Fprintf(w, "  admin, finance, finance2, warehouse, agency1 (agency AG1), agency2 (agency AG2), customer\n")
		fmt.Fprintf(w, "  members log in with their member code, e.g. %s (the top of the network)\n", gen[0].Code)
		fmt.Fprintf(w, "  settlement: runs by finance, approvals by finance2 (four eyes)\n")
		fmt.Fprintf(w, "Seeded the demo in %s.\n", time.Since(started).Round(100*time.Millisecond))
		fmt.Fprintf(w, "Sign in: curl -s -X POST http://127.0.0.1:8080/api/v1/auth/login -H 'Content-Type: application/json' -d '{\"login\": \"admin\", \"password\": \"%s\"}'\n", pass)
		return nil
	}
	return cmd
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
