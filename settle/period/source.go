package period

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/graphstore"
	"downline/network"
)

// sink receives a period's input rows in the shapes of simulate's CSV files:
// every member first, then the orders, then the carry-in.
type sink interface {
	member(code, sponsor, placement, side string) error
	order(id, member, kind, pv, bv string) error
	carry(member, left, right string) error
}

// inputSpec says what to read: the period, the time up to which returns of
// its orders count (its cut-off for its own run, a later cut-off for a
// clawback), and the run whose carry-in or carry-out starts it.
type inputSpec struct {
	period Period
	asOf   time.Time
	// carryRun is the run whose carry is read (0: none); carryIn reads that
	// run's own carry-in columns instead of its carry-out.
	carryRun int64
	carryIn  bool
	// sorted orders the orders by id (for files people read).
	sorted bool
}

// readStats count what was read.
type readStats struct {
	Members, Orders, Carry int
}

// readInput streams the period's members (both trees as of the cut-off,
// from the graph store, with codes from the ledger), its orders and returns
// (COPY out of Postgres) and its carry-in into s.
func readInput(ctx context.Context, tx pgx.Tx, store graphstore.Store, spec inputSpec, s sink, progress func(string)) (readStats, error) {
	var st readStats
	if progress != nil {
		progress("reading trees")
	}
	ledgerIDs, codes, err := memberCodes(ctx, tx)
	if err != nil {
		return st, err
	}
	slots := newIndex(ledgerIDs)
	sp, err := store.Export(ctx, network.Sponsor, spec.period.CutoffAt)
	if err != nil {
		return st, fmt.Errorf("sponsor tree as of %s: %w", spec.period.CutoffAt.Format(time.RFC3339), err)
	}
	pl, err := store.Export(ctx, network.Placement, spec.period.CutoffAt)
	if err != nil {
		return st, fmt.Errorf("placement tree as of %s: %w", spec.period.CutoffAt.Format(time.RFC3339), err)
	}
	if len(sp.IDs) != len(pl.IDs) {
		return st, fmt.Errorf("graph store: %d members in the sponsor tree but %d in the placement tree as of %s", len(sp.IDs), len(pl.IDs), spec.period.CutoffAt)
	}
	plAt := make(map[network.MemberID]int32, len(pl.IDs))
	for i, id := range pl.IDs {
		plAt[id] = int32(i)
	}
	code := func(id network.MemberID) (string, error) {
		k, ok := slots.get(int64(id))
		if !ok {
			return "", fmt.Errorf("graph store holds member %d, which the ledger does not know: rebuild the graph store (downline graph sync)", id)
		}
		return codes[k], nil
	}
	for i, id := range sp.IDs {
		me, err := code(id)
		if err != nil {
			return st, err
		}
		var sponsor, placement, side string
		if p := sp.Parent[i]; p >= 0 {
			if sponsor, err = code(sp.IDs[p]); err != nil {
				return st, err
			}
		}
		j, ok := plAt[id]
		if !ok {
			return st, fmt.Errorf("graph store: member %s is in the sponsor tree but not in the placement tree", me)
		}
		if p := pl.Parent[j]; p >= 0 {
			if placement, err = code(pl.IDs[p]); err != nil {
				return st, err
			}
			side = pl.Side[j].String()
		}
		if err := s.member(me, sponsor, placement, side); err != nil {
			return st, err
		}
	}
	st.Members = len(sp.IDs)

	if progress != nil {
		progress("reading orders")
	}
	var first time.Time
	if err := tx.QueryRow(ctx, `SELECT coalesce(min(starts_at), $1) FROM settle_periods`, spec.period.StartsAt).Scan(&first); err != nil {
		return st, err
	}
	err = copyOut(ctx, tx, ordersSQL(spec, first), func(f [][]byte) error {
		if len(f) != 5 {
			return fmt.Errorf("orders: %d columns from COPY", len(f))
		}
		st.Orders++
		return s.order(string(f[0]), string(f[1]), string(f[2]), string(f[3]), string(f[4]))
	})
	if err != nil {
		return st, fmt.Errorf("read orders of period %s: %w", spec.period.Code, err)
	}

	if spec.carryRun != 0 {
		lc, rc := "carry_left", "carry_right"
		if spec.carryIn {
			lc, rc = "carry_in_left", "carry_in_right"
		}
		rows, err := tx.Query(ctx, `SELECT member, `+lc+`::text, `+rc+`::text FROM settle_run_members
			WHERE run_id = $1 AND (`+lc+` <> 0 OR `+rc+` <> 0) ORDER BY member`, spec.carryRun)
		if err != nil {
			return st, err
		}
		var m, l, r string
		_, err = pgx.ForEachRow(rows, []any{&m, &l, &r}, func() error {
			st.Carry++
			return s.carry(m, l, r)
		})
		if err != nil {
			return st, fmt.Errorf("read carry-in of period %s: %w", spec.period.Code, err)
		}
	}
	return st, nil
}

// memberCodes reads every member's ledger id and code.
func memberCodes(ctx context.Context, tx pgx.Tx) ([]int64, []string, error) {
	var n int64
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM members`).Scan(&n); err != nil {
		return nil, nil, err
	}
	ids, codes := make([]int64, 0, n), make([]string, 0, n)
	err := copyOut(ctx, tx, `COPY (SELECT id, code FROM members) TO STDOUT`, func(f [][]byte) error {
		ids = append(ids, atoi(f[0]))
		codes = append(codes, string(f[1]))
		return nil
	})
	return ids, codes, err
}

// periodSQL holds the conditions that pick a period's volumes: member
// orders confirmed in [start, cut-off), the returns of those orders
// confirmed before asOf, and the returns confirmed in the period of orders
// older than the first period (no period to claw back). Returns of orders of
// an earlier period are not here: they are clawed back from that period
// (clawback.go). The two kinds of returns are two queries joined by UNION
// ALL rather than one with an OR, so that each can use its own index.
type periodSQL struct {
	orders string // on orders o
	// ownReturns and oldReturns are on returns r JOIN orders o.
	ownReturns, oldReturns string
}

func newPeriodSQL(spec inputSpec, first time.Time) periodSQL {
	ts := func(t time.Time) string {
		return "'" + t.UTC().Format("2006-01-02 15:04:05.999999") + "+00'::timestamptz"
	}
	s, c, a, f := ts(spec.period.StartsAt), ts(spec.period.CutoffAt), ts(spec.asOf), ts(first)
	member := `o.kind IN ('registration', 'repeat')`
	return periodSQL{
		orders:     member + ` AND o.status <> 'cancelled' AND o.confirmed_at >= ` + s + ` AND o.confirmed_at < ` + c,
		ownReturns: member + ` AND o.confirmed_at >= ` + s + ` AND o.confirmed_at < ` + c + ` AND r.confirmed_at < ` + a,
		oldReturns: member + ` AND r.confirmed_at >= ` + s + ` AND r.confirmed_at < ` + c + ` AND o.confirmed_at < ` + f,
	}
}

// ordersSQL selects the period's orders and returns one per row (newPeriodSQL).
func ordersSQL(spec inputSpec, first time.Time) string {
	w := newPeriodSQL(spec, first)
	returns := func(where string) string {
		return `SELECT r.return_no, m.code, 'return', r.pv, r.bv
		FROM returns r JOIN orders o ON o.id = r.order_id JOIN members m ON m.id = o.member_id
		WHERE ` + where
	}
	q := `SELECT o.order_no, m.code, o.kind, o.pv, o.bv
		FROM orders o JOIN members m ON m.id = o.member_id
		WHERE ` + w.orders + `
		UNION ALL
		` + returns(w.ownReturns) + `
		UNION ALL
		` + returns(w.oldReturns)
	if spec.sorted {
		q += ` ORDER BY 1`
	}
	return `COPY (` + q + `) TO STDOUT`
}

// copyOut runs a COPY ... TO STDOUT (text format) in tx and calls row with
// the fields of each line. Fields are passed raw: the callers only read
// codes, numbers and names that need no unescaping.
func copyOut(ctx context.Context, tx pgx.Tx, sql string, row func(f [][]byte) error) error {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := tx.Conn().PgConn().CopyTo(ctx, pw, sql)
		pw.CloseWithError(err)
		done <- err
	}()
	br := bufio.NewReaderSize(pr, 1<<20)
	var fields [][]byte
	var rowErr error
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// A line longer than the buffer: gather it.
			long := append([]byte(nil), line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if len(line) > 0 && rowErr == nil {
			fields = fields[:0]
			rest := bytes.TrimSuffix(line, []byte{'\n'})
			for {
				i := bytes.IndexByte(rest, '\t')
				if i < 0 {
					fields = append(fields, rest)
					break
				}
				fields = append(fields, rest[:i])
				rest = rest[i+1:]
			}
			rowErr = row(fields)
			if rowErr != nil {
				pr.CloseWithError(rowErr)
			}
		}
		if err != nil {
			break
		}
	}
	copyErr := <-done
	if rowErr != nil {
		return rowErr
	}
	if copyErr != nil && !errors.Is(copyErr, io.ErrClosedPipe) {
		return copyErr
	}
	return nil
}
