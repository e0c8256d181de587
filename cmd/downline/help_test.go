package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"downline/ledger/ledgertest"
)

// secretEnv are variables holding secrets, each set to a value the help of
// no command may show.
var secretEnv = map[string]string{
	"DATABASE_URL":       "postgres://downline:db-secret-4711@db.example:5432/downline",
	"NEO4J_URI":          "bolt://neo4j:uri-secret-4712@graph.example:7687",
	"NEO4J_USER":         "user-secret-4713",
	"NEO4J_PASSWORD":     "neo4j-secret-4714",
	"TWILIO_ACCOUNT_SID": "ACsid-secret-4715",
	"TWILIO_AUTH_TOKEN":  "twilio-secret-4716",
}

// --help prints flag defaults: none may come from a secret in the environment.
func TestHelpShowsNoSecretFromTheEnvironment(t *testing.T) {
	for k, v := range secretEnv {
		t.Setenv(k, v)
	}
	var walk func(*cobra.Command)
	walk = func(c *cobra.Command) {
		path := strings.Fields(c.CommandPath())[1:]
		var out bytes.Buffer
		root := newRootCmd()
		root.SetOut(&out)
		root.SetErr(&out)
		root.SetArgs(append(path, "--help"))
		if err := root.ExecuteContext(context.Background()); err != nil {
			t.Errorf("%s --help: %v", c.CommandPath(), err)
		}
		for k, v := range secretEnv {
			if strings.Contains(out.String(), v) {
				t.Errorf("%s --help shows $%s:\n%s", c.CommandPath(), k, out.String())
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd())
}

// Without --database-url a command connects to $DATABASE_URL; the flag, when
// given, wins.
func TestDatabaseURLFallsBackToTheEnvironment(t *testing.T) {
	url := ledgertest.NewDatabase(t)
	t.Setenv("DATABASE_URL", url)
	run := func(args ...string) error {
		root := newRootCmd()
		root.SetOut(io.Discard)
		root.SetErr(io.Discard)
		root.SetArgs(args)
		return root.ExecuteContext(context.Background())
	}
	if err := run("migrate"); err != nil {
		t.Errorf("migrate with $DATABASE_URL and no --database-url: %v", err)
	}
	if err := run("migrate", "--database-url", "postgres://nobody@127.0.0.1:1/none?connect_timeout=5"); err == nil {
		t.Error("migrate with --database-url naming a closed port succeeded: the flag did not win over $DATABASE_URL")
	}
}

// The Neo4j flags fall back to $NEO4J_URI, $NEO4J_USER and $NEO4J_PASSWORD;
// a command without them reads no Neo4j whatever the environment says.
func TestNeo4jFlagsFallBackToTheEnvironment(t *testing.T) {
	for k, v := range secretEnv {
		t.Setenv(k, v)
	}
	cmd := &cobra.Command{Use: "x"}
	cfg := withDatabase(cmd).withNeo4j(cmd)
	if err := cmd.ParseFlags([]string{"--neo4j-user", "given"}); err != nil {
		t.Fatal(err)
	}
	got := cfg.config().Neo4j
	want := Neo4jConfig{URI: secretEnv["NEO4J_URI"], User: "given", Password: secretEnv["NEO4J_PASSWORD"]}
	if got != want {
		t.Errorf("Neo4j config %+v, want %+v", got, want)
	}
	if c := withDatabase(&cobra.Command{Use: "y"}).config(); c.Neo4j != (Neo4jConfig{}) || c.DatabaseURL != secretEnv["DATABASE_URL"] {
		t.Errorf("a command without Neo4j flags is configured with %+v", c)
	}
}

// settle run and settle export read the trees from the Neo4j their flags
// name, not only from $NEO4J_URI: with --neo4j-uri naming a closed port they
// fail to reach it instead of settling on the embedded store.
func TestSettleReadsTheGraphStoreOfItsFlags(t *testing.T) {
	f := newSettleFixture(t)
	env := map[string]string{passwordEnv: fixturePassword}
	if out, err := f.settle("", env, "plan", "upload", "--file", f.planFile, "--effective", "2020-01-01", "--as", "finance"); err != nil {
		t.Fatalf("plan upload: %v\n%s", err, out)
	}
	closed := "bolt://127.0.0.1:1"
	for _, args := range [][]string{
		{"run", "--period", "2020-01", "--as", "finance", "--neo4j-uri", closed},
		{"export", "--period", "2020-01", "--out", t.TempDir(), "--neo4j-uri", closed},
	} {
		out, err := f.settle("", env, args...)
		if err == nil || !strings.Contains(err.Error(), closed) || strings.Contains(out, "graph store loaded") {
			t.Errorf("settle %s: %v\n%s\nwant a failure to reach %s", args[0], err, out, closed)
		}
	}
	if out, err := f.settle("", env, "run", "--period", "2020-01", "--as", "finance"); err != nil || !strings.Contains(out, "settle: graph store loaded, 20 members") {
		t.Errorf("settle run without Neo4j: %v\n%s", err, out)
	}
}
