package analytics

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"downline/graphstore"
)

// Ageing is the stock warehouses and agencies hold, per holder and lot,
// with the days left to each lot's expiry and the days since the holder
// last sent any of it on: the lots to move first and the slow movers.
type Ageing struct {
	Today    time.Time    `json:"today"`
	SlowDays int          `json:"slow_days"` // no outbound movement for this many days makes a slow mover
	Lines    []AgeingLine `json:"lines"`
	Slow     int          `json:"slow"`    // lines that are slow movers
	Expired  int          `json:"expired"` // lines past their expiry
}

// AgeingLine is what one holder holds of one lot.
type AgeingLine struct {
	Holder Ref    `json:"holder"`
	SKU    string `json:"sku"`
	Batch  string `json:"batch"`
	Lot    string `json:"lot"`
	Holds  int64  `json:"holds"`
	// Expires is the lot's expiry date ("" when it does not expire or is
	// not known) and DaysToExpiry the days from today to it (negative once
	// past), nil without one.
	Expires      string     `json:"expires,omitempty"`
	DaysToExpiry *int       `json:"days_to_expiry"`
	Received     time.Time  `json:"received"`  // the holder's first receipt of the lot
	LastOut      *time.Time `json:"last_out"`  // nil when it never sent any on
	IdleDays     int        `json:"idle_days"` // days since LastOut, or since Received
	Slow         bool       `json:"slow"`
}

// StockAgeing lists what every warehouse and agency holds of every lot,
// soonest expiry first. expiry gives lots' expiry dates (company dates,
// "2006-01-02") by lot id; today is the company's date; slowDays > 0.
// Errors: ErrInvalid.
func StockAgeing(ctx context.Context, cs graphstore.Circulation, expiry map[string]string, today time.Time, slowDays int) (Ageing, error) {
	if slowDays <= 0 {
		return Ageing{}, fmt.Errorf("%w: slow_days %d must be at least 1", ErrInvalid, slowDays)
	}
	// Dates are the company's: today's zone is the company zone.
	zone := today.Location()
	day := func(t time.Time) time.Time {
		t = t.In(zone)
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	todayUTC := day(today)
	days := func(from, to time.Time) int { return int(day(to).Sub(day(from)).Hours() / 24) }
	out := Ageing{Today: todayUTC, SlowDays: slowDays, Lines: []AgeingLine{}}
	lots, err := cs.Lots(ctx)
	if err != nil {
		return Ageing{}, err
	}
	for _, lot := range lots {
		path, err := cs.LotPath(ctx, lot.ID)
		if errors.Is(err, graphstore.ErrNotFound) {
			continue
		}
		if err != nil {
			return Ageing{}, err
		}
		type acc struct {
			holds    int64
			received time.Time
			lastOut  *time.Time
		}
		by := map[graphstore.Holder]*acc{}
		var order []graphstore.Holder
		get := func(h graphstore.Holder) *acc {
			a := by[h]
			if a == nil {
				a = &acc{}
				by[h] = a
				order = append(order, h)
			}
			return a
		}
		for _, m := range path {
			if k := m.To.Kind; k == graphstore.Warehouse || k == graphstore.Agency {
				a := get(m.To)
				a.holds += m.Qty
				if a.received.IsZero() {
					a.received = m.At
				}
			}
			if k := m.From.Kind; k == graphstore.Warehouse || k == graphstore.Agency {
				a := get(m.From)
				a.holds -= m.Qty
				at := m.At
				a.lastOut = &at
			}
		}
		var expires time.Time
		if e := expiry[lot.ID]; e != "" {
			expires, _ = time.Parse(time.DateOnly, e)
		}
		for _, h := range order {
			a := by[h]
			if a.holds <= 0 {
				continue
			}
			l := AgeingLine{Holder: refOf(h), SKU: lot.SKU, Batch: lot.Batch, Lot: lot.ID, Holds: a.holds, Received: a.received, LastOut: a.lastOut}
			if !expires.IsZero() {
				d := int(expires.Sub(todayUTC).Hours() / 24)
				l.Expires, l.DaysToExpiry = expires.Format(time.DateOnly), &d
				if d < 0 {
					out.Expired++
				}
			}
			since := a.received
			if a.lastOut != nil {
				since = *a.lastOut
			}
			l.IdleDays = max(0, days(since, today))
			l.Slow = l.IdleDays >= slowDays
			if l.Slow {
				out.Slow++
			}
			out.Lines = append(out.Lines, l)
		}
	}
	slices.SortStableFunc(out.Lines, func(a, b AgeingLine) int {
		switch {
		case a.DaysToExpiry == nil && b.DaysToExpiry != nil:
			return 1
		case a.DaysToExpiry != nil && b.DaysToExpiry == nil:
			return -1
		case a.DaysToExpiry != nil && *a.DaysToExpiry != *b.DaysToExpiry:
			return cmp.Compare(*a.DaysToExpiry, *b.DaysToExpiry)
		}
		return cmp.Compare(b.IdleDays, a.IdleDays)
	})
	return out, nil
}
