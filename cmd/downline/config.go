package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/spf13/cobra"

	"downline/graphstore"
	"downline/graphstore/memory"
	"downline/graphstore/neo4j"
	"downline/ledger"
	"downline/projection"
	"downline/sms"
)

// Config is what a command is configured with: where the ledger and the
// graph store are, and SMS. It is built in one place, config, from the
// command's flags and the environment; the commands open the database and
// the graph store from it and from nowhere else.
type Config struct {
	DatabaseURL string      // --database-url, else $DATABASE_URL
	Neo4j       Neo4jConfig // --neo4j-*, else $NEO4J_*; no URI: the embedded store
	SMS         sms.Config  // $TWILIO_*, $SMS_* and $PUBLIC_URL
}

// Neo4jConfig is the Neo4j server a command reads or feeds.
type Neo4jConfig struct{ URI, User, Password string }

// configFlags are the configuration flags of a command.
type configFlags struct {
	databaseURL                  *envString
	neo4jURI, neo4jUser, neo4jPw *envString // nil: the command has no Neo4j flags
}

// withDatabase gives cmd --database-url (default $DATABASE_URL).
func withDatabase(cmd *cobra.Command) *configFlags {
	return &configFlags{databaseURL: envFlag(cmd, "database-url", "DATABASE_URL", "Postgres URL (default $DATABASE_URL; dev/pg up prints one)")}
}

// withNeo4j also gives cmd --neo4j-uri, --neo4j-user and --neo4j-password
// (default $NEO4J_URI, $NEO4J_USER, $NEO4J_PASSWORD).
func (f *configFlags) withNeo4j(cmd *cobra.Command) *configFlags {
	f.neo4jURI = envFlag(cmd, "neo4j-uri", "NEO4J_URI", "Neo4j Bolt URI (default $NEO4J_URI; dev/neo4j up prints one)")
	f.neo4jUser = envFlag(cmd, "neo4j-user", "NEO4J_USER", "Neo4j user (default $NEO4J_USER)")
	f.neo4jPw = envFlag(cmd, "neo4j-password", "NEO4J_PASSWORD", "Neo4j password (default $NEO4J_PASSWORD)")
	return f
}

// config is the command's configuration: each setting its flag when given,
// else its environment variable. A command without Neo4j flags reads no
// Neo4j: it uses the embedded store.
func (f *configFlags) config() Config {
	c := Config{DatabaseURL: f.databaseURL.get(), SMS: sms.Env()}
	if f.neo4jURI != nil {
		c.Neo4j = Neo4jConfig{URI: f.neo4jURI.get(), User: f.neo4jUser.get(), Password: f.neo4jPw.get()}
	}
	return c
}

// openDB opens the ledger the command's configuration names.
func (f *configFlags) openDB(ctx context.Context) (*ledger.DB, error) {
	return f.config().openDB(ctx)
}

// openDB opens the ledger at c.DatabaseURL.
// withLedgerAndNeo4j opens the ledger and Neo4j of f, runs fn and closes
// both.
func (f *configFlags) withLedgerAndNeo4j(ctx context.Context, fn func(*ledger.DB, *neo4j.Store) error) error {
	db, err := f.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	store, err := f.config().openNeo4j(ctx)
	if err != nil {
		return err
	}
	defer store.Close(context.Background())
	return fn(db, store)
}

func (c Config) openDB(ctx context.Context) (*ledger.DB, error) {
	return ledger.Open(ctx, c.DatabaseURL)
}

// openNeo4j opens the Neo4j at c.Neo4j.URI.
func (c Config) openNeo4j(ctx context.Context) (*neo4j.Store, error) {
	return c.openNeo4jAt(ctx, c.Neo4j.URI)
}

// openNeo4jAt opens the Neo4j at uri with the user and password of c.
func (c Config) openNeo4jAt(ctx context.Context, uri string) (*neo4j.Store, error) {
	if uri == "" {
		return nil, fmt.Errorf("no Neo4j: set NEO4J_URI or --neo4j-uri (dev/neo4j up prints one)")
	}
	return neo4j.New(ctx, uri, c.Neo4j.User, c.Neo4j.Password)
}

// graph is a graph store opened for a command.
type graph struct {
	graphstore.Store
	neo4j *neo4j.Store // the store when it is Neo4j, nil when embedded
	// members and took: the members the embedded store loaded, and how long
	// that took.
	members int64
	took    time.Duration
}

// close closes Neo4j's connections (the embedded store holds none).
func (g graph) close() {
	if g.neo4j != nil {
		g.neo4j.Close(context.Background())
	}
}

// openGraph opens the graph store c names for reading the networks: with a
// Neo4j URI, Neo4j, fed from the outbox: loaded from the ledger when empty,
// and with catchUp brought up to the outbox's head; without one, the
// embedded store loaded from the ledger.
func (c Config) openGraph(ctx context.Context, db *ledger.DB, catchUp bool) (graph, error) {
	if c.Neo4j.URI == "" {
		started := time.Now()
		store := memory.New()
		if err := projection.Sync(ctx, db, store, nil); err != nil {
			return graph{}, fmt.Errorf("load the embedded graph store: %w", err)
		}
		n, _ := store.Count(ctx)
		return graph{Store: store, members: n, took: time.Since(started)}, nil
	}
	store, err := c.openNeo4j(ctx)
	if err != nil {
		return graph{}, err
	}
	if err := upToDate(ctx, db, store, catchUp); err != nil {
		store.Close(context.Background())
		return graph{}, fmt.Errorf("bring Neo4j up to date: %w", err)
	}
	return graph{Store: store, neo4j: store}, nil
}

// upToDate loads an empty Neo4j from the ledger, or with catchUp applies the
// outbox events it has not applied yet.
func upToDate(ctx context.Context, db *ledger.DB, store *neo4j.Store, catchUp bool) error {
	n, err := store.Count(ctx)
	switch {
	case err != nil:
		return err
	case n == 0:
		return projection.Sync(ctx, db, store, nil)
	case catchUp:
		_, err = (&projection.Feed{DB: db, Store: store}).CatchUp(ctx)
		return err
	}
	return nil
}

// envString is a string flag that falls back to an environment variable when
// it is not given. Its default is empty, so --help (which prints defaults)
// never shows the variable's value: a password, or a URL with one in it.
type envString struct {
	env string
	val string
	set bool
}

func (s *envString) Set(v string) error { s.val, s.set = v, true; return nil }
func (s *envString) String() string     { return s.val }
func (s *envString) Type() string       { return "string" }

// get is the flag's value if given, else the environment variable's.
func (s *envString) get() string {
	if s.set {
		return s.val
	}
	return os.Getenv(s.env)
}

// envFlag adds --name to a command, defaulting to $env; usage says so.
func envFlag(cmd *cobra.Command, name, env, usage string) *envString {
	s := &envString{env: env}
	cmd.Flags().Var(s, name, usage)
	return s
}
