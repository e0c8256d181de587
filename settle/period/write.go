package period

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"io"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/jackc/pgx/v5"

	"downline/settle/csvio"
	"downline/settle/engine"
)

// copyIn streams rows written by gen into COPY ... FROM STDIN (text format)
// inside tx: the fast path for millions of rows, and still all or nothing
// with the transaction.
func copyIn(ctx context.Context, tx pgx.Tx, sql string, gen func(w *bufio.Writer) error) (int64, error) {
	pr, pw := io.Pipe()
	go func() {
		bw := bufio.NewWriterSize(pw, 1<<20)
		err := gen(bw)
		if err == nil {
			err = bw.Flush()
		}
		pw.CloseWithError(err)
	}()
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, pr, sql)
	pr.Close()
	return tag.RowsAffected(), err
}

// appendText appends s escaped for COPY's text format.
func appendText(buf []byte, s string) []byte {
	if !strings.ContainsAny(s, "\\\t\n\r") {
		return append(buf, s...)
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\':
			buf = append(buf, '\\', '\\')
		case '\t':
			buf = append(buf, '\\', 't')
		case '\n':
			buf = append(buf, '\\', 'n')
		case '\r':
			buf = append(buf, '\\', 'r')
		default:
			buf = append(buf, c)
		}
	}
	return buf
}

// linesHeader is the header of bonuses.csv; lineCSV formats one of its rows.
// Member codes are capital letters, digits and dashes, so no field is ever
// quoted: the bytes are those `settle simulate` writes.
const linesHeader = "member_id,bonus,amount,source_member_id,level\r\n"

func appendLineCSV(buf []byte, member, bonus string, amount []byte, source string, level int64) []byte {
	buf = append(buf, member...)
	buf = append(buf, ',')
	buf = append(buf, bonus...)
	buf = append(buf, ',')
	buf = append(buf, amount...)
	buf = append(buf, ',')
	buf = append(buf, source...)
	buf = append(buf, ',')
	buf = strconv.AppendInt(buf, level, 10)
	return append(buf, '\r', '\n')
}

// LinesHash is the SHA-256 of a run's lines written as bonuses.csv.
type linesHash struct{ h hash.Hash }

func newLinesHash() *linesHash {
	h := sha256.New()
	h.Write([]byte(linesHeader))
	return &linesHash{h}
}

func (l *linesHash) sum() string { return hex.EncodeToString(l.h.Sum(nil)) }

// writeMembers copies the member summaries of res into
// settle_run_members, formatted as they stream (while the lines are written
// on other connections); reg and the carry-in come from the input.
func writeMembers(ctx context.Context, tx pgx.Tx, runID int64, in engine.Input, res *engine.Result) (int64, error) {
	return copyIn(ctx, tx, `COPY settle_run_members (run_id, member, pv, bv, reg, gv, active, rank, left_volume, right_volume,
		carry_in_left, carry_in_right, carry_left, carry_right, earnings) FROM STDIN`, memberRows(runID, in, res))
}

// memberRows writes the member summaries of res in COPY text format.
func memberRows(runID int64, in engine.Input, res *engine.Result) func(w *bufio.Writer) error {
	m := res.MemberColumns()
	pv, bv, gv := m.PV, m.BV, m.GV
	lv, rv := m.LeftVolume, m.RightVolume
	cl, cr := m.CarryLeft, m.CarryRight
	earn := m.Earnings
	active, rank := m.Active, m.Rank
	ivol := func(c int) []decimal128.Num { return in.Volumes.Column(c).(*array.Decimal128).Values() }
	reg, cil, cir := ivol(2), ivol(3), ivol(4)
	is := in.Volumes.Schema().Field(0).Type.(*arrow.Decimal128Type).Scale
	vs, ms := res.VolumeScale, res.Plan.Scale
	rankNames := make([][]byte, len(res.Plan.Ranks))
	for i, r := range res.Plan.Ranks {
		rankNames[i] = appendText(nil, r.Name)
	}
	run := strconv.AppendInt(nil, runID, 10)
	return func(w *bufio.Writer) error {
		buf := make([]byte, 0, 256)
		tab := func(v decimal128.Num, scale int32) { buf = csvio.AppendPlain(append(buf, '\t'), v, scale) }
		for _, i := range res.ByID {
			buf = append(buf[:0], run...)
			buf = append(buf, '\t')
			buf = appendText(buf, res.IDs.Value(int(i)))
			tab(pv[i], vs)
			tab(bv[i], vs)
			tab(reg[i], is)
			tab(gv[i], vs)
			if active.Value(int(i)) {
				buf = append(buf, "\tt\t"...)
			} else {
				buf = append(buf, "\tf\t"...)
			}
			buf = append(buf, rankNames[rank[i]]...)
			tab(lv[i], vs)
			tab(rv[i], vs)
			tab(cil[i], is)
			tab(cir[i], is)
			tab(cl[i], vs)
			tab(cr[i], vs)
			buf = append(buf, '\t')
			buf = csvio.AppendFixed(buf, earn[i], ms)
			buf = append(buf, '\n')
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
		return nil
	}
}
