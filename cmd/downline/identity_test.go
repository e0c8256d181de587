package main

import (
	"bytes"
	"context"
	"os"
	osuser "os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/ledger/user"
	"downline/settle/period"
)

// TestFourEyesByIdentity: the settlement commands act as an authenticated
// Downline user or as the operating-system user, and the four-eyes rule
// compares those identities: the user who ran a period cannot approve it,
// another finance user can, a wrong password gets nowhere, and the same
// operating-system user running and approving is one person.
func TestFourEyesByIdentity(t *testing.T) {
	f := newSettleFixture(t)
	db, ctx, settle, planFile, fin2 := f.db, context.Background(), f.settle, f.planFile, f.fin2
	password := map[string]string{passwordEnv: fixturePassword}
	mustFail := func(what, want string, err error, out string) {
		t.Helper()
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v (want an error saying %q)\n%s", what, err, want, out)
		}
	}
	run := func(code string) period.Run {
		t.Helper()
		r, err := period.GetRun(ctx, db.Pool, code)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	if out, err := settle("", password, "plan", "upload", "--file", planFile, "--effective", "2020-01-01", "--tz", "UTC", "--as", "finance"); err != nil {
		t.Fatalf("plan upload: %v\n%s", err, out)
	}
	if out, err := settle("", password, "run", "--period", "2020-01", "--tz", "UTC", "--as", "finance"); err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if r := run("2020-01"); r.RunBy != "user:finance" {
		t.Errorf("run by %q, want user:finance", r.RunBy)
	}
	approve := []string{"approve", "--period", "2020-01", "--reason", "totals checked"}
	out, err := settle("", password, append(approve, "--as", "finance")...)
	mustFail("approval by the user who ran the period", "cannot also approve", err, out)
	out, err = settle("", map[string]string{passwordEnv: "not the password"}, append(approve, "--as", "finance2")...)
	mustFail("approval with a wrong password", "wrong login or password", err, out)
	out, err = settle("", password, append(approve, "--as", "shopper")...)
	mustFail("approval by a customer", "settlements are run, adjusted, approved and paid by finance", err, out)
	if r := run("2020-01"); r.Status != period.Draft {
		t.Fatalf("refused approvals left the run %s", r.Status)
	}
	// The password asked for (here on standard input, not a terminal).
	if out, err := settle(fixturePassword+"\n", nil, append(approve, "--as", "finance2")...); err != nil {
		t.Fatalf("approval by finance2: %v\n%s", err, out)
	}
	if r := run("2020-01"); r.Status != period.Approved || r.ApprovedBy != "user:finance2" {
		t.Errorf("approved run: %s by %q", r.Status, r.ApprovedBy)
	}

	// The operating-system user, twice, is one person; a session token of
	// another finance user is a second.
	me, err := osuser.Current()
	if err != nil {
		t.Fatal(err)
	}
	if out, err := settle("", nil, "run", "--period", "2020-02", "--tz", "UTC"); err != nil {
		t.Fatalf("run as the operating-system user: %v\n%s", err, out)
	}
	if r := run("2020-02"); r.RunBy != "os:"+me.Username {
		t.Errorf("run by %q, want os:%s", r.RunBy, me.Username)
	}
	approve[2] = "2020-02"
	out, err = settle("", nil, approve...)
	mustFail("approval by the operating-system user who ran the period", "cannot also approve", err, out)
	out, err = settle("", map[string]string{tokenEnv: "no such token"}, approve...)
	mustFail("approval with a dead token", "no live session", err, out)
	token, _, err := user.StartSession(ctx, db.Pool, fin2, time.Hour, "test", "")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := settle("", map[string]string{tokenEnv: token}, approve...); err != nil {
		t.Fatalf("approval with finance2's token: %v\n%s", err, out)
	}
	if r := run("2020-02"); r.Status != period.Approved || r.ApprovedBy != "user:finance2" {
		t.Errorf("approved run: %s by %q", r.Status, r.ApprovedBy)
	}
}

// settleFixture is a ledger with a small network, finance users finance and
// finance2, a customer user shopper (all with fixturePassword) and a plan
// file to upload.
type settleFixture struct {
	db       *ledger.DB
	fin2     user.User
	planFile string
	// settle runs `downline settle ARGS` with stdin; env sets variables for it.
	settle func(stdin string, env map[string]string, args ...string) (string, error)
}

const fixturePassword = "finance password 1"

func newSettleFixture(t *testing.T) settleFixture {
	t.Helper()
	db := ledgertest.DB(t)
	ctx := context.Background()
	url := db.Pool.Config().ConnString()
	if err := member.CopyNetwork(ctx, db, member.GenerateNetwork(20, 1, time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)), nil); err != nil {
		t.Fatal(err)
	}
	f := settleFixture{db: db, planFile: filepath.Join(t.TempDir(), "plan.yaml")}
	if err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		if _, err = user.Create(ctx, tx, user.New{Login: "finance", Role: user.Finance, Password: fixturePassword}); err != nil {
			return err
		}
		if _, err = user.Create(ctx, tx, user.New{Login: "shopper", Role: user.Customer, Password: fixturePassword}); err != nil {
			return err
		}
		f.fin2, err = user.Create(ctx, tx, user.New{Login: "finance2", Role: user.Finance, Password: fixturePassword})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.planFile, []byte("name: Cli\ncurrency: CNY\nscale: 2\nactive_pv: 10\nranks:\n  - name: Member\nbonuses:\n  referral: {pct: 20}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NEO4J_URI", "")
	for _, k := range []string{passwordEnv, tokenEnv, ledger.CompanyZoneEnv} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	f.settle = func(stdin string, env map[string]string, args ...string) (string, error) {
		t.Helper()
		for k, v := range env {
			t.Setenv(k, v)
			defer os.Unsetenv(k)
		}
		cmd := newSettleCmd()
		var out, errOut bytes.Buffer
		cmd.SetIn(strings.NewReader(stdin))
		cmd.SetOut(&out)
		cmd.SetErr(&errOut)
		cmd.SetArgs(append(args, "--database-url", url))
		err := cmd.ExecuteContext(ctx)
		return out.String() + errOut.String(), err
	}
	return f
}
