package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/spf13/cobra"

	"downline/api"
	"downline/ledger"
	"downline/projection"
	"downline/web"
)

func newServeCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Migrate the database, load the member networks and serve HTTP",
		Args:  cobra.NoArgs,
	}
	cfg := withDatabase(cmd).withNeo4j(cmd)
	listen := cmd.Flags().String("listen", envOr("LISTEN_ADDR", "127.0.0.1:8080"), "address to listen on (default $LISTEN_ADDR or 127.0.0.1:8080)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		log := slog.New(slog.NewTextHandler(cmd.ErrOrStderr(), nil))
		// A misconfigured zone would fail every settlement request: refuse to start.
		zone, err := ledger.CompanyZone()
		if err != nil {
			return err
		}
		log.Info("company time zone", "zone", zone.String())
		conf := cfg.config()
		db, err := conf.openDB(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		if applied, err := db.Migrate(ctx); err != nil {
			return err
		} else if len(applied) > 0 {
			log.Info("migrated", "versions", applied)
		}

		// With Neo4j configured the networks are read from it (fed from the
		// outbox, loaded with `graph sync`); otherwise from the embedded store.
		g, err := conf.openGraph(ctx, db, false)
		if err != nil {
			return err
		}
		defer g.close()
		store := g.Store
		if g.neo4j != nil {
			fmt.Fprintf(cmd.ErrOrStderr(), "reading the member networks from Neo4j at %s\n", conf.Neo4j.URI)
		} else {
			fmt.Fprintf(cmd.ErrOrStderr(), "loaded %d members into the embedded graph store in %s\n", g.members, g.took.Round(time.Millisecond))
		}
		f := &projection.Feed{DB: db, Store: store, Log: log}
		reg := prometheus.NewRegistry()
		reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "downline_graph_feed_lag_events",
			Help: "Outbox events written but not yet applied to the graph store.",
		}, func() float64 { return float64(f.Lag()) }))
		go func() {
			if err := f.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				log.Error("graph feed stopped", "err", err)
			}
		}()

		smsAPI := startSMS(ctx, db, conf.SMS, log)
		apiServer := &api.Server{DB: db, Graph: store, Registry: reg, Feed: f, SMS: smsAPI, UI: web.Handler()}
		defer apiServer.Close() // settlement runs still going roll back
		srv := &http.Server{Addr: *listen, Handler: apiServer.Handler(), ReadHeaderTimeout: 10 * time.Second}
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

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}
