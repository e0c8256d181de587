package export

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/parquet"
	"github.com/apache/arrow-go/v18/parquet/compress"
	"github.com/apache/arrow-go/v18/parquet/pqarrow"
)

// parquetSink writes one row group per record batch, Zstandard-compressed
// at its fastest level (smaller than Snappy and as fast to read; every
// reader named in docs/exports.md reads it), with the Arrow schema stored
// so that pyarrow gets the zone of the timestamps back.
type parquetSink struct{ w *pqarrow.FileWriter }

func newParquetSink(w io.Writer, schema *arrow.Schema, cols []Column) (sink, error) {
	opts := []parquet.WriterProperty{
		parquet.WithCompression(compress.Codecs.Zstd),
		parquet.WithCompressionLevel(1),
		parquet.WithMaxRowGroupLength(BatchRows),
		parquet.WithCreatedBy("downline"),
		// Ids, names and moments are mostly distinct: a dictionary would
		// be built and dropped for each of them.
		parquet.WithDictionaryDefault(false),
	}
	for _, c := range cols {
		if c.Dict {
			opts = append(opts, parquet.WithDictionaryFor(c.Name, true))
		}
	}
	props := parquet.NewWriterProperties(opts...)
	fw, err := pqarrow.NewFileWriter(schema, w, props, pqarrow.NewArrowWriterProperties(pqarrow.WithStoreSchema()))
	if err != nil {
		return nil, err
	}
	return parquetSink{fw}, nil
}

func (s parquetSink) write(rec arrow.RecordBatch) error { return s.w.Write(rec) }
func (s parquetSink) close() error                      { return s.w.Close() }

// arrowSink writes the Arrow IPC file format (Feather v2: pyarrow.feather,
// pandas.read_feather, polars.read_ipc, DuckDB's arrow extension), which
// needs no seeking: the footer comes last.
type arrowSink struct{ w *ipc.FileWriter }

func newArrowSink(w io.Writer, schema *arrow.Schema) (sink, error) {
	fw, err := ipc.NewFileWriter(w, ipc.WithSchema(schema))
	if err != nil {
		return nil, err
	}
	return arrowSink{fw}, nil
}

func (s arrowSink) write(rec arrow.RecordBatch) error { return s.w.Write(rec) }
func (s arrowSink) close() error                      { return s.w.Close() }

// csvSink writes UTF-8 CSV (RFC 4180) with a header row: money with two
// decimals, moments as RFC 3339 in the company zone, dates YYYY-MM-DD,
// nulls as empty fields.
type csvSink struct {
	w    *bufio.Writer
	zone *time.Location
	buf  []byte
}

func newCSVSink(w io.Writer, schema *arrow.Schema, zone *time.Location) (sink, error) {
	s := &csvSink{w: bufio.NewWriterSize(w, 256<<10), zone: zone}
	for i, f := range schema.Fields() {
		if i > 0 {
			s.buf = append(s.buf, ',')
		}
		s.buf = appendCSVText(s.buf, f.Name)
	}
	s.buf = append(s.buf, '\r', '\n')
	return s, nil
}

func (s *csvSink) write(rec arrow.RecordBatch) error {
	cols := rec.Columns()
	for r := 0; r < int(rec.NumRows()); r++ {
		for c, a := range cols {
			if c > 0 {
				s.buf = append(s.buf, ',')
			}
			if a.IsNull(r) {
				continue
			}
			switch a := a.(type) {
			case *array.Int64:
				s.buf = strconv.AppendInt(s.buf, a.Value(r), 10)
			case *array.Int32:
				s.buf = strconv.AppendInt(s.buf, int64(a.Value(r)), 10)
			case *array.String:
				s.buf = appendCSVText(s.buf, a.Value(r))
			case *array.Decimal128:
				s.buf = AppendCents(s.buf, a.Value(r).LowBits())
			case *array.Timestamp:
				s.buf = time.UnixMicro(int64(a.Value(r))).In(s.zone).AppendFormat(s.buf, time.RFC3339Nano)
			case *array.Date32:
				s.buf = a.Value(r).ToTime().AppendFormat(s.buf, time.DateOnly)
			case *array.Boolean:
				s.buf = strconv.AppendBool(s.buf, a.Value(r))
			default:
				return fmt.Errorf("export: no CSV for %s", a.DataType())
			}
		}
		s.buf = append(s.buf, '\r', '\n')
		if len(s.buf) > 64<<10 {
			if _, err := s.w.Write(s.buf); err != nil {
				return err
			}
			s.buf = s.buf[:0]
		}
	}
	return nil
}

func (s *csvSink) close() error {
	if _, err := s.w.Write(s.buf); err != nil {
		return err
	}
	return s.w.Flush()
}

// appendCSVText quotes a field when it holds a comma, a quote, a line break
// or leading or trailing space.
func appendCSVText(b []byte, v string) []byte {
	if v == "" || !strings.ContainsAny(v, ",\"\r\n") && v[0] != ' ' && v[len(v)-1] != ' ' {
		return append(b, v...)
	}
	b = append(b, '"')
	for i := 0; i < len(v); i++ {
		if v[i] == '"' {
			b = append(b, '"')
		}
		b = append(b, v[i])
	}
	return append(b, '"')
}

// AppendCents writes an amount in cents as a decimal with two places
// ("-3.05"), without floating point.
func AppendCents(b []byte, cents uint64) []byte {
	v := int64(cents)
	if v < 0 {
		b = append(b, '-')
		cents = uint64(-v)
	}
	b = strconv.AppendUint(b, cents/100, 10)
	b = append(b, '.', byte('0'+cents%100/10), byte('0'+cents%10))
	return b
}
