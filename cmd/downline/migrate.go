package main

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"
)

func newMigrateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate [--to VERSION | --down N]",
		Short: "Apply the database migrations that have not been applied yet (--to, --down: undo the latest ones)",
		Long: "Without options, applies every migration not applied yet. --to VERSION brings the schema to that\n" +
			"migration: applies those up to it, undoes those after it (--to 0 undoes every one). --down N undoes\n" +
			"the N latest. Undoing a step drops what it created, data included; a step that cannot be undone\n" +
			"says why, and then nothing is undone.",
		Args: cobra.NoArgs,
	}
	cfg := withDatabase(cmd)
	to := cmd.Flags().Int("to", -1, "bring the schema to this migration version, applying or undoing steps")
	down := cmd.Flags().Int("down", 0, "undo the N most recently applied migrations")
	cmd.MarkFlagsMutuallyExclusive("to", "down")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		ctx := cmd.Context()
		db, err := cfg.openDB(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		var applied, undone []int
		switch {
		case cmd.Flags().Changed("down"):
			undone, err = db.MigrateDown(ctx, *down)
		case cmd.Flags().Changed("to"):
			applied, undone, err = db.MigrateTo(ctx, *to)
		default:
			applied, err = db.Migrate(ctx)
		}
		if err == nil || len(applied)+len(undone) > 0 {
			printMigrated(cmd.OutOrStdout(), applied, undone)
		}
		return err
	}
	return cmd
}

// printMigrated says which migrations were applied and undone.
func printMigrated(w io.Writer, applied, undone []int) {
	if len(undone) > 0 {
		fmt.Fprintf(w, "undid %d migration(s): %v\n", len(undone), undone)
	}
	switch {
	case len(applied) > 0:
		fmt.Fprintf(w, "applied %d migration(s): %v\n", len(applied), applied)
	case len(undone) == 0:
		fmt.Fprintln(w, "database is up to date")
	}
}
