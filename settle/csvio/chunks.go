package csvio

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"sync"

	"downline/settle/engine"
)

// chunkedMin is the smallest orders file read on more than one core.
const chunkedMin = 1 << 20

var orderColumns = []string{"order_id", "member_id", "kind", "pv", "bv"}

// loadOrders reads the orders file into b. A file without a quote holds one
// record per line, so it is cut at newlines into one run per core and the runs
// are read at once (Builder.AddOrderChunks merges them with the records,
// results and first error of a read in one go); a file with a quote is read
// in one go.
func loadOrders(path string, b *engine.Builder, count func(int64)) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return readOrders(path, data, b, count, runtime.GOMAXPROCS(0), chunkedMin)
}

func readOrders(name string, data []byte, b *engine.Builder, count func(int64), cores, least int) error {
	if cores < 2 || len(data) < least || bytes.IndexByte(data, '"') >= 0 {
		return ReadBytes(name, data, orderColumns, count, func(line int, v [][]byte) error {
			return b.AddOrderBytes(line, v[0], v[1], v[2], v[3], v[4])
		})
	}
	s := splitter{data: data, line: 1}
	at, width, err := s.header(name, orderColumns)
	if err != nil {
		return err
	}
	bounds := cutLines(data, s.pos, cores)
	var mu sync.Mutex
	progress := func(n int64) {
		if count != nil {
			mu.Lock()
			count(n)
			mu.Unlock()
		}
	}
	progress(int64(s.pos))
	return b.AddOrderChunks(len(bounds)-1, func(i int, rows *engine.OrderRows) error {
		lo, hi := bounds[i], bounds[i+1]
		r := splitter{data: data[:hi], pos: lo, line: 1 + bytes.Count(data[:lo], []byte{'\n'})}
		return r.orderRows(name, at, width, progress, rows)
	})
}

// orderBatch is the number of rows handed to OrderRows.AddBatch at once.
const orderBatch = 32

// orderRows reads the records from pos to the end, which hold no quote, into
// rows, a batch at a time. The fields point into the data, so they stay valid
// for the batch.
func (s *splitter) orderRows(name string, at []int, width int, count func(int64), rows *engine.OrderRows) error {
	lines := make([]int, 0, orderBatch)
	batch := make([][5][]byte, 0, orderBatch)
	reported := s.pos
	for {
		rec, line, err := s.next()
		if err != nil {
			return s.wrap(name, err)
		}
		if rec != nil && len(rec) == width {
			var v [5][]byte
			for i, j := range at {
				v[i] = rec[j]
			}
			lines, batch = append(lines, line), append(batch, v)
			if len(batch) < orderBatch {
				continue
			}
		}
		if err := rows.AddBatch(lines, batch); err != nil {
			return err
		}
		lines, batch = lines[:0], batch[:0]
		if s.pos-reported >= 4<<20 || rec == nil {
			count(int64(s.pos - reported))
			reported = s.pos
		}
		if rec == nil {
			return nil
		}
		if len(rec) != width {
			return &engine.RowError{File: name, Line: line, Msg: fmt.Sprintf("%d fields, the header has %d", len(rec), width)}
		}
	}
}

// cutLines cuts data[from:] into k runs of whole lines of about the same size;
// it returns the k+1 bounds.
func cutLines(data []byte, from, k int) []int {
	bounds := []int{from}
	for i := 1; i < k; i++ {
		at := max(from+(len(data)-from)*i/k, bounds[len(bounds)-1])
		if j := bytes.IndexByte(data[at:], '\n'); j >= 0 {
			at += j + 1
		} else {
			at = len(data)
		}
		bounds = append(bounds, at)
	}
	return append(bounds, len(data))
}
