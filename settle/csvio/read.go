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
	"runtime/debug"
	"strings"
	"sync"
	"unsafe"

	"downline/settle/engine"
)

// Files names the input files of a period; Carry is optional.
type Files struct {
	Members, Orders, Carry string
}

// Load reads and validates the period's files. Count, when set, is called with
// the number of bytes read so far (for progress).
//
// The orders and carry files are mapped while the members are read; the
// orders are read on every core, the carry-in meanwhile.
func Load(f Files, count func(int64)) (engine.Input, error) {
	b := &engine.Builder{MembersFile: f.Members, OrdersFile: f.Orders, CarryFile: f.Carry,
		ExpectMembers: int(fileSize(f.Members) / 32), ExpectOrders: int(fileSize(f.Orders) / 40)}
	if count != nil {
		var mu sync.Mutex
		report := count
		count = func(n int64) {
			mu.Lock()
			report(n)
			mu.Unlock()
		}
	}
	orders := mapAhead(f.Orders)
	defer orders.release()
	var carry func(add engine.CarryRow) error
	if f.Carry != "" {
		m := mapAhead(f.Carry)
		defer m.release()
		carry = func(add engine.CarryRow) error {
			data, err := m.wait()
			if err != nil {
				return err
			}
			return guarded(f.Carry, data, func() error {
				return ReadBytes(f.Carry, data, carryColumns, count, func(line int, v [][]byte) error { return add(line, v[0], v[1], v[2]) })
			})
		}
	}
	members := mapAhead(f.Members)
	data, err := members.wait()
	if err == nil {
		err = guarded(f.Members, data, func() error {
			return readMembers(f.Members, data, b, count, runtime.GOMAXPROCS(0), chunkedMin)
		})
	}
	members.release() // the builder keeps copies of what it needs
	if err != nil {
		return engine.Input{}, err
	}
	if data, err = orders.wait(); err != nil {
		return engine.Input{}, err
	}
	err = guarded(f.Orders, data, func() error {
		return readOrders(f.Orders, data, b, count, orderRunsPerCore*runtime.GOMAXPROCS(0), chunkedMin, carry)
	})
	if err != nil {
		return engine.Input{}, err
	}
	return b.Build()
}

// guarded calls read, which reads data, the bytes of the file name, on this
// goroutine. When data is mapped and the file shrinks meanwhile, reading the
// pages past its new end is a fault (SIGBUS), which would end the process:
// guarded returns it as an error naming the file instead. Reads on other
// goroutines are guarded by their own call.
func guarded(name string, data []byte, read func() error) (err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if f, ok := r.(interface{ Addr() uintptr }); ok && len(data) > 0 {
			lo := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
			if a := f.Addr(); a >= lo && a < lo+uintptr(len(data)) {
				err = fmt.Errorf("%s: the file was cut short while it was read (it must not change until the period is read)", name)
				return
			}
		}
		panic(r)
	}()
	return read()
}

var carryColumns = []string{"member_id", "left", "right"}

// afterMap, when set (by tests), is called with the path of each file once
// it is mapped.
var afterMap func(path string)

// mapping is a file being mapped on its own goroutine.
type mapping struct {
	done    chan struct{}
	data    []byte
	free    func()
	err     error
	release func() // waits, then frees the mapping once
}

func mapAhead(path string) *mapping {
	m := &mapping{done: make(chan struct{})}
	go func() {
		defer close(m.done)
		m.data, m.free, m.err = mapFile(path)
		if afterMap != nil {
			afterMap(path)
		}
	}()
	m.release = sync.OnceFunc(func() {
		<-m.done
		if m.free != nil {
			m.free()
		}
	})
	return m
}

// wait returns the file's bytes once mapped.
func (m *mapping) wait() ([]byte, error) {
	<-m.done
	return m.data, m.err
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
