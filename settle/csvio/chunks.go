package csvio

import (
	"bytes"
	"fmt"
	"sync"

	"downline/settle/engine"
)

// chunkedMin is the smallest members or orders file read on more than one
// core.
const chunkedMin = 1 << 20

// orderRunsPerCore is the number of runs an orders file is cut into per core:
// the cores take the next run as they finish one, so that they end together
// while the trees are checked and the ids sorted beside them.
const orderRunsPerCore = 4

var (
	memberColumns = []string{"member_id", "sponsor_id", "placement_id", "side"}
	orderColumns  = []string{"order_id", "member_id", "kind", "pv", "bv"}
)

// runs are the runs of whole lines a file without a quote is cut into, one
// per core, to be read at once.
type runs struct {
	name   string
	data   []byte
	at     []int // the wanted columns
	width  int   // the header's
	bounds []int // run i is data[bounds[i]:bounds[i+1]]
	count  func(int64)
}

// cutRuns reads the header of data and cuts the rest into runs, or returns
// nil when the file is to be read in one go: on one core, under least bytes,
// or with a quote (then a record may span lines).
func cutRuns(name string, data []byte, want []string, count func(int64), cores, least int) (*runs, error) {
	if cores < 2 || len(data) < least || bytes.IndexByte(data, '"') >= 0 {
		return nil, nil
	}
	s := splitter{data: data, line: 1}
	at, width, err := s.header(name, want)
	if err != nil {
		return nil, err
	}
	r := &runs{name: name, data: data, at: at, width: width, bounds: cutLines(data, s.pos, cores)}
	var mu sync.Mutex
	r.count = func(n int64) {
		if count != nil {
			mu.Lock()
			count(n)
			mu.Unlock()
		}
	}
	r.count(int64(s.pos))
	return r, nil
}

// splitter returns the splitter of run i and the number of lines it holds
// (at least its rows).
func (r *runs) splitter(i int) (*splitter, int) {
	lo, hi := r.bounds[i], r.bounds[i+1]
	return &splitter{data: r.data[:hi], pos: lo, counted: lo, line: 1 + bytes.Count(r.data[:lo], []byte{'\n'})},
		1 + bytes.Count(r.data[lo:hi], []byte{'\n'})
}

// readMembers reads a members file into b, in runs on every core when it holds
// no quote (Builder.AddMemberChunks merges them with the members and first
// error of a read in one go).
func readMembers(name string, data []byte, b *engine.Builder, count func(int64), cores, least int) error {
	return readInRuns(name, data, memberColumns, count, cores, least,
		func(line int, v [][]byte) error { return b.AddMemberBytes(line, v[0], v[1], v[2], v[3]) },
		func(r *runs) error {
			return b.AddMemberChunks(len(r.bounds)-1, func(i int, rows *engine.MemberRows) error {
				return guarded(name, data, func() error {
					s, lines := r.splitter(i)
					rows.Reserve(lines, r.bounds[i+1]-r.bounds[i])
					return s.rows(name, r.at, r.width, r.count, func(line int, v [][]byte) error {
						return rows.Add(line, v[0], v[1], v[2], v[3])
					})
				})
			})
		})
}

// readOrders reads an orders file into b, then the carry-in rows with carry
// when it is not nil. A file without a quote holds one record per line, so it
// is cut at newlines into runs (cores of them) and the runs are read on every
// core, the carry-in meanwhile (Builder.AddOrderChunks merges them with the
// records, results and first error of a read in one go); a file with a quote
// is read in one go.
func readOrders(name string, data []byte, b *engine.Builder, count func(int64), cores, least int, carry func(add engine.CarryRow) error) error {
	err := readInRuns(name, data, orderColumns, count, cores, least,
		func(line int, v [][]byte) error { return b.AddOrderBytes(line, v[0], v[1], v[2], v[3], v[4]) },
		func(r *runs) error {
			err := b.AddOrderChunks(len(r.bounds)-1, func(i int, rows *engine.OrderRows) error {
				return guarded(name, data, func() error {
					s, lines := r.splitter(i)
					rows.Reserve(lines, r.bounds[i+1]-r.bounds[i])
					return s.orderRows(name, r.at, r.width, r.count, rows)
				})
			}, carry)
			carry = nil // added, or not to be reached
			return err
		})
	if err != nil || carry == nil {
		return err
	}
	return carry(b.AddCarryBytes)
}

// readInRuns reads data in runs with inRuns when cutRuns cuts it, else in one
// go, passing each row to row.
func readInRuns(name string, data []byte, want []string, count func(int64), cores, least int,
	row func(line int, v [][]byte) error, inRuns func(r *runs) error) error {
	r, err := cutRuns(name, data, want, count, cores, least)
	if err != nil {
		return err
	}
	if r == nil {
		return ReadBytes(name, data, want, count, row)
	}
	return inRuns(r)
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
