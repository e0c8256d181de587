// Command downline runs Downline: the HQ, agency and member systems, the bonus
// settlement engine and the tools around them. This file only wires commands.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	root := newRootCmd()
	if err := root.ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "downline:", err)
		os.Exit(1)
	}
}

// newRootCmd builds the command tree.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "downline",
		Short:         "Downline: direct-selling operations, ledger and bonus settlement",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		newMigrateCmd(),
		newSeedCmd(),
		newMemberCmd(),
		newTreeCmd(),
		newServeCmd(),
		newWorkerCmd(),
		newGraphCmd(),
		newSettleCmd(),
		newLedgerCmd(),
		newSMSCmd(),
		newAnalyticsCmd(),
	)
	return root
}
