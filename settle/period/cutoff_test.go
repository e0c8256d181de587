package period_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger/goodstest"
	"downline/ledger/order"
	"downline/settle/period"
)

// TestPeriodBoundaries confirms orders on a pinned clock at the moments where
// periods turn over and checks which period each counts in: the company's
// months and ISO weeks begin at midnight in Asia/Shanghai, eight hours before
// midnight UTC, across a leap day, a new year and a 53-week year.
func TestPeriodBoundaries(t *testing.T) {
	db := company(t)
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		at     string // Asia/Shanghai
		period string
	}{
		{"2024-02-29 23:59:59", "2024-02"},
		{"2024-03-01 00:00:00", "2024-03"},
		{"2026-03-31 23:59:59", "2026-03"},
		{"2026-04-01 00:00:00", "2026-04"}, // still 31 March in UTC
		{"2026-04-01 07:59:00", "2026-04"},
		{"2026-12-31 23:59:59", "2026-12"},
		{"2027-01-01 00:00:00", "2027-01"},
		{"2026-12-31 12:00:00", "2026-W53"},
		{"2027-01-03 23:59:59", "2026-W53"},
		{"2027-01-04 00:00:00", "2027-W01"},
	}
	// Months are bought by B01, weeks by C01, so that each period is
	// checked against the cases of its own kind.
	buyer := func(code string) string {
		if strings.Contains(code, "-W") {
			return "C01"
		}
		return "B01"
	}
	placed := map[string]string{} // order number -> the case's time
	for i, c := range cases {
		at, err := clock.Parse(c.at, sh)
		if err != nil {
			t.Fatal(err)
		}
		cctx := clock.With(ctx, clock.Fixed(at))
		key := "cut-" + c.at
		goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
			o, err := order.Place(cctx, tx, order.Request{Key: key, Kind: order.Repeat, Member: buyer(c.period), By: "test",
				Lines: []order.LineRequest{{SKU: "P10", Qty: int64(i + 1)}}})
			if err != nil {
				return err
			}
			p, err := order.RecordPayment(cctx, tx, order.PaymentRequest{Key: key + "-pay", Order: o.No, Method: order.BankTransfer, Amount: o.Total, By: "fin"})
			if err != nil {
				return err
			}
			if _, err := order.ConfirmPayment(cctx, tx, order.Decision{Key: key + "-confirm", Payment: p.No, By: "fin"}); err != nil {
				return err
			}
			placed[o.No] = c.at
			return nil
		})
	}
	for _, c := range cases {
		_, start, cutoff, err := period.ParseCode(c.period, sh)
		if err != nil {
			t.Fatal(err)
		}
		var got, want []string
		if err := order.PeriodVolumes(ctx, db.Pool, start, cutoff, func(v order.Volume) error {
			if v.Member == buyer(c.period) {
				got = append(got, placed[v.Order])
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, d := range cases {
			if d.period == c.period {
				want = append(want, d.at)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("period %s [%s, %s) counts the orders confirmed at %q, want %q", c.period,
				start.In(sh).Format(time.DateTime), cutoff.In(sh).Format(time.DateTime), got, want)
		}
	}
}
