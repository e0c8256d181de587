package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"downline/analytics"
	"downline/analytics/export"
	"downline/graphstore"
	"downline/ledger"
	"downline/ledger/order"
	"downline/projection"
)

func newAnalyticsCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "analytics", Short: "HQ's questions about the business, answered from the graph store, and exports of the ledger"}
	cmd.AddCommand(newAnalyticsTraceCmd(), newAnalyticsBackCmd(), newAnalyticsExportCmd())
	return cmd
}

func newAnalyticsTraceCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "trace SKU BATCH",
		Short: "Where a lot went: warehouses and agencies, then who received it (a recall list), with what each holds now",
		Long: `Where a lot went: its totals, the warehouses and agencies it passed through,
then the recall list (the members and customers who received it, those still
holding some first), the whole list streamed from the graph store a page at a
time. --first N prints only its first N; --csv writes the whole list as CSV
(UTF-8 with a byte-order mark) instead of the tables, for a bulk SMS.`,
		Args: cobra.ExactArgs(2),
	}
	flags := withDatabase(cmd).withNeo4j(cmd)
	var first int
	var asCSV bool
	cmd.Flags().IntVar(&first, "first", 0, "print only the first N of the recall list (0: the whole list)")
	cmd.Flags().BoolVar(&asCSV, "csv", false, "write the whole recall list as CSV instead of the tables")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		if first < 0 {
			return fmt.Errorf("--first %d: want 0 (the whole list) or more", first)
		}
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
		names := analytics.MemberNames(g.Store)
		out := bufio.NewWriter(cmd.OutOrStdout())
		defer out.Flush()
		if asCSV {
			if err := analytics.WriteRecallCSV(ctx, cs, names, args[0], args[1], out); err != nil {
				return err
			}
			return out.Flush()
		}
		tr, err := analytics.LotTraceLimit(ctx, cs, names, args[0], args[1], max(first, 1))
		if err != nil {
			return err
		}
		zone, err := ledger.CompanyZone()
		if err != nil {
			return err
		}
		recall := func(row func(analytics.Holding) error) error {
			_, err := analytics.EachRecipient(ctx, cs, names, args[0], args[1], analytics.RecallCSVPage, row)
			return err
		}
		if first > 0 {
			recall = rowsOf(tr.Recall)
		}
		if err := printTrace(out, tr, zone, recall); err != nil {
			return err
		}
		if first > 0 && tr.Next != "" {
			fmt.Fprintf(out, "(the first %d of %d: leave out --first for the whole list)\n", len(tr.Recall), tr.Recipients.Count)
		}
		return out.Flush()
	}
	return cmd
}

// printTrace writes a trace as two tables: every holder, then the recall
// list that recall gives row by row (its columns aligned a page of
// analytics.RecallCSVPage rows at a time, so that a list of a million is
// never held whole).
func printTrace(out io.Writer, tr analytics.Trace, zone *time.Location, recall func(row func(analytics.Holding) error) error) error {
	fmt.Fprintf(out, "Lot %s of %s (lot id %s): %d produced, %d in circulation, %d written off, %d movements\n\n",
		tr.Batch, tr.SKU, tr.Lot, tr.Produced, tr.InCirculation, tr.WrittenOff, tr.Movements)
	// The name comes last: tabwriter counts runes, not display width, so
	// a Chinese name would push every column after it out of line.
	table := func(title string, n int64, each func(row func(analytics.Holding) error) error) error {
		fmt.Fprintf(out, "%s (%d)\n", title, n)
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "KIND\tHOLDER\tRECEIVED\tSENT ON\tHOLDS\tFIRST (%s)\tLAST\tNAME\n", zone)
		rows := 0
		err := each(func(h analytics.Holding) error {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s\n", h.Kind, h.ID, h.Received, h.SentOn, h.Holds,
				h.First.In(zone).Format("2006-01-02 15:04"), h.Last.In(zone).Format("2006-01-02 15:04"), h.Name)
			if rows++; rows%analytics.RecallCSVPage == 0 {
				return tw.Flush()
			}
			return nil
		})
		if err != nil {
			return err
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		_, err = fmt.Fprintln(out)
		return err
	}
	if err := table("Warehouses and agencies, in the order the lot reached them", int64(len(tr.Holders)), rowsOf(tr.Holders)); err != nil {
		return err
	}
	return table("Recall list: members and customers who received it, those still holding some first", tr.Recipients.Count, recall)
}

// rowsOf gives printTrace's table the rows of hs.
func rowsOf(hs []analytics.Holding) func(row func(analytics.Holding) error) error {
	return func(row func(analytics.Holding) error) error {
		for _, h := range hs {
			if err := row(h); err != nil {
				return err
			}
		}
		return nil
	}
}

func newAnalyticsExportCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "export DATASET",
		Short: "Write a dataset (members, links, orders, order_lines, lot_moves, bonus_lines) as Parquet, Arrow IPC or CSV for analysts' tools (docs/exports.md)",
		Long: `Write a dataset of the ledger as a file, streamed: Parquet (zstd), Arrow IPC
(file format) or CSV (UTF-8, header row). Columns and types: docs/exports.md.
Progress goes to stderr; the file to -o (written beside it, then renamed: an
export that fails leaves no file) or to stdout.

Filters, each for the datasets that take it:
  --period YYYY-MM       orders, order_lines, lot_moves: a month in the company zone
  --period CODE          bonus_lines: a settlement period (its approved or paid run)
  --from, --to DATE      members (joined), orders, order_lines (placed), lot_moves (moved); inclusive
  --as-of WHEN           links: the trees as they stood then (default now)
  --run ID               bonus_lines: one run, any status
  --sku, --batch         lot_moves: one product, one lot`,
		Args: cobra.ExactArgs(1),
	}
	flags := withDatabase(cmd)
	var (
		format, out string
		f           export.Filters
	)
	cmd.Flags().StringVar(&format, "format", "parquet", "parquet, arrow or csv")
	cmd.Flags().StringVarP(&out, "output", "o", "-", "the file to write (- for stdout)")
	cmd.Flags().StringVar(&f.Period, "period", "", "a month YYYY-MM, or for bonus_lines a settlement period's code")
	cmd.Flags().StringVar(&f.From, "from", "", "from this date (YYYY-MM-DD, company zone)")
	cmd.Flags().StringVar(&f.To, "to", "", "up to and including this date")
	cmd.Flags().StringVar(&f.AsOf, "as-of", "", "links: as of this moment")
	cmd.Flags().StringVar(&f.Run, "run", "", "bonus_lines: a run's id")
	cmd.Flags().StringVar(&f.SKU, "sku", "", "lot_moves: a product")
	cmd.Flags().StringVar(&f.Batch, "batch", "", "lot_moves: a lot's batch (with --sku)")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		ctx := cmd.Context()
		ft, err := export.ParseFormat(format)
		if err != nil {
			return err
		}
		db, err := flags.config().openDB(ctx)
		if err != nil {
			return err
		}
		defer db.Close()
		e, err := export.Open(ctx, db, args[0], f)
		if err != nil {
			return err
		}
		defer e.Close()
		stderr := cmd.ErrOrStderr()
		started := time.Now()
		last := started
		progress := func(rows int64) {
			if time.Since(last) >= time.Second {
				last = time.Now()
				fmt.Fprintf(stderr, "%s: %d rows (%.0f a second)\n", args[0], rows, float64(rows)/time.Since(started).Seconds())
			}
		}
		var n int64
		if out == "-" {
			n, err = e.Write(ctx, cmd.OutOrStdout(), ft, progress)
		} else {
			n, err = writeFileAtomically(out, func(w io.Writer) (int64, error) { return e.Write(ctx, w, ft, progress) })
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "%s: %d rows as %s to %s in %s\n", args[0], n, ft, out, time.Since(started).Round(time.Millisecond))
		return nil
	}
	return cmd
}

// writeFileAtomically writes path through a temporary file beside it,
// renamed into place once write succeeded: a failed export leaves nothing
// that looks like a whole file.
func writeFileAtomically(path string, write func(io.Writer) (int64, error)) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return 0, err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	bw := bufio.NewWriterSize(tmp, 1<<20)
	n, err := write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	return n, err
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
