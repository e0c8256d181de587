package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	"github.com/spf13/cobra"

	"downline/graphstore"
	"downline/ledger"
	"downline/settle/engine"
	"downline/settle/period"
	"downline/settle/simulate"
)

// settleRunCmds are the settlement commands on the ledger: plans, runs,
// approval, payouts, statements and exports.
func settleRunCmds() []*cobra.Command {
	return []*cobra.Command{newSettlePlanCmd(), newSettleRunCmd(), newSettleApproveCmd(), newSettleAdjustCmd(),
		newSettlePayCmd(), newSettleShowCmd(), newSettleLinesCmd(), newSettleStatementCmd(), newSettleExportCmd()}
}

// ledgerCmd gives a command --database-url and opens the ledger for run.
func ledgerCmd(cmd *cobra.Command, run func(cmd *cobra.Command, db *ledger.DB) error) *cobra.Command {
	cfg := withDatabase(cmd)
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		db, err := cfg.openDB(cmd.Context())
		if err != nil {
			return err
		}
		defer db.Close()
		return run(cmd, db)
	}
	return cmd
}

// graphOpener opens the graph store a settlement reads the trees from.
type graphOpener func() (graphstore.Store, error)

// ledgerGraphCmd is ledgerCmd for a command that also reads the trees: it
// gives it the Neo4j flags too, and run a graphOpener for the store they
// name (the embedded store without them), closed when run returns.
func ledgerGraphCmd(cmd *cobra.Command, run func(cmd *cobra.Command, db *ledger.DB, graph graphOpener) error) *cobra.Command {
	cfg := withDatabase(cmd).withNeo4j(cmd)
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		conf := cfg.config()
		db, err := conf.openDB(cmd.Context())
		if err != nil {
			return err
		}
		defer db.Close()
		var opened []graph
		defer func() {
			for _, g := range opened {
				g.close()
			}
		}()
		return run(cmd, db, func() (graphstore.Store, error) {
			g, err := settleGraph(cmd, db, conf)
			if err == nil {
				opened = append(opened, g)
			}
			return g.Store, err
		})
	}
	return cmd
}

func required(cmd *cobra.Command, names ...string) {
	for _, n := range names {
		cmd.MarkFlagRequired(n)
	}
}

// tzFlag gives cmd --tz, by default the company's zone.
func tzFlag(cmd *cobra.Command, tz *string, usage string) {
	cmd.Flags().StringVar(tz, "tz", "", usage+" (default: the company's, $"+ledger.CompanyZoneEnv+" or "+ledger.DefaultCompanyZone+")")
}

// cliZone is the zone --tz names, or the company's.
func cliZone(tz string) (*time.Location, error) {
	if tz == "" {
		return ledger.CompanyZone()
	}
	loc, err := ledger.LoadZone(tz)
	if err != nil {
		return nil, fmt.Errorf("--tz: %w", err)
	}
	return loc, nil
}

func newSettlePlanCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "plan", Short: "Compensation plans in the ledger: upload, list"}
	var file, effective, tz string
	var as *actor
	up := ledgerCmd(&cobra.Command{Use: "upload --file PLAN --effective DATE [--as LOGIN]", Short: "Validate a plan and store it as the next version"},
		func(cmd *cobra.Command, db *ledger.DB) error {
			by, err := as.who(cmd, db)
			if err != nil {
				return err
			}
			loc, err := cliZone(tz)
			if err != nil {
				return err
			}
			eff, err := ledger.ParseWhen("time", effective, loc)
			if err != nil {
				return err
			}
			doc, err := os.ReadFile(file)
			if err != nil {
				return err
			}
			var s period.StoredPlan
			err = db.Transact(cmd.Context(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
				s, err = period.UploadPlan(cmd.Context(), tx, doc, eff, by)
				return err
			})
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "plan %s version %d in force from %s (sha256 %s)\n", s.Name, s.Version, s.EffectiveFrom.In(loc).Format(time.RFC3339), s.SHA256[:12])
			return nil
		})
	up.Flags().StringVar(&file, "file", "", "plan document (YAML or JSON)")
	up.Flags().StringVar(&effective, "effective", "", "in force for periods starting at or after this date")
	as = actorFlag(up)
	tzFlag(up, &tz, "time zone of --effective")
	required(up, "file", "effective")
	list := ledgerCmd(&cobra.Command{Use: "list", Short: "List the stored plan versions"}, func(cmd *cobra.Command, db *ledger.DB) error {
		ps, err := period.ListPlans(cmd.Context(), db.Pool)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(cmd.OutOrStdout(), 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "name\tversion\teffective from\tuploaded by\tsha256")
		for _, p := range ps {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\n", p.Name, p.Version, p.EffectiveFrom.Format(time.RFC3339), p.UploadedBy, p.SHA256[:12])
		}
		return tw.Flush()
	})
	cmd.AddCommand(up, list)
	return cmd
}

// settleGraph opens the graph store a run reads the trees from: Neo4j when
// conf names one, brought up to date (or loaded when empty) so the trees as
// of the cut-off are complete; else the embedded store loaded from the
// ledger.
func settleGraph(cmd *cobra.Command, db *ledger.DB, conf Config) (graph, error) {
	g, err := conf.openGraph(cmd.Context(), db, true)
	if err != nil {
		return g, err
	}
	if g.neo4j != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "settle: reading the trees from Neo4j at %s\n", conf.Neo4j.URI)
	} else {
		fmt.Fprintf(cmd.ErrOrStderr(), "settle: graph store loaded, %d members (%.2fs)\n", g.members, g.took.Seconds())
	}
	return g, nil
}

type periodFlagsRun struct {
	code, tz, cutoff string
}

func newSettleRunCmd() *cobra.Command {
	var f periodFlagsRun
	var as *actor
	cmd := ledgerGraphCmd(&cobra.Command{
		Use:   "run --period P [--as LOGIN]",
		Short: "Settle a period on the ledger as a draft (a draft is replaced by a re-run until approved)",
		Long: "Reads the period's confirmed orders and returns, both trees as of the cut-off and the previous\n" +
			"period's carry-out, claws back what returns took from approved periods, computes and writes the run\n" +
			"in one transaction. P is YYYY-MM (month) or YYYY-Www (ISO week), defined on first use.",
	}, func(cmd *cobra.Command, db *ledger.DB, graph graphOpener) error {
		ctx := cmd.Context()
		stderr := cmd.ErrOrStderr()
		by, err := as.who(cmd, db)
		if err != nil {
			return err
		}
		p, err := ensurePeriod(cmd, db, f, by)
		if err != nil {
			return err
		}
		store, err := graph()
		if err != nil {
			return err
		}
		start := time.Now()
		r := &period.Runner{DB: db, Graph: store, Progress: func(stage string) {
			fmt.Fprintf(stderr, "settle: %-28s (%.2fs)\n", stage, time.Since(start).Seconds())
		}}
		out, err := r.Run(ctx, p.Code, by)
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		verb := "run"
		if out.Replaced {
			verb = "re-run (draft replaced)"
		}
		fmt.Fprintf(w, "period     %s [%s, %s) %s %s, attempt %d, by %s\n", p.Code, p.StartsAt.Format(time.RFC3339), p.CutoffAt.Format(time.RFC3339), p.TimeZone,
			verb, out.Run.Attempt, out.Run.RunBy)
		fmt.Fprintf(w, "read       %d members, %d orders and returns, %d carry-in rows\n", out.Read.Members, out.Read.Orders, out.Read.Carry)
		if err := simulate.WriteSummary(w, &engine.Result{Plan: out.Plan, Totals: out.Totals}); err != nil {
			return err
		}
		for _, c := range out.Clawbacks {
			fmt.Fprintf(w, "clawback   %s: %d adjustments, %s\n", c.Period, c.Lines, c.Total.StringFixed(out.Plan.Scale))
		}
		fmt.Fprintf(w, "lines      %d (sha256 %s)\n", out.Run.Lines, out.Run.LinesSHA256)
		fmt.Fprintf(w, "time       read %.2fs, compute %.2fs, write %.2fs, commit %.2fs, total %.2fs\n",
			float64(out.Run.ReadMS)/1000, float64(out.Run.ComputeMS)/1000, float64(out.Run.WriteMS)/1000, out.Commit.Seconds(), time.Since(start).Seconds())
		fmt.Fprintf(w, "status     draft: someone else approves it with downline settle approve --period %s --as LOGIN --reason ...\n", p.Code)
		return nil
	})
	cmd.Flags().StringVar(&f.code, "period", "", "period code: YYYY-MM or YYYY-Www, or one defined with --cutoff")
	as = actorFlag(cmd)
	tzFlag(cmd, &f.tz, "time zone of the period's boundaries when it is defined")
	cmd.Flags().StringVar(&f.cutoff, "cutoff", "", "cut-off time when defining the period (default: the next period's start)")
	required(cmd, "period")
	return cmd
}

func ensurePeriod(cmd *cobra.Command, db *ledger.DB, f periodFlagsRun, by string) (period.Period, error) {
	loc, err := cliZone(f.tz)
	if err != nil {
		return period.Period{}, err
	}
	var cutoff time.Time
	if f.cutoff != "" {
		if cutoff, err = ledger.ParseWhen("time", f.cutoff, loc); err != nil {
			return period.Period{}, err
		}
	}
	return period.Ensure(cmd.Context(), db, f.code, loc, cutoff, by)
}

func newSettleApproveCmd() *cobra.Command {
	var code, reason string
	var as *actor
	cmd := ledgerCmd(&cobra.Command{Use: "approve --period P --reason TEXT [--as LOGIN]",
		Short: "Approve a draft run (four eyes: not by whoever ran it) and post it to the journal"},
		func(cmd *cobra.Command, db *ledger.DB) error {
			by, err := as.who(cmd, db)
			if err != nil {
				return err
			}
			r, err := period.Approve(cmd.Context(), db, code, by, reason)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "period %s approved by %s (run by %s): bonus %s, clawbacks %s; journal entries posted\n",
				code, r.ApprovedBy, r.RunBy, r.BonusTotal, r.AdjustTotal)
			return nil
		})
	cmd.Flags().StringVar(&code, "period", "", "period code")
	cmd.Flags().StringVar(&reason, "reason", "", "why (recorded with the approval)")
	as = actorFlag(cmd)
	required(cmd, "period", "reason")
	return cmd
}

func newSettleAdjustCmd() *cobra.Command {
	var code, member, amount, reason string
	var as *actor
	cmd := ledgerCmd(&cobra.Command{Use: "adjust --period P --member CODE --amount X --reason TEXT [--as LOGIN]",
		Short: "Enter a manual adjustment of a member's bonus, taken in when someone else approves the period"},
		func(cmd *cobra.Command, db *ledger.DB) error {
			by, err := as.who(cmd, db)
			if err != nil {
				return err
			}
			a, err := decimal.NewFromString(amount)
			if err != nil {
				return fmt.Errorf("--amount %q: %w", amount, err)
			}
			adj, err := period.Adjust(cmd.Context(), db, code, member, a, reason, by)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "adjustment %d: %s %s for period %s, entered by %s\n", adj.ID, adj.Member, adj.Amount, code, adj.EnteredBy)
			return nil
		})
	cmd.Flags().StringVar(&code, "period", "", "period code")
	cmd.Flags().StringVar(&member, "member", "", "member code")
	cmd.Flags().StringVar(&amount, "amount", "", "amount, negative to take back")
	cmd.Flags().StringVar(&reason, "reason", "", "why")
	as = actorFlag(cmd)
	required(cmd, "period", "member", "amount", "reason")
	return cmd
}

func newSettlePayCmd() *cobra.Command {
	var code, min, csvOut, xlsxOut string
	var as *actor
	cmd := ledgerCmd(&cobra.Command{Use: "pay --period P --min AMOUNT [--csv FILE] [--xlsx FILE] [--as LOGIN]",
		Short: "Pay an approved period: a payout batch (bonus payable against bank), bank files in CSV and XLSX"},
		func(cmd *cobra.Command, db *ledger.DB) error {
			by, err := as.who(cmd, db)
			if err != nil {
				return err
			}
			m, err := decimal.NewFromString(min)
			if err != nil {
				return fmt.Errorf("--min %q: %w", min, err)
			}
			p, err := period.Pay(cmd.Context(), db, code, m, by)
			if err != nil {
				return err
			}
			_, items, err := period.GetPayout(cmd.Context(), db.Pool, code)
			if err != nil {
				return err
			}
			for _, f := range []struct {
				path  string
				write func(io.Writer, period.Payout, []period.PayoutItem) error
			}{{csvOut, period.WritePayoutCSV}, {xlsxOut, period.WritePayoutXLSX}} {
				if f.path == "" {
					continue
				}
				if err := writeFileAtomic(f.path, func(w io.Writer) error { return f.write(w, p, items) }); err != nil {
					return err
				}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "period %s paid: %d members, %s %s; carried below %s: %d members, %s %s\n",
				code, p.PaidCount, p.PaidTotal.StringFixed(2), p.Currency, p.MinPayout, p.CarriedCount, p.CarriedTotal.StringFixed(2), p.Currency)
			return nil
		})
	cmd.Flags().StringVar(&code, "period", "", "period code")
	as = actorFlag(cmd)
	cmd.Flags().StringVar(&min, "min", "0", "minimum payout; smaller balances carry to the next period")
	cmd.Flags().StringVar(&csvOut, "csv", "", "write the bank file as CSV")
	cmd.Flags().StringVar(&xlsxOut, "xlsx", "", "write the bank file as XLSX")
	required(cmd, "period")
	return cmd
}

func writeFileAtomic(path string, write func(io.Writer) error) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

func newSettleShowCmd() *cobra.Command {
	var code string
	cmd := ledgerCmd(&cobra.Command{Use: "show [--period P]", Short: "Show a period's run, or list every run"},
		func(cmd *cobra.Command, db *ledger.DB) error {
			w := cmd.OutOrStdout()
			if code == "" {
				rs, err := period.ListRuns(cmd.Context(), db.Pool)
				if err != nil {
					return err
				}
				tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
				fmt.Fprintln(tw, "period\tstatus\tmembers\tlines\tbonus\tclawbacks\trun by\tapproved by")
				for _, r := range rs {
					fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%s\t%s\t%s\t%s\n", r.Period.Code, r.Status, r.Members, r.Lines, r.BonusTotal, r.AdjustTotal, r.RunBy, r.ApprovedBy)
				}
				return tw.Flush()
			}
			r, err := period.GetRun(cmd.Context(), db.Pool, code)
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "period       %s [%s, %s) %s\n", r.Period.Code, r.Period.StartsAt.Format(time.RFC3339), r.Period.CutoffAt.Format(time.RFC3339), r.Period.TimeZone)
			fmt.Fprintf(w, "status       %s (attempt %d, run by %s at %s)\n", r.Status, r.Attempt, r.RunBy, r.RunAt.Format(time.RFC3339))
			if r.ApprovedAt != nil {
				fmt.Fprintf(w, "approved     by %s at %s: %s\n", r.ApprovedBy, r.ApprovedAt.Format(time.RFC3339), r.Reason)
			}
			if r.PaidAt != nil {
				fmt.Fprintf(w, "paid         by %s at %s\n", r.PaidBy, r.PaidAt.Format(time.RFC3339))
			}
			fmt.Fprintf(w, "members      %d, active %d\n", r.Members, r.Active)
			fmt.Fprintf(w, "total BV     %s\n", r.TotalBV)
			fmt.Fprintf(w, "bonus        %s (before the payout cap %s)\n", r.BonusTotal, r.BeforeCap)
			fmt.Fprintf(w, "clawbacks    %s\n", r.AdjustTotal)
			fmt.Fprintf(w, "lines        %d (sha256 %s)\n", r.Lines, r.LinesSHA256)
			fmt.Fprintf(w, "time         read %dms, compute %dms, write %dms\n", r.ReadMS, r.ComputeMS, r.WriteMS)
			return nil
		})
	cmd.Flags().StringVar(&code, "period", "", "period code (empty: list every run)")
	return cmd
}

func newSettleLinesCmd() *cobra.Command {
	var code string
	cmd := ledgerCmd(&cobra.Command{Use: "lines --period P", Short: "Write a run's bonus lines to stdout as bonuses.csv (the bytes settle simulate writes)"},
		func(cmd *cobra.Command, db *ledger.DB) error {
			return period.WriteLinesCSV(cmd.Context(), db.Pool, code, cmd.OutOrStdout())
		})
	cmd.Flags().StringVar(&code, "period", "", "period code")
	required(cmd, "period")
	return cmd
}

func newSettleStatementCmd() *cobra.Command {
	var code, member, lang string
	cmd := ledgerCmd(&cobra.Command{Use: "statement --period P --member CODE [--lang zh-CN|en]",
		Short: "A member's bonus statement for a period: every line with its source, level and explanation"},
		func(cmd *cobra.Command, db *ledger.DB) error {
			s, err := period.MemberStatement(cmd.Context(), db.Pool, code, member, lang)
			if err != nil {
				return err
			}
			_, err = io.WriteString(cmd.OutOrStdout(), s.Text())
			return err
		})
	cmd.Flags().StringVar(&code, "period", "", "period code")
	cmd.Flags().StringVar(&member, "member", "", "member code")
	cmd.Flags().StringVar(&lang, "lang", "", "zh-CN or en (default: the member's language)")
	required(cmd, "period", "member")
	return cmd
}

func newSettleExportCmd() *cobra.Command {
	var code, out string
	cmd := ledgerGraphCmd(&cobra.Command{Use: "export --period P --out DIR",
		Short: "Write a period's input as plan.yaml, members.csv, orders.csv and carry.csv for settle simulate"},
		func(cmd *cobra.Command, db *ledger.DB, graph graphOpener) error {
			store, err := graph()
			if err != nil {
				return err
			}
			if err := period.Export(cmd.Context(), db, store, code, out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "wrote %s: settle simulate --plan %[2]s/plan.yaml --members %[2]s/members.csv --orders %[2]s/orders.csv --carry %[2]s/carry.csv --out OUT\n",
				strings.TrimSuffix(out, "/"), strings.TrimSuffix(out, "/"))
			return nil
		})
	cmd.Flags().StringVar(&code, "period", "", "period code")
	cmd.Flags().StringVar(&out, "out", "", "output directory")
	required(cmd, "period", "out")
	return cmd
}

// staff names a finance user as the API records them ("user:LOGIN"), so
// that the four-eyes rules compare the same person whether they act from
// the command line or over HTTP. A name already qualified ("kind:name") is
// kept.
func staff(login string) string {
	if login == "" || strings.Contains(login, ":") {
		return login
	}
	return "user:" + login
}
