package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"downline/settle/engine"
	"downline/settle/simulate"
)

func newSettleCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "settle", Short: "Bonus settlement: simulate, explain, run"}
	cmd.AddCommand(newSettleSimulateCmd(), newSettleExplainCmd())
	cmd.AddCommand(settleRunCmds()...)
	return cmd
}

func periodFlags(cmd *cobra.Command, cfg *simulate.Config) {
	f := cmd.Flags()
	f.StringVar(&cfg.Plan, "plan", "", "plan document (YAML or JSON)")
	f.StringVar(&cfg.Files.Members, "members", "", "members CSV: member_id,sponsor_id,placement_id,side")
	f.StringVar(&cfg.Files.Orders, "orders", "", "orders CSV: order_id,member_id,kind,pv,bv")
	f.StringVar(&cfg.Files.Carry, "carry", "", "optional carry-in CSV: member_id,left,right")
	for _, n := range []string{"plan", "members", "orders"} {
		cmd.MarkFlagRequired(n)
	}
}

func newSettleSimulateCmd() *cobra.Command {
	var cfg simulate.Config
	cmd := &cobra.Command{
		Use:   "simulate --plan PLAN --members MEMBERS.csv --orders ORDERS.csv [--carry CARRY.csv] --out DIR",
		Short: "Settle one period from CSV files into DIR (bonuses.csv, summary.csv, carry.csv)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return simulate.Run(cfg, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	periodFlags(cmd, &cfg)
	cmd.Flags().StringVar(&cfg.Out, "out", "", "output directory (created when missing)")
	cmd.MarkFlagRequired("out")
	return cmd
}

func newSettleExplainCmd() *cobra.Command {
	var cfg simulate.Config
	var member string
	cmd := &cobra.Command{
		Use:   "explain --member ID --plan PLAN --members MEMBERS.csv --orders ORDERS.csv [--carry CARRY.csv]",
		Short: "Explain one member's rank and bonus lines for the period",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, in, res, err := simulate.Load(cfg, cmd.ErrOrStderr())
			if err != nil {
				return err
			}
			e, err := engine.Explain(in, res, member)
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(cmd.OutOrStdout(), e)
			return err
		},
	}
	periodFlags(cmd, &cfg)
	cmd.Flags().StringVar(&member, "member", "", "member id to explain")
	cmd.MarkFlagRequired("member")
	return cmd
}
