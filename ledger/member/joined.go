package member

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// Joined is a member and when they joined.
type Joined struct {
	Code     string
	JoinedAt time.Time
}

// ActiveByJoining lists the active members in the order they joined (ties
// in the order they were entered).
func ActiveByJoining(ctx context.Context, q ledger.Querier) ([]Joined, error) {
	rows, err := q.Query(ctx, `SELECT code, joined_at FROM members WHERE status = 'active' ORDER BY joined_at, id`)
	if err != nil {
		return nil, fmt.Errorf("list active members: %w", err)
	}
	ms, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Joined])
	if err != nil {
		return nil, fmt.Errorf("list active members: %w", err)
	}
	return ms, nil
}
