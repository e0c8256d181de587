package demo

import (
	"fmt"
	"math/rand/v2"
	"time"

	"downline/ledger/catalog"
	"downline/ledger/member"
	"downline/ledger/order"
)

// How often a member orders enough to be active in a month (PV at least the
// plan's active_pv), by the habit it keeps: the leaders always, regular
// buyers most months, occasional ones some, dormant ones hardly ever.
var monthlyActive = [...]float64{dormant: 0.05, occasional: 0.4, regular: 0.85, leader: 1}

const (
	dormant = iota
	occasional
	regular
	leader
)

// pastOrders draws the members' orders from window to until, month by
// month in zone: the starter kit of each member who joined in the window
// half an hour after joining; in each month after its joining, a member
// active that month (monthlyActive) places an order of 100 PV or more
// (the leaders 300 or more), one in four of them a small one besides, and
// three in ten of the others only a small one (under 100 PV). An order
// is paid two hours after it is placed, confirmed after a day and shipped
// after two, and placed at least 30 hours before its month ends, so that
// it counts in it. The same members, products and seed give the same
// orders. products are the demo's, the starter kit last; ms are the
// members who may order, in the order they joined.
func pastOrders(ms []member.Joined, products []catalog.Product, seed uint64, window, until time.Time, zone *time.Location) []order.PastOrder {
	rng := rand.New(rand.NewPCG(seed, 7))
	vc, tea, pro, oil, kit := products[0].SKU, products[1].SKU, products[2].SKU, products[3].SKU, products[4].SKU
	line := func(sku string, qty int64) order.LineRequest { return order.LineRequest{SKU: sku, Qty: qty} }
	active := [][]order.LineRequest{
		{line(vc, 2)}, {line(vc, 3)}, {line(pro, 1)}, {line(oil, 2)}, {line(vc, 2), line(tea, 2)}, {line(pro, 1), line(tea, 3)},
	}
	big := [][]order.LineRequest{{line(pro, 2), line(vc, 2)}, {line(pro, 3)}, {line(oil, 3), line(pro, 1), line(vc, 1)}}
	small := [][]order.LineRequest{{line(tea, 1)}, {line(tea, 2)}, {line(tea, 3)}, {line(vc, 1)}, {line(oil, 1)}}

	habit := make([]uint8, len(ms))
	for i := range ms {
		switch r := rng.IntN(100); {
		case i <= member.CompanyLeaders: // the top member and the leaders joined first
			habit[i] = leader
		case r < 35:
			habit[i] = regular
		case r < 65:
			habit[i] = occasional
		default:
			habit[i] = dormant
		}
	}
	var out []order.PastOrder
	add := func(m member.Joined, kind order.Kind, lines []order.LineRequest, at time.Time) {
		key := fmt.Sprintf("demo-past-%d", len(out)+1)
		out = append(out, order.PastOrder{Key: key, Kind: kind, Member: m.Code, Lines: lines, By: "user:" + m.Code,
			PlacedAt: at, PaidAt: at.Add(2 * time.Hour), ConfirmedAt: at.Add(24 * time.Hour), ShippedAt: at.Add(48 * time.Hour),
			Tracking: fmt.Sprintf("SF-P%d", len(out)+1)})
	}
	window = window.In(zone)
	for start := window; start.Before(until); start = start.AddDate(0, 1, 0) {
		end := start.AddDate(0, 1, 0)
		last := end.Add(-30 * time.Hour)
		if until.Before(last) {
			last = until
		}
		span := last.Sub(start)
		at := func() time.Time { return start.Add(time.Duration(rng.Int64N(int64(span)))) }
		for i, m := range ms {
			if !m.JoinedAt.Before(end) {
				break
			}
			if !m.JoinedAt.Before(start) {
				if at := m.JoinedAt.Add(30 * time.Minute); at.Before(until) {
					add(m, order.Registration, []order.LineRequest{line(kit, 1)}, at)
				}
				continue
			}
			if span <= 0 {
				continue
			}
			switch {
			case rng.Float64() < monthlyActive[habit[i]]:
				basket := active[rng.IntN(len(active))]
				if habit[i] == leader {
					basket = big[rng.IntN(len(big))]
				}
				add(m, order.Repeat, basket, at())
				if rng.IntN(4) == 0 {
					add(m, order.Repeat, small[rng.IntN(len(small))], at())
				}
			case rng.IntN(10) < 3:
				add(m, order.Repeat, small[rng.IntN(len(small))], at())
			}
		}
	}
	return out
}
