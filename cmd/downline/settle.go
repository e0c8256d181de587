package main

import "github.com/spf13/cobra"

func newSettleCmd() *cobra.Command {
	return &cobra.Command{Use: "settle", Short: "Bonus settlement: simulate, explain, run"}
}
