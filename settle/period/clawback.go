package period

import (
	"bufio"
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/settle/csvio"
	"downline/settle/engine"
)

// Clawback is one approved period recomputed by a later run because some of
// its orders were returned after it was approved.
type Clawback struct {
	Period string
	// Lines is the number of (member, bonus) adjustments, Total their sum
	// (negative when the returns took bonus back).
	Lines int64
	Total decimal.Decimal
}

// clawbacks recomputes every approved period before p with orders returned
// during p: its own input again (trees as of its cut-off, its carry-in, its
// plan) plus the returns of its orders confirmed up to p's cut-off. Each
// (member, bonus) whose recomputed amount differs from what the period paid
// (its lines plus the clawbacks approved since) gets the difference, in the
// temporary table settle_clawback that the run copies into
// settle_run_adjustments. Carry volumes are not restated: a clawback
// corrects money only.
func (r *Runner) clawbacks(ctx context.Context, tx pgx.Tx, p Period) ([]Clawback, error) {
	rows, err := tx.Query(ctx, `SELECT q.id, q.code, q.kind, q.starts_at, q.cutoff_at, ru.id, ru.plan_id, ru.lines_set
		FROM settle_periods q JOIN settle_runs ru ON ru.period_id = q.id AND ru.status <> 'draft'
		WHERE q.starts_at < $1 AND EXISTS (
			SELECT 1 FROM returns rt JOIN orders o ON o.id = rt.order_id
			WHERE o.member_id IS NOT NULL AND o.confirmed_at >= q.starts_at AND o.confirmed_at < q.cutoff_at
			  AND rt.confirmed_at >= $1 AND rt.confirmed_at < $2)
		ORDER BY q.starts_at`, p.StartsAt, p.CutoffAt)
	if err != nil {
		return nil, err
	}
	type target struct {
		period             Period
		run, planID, lines int64
	}
	targets, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (target, error) {
		var t target
		q := &t.period
		err := row.Scan(&q.ID, &q.Code, &q.Kind, &q.StartsAt, &q.CutoffAt, &t.run, &t.planID, &t.lines)
		return t, err
	})
	if err != nil || len(targets) == 0 {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE settle_clawback (target_period bigint, member text, bonus text, amount numeric) ON COMMIT DROP;
		CREATE TEMP TABLE settle_recomputed (member text, bonus text, amount numeric) ON COMMIT DROP`); err != nil {
		return nil, err
	}
	var out []Clawback
	for _, t := range targets {
		r.stage("clawback: recomputing " + t.period.Code)
		sp, err := planByID(ctx, tx, t.planID)
		if err != nil {
			return nil, err
		}
		pl, err := sp.Parse()
		if err != nil {
			return nil, err
		}
		in, _, err := r.load(ctx, tx, inputSpec{period: t.period, asOf: p.CutoffAt, carryRun: t.run, carryIn: true})
		if err != nil {
			return nil, fmt.Errorf("clawback of %s: %w", t.period.Code, err)
		}
		res, err := engine.Run(pl, in, engine.Options{})
		if err != nil {
			return nil, fmt.Errorf("clawback of %s: %w", t.period.Code, err)
		}
		if _, err := tx.Exec(ctx, `TRUNCATE settle_recomputed`); err != nil {
			return nil, err
		}
		if _, err := copyRecomputed(ctx, tx, res); err != nil {
			return nil, fmt.Errorf("clawback of %s: %w", t.period.Code, err)
		}
		c := Clawback{Period: t.period.Code}
		err = tx.QueryRow(ctx, `WITH a AS (
				INSERT INTO settle_clawback (target_period, member, bonus, amount)
				SELECT $1, member, bonus, sum(amount) FROM (
					SELECT member, bonus, amount FROM settle_recomputed
					UNION ALL
					SELECT member, bonus, -amount FROM settle_run_lines WHERE set_id = $2
					UNION ALL
					SELECT a.member, a.bonus, -a.amount FROM settle_run_adjustments a JOIN settle_runs ru ON ru.id = a.run_id
					WHERE a.target_period = $1 AND ru.status <> 'draft') x
				GROUP BY member, bonus HAVING sum(amount) <> 0
				RETURNING amount)
			SELECT count(*), coalesce(sum(amount), 0) FROM a`, t.period.ID, t.lines).Scan(&c.Lines, &c.Total)
		if err != nil {
			return nil, fmt.Errorf("clawback of %s: %w", t.period.Code, err)
		}
		in.Members.Release()
		in.Volumes.Release()
		out = append(out, c)
	}
	return out, nil
}

func copyRecomputed(ctx context.Context, tx pgx.Tx, res *engine.Result) (int64, error) {
	l := res.LineColumns()
	member, kind, amount := l.Member, l.Kind, l.Amount
	ms := res.Plan.Scale
	return copyIn(ctx, tx, `COPY settle_recomputed (member, bonus, amount) FROM STDIN`, func(w *bufio.Writer) error {
		buf := make([]byte, 0, 128)
		for i := range member {
			buf = appendText(buf[:0], res.IDs.Value(int(member[i])))
			buf = append(buf, '\t')
			buf = append(buf, engine.BonusNames[kind[i]]...)
			buf = append(buf, '\t')
			buf = csvio.AppendFixed(buf, amount[i], ms)
			buf = append(buf, '\n')
			if _, err := w.Write(buf); err != nil {
				return err
			}
		}
		return nil
	})
}
