package member

import (
	"context"
	"fmt"

	"downline/ledger"
	"downline/network"
)

// TreeNode is one member in a depth-limited view of a tree.
type TreeNode struct {
	ID       int64
	Code     string
	Name     string
	Status   network.Status
	Side     network.Side
	Depth    int
	Children []int // indexes into the view; placement: left before right
	// More counts children beyond the view's depth (known for the last level).
	More int
}

// View reads the tree below code down to depth levels, at most limit members,
// one query per level. Element 0 is the member itself.
func View(ctx context.Context, q ledger.Querier, tree network.Tree, code string, depth, limit int) ([]TreeNode, bool, error) {
	top, err := Get(ctx, q, code)
	if err != nil {
		return nil, false, err
	}
	col, order := "sponsor_id", "sponsor_id, joined_at, id"
	if tree == network.Placement {
		col, order = "placement_parent_id", "placement_parent_id, placement_side"
	}
	nodes := []TreeNode{{ID: top.ID, Code: top.Code, Name: top.Name, Status: top.Status}}
	level := []int{0}
	truncated := false
	for d := 1; len(level) > 0; d++ {
		ids := make([]int64, len(level))
		at := make(map[int64]int, len(level))
		for i, ix := range level {
			ids[i] = nodes[ix].ID
			at[nodes[ix].ID] = ix
		}
		// col is one of two constants, never input.
		rows, err := q.Query(ctx, `SELECT `+col+`, id, code, name, status, placement_side FROM members
			WHERE `+col+` = ANY($1) ORDER BY `+order, ids)
		if err != nil {
			return nil, false, err
		}
		var next []int
		for rows.Next() {
			var parent, id int64
			var c, name, status string
			var side *string
			if err := rows.Scan(&parent, &id, &c, &name, &status, &side); err != nil {
				rows.Close()
				return nil, false, err
			}
			p := at[parent]
			if d > depth || len(nodes) >= limit {
				nodes[p].More++
				if len(nodes) >= limit && d <= depth {
					truncated = true
				}
				continue
			}
			s := network.NoSide
			if tree == network.Placement {
				s = sideOf(side)
			}
			nodes = append(nodes, TreeNode{ID: id, Code: c, Name: name, Status: network.Status(status), Side: s, Depth: d})
			nodes[p].Children = append(nodes[p].Children, len(nodes)-1)
			next = append(next, len(nodes)-1)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, false, fmt.Errorf("read tree level %d: %w", d, err)
		}
		if d > depth {
			break
		}
		level = next
	}
	return nodes, truncated, nil
}
