package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"

	"downline/api"
	"downline/graphstore"
	"downline/graphstore/feed"
	"downline/ledger"
	"downline/settle/jobs"
	"downline/sms"
)

func newWorkerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run queued settlement runs, the SMS notifier and sender, and the graph feed (no HTTP)",
		Long: `Run queued settlement runs, the SMS notifier and sender, and the graph feed.

Settlement runs are queued in Postgres by any API server (POST
/api/v1/periods/{period}/run); each is claimed by one worker. Run as many
workers, on as many machines, as you like: a worker that dies mid-run leaves
nothing written, and another runs the job again once the dead one's heartbeat
is a minute old. ` + "`downline serve`" + ` embeds a worker unless --no-worker.`,
		Args: cobra.NoArgs,
	}
	url := dbURLFlag(cmd)
	nf := addNeo4jFlags(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
		b, err := openBackend(ctx, cmd, url, nf, log)
		if err != nil {
			return err
		}
		defer b.close()
		go runFeed(ctx, b.feed, log)
		startSMS(ctx, b.db, sms.Env(), log, true)
		fmt.Fprintln(cmd.ErrOrStderr(), "the settlement worker is running")
		stop := startWorker(ctx, b.db, b.store, b.feed, log)
		<-ctx.Done()
		stop()
		return nil
	}
	return cmd
}

// startWorker starts the settlement worker. stop ends it, a run going on
// rolled back and its job queued again for another worker.
func startWorker(ctx context.Context, db *ledger.DB, store graphstore.Store, f *feed.Feed, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	w := &jobs.Worker{DB: db, Graph: store, Log: log, Describe: api.Describe,
		CatchUp: func(ctx context.Context) { _, _ = f.CatchUp(ctx) }}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := w.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
			log.Error("settlement worker stopped", "err", err)
		}
	}()
	return func() {
		cancel()
		<-done
	}
}

// backend is what serve and worker run on: the ledger, the graph store the
// networks are read from, and the feed that keeps it current.
type backend struct {
	db    *ledger.DB
	store graphstore.Store
	feed  *feed.Feed

	closeStore func()
}

// openBackend opens the backend of a long-running process; close closes it.
func openBackend(ctx context.Context, cmd *cobra.Command, url *envString, nf *neo4jFlags, log *slog.Logger) (*backend, error) {
	db, err := openServing(ctx, url, log)
	if err != nil {
		return nil, err
	}
	// With Neo4j configured the networks are read from it (fed from the
	// outbox, loaded with `graph sync`); otherwise from the embedded store.
	store, closeStore, err := openStore(ctx, cmd, db, nf)
	if err != nil {
		db.Close()
		return nil, err
	}
	b := &backend{db: db, store: store, feed: &feed.Feed{DB: db, Store: store, Log: log}}
	b.closeStore = closeStore
	return b, nil
}

func (b *backend) close() {
	b.closeStore()
	b.db.Close()
}

// openServing opens and migrates the database for a long-running process
// (serve, worker), once the company's zone is known good: a misconfigured
// zone would fail every settlement request and run, so it refuses to start.
func openServing(ctx context.Context, url *envString, log *slog.Logger) (*ledger.DB, error) {
	zone, err := ledger.CompanyZone()
	if err != nil {
		return nil, err
	}
	log.Info("company time zone", "zone", zone.String())
	db, err := openDB(ctx, url)
	if err != nil {
		return nil, err
	}
	if applied, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	} else if len(applied) > 0 {
		log.Info("migrated", "versions", applied)
	}
	return db, nil
}

// runFeed keeps store current from the outbox until ctx ends.
func runFeed(ctx context.Context, f *feed.Feed, log *slog.Logger) {
	if err := f.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("graph feed stopped", "err", err)
	}
}

// openStore opens the graph store the networks are read from: Neo4j when
// configured (loaded from the ledger when empty), otherwise the embedded
// store, rebuilt from the ledger.
func openStore(ctx context.Context, cmd *cobra.Command, db *ledger.DB, nf *neo4jFlags) (graphstore.Store, func(), error) {
	if nf.uri.get() == "" {
		store, err := loadEmbedded(ctx, cmd, db)
		return store, func() {}, err
	}
	n4, err := nf.open(ctx)
	if err != nil {
		return nil, nil, err
	}
	if n, err := n4.Count(ctx); err == nil && n == 0 {
		if err := feed.Sync(ctx, db, n4, nil); err != nil {
			n4.Close(context.Background())
			return nil, nil, fmt.Errorf("load Neo4j from the ledger: %w", err)
		}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "reading the member networks from Neo4j at %s\n", nf.uri.get())
	return n4, func() { n4.Close(context.Background()) }, nil
}
