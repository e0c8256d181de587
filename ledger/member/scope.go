package member

import (
	"context"

	"downline/ledger"
	"downline/network"
)

// InDownline reports whether the member with id member is ancestor itself or
// below it in the given tree, reading the ledger (the authority when the
// graph store has not caught up yet).
func InDownline(ctx context.Context, q ledger.Querier, tree network.Tree, ancestor, member int64) (bool, error) {
	col := "sponsor_id"
	if tree == network.Placement {
		col = "placement_parent_id"
	}
	return inDownline(ctx, q, col, ancestor, member)
}
