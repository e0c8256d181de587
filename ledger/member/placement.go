package member

import (
	"context"
	"fmt"

	"downline/ledger"
	"downline/network"
)

// FindSlot picks a free placement slot under the member with id under, by the
// given strategy, reading the ledger directly (the graph store may lag it).
// The strategies mean what network.AutoPlace says they mean.
func FindSlot(ctx context.Context, q ledger.Querier, under int64, how network.AutoPlace) (network.Slot, error) {
	switch how {
	case network.Leftmost:
		return outermost(ctx, q, under, network.Left)
	case network.Rightmost:
		return outermost(ctx, q, under, network.Right)
	case network.Balanced, "":
		return firstFree(ctx, q, under)
	case network.WeakLeg:
		kids, err := children(ctx, q, []int64{under})
		if err != nil {
			return network.Slot{}, err
		}
		c := kids[under]
		if c[0] == 0 {
			return network.Slot{Parent: network.MemberID(under), Side: network.Left}, nil
		}
		if c[1] == 0 {
			return network.Slot{Parent: network.MemberID(under), Side: network.Right}, nil
		}
		left, err := subtreeSize(ctx, q, c[0])
		if err != nil {
			return network.Slot{}, err
		}
		right, err := subtreeSize(ctx, q, c[1])
		if err != nil {
			return network.Slot{}, err
		}
		if right < left {
			return firstFree(ctx, q, c[1])
		}
		return firstFree(ctx, q, c[0])
	}
	return network.Slot{}, fmt.Errorf("%w: placement strategy %q must be leftmost, rightmost, weak-leg or balanced", ledger.ErrInvalid, how)
}

// outermost follows one side down to the bottom and takes the free slot there.
func outermost(ctx context.Context, q ledger.Querier, under int64, side network.Side) (network.Slot, error) {
	var id int64
	err := q.QueryRow(ctx, `WITH RECURSIVE d(id, depth) AS (
			SELECT $1::bigint, 0
			UNION ALL
			SELECT m.id, d.depth + 1 FROM members m JOIN d ON m.placement_parent_id = d.id AND m.placement_side = $2)
		SELECT id FROM d ORDER BY depth DESC LIMIT 1`, under, side.String()).Scan(&id)
	return network.Slot{Parent: network.MemberID(id), Side: side}, err
}

// firstFree walks the placement subtree breadth first, one level per query,
// and returns the first free slot, left before right.
func firstFree(ctx context.Context, q ledger.Querier, under int64) (network.Slot, error) {
	level := []int64{under}
	for len(level) > 0 {
		kids, err := children(ctx, q, level)
		if err != nil {
			return network.Slot{}, err
		}
		next := make([]int64, 0, 2*len(level))
		for _, id := range level {
			c := kids[id]
			if c[0] == 0 {
				return network.Slot{Parent: network.MemberID(id), Side: network.Left}, nil
			}
			if c[1] == 0 {
				return network.Slot{Parent: network.MemberID(id), Side: network.Right}, nil
			}
			next = append(next, c[0], c[1])
		}
		level = next
	}
	return network.Slot{}, fmt.Errorf("%w: no free placement slot under member %d", ledger.ErrConflict, under)
}

// children returns the left and right child (0 when free) of each parent.
func children(ctx context.Context, q ledger.Querier, parents []int64) (map[int64][2]int64, error) {
	rows, err := q.Query(ctx, `SELECT placement_parent_id, placement_side, id FROM members WHERE placement_parent_id = ANY($1)`, parents)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[int64][2]int64, len(parents))
	for rows.Next() {
		var p, id int64
		var side string
		if err := rows.Scan(&p, &side, &id); err != nil {
			return nil, err
		}
		c := out[p]
		if side == "L" {
			c[0] = id
		} else {
			c[1] = id
		}
		out[p] = c
	}
	return out, rows.Err()
}

func subtreeSize(ctx context.Context, q ledger.Querier, head int64) (int64, error) {
	var n int64
	err := q.QueryRow(ctx, `WITH RECURSIVE d(id) AS (
			SELECT $1::bigint
			UNION ALL
			SELECT m.id FROM members m JOIN d ON m.placement_parent_id = d.id)
		SELECT count(*) FROM d`, head).Scan(&n)
	return n, err
}
