package main

import (
	"bytes"
	"context"
	"os"
	"regexp"
	"testing"

	"downline/ledger"
	"downline/ledger/check"
	"downline/ledger/ledgertest"
	"downline/ledger/user"
)

// seed --demo --members N seeds N members with the demo's orders, prints
// each phase with its counts and rates, and the logins, which work.
func TestSeedDemoMembers(t *testing.T) {
	ctx := context.Background()
	for _, k := range []string{passwordEnv, tokenEnv, ledger.CompanyZoneEnv, "NEO4J_URI"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	url := ledgertest.NewDatabase(t)
	var out bytes.Buffer
	cmd := newSeedCmd()
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs([]string{"--demo", "--members", "700", "--now", "2026-03-01 09:00", "--demo-password", "demo-pass-1", "--database-url", url})
	if err := cmd.ExecuteContext(ctx); err != nil {
		t.Fatalf("seed --demo: %v\n%s", err, out.String())
	}
	text := out.String()
	for _, re := range []string{
		`seeded 700 members in \S+, \d+ members/s`,
		`demo: \d+ orders \(\d+ lines, \d+ journal entries, \d+ stock moves, \d+ events\) entered in \S+, \d+ orders/s`,
		`demo:   orders, lines, lots, payments, shipments: \d+ rows in \S+ \(\d+ rows/s\)`,
		`demo: period 2026-01 settled \(paid\) in \S+: \d+ of \d+ members active`,
		`period 2026-01: paid, \d+ members, \d+ active \(\d+%\)`,
		`ranks: Member \d+, Bronze \d+, Silver \d+`,
		`members log in with their member code, e.g. CN0000001 \(the top of the network\) or CN0000002 \(one of the leaders\)`,
	} {
		if !regexp.MustCompile(re).MatchString(text) {
			t.Errorf("the output lacks %q:\n%s", re, text)
		}
	}
	db, err := ledger.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, login := range []string{"admin", "finance", "agency1", "CN0000001", "CN0000002"} {
		if _, err := user.Authenticate(ctx, db.Pool, login, "demo-pass-1"); err != nil {
			t.Errorf("%s cannot sign in: %v", login, err)
		}
	}
	if n := ledgertest.Count(t, db, `SELECT count(*) FROM members`); n != 700 {
		t.Errorf("%d members", n)
	}
	problems, err := check.Run(ctx, db)
	if err != nil || len(problems) > 0 {
		t.Errorf("ledger check: %v %v", problems, err)
	}
}
