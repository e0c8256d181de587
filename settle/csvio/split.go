package csvio

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"

	"downline/settle/engine"
)

// ReadBytes is Read over a file held in memory, with the same records, line
// numbers and errors: a line without a quote is split in place on commas (no
// string per field), a record with a quote goes through encoding/csv. The
// fields passed to row are only valid during the call. count, when set, gets
// the bytes consumed as reading proceeds.
func ReadBytes(name string, data []byte, want []string, count func(int64), row func(line int, v [][]byte) error) error {
	s := splitter{data: data, line: 1}
	at, width, err := s.header(name, want)
	if err != nil {
		return err
	}
	return s.rows(name, at, width, count, row)
}

// header reads the header record and finds the columns want in it.
func (s *splitter) header(name string, want []string) (at []int, width int, err error) {
	header, _, err := s.next()
	if err != nil {
		return nil, 0, s.wrap(name, err)
	}
	if header == nil {
		return nil, 0, &engine.RowError{File: name, Line: 1, Msg: "empty file, expected a header row with " + strings.Join(want, ",")}
	}
	at = make([]int, len(want))
	for i, w := range want {
		at[i] = -1
		for j, h := range header {
			if j == 0 {
				h = bytes.TrimPrefix(h, []byte("\ufeff"))
			}
			if string(h) == w {
				at[i] = j
				break
			}
		}
		if at[i] < 0 {
			return nil, 0, &engine.RowError{File: name, Line: 1, Msg: fmt.Sprintf("missing column %q", w)}
		}
	}
	return at, len(header), nil
}

// rows reads the records from pos to the end, passing the columns at of each to
// row.
func (s *splitter) rows(name string, at []int, width int, count func(int64), row func(line int, v [][]byte) error) error {
	v := make([][]byte, len(at))
	reported := s.counted
	for {
		if count != nil && s.pos-reported >= 4<<20 {
			count(int64(s.pos - reported))
			reported = s.pos
		}
		rec, line, err := s.next()
		if err != nil {
			return s.wrap(name, err)
		}
		if rec == nil {
			if count != nil {
				count(int64(len(s.data) - reported))
			}
			return nil
		}
		if len(rec) != width {
			return &engine.RowError{File: name, Line: line, Msg: fmt.Sprintf("%d fields, the header has %d", len(rec), width)}
		}
		for i, j := range at {
			v[i] = rec[j]
		}
		if err := row(line, v); err != nil {
			return err
		}
	}
}

// splitter yields the records of a CSV file in memory as encoding/csv would
// (Comma ',', FieldsPerRecord -1, no comment character).
type splitter struct {
	data   []byte
	pos    int
	line   int // physical line number at pos
	fields [][]byte
	// counted is the offset up to which rows has reported bytes read.
	counted int
}

// next returns the next record and the line it starts on; nil at the end.
func (s *splitter) next() ([][]byte, int, error) {
	for s.pos < len(s.data) {
		rest := s.data[s.pos:]
		l := rest
		n := len(rest)
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			l, n = rest[:i], i+1
		}
		if bytes.IndexByte(l, '"') >= 0 {
			return s.quoted()
		}
		// encoding/csv turns \r\n into \n and drops a \r before the end of input.
		if k := len(l); k > 0 && l[k-1] == '\r' {
			l = l[:k-1]
		}
		line := s.line
		s.pos += n
		s.line++
		if len(l) == 0 {
			continue // empty lines are skipped
		}
		f := s.fields[:0]
		for {
			i := bytes.IndexByte(l, ',')
			if i < 0 {
				f = append(f, l)
				break
			}
			f = append(f, l[:i])
			l = l[i+1:]
		}
		s.fields = f
		return f, line, nil
	}
	return nil, s.line, nil
}

// quoted reads one record at pos with encoding/csv.
func (s *splitter) quoted() ([][]byte, int, error) {
	cr := csv.NewReader(bytes.NewReader(s.data[s.pos:]))
	cr.FieldsPerRecord = -1
	rec, err := cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			pe.StartLine += s.line - 1
			pe.Line += s.line - 1
		}
		return nil, 0, err
	}
	rel, _ := cr.FieldPos(0)
	line := s.line + rel - 1
	used := int(cr.InputOffset())
	s.line += bytes.Count(s.data[s.pos:s.pos+used], []byte{'\n'})
	s.pos += used
	f := s.fields[:0]
	for _, r := range rec {
		f = append(f, []byte(r))
	}
	s.fields = f
	return f, line, nil
}

func (s *splitter) wrap(name string, err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &engine.RowError{File: name, Line: pe.Line, Msg: pe.Err.Error()}
	}
	return fmt.Errorf("%s: %w", name, err)
}
