package demo

import (
	"context"
	_ "embed"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/graphstore/memory"
	"downline/ledger"
	"downline/projection"
	"downline/settle/period"
)

//go:embed plan.yaml
var planYAML []byte

// The finance users who run, approve and pay the demo's periods, named as
// the API records them.
const (
	finance  = "user:finance"
	finance2 = "user:finance2"
)

// minPayout is the smallest balance the demo pays out; less is carried.
var minPayout = decimal.NewFromInt(50)

// Summary is what the demo seed created.
type Summary struct {
	Members, Products, Agencies int
	Orders, Registrations, Open int
	Returns                     int
	Periods                     []Period
	Current                     string // the month in progress, not settled
}

// Period is one settled month of the demo.
type Period struct {
	Code   string
	Run    period.Run
	Payout *period.Payout
	Ranks  []period.RankCount // members at each rank, lowest first
}

// settle uploads the demo plan (in force from window) and settles the
// two complete months from window: each run by finance and approved by
// finance2 (four eyes); the older one is also paid. The month in progress
// is left unsettled: its cut-off is still to come.
func settle(ctx context.Context, db *ledger.DB, zone *time.Location, window, now time.Time, out io.Writer) ([]Period, error) {
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := period.UploadPlan(ctx, tx, planYAML, window, finance)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("demo plan: %w", err)
	}
	store := memory.New()
	if err := projection.Sync(ctx, db, store, nil); err != nil {
		return nil, fmt.Errorf("demo graph store: %w", err)
	}
	runner := &period.Runner{DB: db, Graph: store}
	var done []Period
	for i := 0; i < 2; i++ {
		started := time.Now()
		code := window.AddDate(0, i, 0).Format("2006-01")
		p, err := period.Ensure(ctx, db, code, zone, time.Time{}, finance)
		if err != nil {
			return done, err
		}
		if p.CutoffAt.After(now) {
			return done, fmt.Errorf("demo period %s ends at %s, after now", code, p.CutoffAt)
		}
		if _, err := runner.Run(ctx, code, finance); err != nil {
			return done, fmt.Errorf("demo settlement of %s: %w", code, err)
		}
		d := Period{Code: code}
		d.Run, err = period.Approve(ctx, db, code, finance2, "demo: totals checked against the month's orders")
		if err != nil {
			return done, fmt.Errorf("demo approval of %s: %w", code, err)
		}
		if i == 0 {
			po, err := period.Pay(ctx, db, code, minPayout, finance)
			if err != nil {
				return done, fmt.Errorf("demo payout of %s: %w", code, err)
			}
			d.Payout = &po
			d.Run.Status = period.Paid
		}
		if d.Ranks, err = period.RankCounts(ctx, db.Pool, d.Run); err != nil {
			return done, err
		}
		fmt.Fprintf(out, "demo: period %s settled (%s) in %s: %d of %d members active, %d bonus lines\n",
			code, d.Run.Status, time.Since(started).Round(time.Millisecond), d.Run.Active, d.Run.Members, d.Run.Lines)
		done = append(done, d)
	}
	return done, nil
}

// Print writes the summary of the demo seed.
func (s Summary) Print(w io.Writer) {
	fmt.Fprintf(w, "demo company: %d products, %d agencies, %d member accounts\n", s.Products, s.Agencies, s.Members)
	fmt.Fprintf(w, "  %d orders (%d starter kits of new members), %d of the last three days still open, %d returned in part\n",
		s.Orders, s.Registrations, s.Open, s.Returns)
	for _, p := range s.Periods {
		r := p.Run
		share := 0.0
		if r.Members > 0 {
			share = 100 * float64(r.Active) / float64(r.Members)
		}
		fmt.Fprintf(w, "  period %s: %s, %d members, %d active (%.0f%%), %d bonus lines, bonus total %s CNY (run by %s, approved by %s)\n",
			p.Code, r.Status, r.Members, r.Active, share, r.Lines, r.BonusTotal.StringFixed(2), r.RunBy, r.ApprovedBy)
		var ranks []string
		for _, c := range p.Ranks {
			ranks = append(ranks, fmt.Sprintf("%s %d", c.Rank, c.Members))
		}
		if len(ranks) > 0 {
			fmt.Fprintf(w, "    ranks: %s\n", strings.Join(ranks, ", "))
		}
		if po := p.Payout; po != nil {
			fmt.Fprintf(w, "    paid %d members %s CNY; %d below %s CNY carried (%s CNY)\n",
				po.PaidCount, po.PaidTotal.StringFixed(2), po.CarriedCount, po.MinPayout.StringFixed(2), po.CarriedTotal.StringFixed(2))
		}
	}
	if s.Current != "" {
		fmt.Fprintf(w, "  period %s: in progress, not settled (settle it after its cut-off: downline settle run --period %s --as LOGIN)\n", s.Current, s.Current)
	}
}
