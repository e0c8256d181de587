// Package csvio reads the period's members, orders and carry CSV files into an
// engine.Input and writes bonuses.csv, summary.csv and carry.csv.
package csvio

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"

	"downline/settle/engine"
)

// Files names the input files of a period; Carry is optional.
type Files struct {
	Members, Orders, Carry string
}

// Load reads and validates the period's files. Count, when set, is called with
// the number of bytes read so far (for progress).
func Load(f Files, count func(int64)) (engine.Input, error) {
	b := &engine.Builder{MembersFile: f.Members, OrdersFile: f.Orders, CarryFile: f.Carry,
		ExpectMembers: int(fileSize(f.Members) / 32), ExpectOrders: int(fileSize(f.Orders) / 40)}
	for _, in := range []struct {
		path string
		read func(name string, data []byte, b *engine.Builder, count func(int64), cores, least int) error
	}{{f.Members, readMembers}, {f.Orders, readOrders}} {
		data, release, err := mapFile(in.path)
		if err != nil {
			return engine.Input{}, err
		}
		err = in.read(in.path, data, b, count, runtime.GOMAXPROCS(0), chunkedMin)
		release() // the builder keeps copies of what it needs
		if err != nil {
			return engine.Input{}, err
		}
	}
	if f.Carry != "" {
		err := loadFile(f.Carry, []string{"member_id", "left", "right"}, count,
			func(line int, v [][]byte) error { return b.AddCarryBytes(line, v[0], v[1], v[2]) })
		if err != nil {
			return engine.Input{}, err
		}
	}
	return b.Build()
}

// loadFile reads the whole file with one read: the files of a period fit in
// memory many times over, and splitting in place avoids a string per field.
func loadFile(path string, want []string, count func(int64), row func(line int, v [][]byte) error) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return ReadBytes(path, data, want, count, row)
}

type countingReader struct {
	r     io.Reader
	n     int64
	count func(int64)
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if c.count != nil {
		c.count(int64(n))
	}
	return n, err
}

func readFile(path string, want []string, count func(int64), row func(line int, v []string) error) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return Read(path, &countingReader{r: f, count: count}, want, row)
}

// Read reads CSV from r, finding the columns want by header name, and calls row
// with their values for each data row. name is used in errors.
func Read(name string, r io.Reader, want []string, row func(line int, v []string) error) error {
	cr := csv.NewReader(bufio.NewReaderSize(r, 1<<20))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	bad := func(line int, format string, args ...any) error {
		return &engine.RowError{File: name, Line: line, Msg: fmt.Sprintf(format, args...)}
	}
	parseErr := func(err error) error {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return bad(pe.Line, "%v", pe.Err)
		}
		return fmt.Errorf("%s: %w", name, err)
	}
	header, err := cr.Read()
	if err == io.EOF {
		return bad(1, "empty file, expected a header row with %s", strings.Join(want, ","))
	}
	if err != nil {
		return parseErr(err)
	}
	width := len(header)
	at := make([]int, len(want))
	for i, w := range want {
		at[i] = -1
		for j, h := range header {
			if j == 0 {
				h = strings.TrimPrefix(h, "\ufeff")
			}
			if h == w {
				at[i] = j
				break
			}
		}
		if at[i] < 0 {
			return bad(1, "missing column %q", w)
		}
	}
	v := make([]string, len(want))
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return parseErr(err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) != width {
			return bad(line, "%d fields, the header has %d", len(rec), width)
		}
		for i, j := range at {
			v[i] = rec[j]
		}
		if err := row(line, v); err != nil {
			return err
		}
	}
}

func fileSize(path string) int64 {
	if st, err := os.Stat(path); err == nil {
		return st.Size()
	}
	return 0
}
