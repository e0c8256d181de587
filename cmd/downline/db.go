package main

import (
	"context"
	"os"

	"github.com/spf13/cobra"

	"downline/ledger"
)

// dbURLFlag adds --database-url (default $DATABASE_URL) to a command.
func dbURLFlag(cmd *cobra.Command) *string {
	return cmd.Flags().String("database-url", os.Getenv("DATABASE_URL"), "Postgres URL (default $DATABASE_URL; dev/pg up prints one)")
}

func openDB(ctx context.Context, url string) (*ledger.DB, error) {
	return ledger.Open(ctx, url)
}
