package period

import (
	"bufio"
	"context"
	"io"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// WriteLinesCSV writes the bonus lines of period code's run exactly as
// `settle simulate` writes bonuses.csv (same order, same bytes).
func WriteLinesCSV(ctx context.Context, q ledger.Querier, code string, w io.Writer) error {
	r, err := GetRun(ctx, q, code)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString(linesHeader)
	rows, err := q.Query(ctx, `SELECT member, bonus, amount::text, coalesce(source, ''), level FROM settle_run_lines
		WHERE set_id = $1 ORDER BY member, bonus, source NULLS FIRST, level`, r.LinesSet)
	if err != nil {
		return err
	}
	var member, bonus, amount, source string
	var level int64
	buf := make([]byte, 0, 128)
	_, err = pgx.ForEachRow(rows, []any{&member, &bonus, &amount, &source, &level}, func() error {
		buf = appendLineCSV(buf[:0], member, bonus, []byte(amount), source, level)
		_, err := bw.Write(buf)
		return err
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}
