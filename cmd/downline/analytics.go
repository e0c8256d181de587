package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"downline/analytics"
	"downline/graphstore"
	"downline/ledger"
	"downline/ledger/order"
	"downline/projection"
)

func newAnalyticsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "analytics", Short: "HQ's questions about the business, answered from the graph store"}
	cmd.AddCommand(newAnalyticsTraceCmd(), newAnalyticsBackCmd())
	return cmd
}

func newAnalyticsTraceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trace SKU BATCH",
		Short: "Where a lot went: warehouses and agencies, then who received it (a recall list), with what each holds now",
		Args:  cobra.ExactArgs(2),
	}
	flags := withDatabase(cmd).withNeo4j(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		conf := flags.config()
		db, err := conf.openDB(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		g, err := conf.openGraph(ctx, db, true)
		if err != nil {
			return err
		}
		defer g.close()
		cs, ok := g.Store.(graphstore.Circulation)
		if !ok {
			return fmt.Errorf("the graph store in use does not trace circulation")
		}
		tr, err := analytics.LotTrace(ctx, cs, analytics.MemberNames(g.Store), args[0], args[1])
		if err != nil {
			return err
		}
		zone, err := ledger.CompanyZone()
		if err != nil {
			return err
		}
		return printTrace(cmd.OutOrStdout(), tr, zone)
	}
	return cmd
}

// printTrace writes a trace as two tables: every holder, then the recall list.
func printTrace(out io.Writer, tr analytics.Trace, zone *time.Location) error {
	fmt.Fprintf(out, "Lot %s of %s (lot id %s): %d produced, %d in circulation, %d written off, %d movements\n\n",
		tr.Batch, tr.SKU, tr.Lot, tr.Produced, tr.InCirculation, tr.WrittenOff, tr.Movements)
	// The name comes last: tabwriter counts runes, not display width, so
	// a Chinese name would push every column after it out of line.
	table := func(title string, hs []analytics.Holding) error {
		fmt.Fprintf(out, "%s (%d)\n", title, len(hs))
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "KIND\tHOLDER\tRECEIVED\tSENT ON\tHOLDS\tFIRST (%s)\tLAST\tNAME\n", zone)
		for _, h := range hs {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", h.Kind, h.ID, h.Received, h.SentOn, h.Holds,
				h.First.In(zone).Format("2006-01-02 15:04"), h.Last.In(zone).Format("2006-01-02 15:04"), h.Name)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		_, err := fmt.Fprintln(out)
		return err
	}
	if err := table("Warehouses and agencies, in the order the lot reached them", tr.Holders); err != nil {
		return err
	}
	return table("Recall list: members and customers who received it, those still holding some first", tr.Recall)
}

func newAnalyticsBackCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "back (--order NO | --member CODE | --holder KIND:ID)",
		Short: "Where goods came from: the lots an order, a member or a holder received, from which agency, HQ warehouse and receipt",
		Args:  cobra.NoArgs,
	}
	var orderNo, memberCode, holder string
	cmd.Flags().StringVar(&orderNo, "order", "", "an order number: the lots it brought its buyer")
	cmd.Flags().StringVar(&memberCode, "member", "", "a member code: every lot the member received")
	cmd.Flags().StringVar(&holder, "holder", "", "a holder as KIND:ID (warehouse:HQ-SH, agency:AG1-WH, customer:SO000000042)")
	cmd.MarkFlagsOneRequired("order", "member", "holder")
	cmd.MarkFlagsMutuallyExclusive("order", "member", "holder")
	flags := withDatabase(cmd).withNeo4j(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		conf := flags.config()
		db, err := conf.openDB(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		var h graphstore.Holder
		switch {
		case orderNo != "":
			o, err := order.Get(ctx, db.Pool, orderNo)
			if err != nil {
				return err
			}
			sh, err := o.BuyerHolder(ctx, db.Pool)
			if err != nil {
				return err
			}
			h = projection.HolderOf(sh)
		case memberCode != "":
			h = graphstore.Holder{Kind: graphstore.MemberHolder, ID: memberCode}
		default:
			kind, id, _ := strings.Cut(holder, ":")
			if h, err = analytics.ParseHolder(kind, id); err != nil {
				return fmt.Errorf("--holder: %w", err)
			}
		}
		g, err := conf.openGraph(ctx, db, true)
		if err != nil {
			return err
		}
		defer g.close()
		cs, ok := g.Store.(graphstore.Circulation)
		if !ok {
			return fmt.Errorf("the graph store in use does not trace circulation")
		}
		bt, err := analytics.Back(ctx, cs, h, orderNo)
		if err != nil {
			return err
		}
		zone, err := ledger.CompanyZone()
		if err != nil {
			return err
		}
		return printBack(cmd.OutOrStdout(), bt, zone)
	}
	return cmd
}

// printBack writes a back trace: one row per lot and sender, with the
// agencies and HQ warehouses behind it and its receipts.
func printBack(out io.Writer, bt analytics.BackTrace, zone *time.Location) error {
	what := string(bt.Holder.Kind) + ":" + bt.Holder.ID
	if bt.Order != "" {
		what += ", order " + bt.Order
	}
	fmt.Fprintf(out, "Where the goods of %s came from (%d lines)\n\n", what, len(bt.Lines))
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "SKU\tBATCH\tLOT\tFROM\tQTY\tRETURNED\tFIRST (%s)\tAGENCIES\tHQ WAREHOUSES\tRECEIPTS\tORDERS\n", zone)
	refs := func(rs []analytics.Ref) string {
		var s []string
		for _, r := range rs {
			s = append(s, r.ID)
		}
		return strings.Join(s, " ")
	}
	for _, l := range bt.Lines {
		var rec []string
		for _, r := range l.Receipts {
			rec = append(rec, fmt.Sprintf("%s %d on %s", r.Warehouse, r.Qty, r.At.In(zone).Format(time.DateOnly)))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s:%s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\n", l.SKU, l.Batch, l.Lot, l.From.Kind, l.From.ID, l.Qty, l.Returned,
			l.First.In(zone).Format("2006-01-02 15:04"), refs(l.Agencies), refs(l.Warehouses), strings.Join(rec, "; "), strings.Join(l.Orders, " "))
	}
	return tw.Flush()
}
