package main

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/demo"
	"downline/ledger"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/network"
)

// graph sync --import on a company with moves and stock: the ledger as CSV,
// Neo4j's offline importer (dev/neo4j import on a private server, so the
// server the other tests share is not touched), then graph check finds no
// difference; a second import into the now full store is refused.
func TestGraphSyncImport(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Neo4j server of its own: not in -short")
	}
	ctx := context.Background()
	url := ledgertest.NewDatabase(t)
	db, err := ledger.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	gen := member.GenerateNetwork(120, 2, time.Now().AddDate(-2, 0, 0))
	if err := member.CopyNetwork(ctx, db, gen, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Company(ctx, db, "demo-password-1", 2, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	for _, mv := range []member.MoveRequest{
		{Member: gen[119].Code, Tree: network.Sponsor, To: gen[0].Code, By: "hq", Reason: "test"},
		{Member: gen[118].Code, Tree: network.Sponsor, To: gen[1].Code, By: "hq", Reason: "test"},
	} {
		err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
			_, err := member.Move(ctx, tx, mv)
			return err
		})
		if err != nil {
			t.Fatalf("move %s: %v", mv.Member, err)
		}
	}

	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	l.Close()
	t.Setenv("NEO4J_DATA", filepath.Join(t.TempDir(), "neo4j"))
	t.Setenv("NEO4J_PORT", port)
	t.Setenv("NEO4J_HEAP", "512m")
	t.Setenv("NEO4J_PAGECACHE_MIB", "64")
	devNeo4j := filepath.Join(root, "dev", "neo4j")
	t.Cleanup(func() { _ = exec.Command(devNeo4j, "down").Run() })
	uri := "bolt://127.0.0.1:" + port

	graph := func(args ...string) (string, error) {
		cmd := newGraphCmd()
		var out, errOut bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&errOut)
		cmd.SetArgs(append(args, "--database-url", url, "--neo4j-uri", uri))
		err := cmd.ExecuteContext(ctx)
		t.Logf("graph %s:\n%s%s", strings.Join(args, " "), errOut.String(), out.String())
		return out.String(), err
	}
	dir := filepath.Join(t.TempDir(), "import")
	out, err := graph("sync", "--import", dir, "--importer", devNeo4j+" import")
	if err != nil {
		t.Fatal(err)
	}
	var members int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM members`).Scan(&members); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "imported "+strconv.Itoa(members)+" members") {
		t.Errorf("sync --import printed %q, want %d members imported", out, members)
	}
	if _, err := os.Stat(filepath.Join(dir, "members.csv")); err != nil {
		t.Error(err)
	}
	out, err = graph("check")
	if err != nil || !strings.Contains(out, "no differences") {
		t.Fatalf("graph check after the import: %v\n%s", err, out)
	}
	if _, err := graph("sync", "--import", dir, "--importer", devNeo4j+" import"); err == nil || !strings.Contains(err.Error(), "--reset") {
		t.Errorf("a second import over %d members: %v, want a refusal naming --reset", members, err)
	}
}
