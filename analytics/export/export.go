// Package export writes the ledger's records as files for analysts' own
// tools (pandas, DuckDB, Spark): members, both trees' links as of a date,
// orders, order lines, lot movements and a settlement run's bonus lines, as
// Parquet, Arrow IPC (file format) or CSV. docs/exports.md documents every
// dataset and column.
//
// Unlike the rest of analytics, which answers from the graph stores, an
// export reads the ledger itself: it is the record, not a summary of it. It
// is streamed: one read-only, repeatable-read transaction runs the query,
// rows are turned into Arrow record batches of BatchRows as they arrive and
// each batch is written before the next is read, so a dataset of millions
// of rows never sits in memory.
//
// Money is Arrow decimal128(20, 2) (Parquet DECIMAL(20,2), CSV "1234.50"):
// exact, and read as a decimal by pandas (decimal.Decimal), DuckDB
// (DECIMAL(20,2)) and Spark (DecimalType(20,2)), never as a float. Moments
// are UTC instants (Parquet TIMESTAMP(MICROS, isAdjustedToUTC)) whose Arrow
// type names the company zone; business dates are the company zone's
// calendar dates (Arrow date32), as periods are.
package export

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
)

// ErrInvalid (a bad dataset, format or filter) and ErrNotFound (no such run
// or period) are what Open fails with, wrapped with the culprit's name.
var (
	ErrInvalid  = errors.New("invalid export")
	ErrNotFound = errors.New("not found")
)

// BatchRows is the number of rows in one record batch, and so in one
// Parquet row group (about what DuckDB and Spark read best).
const BatchRows = 122_880

// Format is a file format.
type Format string

const (
	Parquet Format = "parquet"
	Arrow   Format = "arrow" // Arrow IPC file format (Feather v2)
	CSV     Format = "csv"
)

// Formats lists the formats in the order they are offered.
var Formats = []Format{Parquet, Arrow, CSV}

// ContentType is the media type of a file in f.
func (f Format) ContentType() string {
	switch f {
	case Parquet:
		return "application/vnd.apache.parquet"
	case Arrow:
		return "application/vnd.apache.arrow.file"
	}
	return "text/csv; charset=utf-8"
}

// ParseFormat reads a format name.
func ParseFormat(s string) (Format, error) {
	for _, f := range Formats {
		if string(f) == s {
			return f, nil
		}
	}
	return "", fmt.Errorf("%w: format %q: want parquet, arrow or csv", ErrInvalid, s)
}

// Kind is a column's type.
type Kind uint8

const (
	Int64 Kind = iota + 1
	Int32
	Text
	Money // decimal128(20, 2); read from SQL as bigint cents
	Time  // a moment: timestamp[us, company zone]
	Date  // a calendar date in the company zone: date32
	Bool
)

// String is the kind as docs/exports.md names it.
func (k Kind) String() string {
	return [...]string{"", "int64", "int32", "string", "decimal(20,2)", "timestamp[us, tz]", "date32", "bool"}[k]
}

// Column is one column of a dataset.
type Column struct {
	Name     string `json:"name"`
	Kind     Kind   `json:"-"`
	Type     string `json:"type"`
	Nullable bool   `json:"nullable"`
	Doc      string `json:"doc"`
	// Lookup names one of the dataset's lookups: the query gives an id
	// (bigint) and the column holds the text the lookup has for it (null
	// when it has none). Codes of the few warehouses, lots and products are
	// looked up so rather than joined to millions of rows.
	Lookup string `json:"-"`
	// DayOf, for a Date column, names the moment column (before it) whose
	// company-zone day it is: computed here, not by the query.
	DayOf string `json:"-"`
	// Dict asks Parquet for dictionary encoding: for columns of few
	// distinct values (statuses, kinds, codes of warehouses and products).
	Dict bool `json:"-"`
}

// Filters are an export's filters, as given (query parameters or flags).
// Which apply depends on the dataset (Dataset.Filters); others are refused.
type Filters struct {
	Period string // orders, order lines, lot moves: a month YYYY-MM; bonus lines: a settlement period's code
	From   string // a date (YYYY-MM-DD), inclusive
	To     string // a date, inclusive
	AsOf   string // links: a moment (default now)
	Run    string // bonus lines: a settlement run's id
	SKU    string // lot moves
	Batch  string // lot moves
}

func (f Filters) get(name string) string {
	switch name {
	case "period":
		return f.Period
	case "from":
		return f.From
	case "to":
		return f.To
	case "as_of":
		return f.AsOf
	case "run":
		return f.Run
	case "sku":
		return f.SKU
	case "batch":
		return f.Batch
	}
	return ""
}

// FilterNames are every filter's name, as a query parameter or flag.
var FilterNames = []string{"period", "from", "to", "as_of", "run", "sku", "batch"}

// Export is an open export: the query is running, nothing is written yet.
type Export struct {
	Dataset *Dataset
	zone    *time.Location
	cancel  context.CancelFunc // stops the query of an export given up
	tx      pgx.Tx
	rows    pgx.Rows
	first   bool // rows.Next already returned true once (Open checks the query starts)
	done    bool
	lookups []map[int64][]byte // per column, for lookup columns
	dayOf   []int              // per column, for derived days: the moment's column
	moments []int64            // per column, the moment of the row being appended
	day     struct {           // the day of the moment appended last, and its bounds
		from, to int64
		date     arrow.Date32
		ok       bool
	}
}

// Open validates the filters for the dataset and starts its query in a
// read-only transaction of its own, so that a bad filter, an unknown run or
// a query that cannot start fails before anything is written. Close it.
//
// Errors: ErrInvalid (unknown dataset, a filter it does not take, a
// malformed value), ErrNotFound (no such run or period).
func Open(ctx context.Context, db *ledger.DB, dataset string, f Filters) (*Export, error) {
	ds, err := Lookup(dataset)
	if err != nil {
		return nil, err
	}
	for _, name := range FilterNames {
		if f.get(name) != "" && !ds.takes(name) {
			return nil, fmt.Errorf("%w: %s takes no %s filter (it takes: %s)", ErrInvalid, ds.Name, name, strings.Join(ds.Filters, ", "))
		}
	}
	zone, err := ledger.CompanyZone()
	if err != nil {
		return nil, err
	}
	q := query{zone: zone, now: clock.Now(ctx)}
	if err := q.parse(f, ds); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	tx, err := db.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		cancel()
		return nil, err
	}
	e := &Export{Dataset: ds, zone: zone, cancel: cancel, tx: tx}
	// A big table's scan starts at its first page, so the same export twice
	// lists its rows in the same order.
	if _, err := tx.Exec(ctx, `SET LOCAL synchronize_seqscans = off`); err != nil {
		e.Close()
		return nil, err
	}
	if err := e.loadLookups(ctx); err != nil {
		e.Close()
		return nil, err
	}
	sql, args, err := ds.sql(ctx, tx, &q)
	if err != nil {
		e.Close()
		return nil, err
	}
	if e.rows, err = tx.Query(ctx, sql, args...); err != nil {
		e.Close()
		return nil, err
	}
	if err := e.checkFields(); err != nil {
		e.Close()
		return nil, err
	}
	e.first = e.rows.Next()
	if err := e.rows.Err(); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// loadLookups reads the dataset's lookups in the export's transaction.
func (e *Export) loadLookups(ctx context.Context) error {
	e.lookups = make([]map[int64][]byte, len(e.Dataset.Columns))
	e.dayOf = make([]int, len(e.Dataset.Columns))
	e.moments = make([]int64, len(e.Dataset.Columns))
	for i, c := range e.Dataset.Columns {
		if c.DayOf == "" {
			continue
		}
		e.dayOf[i] = -1
		for k, from := range e.Dataset.Columns[:i] {
			if from.Name == c.DayOf && from.Kind == Time {
				e.dayOf[i] = k
			}
		}
		if e.dayOf[i] < 0 {
			return fmt.Errorf("export %s: column %s is the day of %s, no moment before it", e.Dataset.Name, c.Name, c.DayOf)
		}
	}
	loaded := map[string]map[int64][]byte{}
	for i, c := range e.Dataset.Columns {
		if c.Lookup == "" {
			continue
		}
		if m, ok := loaded[c.Lookup]; ok {
			e.lookups[i] = m
			continue
		}
		rows, err := e.tx.Query(ctx, e.Dataset.Lookups[c.Lookup])
		if err != nil {
			return err
		}
		m := map[int64][]byte{}
		for rows.Next() {
			var id int64
			var v *string
			if err := rows.Scan(&id, &v); err != nil {
				return err
			}
			if v != nil {
				m[id] = []byte(*v)
			}
		}
		if err := rows.Err(); err != nil {
			return err
		}
		loaded[c.Lookup], e.lookups[i] = m, m
	}
	return nil
}

// Close ends the export's transaction. The query of an export not written
// to its end is cancelled, rather than its remaining rows read and dropped.
func (e *Export) Close() {
	e.cancel()
	if e.rows != nil {
		e.rows.Close()
	}
	_ = e.tx.Rollback(context.Background())
}

// checkFields makes sure every column comes in the binary encoding the
// decoders read.
func (e *Export) checkFields() error {
	fds := e.rows.FieldDescriptions()
	var queried []Column
	for _, c := range e.Dataset.Columns {
		if c.DayOf == "" {
			queried = append(queried, c)
		}
	}
	if len(fds) != len(queried) {
		return fmt.Errorf("export %s: the query gives %d columns, the dataset has %d", e.Dataset.Name, len(fds), len(queried))
	}
	for i, fd := range fds {
		c := queried[i]
		if fd.Format != pgx.BinaryFormatCode && (c.Kind != Text || c.Lookup != "") {
			return fmt.Errorf("export %s: column %s comes as text", e.Dataset.Name, c.Name)
		}
		want := oidOf[c.Kind]
		if c.Lookup != "" {
			want = oidOf[Int64]
		}
		if fd.DataTypeOID != want && (c.Kind != Text || c.Lookup != "") {
			return fmt.Errorf("export %s: column %s is of type oid %d, want %d", e.Dataset.Name, c.Name, fd.DataTypeOID, want)
		}
	}
	return nil
}

var oidOf = map[Kind]uint32{Int64: 20, Money: 20, Int32: 23, Time: 1184, Date: 1082, Bool: 16}

// Schema is the dataset's Arrow schema, moments in zone.
func (d *Dataset) Schema(zone *time.Location) *arrow.Schema {
	fields := make([]arrow.Field, len(d.Columns))
	for i, c := range d.Columns {
		fields[i] = arrow.Field{Name: c.Name, Type: arrowType(c.Kind, zone), Nullable: c.Nullable}
	}
	return arrow.NewSchema(fields, nil)
}

// MoneyType is the Arrow type of money.
var MoneyType = &arrow.Decimal128Type{Precision: 20, Scale: 2}

func arrowType(k Kind, zone *time.Location) arrow.DataType {
	switch k {
	case Int64:
		return arrow.PrimitiveTypes.Int64
	case Int32:
		return arrow.PrimitiveTypes.Int32
	case Text:
		return arrow.BinaryTypes.String
	case Money:
		return MoneyType
	case Time:
		return &arrow.TimestampType{Unit: arrow.Microsecond, TimeZone: zone.String()}
	case Date:
		return arrow.FixedWidthTypes.Date32
	case Bool:
		return arrow.FixedWidthTypes.Boolean
	}
	panic("export: unknown kind")
}

// sink is where record batches go: one per format.
type sink interface {
	write(rec arrow.RecordBatch) error
	close() error
}

// Write streams the whole export to w in format f, calling progress (when
// not nil) with the rows written so far after each batch, and returns the
// number of rows. An export is written once.
func (e *Export) Write(ctx context.Context, w io.Writer, f Format, progress func(rows int64)) (int64, error) {
	if e.done {
		return 0, errors.New("export: written already")
	}
	e.done = true
	schema := e.Dataset.Schema(e.zone)
	// The writers close what they write to when they can: the caller does.
	w = struct{ io.Writer }{w}
	var (
		s   sink
		err error
	)
	switch f {
	case Parquet:
		s, err = newParquetSink(w, schema, e.Dataset.Columns)
	case Arrow:
		s, err = newArrowSink(w, schema)
	case CSV:
		s, err = newCSVSink(w, schema, e.zone)
	default:
		return 0, fmt.Errorf("%w: format %q", ErrInvalid, f)
	}
	if err != nil {
		return 0, err
	}
	// Rows are read and decoded on this goroutine while the batch before is
	// encoded and written on another: Postgres keeps sending meanwhile.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	batches := make(chan arrow.RecordBatch, 1)
	written := make(chan error, 1)
	var total int64
	go func() {
		var err error
		for rec := range batches {
			if err == nil {
				if err = s.write(rec); err == nil {
					total += rec.NumRows()
					if progress != nil {
						progress(total)
					}
				} else {
					cancel() // stops the reading
				}
			}
			rec.Release()
		}
		written <- err
	}()
	err = e.read(ctx, schema, batches)
	close(batches)
	if werr := <-written; werr != nil {
		return total, werr
	}
	if err != nil {
		return total, err
	}
	return total, s.close()
}

// read decodes the rows into record batches of BatchRows and sends them
// (one, empty, for no rows: the file still has its columns).
func (e *Export) read(ctx context.Context, schema *arrow.Schema, out chan<- arrow.RecordBatch) error {
	b := array.NewRecordBuilder(memory.DefaultAllocator, schema)
	defer b.Release()
	for _, f := range b.Fields() {
		f.Reserve(BatchRows)
	}
	n, sent := 0, false
	flush := func() error {
		select {
		case out <- b.NewRecordBatch():
			sent = true
			for _, f := range b.Fields() {
				f.Reserve(BatchRows)
			}
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	for more := e.first; more; more = e.rows.Next() {
		if err := e.append(b, e.rows.RawValues()); err != nil {
			return err
		}
		if n++; n == BatchRows {
			if err := flush(); err != nil {
				return err
			}
			n = 0
		}
	}
	if err := e.rows.Err(); err != nil {
		return err
	}
	if n > 0 || !sent {
		return flush()
	}
	return nil
}

// pgEpoch is Postgres's epoch (2000-01-01) in Unix microseconds and days.
const (
	pgEpochMicros = 946_684_800_000_000
	pgEpochDays   = 10_957
)

// append decodes one row's binary values into the builders.
func (e *Export) append(b *array.RecordBuilder, vals [][]byte) error {
	j := 0 // the raw value
	for i := range e.Dataset.Columns {
		c := &e.Dataset.Columns[i]
		fb := b.Field(i)
		if c.DayOf != "" {
			e.appendDay(fb.(*array.Date32Builder), e.moments[e.dayOf[i]])
			continue
		}
		v := vals[j]
		j++
		if v != nil && e.lookups[i] != nil {
			v = e.lookups[i][int64(binary.BigEndian.Uint64(v))]
		}
		if v == nil {
			e.moments[i] = noMoment
			if !c.Nullable {
				return fmt.Errorf("export %s: column %s is NULL in a row (a money amount with more than two decimals, or a broken record)", e.Dataset.Name, c.Name)
			}
			fb.AppendNull()
			continue
		}
		switch c.Kind {
		case Int64:
			fb.(*array.Int64Builder).Append(int64(binary.BigEndian.Uint64(v)))
		case Int32:
			fb.(*array.Int32Builder).Append(int32(binary.BigEndian.Uint32(v)))
		case Text:
			fb.(*array.StringBuilder).BinaryBuilder.Append(v)
		case Money:
			fb.(*array.Decimal128Builder).Append(decimal128.FromI64(int64(binary.BigEndian.Uint64(v))))
		case Time:
			us := int64(binary.BigEndian.Uint64(v)) + pgEpochMicros
			e.moments[i] = us
			fb.(*array.TimestampBuilder).Append(arrow.Timestamp(us))
		case Date:
			fb.(*array.Date32Builder).Append(arrow.Date32(int32(binary.BigEndian.Uint32(v)) + pgEpochDays))
		case Bool:
			fb.(*array.BooleanBuilder).Append(v[0] != 0)
		}
	}
	return nil
}

// noMoment marks a null moment in Export.moments.
const noMoment = -1 << 63

// appendDay appends the company-zone day of the moment us (Unix
// microseconds; null for noMoment).
func (e *Export) appendDay(to *array.Date32Builder, us int64) {
	if us == noMoment {
		to.AppendNull()
		return
	}
	// Zones change their offset seldom: the day's bounds are kept, and a
	// moment within them needs no conversion.
	if e.day.ok && us >= e.day.from && us < e.day.to {
		to.Append(e.day.date)
		return
	}
	t := time.UnixMicro(us).In(e.zone)
	y, m, d := t.Date()
	start := time.Date(y, m, d, 0, 0, 0, 0, e.zone)
	e.day.from, e.day.to = start.UnixMicro(), start.AddDate(0, 0, 1).UnixMicro()
	e.day.date = arrow.Date32FromTime(time.Date(y, m, d, 0, 0, 0, 0, time.UTC))
	e.day.ok = true
	to.Append(e.day.date)
}

// query is an export's parsed filters.
type query struct {
	zone     *time.Location
	now      time.Time
	from, to time.Time // [from, to); zero: open
	asOf     time.Time
	period   string
	run      int64
	sku      string
	batch    string
}

func (q *query) parse(f Filters, ds *Dataset) error {
	day := func(name, s string) (time.Time, error) {
		t, err := time.ParseInLocation(time.DateOnly, strings.TrimSpace(s), q.zone)
		if err != nil {
			return t, fmt.Errorf("%w: %s %q: want a date YYYY-MM-DD", ErrInvalid, name, s)
		}
		return t, nil
	}
	var err error
	if f.From != "" {
		if q.from, err = day("from", f.From); err != nil {
			return err
		}
	}
	if f.To != "" {
		if q.to, err = day("to", f.To); err != nil {
			return err
		}
		q.to = q.to.AddDate(0, 0, 1)
	}
	if !q.from.IsZero() && !q.to.IsZero() && !q.to.After(q.from) {
		return fmt.Errorf("%w: from %s is after to %s", ErrInvalid, f.From, f.To)
	}
	q.period = strings.TrimSpace(f.Period)
	if q.period != "" && ds.Name != BonusLines {
		if f.From != "" || f.To != "" {
			return fmt.Errorf("%w: period and from/to together: give one or the other", ErrInvalid)
		}
		m, err := time.ParseInLocation("2006-01", q.period, q.zone)
		if err != nil {
			return fmt.Errorf("%w: period %q: want a month YYYY-MM", ErrInvalid, f.Period)
		}
		q.from, q.to = m, m.AddDate(0, 1, 0)
	}
	q.asOf = q.now
	if f.AsOf != "" {
		if q.asOf, err = clock.Parse(f.AsOf, q.zone); err != nil {
			return fmt.Errorf("%w: as_of: %v", ErrInvalid, err)
		}
		if len(strings.TrimSpace(f.AsOf)) == len(time.DateOnly) {
			// A date means the end of that day.
			q.asOf = q.asOf.AddDate(0, 0, 1).Add(-time.Microsecond)
		}
	}
	if f.Run != "" {
		if q.run, err = strconv.ParseInt(strings.TrimSpace(f.Run), 10, 64); err != nil || q.run <= 0 {
			return fmt.Errorf("%w: run %q: want a run's id (a positive number)", ErrInvalid, f.Run)
		}
	}
	if ds.Name == BonusLines && (q.run == 0) == (q.period == "") {
		return fmt.Errorf("%w: bonus_lines needs a run or a period (one of them)", ErrInvalid)
	}
	q.sku, q.batch = strings.TrimSpace(f.SKU), strings.TrimSpace(f.Batch)
	if q.batch != "" && q.sku == "" {
		return fmt.Errorf("%w: a batch needs its sku", ErrInvalid)
	}
	return nil
}

// between adds "AND col >= $n AND col < $n+1" for the query's range.
func (q *query) between(col string, args *[]any) string {
	var s string
	if !q.from.IsZero() {
		*args = append(*args, q.from)
		s += fmt.Sprintf(" AND %s >= $%d", col, len(*args))
	}
	if !q.to.IsZero() {
		*args = append(*args, q.to)
		s += fmt.Sprintf(" AND %s < $%d", col, len(*args))
	}
	return s
}

// isNotFound tells a query's "no rows" apart.
func isNotFound(err error) bool { return errors.Is(err, pgx.ErrNoRows) }
