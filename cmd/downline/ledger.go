package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"downline/ledger/check"
)

func newLedgerCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "ledger", Short: "The ledger of goods and money: checks"}
	cmd.AddCommand(newLedgerCheckCmd())
	return cmd
}

func newLedgerCheckCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Check the ledger: balanced entries, stock equal to its moves and never negative, nothing shipped unconfirmed",
		Args:  cobra.NoArgs,
	}
	cfg := withDatabase(cmd)
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		db, err := cfg.openDB(cmd.Context())
		if err != nil {
			return err
		}
		defer db.Close()
		problems, err := check.Run(cmd.Context(), db)
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		for _, p := range problems {
			fmt.Fprintln(out, p)
		}
		if len(problems) > 0 {
			return fmt.Errorf("ledger check: %d problems", len(problems))
		}
		fmt.Fprintln(out, "ledger check: no problems found")
		return nil
	}
	return cmd
}
