package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/order"
)

// analytics trace prints where a lot went from the embedded store loaded
// from the ledger: the holders table and the recall list.
func TestAnalyticsTrace(t *testing.T) {
	t.Setenv("NEO4J_URI", "")
	t.Setenv(ledger.CompanyZoneEnv, "Asia/Shanghai")
	url := ledgertest.NewDatabase(t)
	db, err := ledger.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	goodstest.World(t, db)
	var bought string
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		o, err := goodstest.Buy(ctx, tx, "m1", "M002", 4)
		bought = o.No
		if err != nil {
			return err
		}
		_, err = order.Ship(ctx, tx, order.ShipRequest{Key: "s1", Order: o.No, Tracking: "SF1", By: "test"})
		return err
	})
	run := func(args ...string) (string, error) {
		var out bytes.Buffer
		root := newRootCmd()
		root.SetOut(&out)
		root.SetErr(&out)
		root.SetArgs(append(args, "--database-url", url))
		err := root.ExecuteContext(context.Background())
		return out.String(), err
	}
	out, err := run("analytics", "trace", "VC-100", "B2")
	if err != nil {
		t.Fatalf("analytics trace: %v\n%s", err, out)
	}
	fields := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	for _, want := range []string{
		"Lot B2 of VC-100 (lot id 2): 100 produced, 100 in circulation, 0 written off, 2 movements",
		"KIND HOLDER RECEIVED SENT ON HOLDS FIRST (Asia/Shanghai) LAST NAME",
		"warehouse " + goodstest.HQ + " 100 4 96 ",
		"Recall list: members and customers who received it, those still holding some first (1)",
		"member M002 ",
	} {
		if !strings.Contains(fields(out), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(fields(out), " 4 0 4 ") {
		t.Errorf("the member's row does not read received 4, sent on 0, holds 4:\n%s", out)
	}
	// The first page only, and the whole list as CSV.
	if out, err := run("analytics", "trace", "VC-100", "B2", "--first", "1"); err != nil ||
		!strings.Contains(fields(out), "those still holding some first (1)") || !strings.Contains(fields(out), "member M002 4 0 4 ") {
		t.Errorf("analytics trace --first 1: %v\n%s", err, out)
	}
	if out, err := run("analytics", "trace", "VC-100", "B2", "--csv"); err != nil ||
		!strings.HasPrefix(out, "\ufeffkind,holder,name,received,sent_on,holds,moves,first,last\r\nmember,M002,") ||
		strings.Count(out, "\r\n") != 2 {
		t.Errorf("analytics trace --csv: %v\n%q", err, out)
	}
	if out, err := run("analytics", "trace", "VC-100", "NOPE"); err == nil || !strings.Contains(err.Error(), "no lot NOPE of VC-100") {
		t.Errorf("an unknown lot: %v\n%s", err, out)
	}
	// The same shipment traced back from the order, and from the member.
	for _, args := range [][]string{{"--order", bought}, {"--member", "M002"}} {
		out, err := run(append([]string{"analytics", "back"}, args...)...)
		if err != nil {
			t.Fatalf("analytics back %v: %v\n%s", args, err, out)
		}
		if want := "VC-100 B2 2 warehouse:" + goodstest.HQ + " 4 0 "; !strings.Contains(fields(out), want) ||
			!strings.Contains(fields(out), goodstest.HQ+" 100 on ") || !strings.Contains(out, bought) {
			t.Errorf("analytics back %v lacks %q, the receipt or the order:\n%s", args, want, out)
		}
	}
	if out, err := run("analytics", "back", "--holder", "truck:T1"); err == nil || !strings.Contains(err.Error(), "--holder") {
		t.Errorf("a bad holder: %v\n%s", err, out)
	}
}

// analytics export writes a dataset to a file, with its row count on
// stderr; a refused filter leaves no file.
func TestAnalyticsExport(t *testing.T) {
	t.Setenv(ledger.CompanyZoneEnv, "Asia/Shanghai")
	url := ledgertest.NewDatabase(t)
	db, err := ledger.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	goodstest.World(t, db)
	var members int
	if err := db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM members`).Scan(&members); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, string, error) {
		var out, errs bytes.Buffer
		root := newRootCmd()
		root.SetOut(&out)
		root.SetErr(&errs)
		root.SetArgs(append(args, "--database-url", url))
		err := root.ExecuteContext(context.Background())
		return out.String(), errs.String(), err
	}
	path := filepath.Join(t.TempDir(), "members.csv")
	_, stderr, err := run("analytics", "export", "members", "--format", "csv", "-o", path)
	if err != nil {
		t.Fatalf("analytics export: %v\n%s", err, stderr)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n")
	if lines[0] != "member_id,code,name,lang,status,joined_at,joined_on" || len(lines) != members+1 {
		t.Errorf("members.csv: header %q and %d rows, want %d members", lines[0], len(lines)-1, members)
	}
	if want := fmt.Sprintf("members: %d rows as csv to %s in ", members, path); !strings.Contains(stderr, want) {
		t.Errorf("stderr %q lacks %q", stderr, want)
	}
	stdout, _, err := run("analytics", "export", "links", "--format", "arrow")
	if err != nil || !strings.HasPrefix(stdout, "ARROW1") {
		t.Errorf("links to stdout: %v, %.8q", err, stdout)
	}
	bad := filepath.Join(t.TempDir(), "orders.parquet")
	if _, _, err := run("analytics", "export", "orders", "--period", "2024-2", "-o", bad); err == nil || !strings.Contains(err.Error(), `period "2024-2"`) {
		t.Errorf("a bad period: %v", err)
	}
	if _, err := os.Stat(bad); !os.IsNotExist(err) {
		t.Errorf("a refused export left %s (%v)", bad, err)
	}
}
