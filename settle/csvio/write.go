package csvio

import (
	"bufio"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"unicode"
	"unicode/utf8"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"downline/settle/engine"
	"downline/settle/internal/hugemem"
)

// WriteDir writes bonuses.csv, summary.csv and carry.csv into dir (created when
// missing). The files appear together or not at all: each is written to a
// temporary file first and renamed at the end. The three are written at once,
// each formatted on every core, so that while one file's last chunks are
// formatted or written the cores go on with the others'.
func WriteDir(dir string, res *engine.Result) (err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	names := []string{"bonuses.csv", "summary.csv", "carry.csv"}
	writers := []func(*bufio.Writer, *engine.Result, idColumn){writeBonuses, writeSummary, writeCarry}
	var tmps []string
	defer func() {
		if err != nil {
			for _, t := range tmps {
				os.Remove(t)
			}
		}
	}()
	files := make([]*os.File, len(names))
	for i, name := range names {
		f, err := os.CreateTemp(dir, "."+name+".*")
		if err != nil {
			for _, f := range files[:i] {
				f.Close()
			}
			return err
		}
		files[i] = f
		tmps = append(tmps, f.Name())
	}
	ids := newIDColumn(res.IDs, runtime.GOMAXPROCS(0))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Go(func() {
			w := bufio.NewWriterSize(f, 1<<20)
			writers[i](w, res, ids)
			errs[i] = w.Flush()
			if err := f.Close(); errs[i] == nil {
				errs[i] = err
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	for i, name := range names {
		// Renaming a file over an existing one makes ext4 (auto_da_alloc, the
		// default) write the renamed file's data out before the rename
		// returns: 0.3-0.7 s for bonuses.csv at a million members. The old
		// file is removed first instead (its name is missing until the rename).
		dst := filepath.Join(dir, name)
		if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		if err := os.Rename(tmps[i], dst); err != nil {
			return err
		}
	}
	return nil
}

// chunkRows is the number of rows formatted as one unit of parallel work.
const chunkRows = 1 << 15

// writeRows formats rows [0, n) in chunks on every core and writes the chunks in
// order as they come: the cores format the next chunks while one is written.
// At most two chunks per core are in memory at once.
func writeRows(w *bufio.Writer, n int, format func(buf []byte, lo, hi int) []byte) {
	workers := runtime.GOMAXPROCS(0)
	chunks := (n + chunkRows - 1) / chunkRows
	done := make([]chan []byte, chunks)
	for i := range done {
		done[i] = make(chan []byte, 1)
	}
	// A worker takes a buffer before a chunk number, so the first chunk not yet
	// written is always being formatted.
	free := make(chan []byte, 2*workers)
	for range 2 * workers {
		free <- nil
	}
	var next atomic.Int64
	for range min(workers, chunks) {
		go func() {
			for {
				buf := <-free
				i := int(next.Add(1)) - 1
				if i >= chunks {
					free <- buf
					return
				}
				lo := i * chunkRows
				done[i] <- format(buf[:0], lo, min(lo+chunkRows, n))
			}
		}()
	}
	for _, c := range done {
		b := <-c
		w.Write(b)
		free <- b
	}
}

// idColumn appends member ids, quoting only when some id needs it (checked once).
// When every id fits in 15 bytes, each is copied into one 16-byte record
// (length, then bytes): the lines name their sources in no useful order, and
// one record costs one cache miss where the offsets and the bytes of the Arrow
// array cost two.
type idColumn struct {
	ids   *array.String
	quote bool
	short []byte // 16 bytes per id, or nil
}

const shortID = 15

// newIDColumn makes the id column of ids, looking at them on cores
// goroutines, each a range of ids.
func newIDColumn(ids *array.String, cores int) idColumn {
	c := idColumn{ids: ids}
	n := ids.Len()
	cores = max(1, min(cores, n))
	part := func(w int) (int, int) { return n * w / cores, n * (w + 1) / cores }
	var quote, long atomic.Bool
	eachPart(cores, func(w int) {
		lo, hi := part(w)
		for i := lo; i < hi; i++ {
			v := ids.Value(i)
			if needsQuotes(v) {
				quote.Store(true)
			}
			if len(v) > shortID {
				long.Store(true)
			}
		}
	})
	c.quote = quote.Load()
	if !c.quote && !long.Load() {
		c.short = hugemem.Slice[byte](16 * n)
		eachPart(cores, func(w int) {
			lo, hi := part(w)
			for i := lo; i < hi; i++ {
				r := c.short[16*i : 16*i+16]
				r[0] = byte(copy(r[1:], ids.Value(i)))
			}
		})
	}
	return c
}

// eachPart runs f(0) to f(k-1) at once and waits for them.
func eachPart(k int, f func(w int)) {
	var wg sync.WaitGroup
	for w := range k {
		wg.Go(func() { f(w) })
	}
	wg.Wait()
}

// touchAhead is the number of lines whose source ids are read ahead at once.
const touchAhead = 32

// touch reads the id of each member in ms (-1 for none) and discards it. The
// sources of the lines come in no useful order, so nearly each is a cache
// miss; read one at a time as the lines are formatted, they wait for each
// other, while read ahead in a tight loop they are fetched together and the
// formatting then finds them in the cache.
func (c idColumn) touch(ms []int32) {
	var sum byte
	for _, i := range ms {
		if i < 0 {
			continue
		}
		if c.short != nil {
			sum += c.short[16*int(i)]
		} else {
			sum += byte(c.ids.ValueOffset(int(i)))
		}
	}
	runtime.KeepAlive(sum) // keeps the reads
}

func (c idColumn) append(buf []byte, i int32) []byte {
	if c.short != nil {
		r := c.short[16*int(i) : 16*int(i)+16]
		return append(buf, r[1:1+r[0]]...)
	}
	if !c.quote {
		return append(buf, c.ids.Value(int(i))...)
	}
	return appendField(buf, c.ids.Value(int(i)))
}

func writeBonuses(w *bufio.Writer, res *engine.Result, ids idColumn) {
	w.WriteString("member_id,bonus,amount,source_member_id,level\r\n")
	l := res.LineColumns()
	member, kind, source, level, amount := l.Member, l.Kind, l.Source, l.Level, l.Amount
	scale := res.Plan.Scale
	writeRows(w, len(member), func(buf []byte, lo, hi int) []byte {
		for i := lo; i < hi; i++ {
			if (i-lo)%touchAhead == 0 {
				ids.touch(source[i:min(i+touchAhead, hi)])
			}
			buf = ids.append(buf, member[i])
			buf = append(buf, ',')
			buf = append(buf, engine.BonusNames[kind[i]]...)
			buf = append(buf, ',')
			buf = AppendFixed(buf, amount[i], scale)
			buf = append(buf, ',')
			if s := source[i]; s >= 0 {
				buf = ids.append(buf, s)
			}
			buf = append(buf, ',')
			buf = strconv.AppendInt(buf, int64(level[i]), 10)
			buf = append(buf, "\r\n"...)
		}
		return buf
	})
}

func writeSummary(w *bufio.Writer, res *engine.Result, ids idColumn) {
	w.WriteString("member_id,pv,bv,gv,active,rank,left_volume,right_volume,carry_left,carry_right,earnings\r\n")
	m := res.MemberColumns()
	pv, bv, gv := m.PV, m.BV, m.GV
	lv, rv := m.LeftVolume, m.RightVolume
	cl, cr := m.CarryLeft, m.CarryRight
	earn := m.Earnings
	active, rank := m.Active, m.Rank
	vs, ms := res.VolumeScale, res.Plan.Scale
	rankNames := make([][]byte, len(res.Plan.Ranks))
	for r, rk := range res.Plan.Ranks {
		rankNames[r] = appendField(nil, rk.Name)
	}
	byID := res.ByID
	writeRows(w, len(byID), func(buf []byte, lo, hi int) []byte {
		for _, i := range byID[lo:hi] {
			buf = ids.append(buf, i)
			buf = appendPlainCol(buf, pv[i], vs)
			buf = appendPlainCol(buf, bv[i], vs)
			buf = appendPlainCol(buf, gv[i], vs)
			buf = append(buf, ',')
			buf = strconv.AppendBool(buf, active.Value(int(i)))
			buf = append(buf, ',')
			buf = append(buf, rankNames[rank[i]]...)
			buf = appendPlainCol(buf, lv[i], vs)
			buf = appendPlainCol(buf, rv[i], vs)
			buf = appendPlainCol(buf, cl[i], vs)
			buf = appendPlainCol(buf, cr[i], vs)
			buf = append(buf, ',')
			buf = AppendPlain(buf, earn[i], ms)
			buf = append(buf, "\r\n"...)
		}
		return buf
	})
}

func writeCarry(w *bufio.Writer, res *engine.Result, ids idColumn) {
	w.WriteString("member_id,left,right\r\n")
	m := res.MemberColumns()
	cl, cr := m.CarryLeft, m.CarryRight
	vs := res.VolumeScale
	byID := res.ByID
	writeRows(w, len(byID), func(buf []byte, lo, hi int) []byte {
		for _, i := range byID[lo:hi] {
			if cl[i].Sign() == 0 && cr[i].Sign() == 0 {
				continue
			}
			buf = ids.append(buf, i)
			buf = append(buf, ',')
			buf = AppendPlain(buf, cl[i], vs)
			buf = append(buf, ',')
			buf = AppendPlain(buf, cr[i], vs)
			buf = append(buf, "\r\n"...)
		}
		return buf
	})
}

func appendPlainCol(buf []byte, v decimal128.Num, scale int32) []byte {
	return AppendPlain(append(buf, ','), v, scale)
}

// appendField appends s, quoted exactly when encoding/csv would quote it.
func appendField(buf []byte, s string) []byte {
	if !needsQuotes(s) {
		return append(buf, s...)
	}
	buf = append(buf, '"')
	buf = append(buf, strings.ReplaceAll(s, `"`, `""`)...)
	return append(buf, '"')
}

// AppendFixed appends v (held at scale) with exactly scale decimals.
func AppendFixed(buf []byte, v decimal128.Num, scale int32) []byte {
	var tmp [24]byte
	var digits []byte
	neg := v.Sign() < 0
	if lo := int64(v.LowBits()); v.HighBits() == lo>>63 {
		if neg {
			digits = strconv.AppendUint(tmp[:0], uint64(-lo), 10)
		} else {
			digits = strconv.AppendUint(tmp[:0], uint64(lo), 10)
		}
	} else {
		b := v.BigInt()
		digits = []byte(b.Abs(b).String())
	}
	if neg {
		buf = append(buf, '-')
	}
	s := int(scale)
	if len(digits) <= s {
		buf = append(buf, '0')
		if s > 0 {
			buf = append(buf, '.')
			for k := len(digits); k < s; k++ {
				buf = append(buf, '0')
			}
			buf = append(buf, digits...)
		}
		return buf
	}
	buf = append(buf, digits[:len(digits)-s]...)
	if s > 0 {
		buf = append(buf, '.')
		buf = append(buf, digits[len(digits)-s:]...)
	}
	return buf
}

// AppendPlain appends v (held at scale) as a plain decimal: trailing zeros and a
// bare point trimmed.
func AppendPlain(buf []byte, v decimal128.Num, scale int32) []byte {
	start := len(buf)
	buf = AppendFixed(buf, v, scale)
	if scale > 0 {
		end := len(buf)
		for end > start && buf[end-1] == '0' {
			end--
		}
		if buf[end-1] == '.' {
			end--
		}
		buf = buf[:end]
	}
	if string(buf[start:]) == "-0" {
		buf = append(buf[:start], '0')
	}
	return buf
}

func needsQuotes(s string) bool {
	if s == "" {
		return false
	}
	if s == `\.` {
		return true
	}
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ',', '"', '\r', '\n':
			return true
		}
	}
	if c := s[0]; c < utf8.RuneSelf {
		return c == ' ' || c == '\t' || c == '\v' || c == '\f'
	}
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsSpace(r)
}
