package analytics

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"downline/graphstore"
)

// BackTrace is where the goods a holder received came from: per lot and
// sender, what it received, through which agency and from which HQ
// warehouse, and the HQ receipts of that lot into those warehouses.
type BackTrace struct {
	Holder Ref        `json:"holder"`
	Order  string     `json:"order,omitempty"` // only what this order brought, when set
	Lines  []BackLine `json:"lines"`
}

// BackLine is one lot the holder received from one sender.
type BackLine struct {
	SKU   string `json:"sku"`
	Batch string `json:"batch"`
	Lot   string `json:"lot"`
	From  Ref    `json:"from"` // who sent it: a warehouse, an agency, the supplier for a receipt, a buyer for a return
	// Qty is what the holder received from From; Returned what it sent
	// back to From afterwards or returned to be written off.
	Qty      int64     `json:"qty"`
	Returned int64     `json:"returned"`
	First    time.Time `json:"first"`
	Last     time.Time `json:"last"`
	Orders   []string  `json:"orders"` // the ledger's orders of those movements
	// Agencies are the agencies the lot passed through on its way to From
	// (From itself when it is one); Warehouses the HQ warehouses it left.
	Agencies   []Ref `json:"agencies"`
	Warehouses []Ref `json:"warehouses"`
	// Receipts are the lot's receipts from the supplier into those
	// warehouses before the holder's last movement of it.
	Receipts []Receipt `json:"receipts"`
}

// Receipt is one receipt of a lot into an HQ warehouse.
type Receipt struct {
	Warehouse string    `json:"warehouse"`
	Qty       int64     `json:"qty"`
	At        time.Time `json:"at"`
	Seq       int64     `json:"seq"`
}

// ParseHolder reads a holder from its kind and id, as the API's addresses
// give them. Errors: ErrInvalid.
func ParseHolder(kind, id string) (graphstore.Holder, error) {
	h := graphstore.Holder{Kind: graphstore.HolderKind(strings.TrimSpace(kind)), ID: strings.TrimSpace(id)}
	if !h.Valid() {
		return h, fmt.Errorf("%w: holder %q %q: the kind must be warehouse, agency, member, customer, supplier or writeoff, with an id", ErrInvalid, kind, id)
	}
	return h, nil
}

// Back traces what holder h received (only the movements of order when it
// is not "") back to the agencies, HQ warehouses and receipts it came from.
// A holder that received nothing has no lines.
func Back(ctx context.Context, cs graphstore.Circulation, h graphstore.Holder, order string) (BackTrace, error) {
	if !h.Valid() {
		return BackTrace{}, fmt.Errorf("%w: holder %v", ErrInvalid, h)
	}
	moves, err := cs.PassedThrough(ctx, h)
	if err != nil {
		return BackTrace{}, err
	}
	out := BackTrace{Holder: refOf(h), Order: order, Lines: []BackLine{}}
	type key struct {
		lot  string
		from graphstore.Holder
	}
	at := map[key]int{}
	last := map[key]int64{} // the Seq of the last movement in
	for _, m := range moves {
		if m.To != h || (order != "" && m.Order != order) {
			continue
		}
		k := key{m.Lot, m.From}
		i, ok := at[k]
		if !ok {
			i = len(out.Lines)
			at[k] = i
			out.Lines = append(out.Lines, BackLine{Lot: m.Lot, From: refOf(m.From), First: m.At, Last: m.At, Orders: []string{}})
		}
		l := &out.Lines[i]
		l.Qty += m.Qty
		l.First, l.Last = minTime(l.First, m.At), maxTime(l.Last, m.At)
		if m.Order != "" && !slices.Contains(l.Orders, m.Order) {
			l.Orders = append(l.Orders, m.Order)
		}
		last[k] = m.Seq
	}
	for _, m := range moves {
		if m.From != h || (order != "" && m.Order != order) {
			continue
		}
		if i, ok := at[key{m.Lot, m.To}]; ok {
			out.Lines[i].Returned += m.Qty
			continue
		}
		if m.To.Kind != graphstore.WriteOff {
			continue
		}
		// A return written off: counted on the line of the lot that came
		// with the same order (else the lot's first line).
		best := -1
		for i, l := range out.Lines {
			if l.Lot == m.Lot && (best < 0 || slices.Contains(l.Orders, m.Order)) {
				best = i
			}
		}
		if best >= 0 {
			out.Lines[best].Returned += m.Qty
		}
	}
	paths := map[string][]graphstore.Movement{}
	for k, i := range at {
		path, ok := paths[k.lot]
		if !ok {
			if path, err = cs.LotPath(ctx, k.lot); err != nil {
				if errors.Is(err, graphstore.ErrNotFound) {
					continue
				}
				return BackTrace{}, err
			}
			paths[k.lot] = path
		}
		upstream(&out.Lines[i], h, k.from, path, last[k])
	}
	lots, err := cs.Lots(ctx)
	if err != nil {
		return BackTrace{}, err
	}
	for _, lot := range lots {
		for i := range out.Lines {
			if out.Lines[i].Lot == lot.ID {
				out.Lines[i].SKU, out.Lines[i].Batch = lot.SKU, lot.Batch
			}
		}
	}
	slices.SortStableFunc(out.Lines, func(a, b BackLine) int {
		return cmp.Or(a.First.Compare(b.First), cmp.Compare(a.SKU, b.SKU), cmp.Compare(a.Batch, b.Batch))
	})
	return out, nil
}

// upstream fills a line's agencies, warehouses and receipts: a walk up the
// lot's path from the sender, through every holder that sent the lot to one
// already reached (before Seq before), until it reaches the supplier.
func upstream(l *BackLine, h, from graphstore.Holder, path []graphstore.Movement, before int64) {
	l.Agencies, l.Warehouses, l.Receipts = []Ref{}, []Ref{}, []Receipt{}
	reached := map[graphstore.Holder]bool{from: true}
	if from.Kind == graphstore.Supplier {
		// A receipt: the holder is the warehouse.
		reached = map[graphstore.Holder]bool{h: true}
	}
	queue := []graphstore.Holder{from}
	if from.Kind == graphstore.Supplier {
		queue = []graphstore.Holder{h}
	}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		switch x.Kind {
		case graphstore.Agency:
			l.Agencies = append(l.Agencies, refOf(x))
		case graphstore.Warehouse:
			l.Warehouses = append(l.Warehouses, refOf(x))
		}
		for _, m := range path {
			if m.Seq > before || m.To != x {
				continue
			}
			if m.From.Kind == graphstore.Supplier {
				l.Receipts = append(l.Receipts, Receipt{Warehouse: x.ID, Qty: m.Qty, At: m.At, Seq: m.Seq})
				continue
			}
			// Goods that came back to x from the holder itself are not where x got them.
			if m.From == h || reached[m.From] {
				continue
			}
			reached[m.From] = true
			queue = append(queue, m.From)
		}
	}
	slices.SortFunc(l.Receipts, func(a, b Receipt) int { return cmp.Compare(a.Seq, b.Seq) })
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
