package export_test

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/file"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
	"github.com/apache/arrow-go/v18/parquet/schema"
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/analytics/export"
	"downline/clock"
	"downline/demo"
	"downline/ledger"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/network"
)

// world is the demo company seeded on a pinned clock (29 February of a leap
// year, so the current month ends on the 29th), with one member moved to
// another sponsor an hour before now.
type world struct {
	db       *ledger.DB
	ctx      context.Context
	zone     *time.Location
	now      time.Time
	moved    string // the member moved
	beforeMv time.Time
}

func seed(t *testing.T) world {
	t.Helper()
	db := ledgertest.DB(t)
	zone, err := ledger.CompanyZone()
	if err != nil {
		t.Fatal(err)
	}
	now, err := clock.Parse("2024-02-29 12:00", zone)
	if err != nil {
		t.Fatal(err)
	}
	ctx := clock.With(context.Background(), clock.Fixed(now))
	gen := member.GenerateNetwork(80, 7, now.AddDate(-1, 0, 0))
	if err := member.CopyNetwork(ctx, db, gen, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := demo.Company(ctx, db, "demo-password-1", 7, io.Discard); err != nil {
		t.Fatal(err)
	}
	w := world{db: db, ctx: ctx, zone: zone, now: now, beforeMv: now.Add(-2 * time.Hour)}
	// A member with no sponsor downline, who joined before the move, moves
	// under the first member that is not its sponsor.
	var first string
	if err := db.Pool.QueryRow(ctx, `SELECT m.code, (SELECT code FROM members x WHERE x.id <> m.id AND x.id <> m.sponsor_id ORDER BY x.id LIMIT 1)
		FROM members m WHERE m.joined_at < $1 AND NOT EXISTS (SELECT 1 FROM members c WHERE c.sponsor_id = m.id)
		ORDER BY m.id DESC LIMIT 1`, w.beforeMv).Scan(&w.moved, &first); err != nil {
		t.Fatal(err)
	}
	err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := member.Move(ctx, tx, member.MoveRequest{Member: w.moved, Tree: network.Sponsor, To: first, By: "test", Reason: "transfer", At: now.Add(-time.Hour)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// table is an export read back: every value as canonical text (moments in
// UTC, money with two decimals, null as "∅").
type table struct {
	names []string
	rows  [][]string
}

func (tb table) col(name string) []string {
	for i, n := range tb.names {
		if n == name {
			out := make([]string, len(tb.rows))
			for r, row := range tb.rows {
				out[r] = row[i]
			}
			return out
		}
	}
	panic("no column " + name)
}

const null = "∅"

func canonical(a arrow.Array, r int) string {
	if a.IsNull(r) {
		return null
	}
	switch a := a.(type) {
	case *array.Int64:
		return strconv.FormatInt(a.Value(r), 10)
	case *array.Int32:
		return strconv.FormatInt(int64(a.Value(r)), 10)
	case *array.String:
		return a.Value(r)
	case *array.Decimal128:
		return a.Value(r).ToString(a.DataType().(*arrow.Decimal128Type).Scale)
	case *array.Timestamp:
		return time.UnixMicro(int64(a.Value(r))).UTC().Format(time.RFC3339Nano)
	case *array.Date32:
		return a.Value(r).FormattedString()
	}
	panic(fmt.Sprintf("no canonical form of %s", a.DataType()))
}

func fromRecords(t *testing.T, sc *arrow.Schema, recs func(yield func(arrow.RecordBatch) bool)) table {
	var tb table
	for _, f := range sc.Fields() {
		tb.names = append(tb.names, f.Name)
	}
	for rec := range recs {
		for r := 0; r < int(rec.NumRows()); r++ {
			row := make([]string, rec.NumCols())
			for c := range row {
				row[c] = canonical(rec.Column(c), r)
			}
			tb.rows = append(tb.rows, row)
		}
	}
	return tb
}

// readParquet reads a Parquet file with arrow-go's own Parquet reader and
// checks what the file says of itself: its row count, its compression,
// money as DECIMAL(20,2) and moments adjusted to UTC.
func readParquet(t *testing.T, ds *export.Dataset, data []byte) table {
	t.Helper()
	pf, err := file.NewParquetReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer pf.Close()
	md := pf.MetaData()
	for i, c := range ds.Columns {
		node := md.Schema.Column(i)
		if node.Name() != c.Name {
			t.Fatalf("column %d is %q, want %q", i, node.Name(), c.Name)
		}
		switch lt := node.LogicalType().(type) {
		case schema.DecimalLogicalType:
			if c.Kind != export.Money || lt.Precision() != 20 || lt.Scale() != 2 {
				t.Errorf("%s: %s, want a decimal(20,2) only for money", c.Name, lt)
			}
		case schema.TimestampLogicalType:
			if c.Kind != export.Time || !lt.IsAdjustedToUTC() || lt.TimeUnit() != schema.TimeUnitMicros {
				t.Errorf("%s: %s, want UTC-adjusted microseconds only for moments", c.Name, lt)
			}
		default:
			if c.Kind == export.Money || c.Kind == export.Time {
				t.Errorf("%s: logical type %s", c.Name, lt)
			}
		}
	}
	if md.NumRowGroups() > 0 {
		if cc, err := md.RowGroup(0).ColumnChunk(0); err != nil || cc.Compression() != compress.Codecs.Zstd {
			t.Errorf("compression %v (%v), want zstd", cc.Compression(), err)
		}
	}
	fr, err := pqarrow.NewFileReader(pf, pqarrow.ArrowReadProperties{}, memory.DefaultAllocator)
	if err != nil {
		t.Fatal(err)
	}
	tbl, err := fr.ReadTable(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer tbl.Release()
	if tbl.NumRows() != md.NumRows {
		t.Fatalf("the table has %d rows, the metadata %d", tbl.NumRows(), md.NumRows)
	}
	tr := array.NewTableReader(tbl, 1<<20)
	defer tr.Release()
	return fromRecords(t, tbl.Schema(), func(yield func(arrow.RecordBatch) bool) {
		for tr.Next() {
			if !yield(tr.RecordBatch()) {
				return
			}
		}
	})
}

func readArrow(t *testing.T, data []byte) table {
	t.Helper()
	r, err := ipc.NewFileReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	return fromRecords(t, r.Schema(), func(yield func(arrow.RecordBatch) bool) {
		for i := 0; i < r.NumRecords(); i++ {
			rec, err := r.RecordBatch(i)
			if err != nil {
				t.Fatal(err)
			}
			if !yield(rec) {
				return
			}
		}
	})
}

// readCSV reads a CSV export with encoding/csv; empty fields of nullable
// columns are nulls, moments are turned to UTC.
func readCSV(t *testing.T, ds *export.Dataset, data []byte) table {
	t.Helper()
	recs, err := csv.NewReader(bytes.NewReader(data)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	tb := table{names: recs[0]}
	for _, rec := range recs[1:] {
		for i, c := range ds.Columns {
			switch {
			case rec[i] == "" && c.Nullable:
				rec[i] = null
			case c.Kind == export.Time:
				at, err := time.Parse(time.RFC3339Nano, rec[i])
				if err != nil {
					t.Fatalf("%s: %v", c.Name, err)
				}
				rec[i] = at.UTC().Format(time.RFC3339Nano)
			}
		}
		tb.rows = append(tb.rows, rec)
	}
	return tb
}

func exportAll(t *testing.T, w world, name string, f export.Filters) map[export.Format]table {
	t.Helper()
	ds, err := export.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	out := map[export.Format]table{}
	for _, format := range export.Formats {
		e, err := export.Open(w.ctx, w.db, name, f)
		if err != nil {
			t.Fatalf("%s %+v: %v", name, f, err)
		}
		var buf bytes.Buffer
		n, err := e.Write(w.ctx, &buf, format, nil)
		e.Close()
		if err != nil {
			t.Fatalf("%s.%s: %v", name, format, err)
		}
		var tb table
		switch format {
		case export.Parquet:
			tb = readParquet(t, ds, buf.Bytes())
		case export.Arrow:
			tb = readArrow(t, buf.Bytes())
		case export.CSV:
			if !bytes.HasPrefix(buf.Bytes(), []byte(ds.Columns[0].Name+",")) {
				t.Fatalf("%s.csv starts %.40q, want its header", name, buf.String())
			}
			tb = readCSV(t, ds, buf.Bytes())
		}
		if int64(len(tb.rows)) != n {
			t.Fatalf("%s.%s: read %d rows back, Write said %d", name, format, len(tb.rows), n)
		}
		for i, c := range ds.Columns {
			if tb.names[i] != c.Name {
				t.Fatalf("%s.%s: column %d is %q, want %q", name, format, i, tb.names[i], c.Name)
			}
		}
		out[format] = tb
	}
	// The three formats hold the same values.
	want := fmt.Sprint(out[export.Parquet].rows)
	for _, format := range []export.Format{export.Arrow, export.CSV} {
		if got := fmt.Sprint(out[format].rows); got != want {
			t.Errorf("%s: the %s export differs from the Parquet one", name, format)
		}
	}
	return out
}

// sum adds up a money column read back.
func sum(t *testing.T, vals []string) string {
	t.Helper()
	s := decimal.Zero
	for _, v := range vals {
		d, err := decimal.NewFromString(v)
		if err != nil {
			t.Fatalf("money %q: %v", v, err)
		}
		s = s.Add(d)
	}
	return s.StringFixed(2)
}

func digest(vals []string) string {
	h := md5.Sum([]byte(strings.Join(vals, ",")))
	return hex.EncodeToString(h[:])
}

// ledgerFigures runs one query of the ledger's own tables, apart from the
// exports' queries.
func ledgerFigures(t *testing.T, w world, sql string, args ...any) []string {
	t.Helper()
	rows, err := w.db.Pool.Query(w.ctx, sql, args...)
	if err != nil {
		t.Fatal(err)
	}
	vals, err := pgx.CollectExactlyOneRow(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(vals))
	for i, v := range vals {
		out[i] = fmt.Sprint(v)
	}
	return out
}

func wantFigures(t *testing.T, what string, got, want []string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s: the export gives %v, the ledger %v", what, got, want)
	}
}

// Each dataset in each format, read back with a reader of its own (arrow-go's
// Parquet and IPC readers, encoding/csv), holds what the ledger holds: the
// same rows (counted, and their keys digested in order) and the same sums of
// its money, computed separately in SQL.
func TestExportsReadBackMatchTheLedger(t *testing.T) {
	w := seed(t)
	month := "2024-02"
	from, _ := time.ParseInLocation("2006-01", month, w.zone)
	to := from.AddDate(0, 1, 0)

	t.Run("members", func(t *testing.T) {
		tb := exportAll(t, w, export.Members, export.Filters{})[export.Parquet]
		wantFigures(t, "members", []string{strconv.Itoa(len(tb.rows)), digest(tb.col("code"))},
			ledgerFigures(t, w, `SELECT count(*)::text, md5(string_agg(code, ',' ORDER BY id)) FROM members`))
		// joined_on is the day in the company zone.
		got := exportAll(t, w, export.Members, export.Filters{From: "2024-02-29", To: "2024-02-29"})[export.CSV]
		want := ledgerFigures(t, w, `SELECT count(*)::text FROM members WHERE (joined_at AT TIME ZONE $1)::date = '2024-02-29'`, w.zone.String())
		wantFigures(t, "members who joined on 29 February", []string{strconv.Itoa(len(got.rows))}, want)
		for _, d := range got.col("joined_on") {
			if d != "2024-02-29" {
				t.Errorf("joined_on %s in an export of 29 February", d)
			}
		}
	})

	t.Run("links", func(t *testing.T) {
		for _, at := range []time.Time{w.beforeMv, w.now} {
			tb := exportAll(t, w, export.Links, export.Filters{AsOf: at.Format(time.RFC3339)})[export.Arrow]
			for _, tree := range []network.Tree{network.Sponsor, network.Placement} {
				links, err := member.LinksAsOf(w.ctx, w.db.Pool, tree, at)
				if err != nil {
					t.Fatal(err)
				}
				want := make([]string, len(links))
				for i, l := range links {
					want[i] = fmt.Sprintf("%d>%d", l.ID, l.Parent)
					if tree == network.Placement && l.Parent != 0 {
						want[i] += l.Side.String()
					}
				}
				ids, parents := tb.col("member_id"), tb.col("sponsor_id")
				sides := tb.col("placement_side")
				if tree == network.Placement {
					parents = tb.col("placement_parent_id")
				}
				got := make([]string, len(ids))
				for i := range ids {
					p := parents[i]
					if p == null {
						p = "0"
					}
					got[i] = ids[i] + ">" + p
					if tree == network.Placement && p != "0" {
						got[i] += sides[i]
					}
				}
				wantFigures(t, fmt.Sprintf("%s links as of %s", tree, at), []string{digest(got)}, []string{digest(want)})
			}
		}
		// The moved member's sponsor differs before and after its move.
		sponsorOf := func(at time.Time) string {
			tb := exportAll(t, w, export.Links, export.Filters{AsOf: at.Format(time.RFC3339)})[export.CSV]
			codes, sponsors := tb.col("member_code"), tb.col("sponsor_code")
			for i, c := range codes {
				if c == w.moved {
					return sponsors[i]
				}
			}
			t.Fatalf("%s is not in the links as of %s", w.moved, at)
			return ""
		}
		if before, after := sponsorOf(w.beforeMv), sponsorOf(w.now); before == after {
			t.Errorf("%s has sponsor %s before and after its move", w.moved, before)
		}
	})

	t.Run("orders", func(t *testing.T) {
		tb := exportAll(t, w, export.Orders, export.Filters{Period: month})[export.Parquet]
		if len(tb.rows) == 0 {
			t.Fatal("no orders in the demo's current month")
		}
		wantFigures(t, "orders of "+month,
			[]string{strconv.Itoa(len(tb.rows)), sum(t, tb.col("total")), sum(t, tb.col("pv")), sum(t, tb.col("bv")), digest(tb.col("order_no"))},
			ledgerFigures(t, w, `SELECT count(*)::text, sum(total)::text, sum(pv)::text, sum(bv)::text, md5(string_agg(order_no, ',' ORDER BY id))
				FROM orders WHERE placed_at >= $1 AND placed_at < $2`, from, to))
		var last string
		for _, d := range tb.col("placed_on") {
			if !strings.HasPrefix(d, month) {
				t.Errorf("placed_on %s in the export of %s", d, month)
			}
			last = max(last, d)
		}
		if last != "2024-02-29" {
			t.Errorf("the latest order of February is of %s, want the 29th (the clock's day)", last)
		}
		all := exportAll(t, w, export.Orders, export.Filters{})[export.CSV]
		wantFigures(t, "every order", []string{strconv.Itoa(len(all.rows)), sum(t, all.col("total"))},
			ledgerFigures(t, w, `SELECT count(*)::text, sum(total)::text FROM orders`))
	})

	t.Run("order_lines", func(t *testing.T) {
		tb := exportAll(t, w, export.OrderLines, export.Filters{From: "2024-02-01", To: "2024-02-29"})[export.Parquet]
		wantFigures(t, "order lines of "+month,
			[]string{strconv.Itoa(len(tb.rows)), sum(t, tb.col("amount")), sum(t, tb.col("unit_price")), sum(t, tb.col("unit_cost"))},
			ledgerFigures(t, w, `SELECT count(*)::text, sum(l.qty * l.unit_price)::text, sum(l.unit_price)::text, sum(l.unit_cost)::text
				FROM order_lines l JOIN orders o ON o.id = l.order_id WHERE o.placed_at >= $1 AND o.placed_at < $2`, from, to))
	})

	t.Run("lot_moves", func(t *testing.T) {
		tb := exportAll(t, w, export.LotMoves, export.Filters{})[export.Arrow]
		onHand := 0
		for _, v := range tb.col("on_hand_delta") {
			n, _ := strconv.Atoi(v)
			onHand += n
		}
		wantFigures(t, "lot moves", []string{strconv.Itoa(len(tb.rows)), strconv.Itoa(onHand), digest(tb.col("move_id"))},
			ledgerFigures(t, w, `SELECT count(*)::text, sum(on_hand_delta)::text, md5(string_agg(id::text, ',' ORDER BY id)) FROM stock_moves`))
		// One lot: its moves add up to what its warehouses hold.
		lot := exportAll(t, w, export.LotMoves, export.Filters{SKU: "TEA-200", Batch: "TEA-200-B1"})[export.Parquet]
		held := 0
		for _, v := range lot.col("on_hand_delta") {
			n, _ := strconv.Atoi(v)
			held += n
		}
		wantFigures(t, "TEA-200-B1 on hand", []string{strconv.Itoa(held)},
			ledgerFigures(t, w, `SELECT sum(b.on_hand)::text FROM stock_balances b JOIN lots l ON l.id = b.lot_id WHERE l.batch = 'TEA-200-B1'`))
	})

	t.Run("bonus_lines", func(t *testing.T) {
		var runs []struct {
			id     int64
			period string
		}
		rows, _ := w.db.Pool.Query(w.ctx, `SELECT r.id, p.code FROM settle_runs r JOIN settle_periods p ON p.id = r.period_id WHERE r.status <> 'draft' ORDER BY r.id`)
		for rows.Next() {
			var r struct {
				id     int64
				period string
			}
			if err := rows.Scan(&r.id, &r.period); err != nil {
				t.Fatal(err)
			}
			runs = append(runs, r)
		}
		if rows.Err() != nil || len(runs) != 2 {
			t.Fatalf("the demo has %d settled runs (%v), want 2", len(runs), rows.Err())
		}
		for _, r := range runs {
			byPeriod := exportAll(t, w, export.BonusLines, export.Filters{Period: r.period})[export.Parquet]
			byRun := exportAll(t, w, export.BonusLines, export.Filters{Run: strconv.FormatInt(r.id, 10)})[export.CSV]
			if fmt.Sprint(byPeriod.rows) != fmt.Sprint(byRun.rows) {
				t.Errorf("period %s and its run %d export different lines", r.period, r.id)
			}
			if len(byPeriod.rows) == 0 {
				t.Errorf("run %d exports no lines", r.id)
			}
			// The run's own totals, recorded when it ran, and its lines.
			wantFigures(t, "bonus lines of "+r.period,
				[]string{strconv.Itoa(len(byPeriod.rows)), sum(t, byPeriod.col("amount")), sum(t, byPeriod.col("before_cap"))},
				ledgerFigures(t, w, `SELECT r.lines::text, round(r.bonus_total, 2)::text, round(sum(l.before_cap), 2)::text
					FROM settle_runs r JOIN settle_run_lines l ON l.set_id = r.lines_set WHERE r.id = $1 GROUP BY r.id`, r.id))
		}
	})
}

// Bad filters and unknown runs fail before anything is written, naming the
// culprit.
func TestExportRefusesBadFilters(t *testing.T) {
	db := ledgertest.DB(t)
	ctx := context.Background()
	for _, c := range []struct {
		dataset string
		f       export.Filters
		want    error
		says    string
	}{
		{"nope", export.Filters{}, export.ErrInvalid, `no dataset "nope"`},
		{export.Members, export.Filters{Run: "1"}, export.ErrInvalid, "members takes no run filter"},
		{export.Orders, export.Filters{Period: "2024-13"}, export.ErrInvalid, `period "2024-13"`},
		{export.Orders, export.Filters{From: "2024-02-30"}, export.ErrInvalid, `from "2024-02-30"`},
		{export.Orders, export.Filters{From: "2024-03-01", To: "2024-02-01"}, export.ErrInvalid, "is after to"},
		{export.Orders, export.Filters{Period: "2024-02", From: "2024-02-01"}, export.ErrInvalid, "one or the other"},
		{export.Links, export.Filters{AsOf: "yesterday"}, export.ErrInvalid, "as_of"},
		{export.LotMoves, export.Filters{Batch: "B1"}, export.ErrInvalid, "needs its sku"},
		{export.BonusLines, export.Filters{}, export.ErrInvalid, "needs a run or a period"},
		{export.BonusLines, export.Filters{Run: "x"}, export.ErrInvalid, `run "x"`},
		{export.BonusLines, export.Filters{Run: "99"}, export.ErrNotFound, "no settlement run 99"},
		{export.BonusLines, export.Filters{Period: "2024-01"}, export.ErrNotFound, `period "2024-01" has no settlement run`},
	} {
		e, err := export.Open(ctx, db, c.dataset, c.f)
		if err == nil {
			e.Close()
			t.Errorf("%s %+v: opened", c.dataset, c.f)
			continue
		}
		if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.says) {
			t.Errorf("%s %+v: %v, want %v saying %q", c.dataset, c.f, err, c.want, c.says)
		}
	}
	if _, err := export.ParseFormat("xlsx"); !errors.Is(err, export.ErrInvalid) {
		t.Errorf("format xlsx: %v", err)
	}
}

// An empty dataset is still a file each reader opens, with its columns.
func TestEmptyExportsAreFiles(t *testing.T) {
	w := world{db: ledgertest.DB(t), ctx: context.Background()}
	for _, format := range export.Formats {
		e, err := export.Open(w.ctx, w.db, export.Orders, export.Filters{})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		n, err := e.Write(w.ctx, &buf, format, nil)
		e.Close()
		if err != nil || n != 0 {
			t.Fatalf("%s: %d rows, %v", format, n, err)
		}
		ds, _ := export.Lookup(export.Orders)
		var tb table
		switch format {
		case export.Parquet:
			tb = readParquet(t, ds, buf.Bytes())
		case export.Arrow:
			tb = readArrow(t, buf.Bytes())
		case export.CSV:
			tb = readCSV(t, ds, buf.Bytes())
		}
		if len(tb.rows) != 0 || len(tb.names) != len(ds.Columns) {
			t.Errorf("%s: %d rows, columns %v", format, len(tb.rows), tb.names)
		}
	}
}

// docs/exports.md documents every column of every dataset with its type.
func TestDocsDescribeEveryColumn(t *testing.T) {
	doc, err := os.ReadFile("../../docs/exports.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range export.Datasets {
		_, section, ok := strings.Cut(string(doc), "### `"+d.Name+"`\n")
		if !ok {
			t.Errorf("docs/exports.md has no section for %s", d.Name)
			continue
		}
		section, _, _ = strings.Cut(section, "\n### ")
		for _, c := range d.Columns {
			nullable := ""
			if c.Nullable {
				nullable = "yes"
			}
			if row := fmt.Sprintf("| `%s` | %s | %s | %s |", c.Name, c.Type, nullable, c.Doc); !strings.Contains(section, row) {
				t.Errorf("docs/exports.md, %s: no row %s", d.Name, row)
			}
		}
		if strings.Count(section, "\n| `") != len(d.Columns) {
			t.Errorf("docs/exports.md, %s: %d columns, the dataset has %d", d.Name, strings.Count(section, "\n| `"), len(d.Columns))
		}
	}
}

type failingWriter struct{}

var errDiskFull = errors.New("disk full")

func (failingWriter) Write([]byte) (int, error) { return 0, errDiskFull }

// A writer that fails fails the export with its error, in every format, and
// the export closes.
func TestExportFailsWithItsWriter(t *testing.T) {
	w := seed(t)
	for _, format := range export.Formats {
		e, err := export.Open(w.ctx, w.db, export.Members, export.Filters{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.Write(w.ctx, failingWriter{}, format, nil)
		e.Close()
		if !errors.Is(err, errDiskFull) {
			t.Errorf("%s to a full disk: %v", format, err)
		}
	}
}
