package main

import (
	"context"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/ledgertest"
)

// seed --reset empties only a database marked as a development one, or the
// one named by --reset=NAME; any other is refused and left as it was.
func TestSeedResetOnlyEmptiesADevelopmentOrNamedDatabase(t *testing.T) {
	ctx := context.Background()
	url := ledgertest.NewDatabase(t)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var name string
	if err := conn.QueryRow(ctx, `SELECT current_database()`).Scan(&name); err != nil {
		t.Fatal(err)
	}
	exec := func(sql string) {
		t.Helper()
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	seed := func(reset string) error {
		cmd := newSeedCmd()
		cmd.SetArgs([]string{"--database-url", url, "--members", "20", reset})
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		return cmd.ExecuteContext(ctx)
	}
	// keep is a table of the database's own that a reset drops.
	kept := func() bool {
		t.Helper()
		var ok bool
		if err := conn.QueryRow(ctx, `SELECT to_regclass('public.keep') IS NOT NULL`).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}

	exec(`COMMENT ON DATABASE ` + pgx.Identifier{name}.Sanitize() + ` IS NULL`)
	exec(`CREATE TABLE keep (v text); INSERT INTO keep VALUES ('precious')`)
	if err := seed("--reset"); err == nil || !strings.Contains(err.Error(), "--reset="+name) {
		t.Errorf("--reset on an unmarked database: %v, want a refusal telling to name it (--reset=%s)", err, name)
	}
	if !kept() {
		t.Fatal("a refused --reset dropped the database's tables")
	}
	if err := seed("--reset=" + name + "x"); err == nil || !strings.Contains(err.Error(), name) {
		t.Errorf("--reset=%sx: %v, want a refusal naming the database %q", name, err, name)
	}
	if !kept() {
		t.Fatal("--reset naming another database dropped this one's tables")
	}

	if err := seed("--reset=" + name); err != nil {
		t.Fatalf("--reset=%s on database %s: %v", name, name, err)
	}
	if kept() {
		t.Error("--reset naming the database left its tables")
	}

	exec(`CREATE TABLE keep (v text)`)
	if err := ledger.MarkDevelopment(ctx, conn, name); err != nil {
		t.Fatal(err)
	}
	if err := seed("--reset"); err != nil {
		t.Fatalf("--reset on a development database: %v", err)
	}
	if kept() {
		t.Error("--reset on a development database left its tables")
	}
	var members int
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM members`).Scan(&members); err != nil || members != 20 {
		t.Errorf("after the reset the database holds %d members (%v), want the 20 seeded", members, err)
	}
}

// dev/pg marks its database with the very text seed --reset looks for.
func TestDevPGMarksItsDatabase(t *testing.T) {
	script, err := os.ReadFile("../../dev/pg")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "dev_mark='"+ledger.DevelopmentMark+"'") {
		t.Errorf("dev/pg does not set ledger.DevelopmentMark %q on its database", ledger.DevelopmentMark)
	}
}
