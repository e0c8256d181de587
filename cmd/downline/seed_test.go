package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"downline/ledger"
	"downline/ledger/check"
	"downline/ledger/ledgertest"
	"downline/settle/period"
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

// seed --orders writes a period of confirmed orders that the ledger check
// passes and a settlement run settles: each order after its member joined,
// the registrations of the members who joined in the period, the same
// orders for the same flags.
func TestSeedOrdersToSettle(t *testing.T) {
	ctx := context.Background()
	for _, k := range []string{passwordEnv, tokenEnv, ledger.CompanyZoneEnv, "NEO4J_URI"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	run := func(cmd *cobra.Command, args ...string) (string, error) {
		t.Helper()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs(args)
		err := cmd.ExecuteContext(ctx)
		return out.String(), err
	}
	flags := []string{"--members", "3000", "--orders", "7000", "--period", "2026-10", "--seed", "3", "--now", "2026-12-06 12:00"}
	seeded := func() *ledger.DB {
		t.Helper()
		url := ledgertest.NewDatabase(t)
		if out, err := run(newSeedCmd(), append(flags, "--database-url", url)...); err != nil {
			t.Fatalf("seed: %v\n%s", err, out)
		}
		db, err := ledger.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		return db
	}
	db := seeded()

	shanghai, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	start, end := time.Date(2026, 10, 1, 0, 0, 0, 0, shanghai), time.Date(2026, 11, 1, 0, 0, 0, 0, shanghai)
	var orders, outside, early, regs, joinedIn, lateReg, terminated int
	if err := db.Pool.QueryRow(ctx, `SELECT count(*),
			count(*) FILTER (WHERE o.confirmed_at < $1 OR o.confirmed_at >= $2 OR o.status <> 'confirmed'),
			count(*) FILTER (WHERE o.confirmed_at < m.joined_at),
			count(*) FILTER (WHERE o.kind = 'registration'),
			(SELECT count(*) FROM members WHERE joined_at >= $1 AND joined_at < $2 AND status <> 'terminated'),
			count(*) FILTER (WHERE o.kind = 'registration' AND m.joined_at < $1),
			count(*) FILTER (WHERE m.status = 'terminated')
		FROM orders o JOIN members m ON m.id = o.member_id`, start, end).Scan(
		&orders, &outside, &early, &regs, &joinedIn, &lateReg, &terminated); err != nil {
		t.Fatal(err)
	}
	if orders != 7000 || outside != 0 || early != 0 || terminated != 0 {
		t.Errorf("%d orders, %d not confirmed in [%s, %s), %d before their member joined, %d of terminated members; want 7000, 0, 0, 0",
			orders, outside, start, end, early, terminated)
	}
	if joinedIn == 0 || regs != joinedIn || lateReg != 0 {
		t.Errorf("%d registration orders (%d of members who joined before the period), %d members joined in it: want one each",
			regs, lateReg, joinedIn)
	}
	if problems, err := check.Run(ctx, db); err != nil || len(problems) > 0 {
		t.Errorf("ledger check after seed --orders: %v %v", problems, err)
	}

	// The same flags, another database: the same orders.
	digest := func(db *ledger.DB) string {
		t.Helper()
		var s string
		if err := db.Pool.QueryRow(ctx, `SELECT md5(string_agg(concat_ws(' ', order_no, kind, member_id, total, pv, bv, confirmed_at), ',' ORDER BY id)) FROM orders`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	if a, b := digest(db), digest(seeded()); a != b {
		t.Errorf("seeded twice with the same flags, the orders differ (%s, %s)", a, b)
	}

	url := db.Pool.Config().ConnString()
	if out, err := run(newSettleCmd(), "plan", "upload", "--file", "../../settle/period/testdata/bench-plan.yaml", "--effective", "2026-01-01", "--database-url", url); err != nil {
		t.Fatalf("plan upload: %v\n%s", err, out)
	}
	out, err := run(newSettleCmd(), "run", "--period", "2026-10", "--database-url", url)
	if err != nil {
		t.Fatalf("settle run: %v\n%s", err, out)
	}
	r, err := period.GetRun(ctx, db.Pool, "2026-10")
	if err != nil {
		t.Fatal(err)
	}
	if r.Lines < int64(orders) || !strings.Contains(out, "7000 orders") {
		t.Errorf("settle run over the seeded period wrote %d lines, want at least one per order (7000):\n%s", r.Lines, out)
	}
	if problems, err := check.Run(ctx, db); err != nil || len(problems) > 0 {
		t.Errorf("ledger check after the run: %v %v", problems, err)
	}
}

// Without --period the orders fall in the month before --now in the
// company's zone: at 00:30 on 1 December in Shanghai that is November, though
// it is still 30 November in UTC.
func TestSeedOrdersDefaultPeriod(t *testing.T) {
	t.Setenv(ledger.CompanyZoneEnv, "Asia/Shanghai")
	cmd := newSeedCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(io.Discard)
	cmd.SetArgs([]string{"--database-url", ledgertest.NewDatabase(t), "--members", "50", "--orders", "20", "--now", "2026-12-01T00:30:00+08:00"})
	if err := cmd.ExecuteContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if want := "in period 2026-11 [2026-11-01T00:00:00+08:00, 2026-12-01T00:00:00+08:00)"; !strings.Contains(out.String(), want) {
		t.Errorf("seed --orders without --period: %q, want %q", out.String(), want)
	}
}

// Bad --orders and --period are refused before anything is written, naming
// the flag.
func TestSeedOrdersBadFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--orders", "-1"}, "--orders must be 0 or more"},
		{[]string{"--period", "2026-10"}, "give --orders too"},
		{[]string{"--orders", "10", "--period", "2026-13"}, "--period: "},
		{[]string{"--orders", "10", "--period", "October"}, "--period: "},
		{[]string{"--orders", "10", "--demo"}, "--demo"},
	} {
		cmd := newSeedCmd()
		cmd.SetOut(io.Discard)
		cmd.SetErr(io.Discard)
		// No database is reached: the URL names a port nothing listens on.
		cmd.SetArgs(append(c.args, "--database-url", "postgres://nobody@127.0.0.1:1/none"))
		if err := cmd.ExecuteContext(context.Background()); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("seed %v: %v, want an error containing %q", c.args, err, c.want)
		}
	}
}
