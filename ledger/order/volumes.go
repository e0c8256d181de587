package order

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
)

// Volume is one order's or one return's PV and BV for a member, as
// settlement reads them: Kind is registration, repeat or return (negative
// volumes), counted at the time of confirmation.
type Volume struct {
	Member string
	Order  string
	Return string `json:",omitempty"`
	Kind   string
	PV     decimal.Decimal
	BV     decimal.Decimal
	At     time.Time
}

// PeriodVolumes streams to fn the volumes of the member orders confirmed in
// [from, to) that were not cancelled, and of the returns confirmed in [from,
// to), ordered by member code and time.
func PeriodVolumes(ctx context.Context, q ledger.Querier, from, to time.Time, fn func(Volume) error) error {
	rows, err := q.Query(ctx, `
		SELECT m.code, o.order_no, '', o.kind, o.pv, o.bv, o.confirmed_at
		FROM orders o JOIN members m ON m.id = o.member_id
		WHERE o.kind IN ('registration', 'repeat') AND o.status <> 'cancelled'
		  AND o.confirmed_at >= $1 AND o.confirmed_at < $2
		UNION ALL
		SELECT m.code, o.order_no, r.return_no, 'return', r.pv, r.bv, r.confirmed_at
		FROM returns r JOIN orders o ON o.id = r.order_id JOIN members m ON m.id = o.member_id
		WHERE r.confirmed_at >= $1 AND r.confirmed_at < $2
		ORDER BY 1, 7, 2, 3`, from, to)
	if err != nil {
		return err
	}
	var v Volume
	_, err = pgx.ForEachRow(rows, []any{&v.Member, &v.Order, &v.Return, &v.Kind, &v.PV, &v.BV, &v.At}, func() error { return fn(v) })
	return err
}
