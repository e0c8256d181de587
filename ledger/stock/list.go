package stock

import (
	"context"
	"time"

	"downline/ledger"
)

// ListFilter selects and orders a warehouse's holdings for List.
type ListFilter struct {
	Warehouse     string
	Product       string    // a SKU's start or part of a product's name (either language), any case
	Batch         string    // a lot number's start, any case
	ExpiresBefore time.Time // lots that expire before this day (zero: any; lots that never expire are left out when set)
	BySKU         bool      // by SKU, then expiry; otherwise first expiry first, then SKU
	AfterLot      int64     // the cursor: the last lot of the previous page (0: the first page)
	Limit         int
}

// List returns a page of what f.Warehouse holds, lots that never expire
// last when ordered by expiry.
func List(ctx context.Context, q ledger.Querier, f ListFilter) ([]Balance, error) {
	var before *time.Time
	if !f.ExpiresBefore.IsZero() {
		before = &f.ExpiresBefore
	}
	// The order's key, as a row: a page starts after the cursor lot's key.
	key := `coalesce(l.expires_on, 'infinity'::date), p.sku, l.id`
	if f.BySKU {
		key = `p.sku, coalesce(l.expires_on, 'infinity'::date), l.id`
	}
	rows, err := q.Query(ctx, balanceSelect+`
		WHERE w.code = $1
		  AND ($2 = '' OR p.sku ILIKE replace(replace(replace($2, '\', '\\'), '%', '\%'), '_', '\_') || '%'
		       OR strpos(lower(p.name_en), lower($2)) > 0 OR strpos(p.name_zh, $2) > 0)
		  AND ($3 = '' OR l.batch ILIKE replace(replace(replace($3, '\', '\\'), '%', '\%'), '_', '\_') || '%')
		  AND ($4::date IS NULL OR l.expires_on < $4)
		  AND ($5::bigint = 0 OR (`+key+`) > (SELECT `+key+` FROM lots l JOIN products p ON p.id = l.product_id WHERE l.id = $5))
		ORDER BY `+key+` LIMIT $6`, f.Warehouse, f.Product, f.Batch, before, f.AfterLot, f.Limit)
	if err != nil {
		return nil, err
	}
	return scanBalances(rows)
}
