package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"downline/api"
	"downline/graphstore"
	"downline/ledger"
	"downline/ledger/desk"
	"downline/projection"
	"downline/settle/jobs"
)

func newWorkerCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run queued settlement runs, the SMS notifier and sender, the graph feed and the service desk's overdue check (no HTTP)",
		Long: `Run queued settlement runs, the SMS notifier and sender, and the graph feed.

Settlement runs are queued in Postgres by any API server (POST
/api/v1/periods/{period}/run); each is claimed by one worker. Run as many
workers, on as many machines, as you like: a worker that dies mid-run leaves
nothing written, and another runs the job again once the dead one's heartbeat
is a minute old. Every minute it escalates the service desk's tickets past
their due time (each once). ` + "`downline serve`" + ` embeds a worker unless --no-worker.`,
		Args: cobra.NoArgs,
	}
	cfg := withDatabase(cmd).withNeo4j(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
		b, err := openBackend(ctx, cmd, cfg.config(), log)
		if err != nil {
			return err
		}
		defer b.close()
		go runFeed(ctx, b.feed, log)
		startSMS(ctx, b.db, b.conf.SMS, log, true)
		fmt.Fprintln(cmd.ErrOrStderr(), "the settlement worker is running")
		stop := startWorker(ctx, b.db, b.graph.Store, b.feed, log)
		<-ctx.Done()
		stop()
		return nil
	}
	return cmd
}

// startWorker starts the settlement worker. stop ends it, a run going on
// rolled back and its job queued again for another worker.
func startWorker(ctx context.Context, db *ledger.DB, store graphstore.Store, f *projection.Feed, log *slog.Logger) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	w := &jobs.Worker{DB: db, Graph: store, Log: log, Describe: api.Describe,
		CatchUp: func(ctx context.Context) { _, _ = f.CatchUp(ctx) }}
	done := make(chan struct{})
	go desk.WatchOverdue(ctx, db, time.Minute, log)
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
// networks are read from, the feed that keeps it current, and the
// configuration they were opened with.
type backend struct {
	conf  Config
	db    *ledger.DB
	graph graph
	feed  *projection.Feed
}

// openBackend opens and migrates the database of a long-running process
// (serve, worker), once the company's zone is known good (a misconfigured
// zone would fail every settlement request and run, so it refuses to
// start), and opens the graph store: Neo4j when configured (loaded from
// the ledger when empty), otherwise the embedded store rebuilt from the
// ledger. close closes them.
func openBackend(ctx context.Context, cmd *cobra.Command, conf Config, log *slog.Logger) (*backend, error) {
	zone, err := ledger.CompanyZone()
	if err != nil {
		return nil, err
	}
	log.Info("company time zone", "zone", zone.String())
	db, err := conf.openDB(ctx)
	if err != nil {
		return nil, err
	}
	if applied, err := db.Migrate(ctx); err != nil {
		db.Close()
		return nil, err
	} else if len(applied) > 0 {
		log.Info("migrated", "versions", applied)
	}
	g, err := conf.openGraph(ctx, db, false)
	if err != nil {
		db.Close()
		return nil, err
	}
	if g.neo4j != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "reading the member networks from Neo4j at %s\n", conf.Neo4j.URI)
	} else {
		fmt.Fprintf(cmd.ErrOrStderr(), "loaded %d members into the embedded graph store in %s\n", g.members, g.took.Round(time.Millisecond))
	}
	return &backend{conf: conf, db: db, graph: g, feed: &projection.Feed{DB: db, Store: g.Store, Log: log}}, nil
}

func (b *backend) close() {
	b.graph.close()
	b.db.Close()
}

// runFeed keeps store current from the outbox until ctx ends.
func runFeed(ctx context.Context, f *projection.Feed, log *slog.Logger) {
	if err := f.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		log.Error("graph feed stopped", "err", err)
	}
}
