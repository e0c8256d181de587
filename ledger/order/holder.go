package order

import (
	"context"

	"downline/ledger"
	"downline/ledger/stock"
)

// BuyerHolder is who holds the goods of the order once shipped: the member,
// the buying agency's warehouse, or the shop customer (by order number),
// as lot.moved events name them.
func (o Order) BuyerHolder(ctx context.Context, q ledger.Querier) (stock.Holder, error) {
	return o.buyer(ctx, q)
}
