package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"downline/api"
	"downline/ledger/media"
	"downline/web"
)

func newServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Migrate the database, load the member networks and serve HTTP",
		Args:  cobra.NoArgs,
	}
	cfg := withDatabase(cmd).withNeo4j(cmd)
	noWorker := cmd.Flags().Bool("no-worker", false, "serve HTTP only: leave settlement runs and SMS sending to `downline worker` processes")
	listen := cmd.Flags().String("listen", envOr("LISTEN_ADDR", "127.0.0.1:8080"), "address to listen on (default $LISTEN_ADDR or 127.0.0.1:8080)")
	mediaMax := cmd.Flags().Int64("media-max-bytes", envInt64("MEDIA_MAX_BYTES", media.DefaultMaxBytes), "the largest image an upload may be, in bytes (default $MEDIA_MAX_BYTES or 5 MiB)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
		if *mediaMax <= 0 {
			return fmt.Errorf("--media-max-bytes (or MEDIA_MAX_BYTES) must be a positive number of bytes, like 5242880 for 5 MiB")
		}
		b, err := openBackend(ctx, cmd, cfg.config(), log)
		if err != nil {
			return err
		}
		defer b.close()
		db, store, f := b.db, b.graph.Store, b.feed
		reg := prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "downline_graph_feed_lag_events",
			Help: "Outbox events written but not yet applied to the graph store.",
		}, func() float64 { return float64(f.Lag()) }))
		go runFeed(ctx, f, log)

		// The embedded worker runs the settlement jobs and the SMS notifier
		// and sender; with --no-worker they are left to `downline worker`.
		smsAPI := startSMS(ctx, db, b.conf.SMS, log, !*noWorker)
		if !*noWorker {
			stop := startWorker(ctx, db, store, f, log)
			defer stop() // a settlement run still going rolls back, its job queued again
		}
		apiServer := &api.Server{DB: db, Graph: store, Registry: reg, Feed: f, SMS: smsAPI, UI: web.Handler(), MediaMaxBytes: *mediaMax}
		srv := &http.Server{Addr: *listen, Handler: apiServer.Handler(), ReadHeaderTimeout: 10 * time.Second}
		go apiServer.WarmExplorer(ctx)
		errc := make(chan error, 1)
		go func() { errc <- srv.ListenAndServe() }()
		fmt.Fprintf(cmd.OutOrStdout(), "Downline is serving on http://%s (member office: http://%s/app/)\n", *listen, *listen)
		if !web.Built() {
			log.Warn("the web UI is not built into this binary: /app/ shows how to build it (make build)")
		}
		select {
		case err := <-errc:
			return err
		case <-ctx.Done():
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			return srv.Shutdown(sctx)
		}
	}
	return cmd
}

// envInt64 reads a whole number from the environment: def when unset, -1
// when malformed (the caller refuses it).
func envInt64(key string, def int64) int64 {
	v := os.Getenv(key)
	if v == "" {
		return def
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil && n > 0 {
		return n
	}
	return -1
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
