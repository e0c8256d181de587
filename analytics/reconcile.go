package analytics

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"downline/graphstore"
)

// Reconciliation is what passed through one holder (an agency, typically)
// in a period, per lot: opening + in − out = closing, from the graph
// store's movements, next to what the ledger's stock moves say the holder
// had at the end. A line whose closing differs from the ledger's is flagged.
type Reconciliation struct {
	Holder      Ref         `json:"holder"`
	From        time.Time   `json:"from"` // the period: From <= At < To
	To          time.Time   `json:"to"`
	Lines       []ReconLine `json:"lines"`
	In          int64       `json:"in"`
	Out         int64       `json:"out"`
	Differences int         `json:"differences"` // lines flagged
}

// ReconLine is one lot's traffic through the holder in the period.
type ReconLine struct {
	SKU     string `json:"sku"`
	Batch   string `json:"batch"`
	Lot     string `json:"lot"`
	Opening int64  `json:"opening"`
	In      int64  `json:"in"`
	Out     int64  `json:"out"`
	Closing int64  `json:"closing"`
	// Ledger is what the ledger's stock moves put on hand at the end of the
	// period (nil when the ledger was not asked); Difference is Closing
	// less Ledger.
	Ledger     *int64 `json:"ledger"`
	Difference int64  `json:"difference"`
	Flagged    bool   `json:"flagged"`
}

// LedgerStock is what the ledger's stock moves put in a warehouse of one
// lot up to a moment.
type LedgerStock struct {
	Lot    string
	SKU    string
	Batch  string
	OnHand int64
}

// Reconcile sums the movements into and out of h in [from, to) per lot and
// compares each lot's closing with ledger (nil: not compared). A lot the
// ledger counts and the graph never saw is a line of its own, flagged.
// Errors: ErrInvalid (a bad holder, or to not after from).
func Reconcile(ctx context.Context, cs graphstore.Circulation, h graphstore.Holder, from, to time.Time, ledger []LedgerStock) (Reconciliation, error) {
	if !h.Valid() {
		return Reconciliation{}, fmt.Errorf("%w: holder %v", ErrInvalid, h)
	}
	if !to.After(from) {
		return Reconciliation{}, fmt.Errorf("%w: the period's end %s must come after its start %s", ErrInvalid, to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	moves, err := cs.PassedThrough(ctx, h)
	if err != nil {
		return Reconciliation{}, err
	}
	out := Reconciliation{Holder: refOf(h), From: from, To: to, Lines: []ReconLine{}}
	at := map[string]int{}
	line := func(lot string) *ReconLine {
		i, ok := at[lot]
		if !ok {
			i = len(out.Lines)
			at[lot] = i
			out.Lines = append(out.Lines, ReconLine{Lot: lot})
		}
		return &out.Lines[i]
	}
	for _, m := range moves {
		if !m.At.Before(to) {
			continue
		}
		l := line(m.Lot)
		q := m.Qty
		if m.From == h {
			q = -q
		}
		switch {
		case m.At.Before(from):
			l.Opening += q
		case q > 0:
			l.In += q
		default:
			l.Out -= q
		}
	}
	lots, err := cs.Lots(ctx)
	if err != nil {
		return Reconciliation{}, err
	}
	for _, lot := range lots {
		if i, ok := at[lot.ID]; ok {
			out.Lines[i].SKU, out.Lines[i].Batch = lot.SKU, lot.Batch
		}
	}
	for i := range out.Lines {
		l := &out.Lines[i]
		l.Closing = l.Opening + l.In - l.Out
	}
	if ledger != nil {
		for _, s := range ledger {
			_, known := at[s.Lot]
			l := line(s.Lot)
			if !known {
				l.SKU, l.Batch = s.SKU, s.Batch
			}
			n := s.OnHand
			l.Ledger = &n
		}
		for i := range out.Lines {
			l := &out.Lines[i]
			if l.Ledger == nil {
				zero := int64(0)
				l.Ledger = &zero
			}
			l.Difference = l.Closing - *l.Ledger
			l.Flagged = l.Difference != 0
		}
	}
	for _, l := range out.Lines {
		out.In += l.In
		out.Out += l.Out
		if l.Flagged {
			out.Differences++
		}
	}
	slices.SortFunc(out.Lines, func(a, b ReconLine) int {
		return cmp.Or(cmp.Compare(a.SKU, b.SKU), cmp.Compare(a.Batch, b.Batch), cmp.Compare(a.Lot, b.Lot))
	})
	return out, nil
}
