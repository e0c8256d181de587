package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/jackc/pgx/v5"
	"github.com/spf13/cobra"

	"downline/ledger/member"
	"downline/network"
)

func newMemberCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "member", Short: "Register, move and show members"}
	cmd.AddCommand(newMemberAddCmd(), newMemberMoveCmd(), newMemberShowCmd(), newMemberStatusCmd())
	return cmd
}

func newMemberAddCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "add",
		Short: "Register a member under a sponsor, in an explicit or auto-placed slot",
		Example: `  downline member add --name 张伟 --phone +8613800138000 --sponsor CN0000001 --placement CN0000002 --side L
  downline member add --name "Amy Tan" --phone +6591234567 --lang en --sponsor CN0000001 --auto weak-leg`,
		Args: cobra.NoArgs,
	}
	cfg := withDatabase(cmd)
	var r member.Registration
	var auto string
	cmd.Flags().StringVar(&r.Code, "code", "", "member code (default: next free CNnnnnnnnn)")
	cmd.Flags().StringVar(&r.Name, "name", "", "full name (required)")
	cmd.Flags().StringVar(&r.Phone, "phone", "", "mobile number in E.164 form, e.g. +8613800138000 (required)")
	cmd.Flags().StringVar(&r.Lang, "lang", "zh-CN", "language for messages: zh-CN or en")
	cmd.Flags().StringVar(&r.Sponsor, "sponsor", "", "sponsor's member code (empty: a new root, HQ only)")
	cmd.Flags().StringVar(&r.Placement, "placement", "", "placement parent's member code (with --side)")
	cmd.Flags().StringVar(&r.Side, "side", "", "placement side: L or R")
	cmd.Flags().StringVar(&auto, "auto", "balanced", "auto-placement when no slot is given: leftmost, rightmost, weak-leg, balanced")
	cmd.Flags().StringVar(&r.Under, "under", "", "auto-place under this member (default: the sponsor)")
	cmd.Flags().StringVar(&r.By, "by", "cli", "who enters the registration (recorded)")
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		r.Auto = network.AutoPlace(auto)
		return changeMember(cmd, cfg, func(ctx context.Context, tx pgx.Tx) (member.Member, error) {
			return member.Register(ctx, tx, r)
		}, func(m member.Member) string { return fmt.Sprintf("registered %s %s", m.Code, m.Name) })
	}
	return cmd
}

func newMemberMoveCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "move CODE --to CODE [--placement --side L|R]",
		Short: "Move a member and its whole subtree to another sponsor or placement slot",
		Args:  cobra.ExactArgs(1),
	}
	cfg := withDatabase(cmd)
	var req member.MoveRequest
	placement := cmd.Flags().Bool("placement", false, "move in the placement tree (default: the sponsor tree)")
	cmd.Flags().StringVar(&req.To, "to", "", "new sponsor or placement parent (required)")
	cmd.Flags().StringVar(&req.Side, "side", "", "placement side: L or R")
	cmd.Flags().StringVar(&req.By, "by", "", "who moves it (required, recorded)")
	cmd.Flags().StringVar(&req.Reason, "reason", "", "why (recorded)")
	_ = cmd.MarkFlagRequired("to")
	_ = cmd.MarkFlagRequired("by")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		req.Member = args[0]
		if *placement {
			req.Tree = network.Placement
		}
		return changeMember(cmd, cfg, func(ctx context.Context, tx pgx.Tx) (member.Member, error) {
			return member.Move(ctx, tx, req)
		}, func(m member.Member) string { return fmt.Sprintf("moved %s in the %s tree", m.Code, req.Tree) })
	}
	return cmd
}

func newMemberStatusCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "status CODE active|suspended|terminated",
		Short: "Change a member's status",
		Args:  cobra.ExactArgs(2),
	}
	cfg := withDatabase(cmd)
	by := cmd.Flags().String("by", "", "who changes it (required, recorded)")
	reason := cmd.Flags().String("reason", "", "why (recorded)")
	_ = cmd.MarkFlagRequired("by")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return changeMember(cmd, cfg, func(ctx context.Context, tx pgx.Tx) (member.Member, error) {
			return member.SetStatus(ctx, tx, args[0], network.Status(args[1]), *by, *reason)
		}, nil)
	}
	return cmd
}

// changeMember opens the database, runs change in one transaction and
// prints the member it leaves, after the line headline gives (if any).
func changeMember(cmd *cobra.Command, cfg *configFlags, change func(context.Context, pgx.Tx) (member.Member, error), headline func(member.Member) string) error {
	ctx := cmd.Context()
	db, err := cfg.openDB(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	var m member.Member
	err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		m, err = change(ctx, tx)
		return err
	})
	if err != nil {
		return err
	}
	if headline != nil {
		fmt.Fprintln(cmd.OutOrStdout(), headline(m))
	}
	printMember(cmd.OutOrStdout(), m)
	return nil
}

func newMemberShowCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "show CODE",
		Short: "Show a member, its links and its move history",
		Args:  cobra.ExactArgs(1),
	}
	cfg := withDatabase(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		db, err := cfg.openDB(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		m, err := member.Get(ctx, db.Pool, args[0])
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		printMember(out, m)
		moves, err := member.Moves(ctx, db.Pool, m.Code)
		if err != nil {
			return err
		}
		if len(moves) > 0 {
			fmt.Fprintln(out, "\nmoves:")
			w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
			fmt.Fprintln(w, "  when\ttree\tfrom\tto\tby\treason")
			for _, mv := range moves {
				fmt.Fprintf(w, "  %s\t%s\t%s %s\t%s %s\t%s\t%s\n", mv.At.Format("2006-01-02 15:04:05"), mv.Tree,
					orDash(mv.FromParent), mv.FromSide, mv.ToParent, mv.ToSide, mv.By, mv.Reason)
			}
			w.Flush()
		}
		return nil
	}
	return cmd
}

func printMember(out io.Writer, m member.Member) {
	w := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(w, "  code\t%s\n  name\t%s\n  phone\t%s\n  language\t%s\n  status\t%s\n  joined\t%s\n",
		m.Code, m.Name, m.Phone, m.Lang, m.Status, m.JoinedAt.Format("2006-01-02 15:04:05 MST"))
	fmt.Fprintf(w, "  sponsor\t%s\n", orDash(m.SponsorCode))
	if m.ParentCode != "" {
		fmt.Fprintf(w, "  placement\t%s, %s side\n", m.ParentCode, m.Side)
	} else {
		fmt.Fprintf(w, "  placement\t- (root)\n")
	}
	w.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
