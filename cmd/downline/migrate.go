package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newMigrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Apply the database migrations that have not been applied yet",
		Args:  cobra.NoArgs,
	}
	url := dbURLFlag(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		db, err := openDB(cmd.Context(), url)
		if err != nil {
			return err
		}
		defer db.Close()
		applied, err := db.Migrate(cmd.Context())
		if err != nil {
			return err
		}
		if len(applied) == 0 {
			fmt.Fprintln(cmd.OutOrStdout(), "database is up to date")
		} else {
			fmt.Fprintf(cmd.OutOrStdout(), "applied %d migration(s): %v\n", len(applied), applied)
		}
		return nil
	}
	return cmd
}
