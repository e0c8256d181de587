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
	db := ledgertest.DB(t)
	ctx := context.Background()
	url := db.Pool.Config().ConnString()
	if err := member.CopyNetwork(ctx, db, member.GenerateNetwork(20, 1, time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)), nil); err != nil {
		t.Fatal(err)
	}
	const pw = "finance password 1"
	var fin2 user.User
	if err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		if _, err = user.Create(ctx, tx, user.New{Login: "finance", Role: user.Finance, Password: pw}); err != nil {
			return err
		}
		if _, err = user.Create(ctx, tx, user.New{Login: "shopper", Role: user.Customer, Password: pw}); err != nil {
			return err
		}
		fin2, err = user.Create(ctx, tx, user.New{Login: "finance2", Role: user.Finance, Password: pw})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	planFile := filepath.Join(t.TempDir(), "plan.yaml")
	if err := os.WriteFile(planFile, []byte("name: Cli\ncurrency: CNY\nscale: 2\nactive_pv: 10\nranks:\n  - name: Member\nbonuses:\n  referral: {pct: 20}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("NEO4J_URI", "")
	os.Unsetenv(passwordEnv)
	os.Unsetenv(tokenEnv)

	// settle runs `downline settle ARGS` with stdin; env sets variables for it.
	settle := func(stdin string, env map[string]string, args ...string) (string, error) {
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
	password := map[string]string{passwordEnv: pw}
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
	if out, err := settle(pw+"\n", nil, append(approve, "--as", "finance2")...); err != nil {
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
