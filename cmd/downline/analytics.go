package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"downline/analytics"
	"downline/graphstore"
	"downline/ledger"
)

func newAnalyticsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "analytics", Short: "HQ's questions about the business, answered from the graph store"}
	cmd.AddCommand(newAnalyticsTraceCmd())
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
