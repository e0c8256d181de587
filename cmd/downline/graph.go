package main

import (
	"context"
	"fmt"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"

	"downline/graphstore"
	"downline/graphstore/neo4j"
	"downline/ledger"
	"downline/projection"
)

func newGraphCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "graph", Short: "Load, feed and check the Neo4j graph store"}
	cmd.AddCommand(newGraphSyncCmd(), newGraphCheckCmd(), newGraphFeedCmd())
	return cmd
}

func newGraphSyncCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sync",
		Short: "Bulk-load every member and link from Postgres into an empty Neo4j (--import: through the offline importer)",
		Args:  cobra.NoArgs,
	}
	cfg := withDatabase(cmd).withNeo4j(cmd)
	reset := cmd.Flags().Bool("reset", false, "empty the Neo4j store first (with --import: replace a database that holds members)")
	importDir := cmd.Flags().String("import", "", "load through Neo4j's offline importer: write the ledger as CSV files into this directory, then run --importer on it")
	importer := cmd.Flags().String("importer", "", "with --import: the command that stops Neo4j, imports the directory (its last argument) and starts Neo4j again, e.g. \"dev/neo4j import\" or a script around neo4j-admin database import full @DIR/import.args")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		db, err := cfg.openDB(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		if *importDir != "" || *importer != "" {
			return syncImport(ctx, cmd, db, cfg.config(), *importDir, *importer, *reset)
		}
		store, err := cfg.config().openNeo4j(ctx)
		if err != nil {
			return err
		}
		defer store.Close(context.Background())
		if *reset {
			if err := store.Reset(ctx); err != nil {
				return err
			}
		}
		out := cmd.ErrOrStderr()
		started := time.Now()
		var bar *progressbar.ProgressBar
		err = projection.Sync(ctx, db, store, func(phase string, done, total int) {
			if total == 0 {
				return
			}
			if bar == nil {
				bar = progressbar.NewOptions(total, progressbar.OptionSetWriter(out), progressbar.OptionSetDescription(phase),
					progressbar.OptionShowCount(), progressbar.OptionThrottle(200*time.Millisecond),
					progressbar.OptionSetVisibility(isTerminal(out)))
			}
			_ = bar.Set(done)
		})
		if bar != nil {
			_ = bar.Finish()
		}
		if err != nil {
			return err
		}
		n, _ := store.Count(ctx)
		seq, _ := store.LastSeq(ctx)
		fmt.Fprintf(cmd.OutOrStdout(), "synced %d members into Neo4j in %s (outbox position %d)\n", n, time.Since(started).Round(time.Millisecond), seq)
		return nil
	}
	return cmd
}

func newGraphCheckCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Compare Neo4j with Postgres (member counts, every link of both trees) and its team counts with its own links",
		Args:  cobra.NoArgs,
	}
	cfg := withDatabase(cmd).withNeo4j(cmd)
	limit := cmd.Flags().Int("limit", 50, "list at most this many differences")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		return cfg.withLedgerAndNeo4j(cmd.Context(), func(db *ledger.DB, store *neo4j.Store) error {
			return runCheck(cmd.Context(), cmd, db, store, *limit)
		})
	}
	return cmd
}

// runCheck prints the comparison and fails when anything differs.
func runCheck(ctx context.Context, cmd *cobra.Command, db *ledger.DB, store graphstore.Store, limit int) error {
	log := cmd.ErrOrStderr()
	fmt.Fprintln(log, "comparing both trees of the ledger and the graph store (a minute or two for a million members)")
	rep, err := projection.Check(ctx, db, store, limit, func(step string) { fmt.Fprintln(log, step) })
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	fmt.Fprintf(out, "members: ledger %d, graph store %d\n", rep.LedgerMembers, rep.StoreMembers)
	for _, d := range rep.Differences {
		fmt.Fprintln(out, "  "+d.String())
	}
	if rep.Total > len(rep.Differences) {
		fmt.Fprintf(out, "  ... and %d more\n", rep.Total-len(rep.Differences))
	}
	if rep.Total > 0 || rep.LedgerMembers != rep.StoreMembers {
		return fmt.Errorf("the graph store differs from the ledger in %d link(s) or team count(s)", rep.Total)
	}
	fmt.Fprintln(out, "no differences")
	return nil
}

func newGraphFeedCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "feed",
		Short: "Apply the outbox to Neo4j continuously (or once with --once)",
		Args:  cobra.NoArgs,
	}
	cfg := withDatabase(cmd).withNeo4j(cmd)
	once := cmd.Flags().Bool("once", false, "catch up once and exit")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		return cfg.withLedgerAndNeo4j(ctx, func(db *ledger.DB, store *neo4j.Store) error {
			f := &projection.Feed{DB: db, Store: store}
			if !*once {
				return f.Run(ctx)
			}
			n, err := f.CatchUp(ctx)
			if err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "applied %d member events; outbox position %d\n", n, f.Position())
			return nil
		})
	}
	return cmd
}
