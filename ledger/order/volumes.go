package order

import (
	"context"
	"fmt"
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

// MembersPV sums the PV of each of the members ids in [from, to), counted as
// PeriodVolumes counts it (orders confirmed in the period and not cancelled,
// less returns confirmed in it), in one query. Members without volume are
// left out of the map.
func MembersPV(ctx context.Context, q ledger.Querier, ids []int64, from, to time.Time) (map[int64]decimal.Decimal, error) {
	out := map[int64]decimal.Decimal{}
	if len(ids) == 0 {
		return out, nil
	}
	err := sumPV(ctx, q, "o.member_id = ANY($3) AND", []any{from, to, ids}, func(id int64, pv decimal.Decimal) error {
		out[id] = pv
		return nil
	})
	return out, err
}

// PeriodPV streams to fn the PV of every member with volume in [from, to),
// counted as MembersPV counts it, in one aggregate query.
func PeriodPV(ctx context.Context, q ledger.Querier, from, to time.Time, fn func(member int64, pv decimal.Decimal) error) error {
	return sumPV(ctx, q, "", []any{from, to}, fn)
}

// sumPV runs the PV aggregate with an optional extra condition on the
// order o ($1 and $2 are the period's bounds).
func sumPV(ctx context.Context, q ledger.Querier, where string, args []any, fn func(int64, decimal.Decimal) error) error {
	rows, err := q.Query(ctx, `
		SELECT member_id, sum(pv) FROM (
			SELECT o.member_id, o.pv FROM orders o
			WHERE `+where+` o.kind IN ('registration', 'repeat') AND o.status <> 'cancelled'
			  AND o.confirmed_at >= $1 AND o.confirmed_at < $2
			UNION ALL
			SELECT o.member_id, r.pv FROM returns r JOIN orders o ON o.id = r.order_id
			WHERE `+where+` r.confirmed_at >= $1 AND r.confirmed_at < $2
		) v GROUP BY member_id`, args...)
	if err != nil {
		return fmt.Errorf("sum members' PV: %w", err)
	}
	var id int64
	var pv decimal.Decimal
	_, err = pgx.ForEachRow(rows, []any{&id, &pv}, func() error { return fn(id, pv) })
	if err != nil {
		return fmt.Errorf("sum members' PV: %w", err)
	}
	return nil
}
