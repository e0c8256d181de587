package main

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"downline/ledger"
)

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

// dbURLFlag adds --database-url (default $DATABASE_URL) to a command.
func dbURLFlag(cmd *cobra.Command) *envString {
	return envFlag(cmd, "database-url", "DATABASE_URL", "Postgres URL (default $DATABASE_URL; dev/pg up prints one)")
}

func openDB(ctx context.Context, url *envString) (*ledger.DB, error) {
	return ledger.Open(ctx, url.get())
}
