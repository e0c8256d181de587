package period

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
)

// Breakdown is a run's totals per bonus and per rank next to those of the
// run of the period before (the baseline, when there is one), and the
// members whose earnings moved most between the two.
type Breakdown struct {
	Run      Run
	Baseline *Run
	Bonuses  []BonusTotal
	Ranks    []RankTotal
	Movers   []Mover
}

// BonusTotal is what one bonus adds up to in a run and in the baseline.
type BonusTotal struct {
	Bonus    string
	Amount   decimal.Decimal
	Baseline decimal.Decimal
}

// RankTotal counts the members at one rank and what they earned.
type RankTotal struct {
	Rank            string
	Members         int64
	Amount          decimal.Decimal
	BaselineMembers int64
	BaselineAmount  decimal.Decimal
}

// Mover is a member whose earnings changed from the baseline.
type Mover struct {
	Member   string
	Rank     string
	Amount   decimal.Decimal
	Baseline decimal.Decimal
}

// GetBreakdown reads the breakdown of period code's run, with at most
// movers members whose earnings changed most (by absolute change, then
// code). Errors: ledger.ErrNotFound for a period not run.
func GetBreakdown(ctx context.Context, q ledger.Querier, code string, movers int) (Breakdown, error) {
	r, err := GetRun(ctx, q, code)
	if err != nil {
		return Breakdown{}, err
	}
	b := Breakdown{Run: r}
	baseID, baseSet := int64(-1), int64(-1)
	if prev, ok, err := previous(ctx, q, r.Period); err != nil {
		return Breakdown{}, err
	} else if ok {
		if pr, err := GetRun(ctx, q, prev.Code); err == nil {
			b.Baseline, baseID, baseSet = &pr, pr.ID, pr.LinesSet
		}
	}
	fail := func(what string, err error) (Breakdown, error) {
		return Breakdown{}, fmt.Errorf("%s of the run of %s: %w", what, code, err)
	}
	rows, err := q.Query(ctx, `SELECT bonus, sum(amount) FILTER (WHERE set_id = $1), sum(amount) FILTER (WHERE set_id = $2)
		FROM settle_run_lines WHERE set_id IN ($1, $2) GROUP BY bonus ORDER BY bonus`, r.LinesSet, baseSet)
	if err != nil {
		return fail("bonus totals", err)
	}
	var bt BonusTotal
	var cur, base *decimal.Decimal
	if _, err := pgx.ForEachRow(rows, []any{&bt.Bonus, &cur, &base}, func() error {
		b.Bonuses = append(b.Bonuses, BonusTotal{Bonus: bt.Bonus, Amount: orZero(cur), Baseline: orZero(base)})
		return nil
	}); err != nil {
		return fail("bonus totals", err)
	}
	names, err := RankNames(ctx, q, r)
	if err != nil {
		return Breakdown{}, err
	}
	byRank := map[string]int{}
	for i, n := range names {
		b.Ranks = append(b.Ranks, RankTotal{Rank: n})
		byRank[n] = i
	}
	rows, err = q.Query(ctx, `SELECT run_id, rank, count(*), sum(earnings) FROM settle_run_members
		WHERE run_id IN ($1, $2) GROUP BY run_id, rank`, r.ID, baseID)
	if err != nil {
		return fail("rank totals", err)
	}
	var run, n int64
	var rank string
	var sum decimal.Decimal
	if _, err := pgx.ForEachRow(rows, []any{&run, &rank, &n, &sum}, func() error {
		i, ok := byRank[rank]
		if !ok { // a rank of the baseline's plan that this run's plan has not
			i = len(b.Ranks)
			byRank[rank] = i
			b.Ranks = append(b.Ranks, RankTotal{Rank: rank})
		}
		t := &b.Ranks[i]
		if run == r.ID {
			t.Members, t.Amount = n, sum
		} else {
			t.BaselineMembers, t.BaselineAmount = n, sum
		}
		return nil
	}); err != nil {
		return fail("rank totals", err)
	}
	rows, err = q.Query(ctx, `SELECT coalesce(c.member, p.member), coalesce(c.rank, ''), coalesce(c.earnings, 0), coalesce(p.earnings, 0)
		FROM (SELECT member, rank, earnings FROM settle_run_members WHERE run_id = $1) c
		FULL JOIN (SELECT member, earnings FROM settle_run_members WHERE run_id = $2) p ON p.member = c.member
		WHERE coalesce(c.earnings, 0) <> coalesce(p.earnings, 0)
		ORDER BY abs(coalesce(c.earnings, 0) - coalesce(p.earnings, 0)) DESC, 1 LIMIT $3`, r.ID, baseID, movers)
	if err != nil {
		return fail("movers", err)
	}
	var mv Mover
	if _, err := pgx.ForEachRow(rows, []any{&mv.Member, &mv.Rank, &mv.Amount, &mv.Baseline}, func() error {
		b.Movers = append(b.Movers, mv)
		return nil
	}); err != nil {
		return fail("movers", err)
	}
	return b, nil
}

func orZero(d *decimal.Decimal) decimal.Decimal {
	if d == nil {
		return decimal.Zero
	}
	return *d
}
