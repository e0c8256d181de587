package period

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"golang.org/x/sync/errgroup"

	"downline/ledger"
	"downline/settle/csvio"
	"downline/settle/engine"
)

// A run's bonus lines are a line set (migration 0310): a partition of
// settle_run_lines, itself split by member ranges into parts that are
// written on connections of their own, in parallel, each in its own
// transaction. The parts are invisible until the run's transaction attaches
// them and points the run at them (publishSet), so a killed run leaves
// nothing visible; its tables are dropped by the next run of the period
// (dropOrphanSets).

// partLines is the number of lines from which a set is split in two: below
// it, a second connection saves a few milliseconds at most. (A variable for
// the tests, which split tiny periods.)
var partLines = 100_000

// lineSet is a set being written: its id and the first line of each part.
type lineSet struct {
	id     int64
	starts []int // starts[k] is the first line of part k; len(starts) parts
	bounds []string
}

func setTable(id int64) string         { return fmt.Sprintf("settle_run_lines_%d", id) }
func partTable(id int64, k int) string { return fmt.Sprintf("settle_run_lines_%d_%d", id, k) }

// quoteLiteral quotes s as an SQL string literal (standard_conforming_strings
// is on since Postgres 9.1).
func quoteLiteral(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// splitLines cuts res's lines (in member order) into parts of about equal
// size at member boundaries: the bounds are the first member of each part
// after the first.
func splitLines(res *engine.Result) ([]int, []string) {
	member := res.LineColumns().Member
	n := len(member)
	if n < partLines {
		return []int{0}, nil
	}
	i := n / 2
	for i < n && member[i] == member[i-1] {
		i++
	}
	if i == n {
		return []int{0}, nil
	}
	return []int{0, i}, []string{res.IDs.Value(int(member[i]))}
}

// newLineSet records a set of period periodID and creates its (empty,
// unattached) partitioned table, outside the run's transaction: the record
// must survive the run being killed, so that the next run finds its tables.
func newLineSet(ctx context.Context, db *ledger.DB, periodID int64, res *engine.Result) (*lineSet, error) {
	s := &lineSet{}
	s.starts, s.bounds = splitLines(res)
	if err := db.Pool.QueryRow(ctx, `INSERT INTO settle_line_sets (period_id, parts) VALUES ($1, $2) RETURNING id`,
		periodID, len(s.starts)).Scan(&s.id); err != nil {
		return nil, fmt.Errorf("record the line set: %w", err)
	}
	if _, err := db.Pool.Exec(ctx, `CREATE TABLE `+setTable(s.id)+` (LIKE settle_run_lines INCLUDING CONSTRAINTS INCLUDING INDEXES) PARTITION BY RANGE (member)`); err != nil {
		return nil, fmt.Errorf("create line set %d: %w", s.id, err)
	}
	return s, nil
}

// bound returns the range of part k as partition bounds and as a CHECK
// condition, which lets ATTACH skip scanning the part.
func (s *lineSet) bound(k int) (forValues, check string) {
	lo, hi := "MINVALUE", "MAXVALUE"
	check = fmt.Sprintf("set_id = %d", s.id)
	if k > 0 {
		lo = quoteLiteral(s.bounds[k-1])
		check += " AND member >= " + lo
	}
	if k < len(s.bounds) {
		hi = quoteLiteral(s.bounds[k])
		check += " AND member < " + hi
	}
	return "FROM (" + lo + ") TO (" + hi + ")", check
}

// writeParts writes the lines of res into the parts of s, each on a
// connection of its own and committed there, and returns their count and
// hash (as bonuses.csv, over all parts in order).
func writeParts(ctx context.Context, db *ledger.DB, s *lineSet, res *engine.Result) (int64, string, error) {
	n := len(s.starts)
	csvs := make([][]byte, n) // bonuses.csv of parts after the first, hashed once the first is
	counts := make([]int64, n)
	h := newLinesHash()
	g, gctx := errgroup.WithContext(ctx)
	for k := range n {
		g.Go(func() error {
			end := int(res.Lines.NumRows())
			if k+1 < n {
				end = s.starts[k+1]
			}
			_, check := s.bound(k)
			conn, err := db.Pool.Acquire(gctx)
			if err != nil {
				return err
			}
			defer conn.Release()
			return pgx.BeginFunc(gctx, conn, func(tx pgx.Tx) error {
				// Created in this transaction, so COPY can freeze the rows.
				t := partTable(s.id, k)
				if _, err := tx.Exec(gctx, `CREATE TABLE `+t+` (LIKE settle_run_lines INCLUDING CONSTRAINTS, CHECK (`+check+`));
					CREATE INDEX ON `+t+` USING brin (member) WITH (pages_per_range = 16)`); err != nil {
					return fmt.Errorf("create part %d of line set %d: %w", k, s.id, err)
				}
				var csv func([]byte)
				if k == 0 {
					csv = func(b []byte) { h.h.Write(b) }
				} else {
					csvs[k] = make([]byte, 0, 40*(end-s.starts[k]))
					csv = func(b []byte) { csvs[k] = append(csvs[k], b...) }
				}
				var err error
				counts[k], err = copyIn(gctx, tx, `COPY `+t+` (set_id, member, bonus, source, level, amount, before_cap) FROM STDIN (FREEZE)`,
					lineRows(s.id, res, s.starts[k], end, csv))
				return err
			})
		})
	}
	if err := g.Wait(); err != nil {
		return 0, "", fmt.Errorf("write bonus lines: %w", err)
	}
	var total int64
	for k := range n {
		total += counts[k]
		if k > 0 {
			h.h.Write(csvs[k])
		}
	}
	return total, h.sum(), nil
}

// lineRows writes lines [from, to) of res in COPY text format for set, and
// hands each one as a bonuses.csv row to csv.
func lineRows(set int64, res *engine.Result, from, to int, csv func([]byte)) func(w *bufio.Writer) error {
	l := res.LineColumns()
	member, kind, source, level, amount, before := l.Member, l.Kind, l.Source, l.Level, l.Amount, l.BeforeCap
	ms := res.Plan.Scale
	prefix := append(strconv.AppendInt(nil, set, 10), '\t')
	return func(w *bufio.Writer) error {
		buf := make([]byte, 0, 256)
		row := make([]byte, 0, 256)
		amt := make([]byte, 0, 48)
		for i := from; i < to; i++ {
			me := res.IDs.Value(int(member[i]))
			src := ""
			if s := source[i]; s >= 0 {
				src = res.IDs.Value(int(s))
			}
			bonus := engine.BonusNames[kind[i]]
			amt = csvio.AppendFixed(amt[:0], amount[i], ms)
			buf = append(buf[:0], prefix...)
			buf = appendText(buf, me)
			buf = append(buf, '\t')
			buf = append(buf, bonus...)
			buf = append(buf, '\t')
			if src == "" {
				buf = append(buf, '\\', 'N')
			} else {
				buf = appendText(buf, src)
			}
			buf = append(buf, '\t')
			buf = strconv.AppendInt(buf, int64(level[i]), 10)
			buf = append(buf, '\t')
			buf = append(buf, amt...)
			buf = append(buf, '\t')
			buf = csvio.AppendFixed(buf, before[i], ms)
			buf = append(buf, '\n')
			if _, err := w.Write(buf); err != nil {
				return err
			}
			row = appendLineCSV(row[:0], me, bonus, amt, src, int64(level[i]))
			csv(row)
		}
		return nil
	}
}

// publishSet attaches the written parts of s to its table and the table to
// settle_run_lines, and makes it the lines of run runID, in the run's
// transaction; a draft's previous set is dropped. Nothing is scanned: the
// parts' CHECK constraints prove their bounds, and their block-range indexes
// are the partitioned index's.
func publishSet(ctx context.Context, tx pgx.Tx, s *lineSet, runID, previous int64) error {
	if previous != 0 {
		// Its own rows are the draft's, checked by the caller; dropping takes
		// settle_run_lines for the few moments until commit.
		if err := dropSet(ctx, tx, previous); err != nil {
			return err
		}
	}
	var b strings.Builder
	for k := range s.starts {
		forValues, _ := s.bound(k)
		fmt.Fprintf(&b, "ALTER TABLE %s ATTACH PARTITION %s FOR VALUES %s;\n", setTable(s.id), partTable(s.id, k), forValues)
	}
	fmt.Fprintf(&b, "ALTER TABLE settle_run_lines ATTACH PARTITION %s FOR VALUES IN (%d)", setTable(s.id), s.id)
	if _, err := tx.Exec(ctx, b.String()); err != nil {
		return fmt.Errorf("publish line set %d: %w", s.id, err)
	}
	_, err := tx.Exec(ctx, `UPDATE settle_runs SET lines_set = $2 WHERE id = $1`, runID, s.id)
	return err
}

// dropSet drops the tables of line set id and its record.
func dropSet(ctx context.Context, q ledger.Querier, id int64) error {
	var parts int
	if err := q.QueryRow(ctx, `SELECT parts FROM settle_line_sets WHERE id = $1`, id).Scan(&parts); err != nil {
		return fmt.Errorf("line set %d: %w", id, err)
	}
	tables := []string{setTable(id)}
	for k := range parts {
		tables = append(tables, partTable(id, k))
	}
	if _, err := q.Exec(ctx, `DROP TABLE IF EXISTS `+strings.Join(tables, ", ")); err != nil {
		return fmt.Errorf("drop line set %d: %w", id, err)
	}
	_, err := q.Exec(ctx, `DELETE FROM settle_line_sets WHERE id = $1`, id)
	return err
}

// dropOrphanSets drops the line sets of period periodID that no run
// publishes: the leftovers of runs killed or failed after they wrote them.
// It runs under the period's lock, so no run of the period is writing one.
func dropOrphanSets(ctx context.Context, q ledger.Querier, periodID int64) error {
	rows, err := q.Query(ctx, `SELECT s.id FROM settle_line_sets s
		WHERE s.period_id = $1 AND NOT EXISTS (SELECT 1 FROM settle_runs r WHERE r.lines_set = s.id) ORDER BY s.id`, periodID)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := dropSet(ctx, q, id); err != nil {
			return err
		}
	}
	return nil
}
