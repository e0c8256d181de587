package period

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// EventRankAdvanced is written when an approval raises members' ranks
// (package sms congratulates them).
const EventRankAdvanced = "member.rank_advanced"

type rankAdvance struct {
	Code     string `json:"code"`
	Rank     string `json:"rank"`
	Previous string `json:"previous,omitempty"`
}

type rankEvent struct {
	Period  string        `json:"period"`
	Run     int64         `json:"run"`
	Members []rankAdvance `json:"members"`
}

// LatestApproved is the run of the latest period whose run is approved or
// paid: the ranks members hold now.
//
// Errors: ledger.ErrNotFound when no run has been approved yet.
func LatestApproved(ctx context.Context, q ledger.Querier) (Run, error) {
	r, err := scanRun(q.QueryRow(ctx, runSelect+` WHERE r.status IN ('approved', 'paid') ORDER BY p.starts_at DESC LIMIT 1`))
	if errors.Is(err, pgx.ErrNoRows) {
		return Run{}, fmt.Errorf("%w: no settlement run has been approved yet, so no member holds a rank", ledger.ErrNotFound)
	}
	return r, err
}

// RankNames lists the ranks of run's plan, lowest first.
func RankNames(ctx context.Context, q ledger.Querier, run Run) ([]string, error) {
	sp, err := planByID(ctx, q, run.PlanID)
	if err != nil {
		return nil, fmt.Errorf("plan of the run of %s: %w", run.Period.Code, err)
	}
	pl, err := sp.Parse()
	if err != nil {
		return nil, err
	}
	names := make([]string, len(pl.Ranks))
	for i, r := range pl.Ranks {
		names[i] = r.Name
	}
	return names, nil
}

// RankCount is how many members a run gave a rank.
type RankCount struct {
	Rank    string
	Members int64
}

// RankCounts counts the members of run at each rank of its plan, lowest
// first, every rank listed.
func RankCounts(ctx context.Context, q ledger.Querier, run Run) ([]RankCount, error) {
	names, err := RankNames(ctx, q, run)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT rank, count(*) FROM settle_run_members WHERE run_id = $1 GROUP BY rank`, run.ID)
	if err != nil {
		return nil, fmt.Errorf("ranks of the run of %s: %w", run.Period.Code, err)
	}
	n := map[string]int64{}
	var rank string
	var c int64
	if _, err := pgx.ForEachRow(rows, []any{&rank, &c}, func() error { n[rank] = c; return nil }); err != nil {
		return nil, fmt.Errorf("ranks of the run of %s: %w", run.Period.Code, err)
	}
	out := make([]RankCount, len(names))
	for i, name := range names {
		out[i] = RankCount{Rank: name, Members: n[name]}
	}
	return out, nil
}

// announceRanks writes member.rank_advanced events for the members whose
// rank in run (being approved) is above their rank in the approved run of
// the period before. Ranks are ordered by their position in run's plan.
// Having no rank before (a new member, or no earlier approved run at all)
// counts as holding the plan's first rank, which has no requirements: a
// member is congratulated on reaching any rank above it, never on the first
// rank itself. A previous rank that run's plan no longer has cannot be
// compared, so it is not announced as an advance.
//
// One statement compares the two runs (a hash join of their members), so
// approving a million members stays linear; the events go out in chunks.
func announceRanks(ctx context.Context, tx pgx.Tx, run Run) error {
	ranks, err := RankNames(ctx, tx, run)
	if err != nil {
		return err
	}
	var prev int64
	err = tx.QueryRow(ctx, `SELECT r.id FROM settle_runs r JOIN settle_periods p ON p.id = r.period_id
		WHERE r.status IN ('approved', 'paid') AND p.starts_at < $1 ORDER BY p.starts_at DESC LIMIT 1`, run.Period.StartsAt).Scan(&prev)
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	// array_position is a rank's place in the plan (NULL for a name the
	// plan does not have, which compares as false).
	rows, err := tx.Query(ctx, `SELECT c.member, c.rank, coalesce(b.rank, '')
		FROM settle_run_members c
		LEFT JOIN settle_run_members b ON b.run_id = $2 AND b.member = c.member
		WHERE c.run_id = $1 AND array_position($3::text[], c.rank) > 1
		  AND (b.member IS NULL OR array_position($3::text[], c.rank) > array_position($3::text[], b.rank))
		ORDER BY c.member`, run.ID, prev, ranks)
	if err != nil {
		return fmt.Errorf("compare ranks with the previous run: %w", err)
	}
	adv, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (rankAdvance, error) {
		var a rankAdvance
		err := row.Scan(&a.Code, &a.Rank, &a.Previous)
		return a, err
	})
	if err != nil {
		return fmt.Errorf("compare ranks with the previous run: %w", err)
	}
	for len(adv) > 0 {
		n := min(len(adv), eventChunk)
		if _, err := ledger.AppendOutbox(ctx, tx, EventRankAdvanced, "settle:"+run.Period.Code,
			rankEvent{Period: run.Period.Code, Run: run.ID, Members: adv[:n]}); err != nil {
			return err
		}
		adv = adv[n:]
	}
	return nil
}
