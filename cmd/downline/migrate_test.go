package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"downline/ledger"
	"downline/ledger/ledgertest"
)

// migrate --down N undoes the latest N steps, --to brings the schema to a
// version either way, and plain migrate applies what is left.
func TestMigrateDownAndTo(t *testing.T) {
	url := ledgertest.NewDatabase(t)
	ms, err := ledger.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	last, prev := ms[len(ms)-1].Version, ms[len(ms)-2].Version
	run := func(args ...string) string {
		t.Helper()
		cmd := newMigrateCmd()
		var out bytes.Buffer
		cmd.SetOut(&out)
		cmd.SetErr(&out)
		cmd.SetArgs(append(args, "--database-url", url))
		if err := cmd.ExecuteContext(context.Background()); err != nil {
			t.Fatalf("migrate %s: %v\n%s", strings.Join(args, " "), err, out.String())
		}
		return out.String()
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--down", "2"}, fmt.Sprintf("undid 2 migration(s): [%d %d]\n", last, prev)},
		{[]string{"--to", fmt.Sprint(prev)}, fmt.Sprintf("applied 1 migration(s): [%d]\n", prev)},
		{[]string{"--to", fmt.Sprint(prev)}, "database is up to date\n"},
		{nil, fmt.Sprintf("applied 1 migration(s): [%d]\n", last)},
		{nil, "database is up to date\n"},
	} {
		if got := run(c.args...); got != c.want {
			t.Errorf("migrate %s said %q, want %q", strings.Join(c.args, " "), got, c.want)
		}
	}
}
