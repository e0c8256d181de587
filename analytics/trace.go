// Package analytics answers HQ's questions about the business from the read
// models. Its first is where goods went: the forward trace of one lot, from
// the warehouse that received it through agencies to the members and shop
// customers who got it, and what each still holds (a recall list). It reads
// the graph store's circulation (either store), never the ledger, so a
// question costs the ledger nothing.
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

// Trace is the forward trace of one lot.
type Trace struct {
	SKU   string `json:"sku"`
	Batch string `json:"batch"`
	Lot   string `json:"lot"` // the ledger's lot id
	// Produced is what came from the supplier, WrittenOff what was destroyed;
	// InCirculation is what warehouses, agencies, members and customers hold.
	Produced      int64 `json:"produced"`
	WrittenOff    int64 `json:"written_off"`
	InCirculation int64 `json:"in_circulation"`
	Movements     int64 `json:"movements"`
	// Holders are the warehouses and agencies the lot passed through, in the
	// order it reached them.
	Holders []Holding `json:"holders"`
	// Recall lists the members and customers who received the lot, the ends
	// of its path: who to contact when it is recalled. Those still holding
	// some come first, each part in the order the lot reached them.
	Recall []Holding `json:"recall"`
	// Flows are who sent how much of the lot to whom, summed per pair of
	// holders in the order of their first movement (the edges a Sankey
	// draws): supplier to warehouse, warehouse to agency, agency to member,
	// returns back and write-offs. Only when asked for (WithFlows).
	Flows []Flow `json:"flows,omitempty"`
	// FlowsFolded is how many recipients the flows fold into one whose id
	// is empty.
	FlowsFolded int `json:"flows_folded,omitempty"`
}

// Flow is one lot's movements from one holder to another, summed.
type Flow struct {
	From  Ref       `json:"from"`
	To    Ref       `json:"to"`
	Qty   int64     `json:"qty"`
	Moves int64     `json:"moves"`
	First time.Time `json:"first"`
	Last  time.Time `json:"last"`
}

// Ref names a holder: its kind (warehouse, agency, member, customer,
// supplier, writeoff) and id (a warehouse or member code, an order number).
type Ref struct {
	Kind graphstore.HolderKind `json:"kind"`
	ID   string                `json:"id"`
}

func refOf(h graphstore.Holder) Ref { return Ref{Kind: h.Kind, ID: h.ID} }

// Holding is what one holder did with the lot.
type Holding struct {
	Kind     graphstore.HolderKind `json:"kind"` // warehouse, agency, member, customer
	ID       string                `json:"id"`   // warehouse or member code, order number for a customer
	Name     string                `json:"name,omitempty"`
	Received int64                 `json:"received"`
	SentOn   int64                 `json:"sent_on"` // sold on, returned or written off
	Holds    int64                 `json:"holds"`
	Moves    int64                 `json:"moves"`
	First    time.Time             `json:"first"` // the first and last movement of the lot into or out of it
	Last     time.Time             `json:"last"`
}

// ErrInvalid and ErrNotFound are what Trace fails with (wrapped).
var (
	ErrInvalid  = errors.New("invalid argument")
	ErrNotFound = errors.New("not found")
)

// Names finds a member's name by code; nil, or "" for a code it does not
// know, leaves the name out.
type Names func(ctx context.Context, code string) string

// MemberNames names members from the graph store's member networks.
func MemberNames(s graphstore.Store) Names {
	return func(ctx context.Context, code string) string {
		m, err := s.MemberByCode(ctx, code)
		if err != nil {
			return ""
		}
		return m.Name
	}
}

// LotTrace traces the lot of sku and batch through cs.
//
// Errors: ErrInvalid for an empty SKU; ErrNotFound for a lot the store does
// not know (never received, or not yet fed to the store).
func LotTrace(ctx context.Context, cs graphstore.Circulation, names Names, sku, batch string) (Trace, error) {
	sku, batch = strings.TrimSpace(sku), strings.TrimSpace(batch)
	if sku == "" {
		return Trace{}, fmt.Errorf("%w: a SKU is required", ErrInvalid)
	}
	lot, err := cs.FindLot(ctx, sku, batch)
	if errors.Is(err, graphstore.ErrNotFound) {
		return Trace{}, fmt.Errorf("%w: no lot %s of %s has moved", ErrNotFound, batch, sku)
	}
	if err != nil {
		return Trace{}, err
	}
	flows, err := cs.LotHolders(ctx, lot.ID)
	if errors.Is(err, graphstore.ErrNotFound) {
		return Trace{}, fmt.Errorf("%w: no lot %s of %s has moved", ErrNotFound, batch, sku)
	}
	if err != nil {
		return Trace{}, err
	}
	tr := Trace{SKU: lot.SKU, Batch: lot.Batch, Lot: lot.ID, Holders: []Holding{}}
	recipients, returned := 0, 0
	for _, f := range flows {
		switch f.Holder.Kind {
		case graphstore.MemberHolder, graphstore.Customer:
			recipients++
			if f.Holds() <= 0 {
				returned++
			}
		}
	}
	// The recall list: those still holding some, then those who gave all back.
	tr.Recall = make([]Holding, recipients)
	next, back := 0, recipients-returned
	for _, f := range flows {
		tr.Movements += f.Moves // counted at both ends: halved below
		switch f.Holder.Kind {
		case graphstore.Supplier:
			tr.Produced += f.Out - f.In
			continue
		case graphstore.WriteOff:
			tr.WrittenOff += f.Holds()
			continue
		}
		h := Holding{Kind: f.Holder.Kind, ID: f.Holder.ID, Received: f.In, SentOn: f.Out, Holds: f.Holds(), Moves: f.Moves,
			First: f.First, Last: f.Last}
		tr.InCirculation += h.Holds
		switch {
		case h.Kind != graphstore.MemberHolder && h.Kind != graphstore.Customer:
			tr.Holders = append(tr.Holders, h)
			continue
		case names != nil && h.Kind == graphstore.MemberHolder:
			h.Name = names(ctx, h.ID)
		}
		if h.Holds > 0 {
			tr.Recall[next] = h
			next++
		} else {
			tr.Recall[back] = h
			back++
		}
	}
	tr.Movements /= 2
	return tr, nil
}

// WithFlows adds the lot's flows to a trace, keeping the edges of the top
// recipients (members and customers, by units received; top < 1 keeps
// all): the edges of the others are folded into one recipient with an
// empty id per sender (and per receiver of their returns), and
// FlowsFolded says how many recipients that holds. A lot sold to many has
// about an edge per sale, so flows come only when asked for.
// Errors: ErrNotFound.
func WithFlows(ctx context.Context, cs graphstore.Circulation, tr *Trace, top int) error {
	edges, err := cs.LotEdges(ctx, tr.Lot)
	if errors.Is(err, graphstore.ErrNotFound) {
		return fmt.Errorf("%w: no lot %s of %s has moved", ErrNotFound, tr.Batch, tr.SKU)
	}
	if err != nil {
		return err
	}
	tr.FlowsFolded = 0
	recipient := func(h graphstore.Holder) bool {
		return h.Kind == graphstore.MemberHolder || h.Kind == graphstore.Customer
	}
	keep := map[graphstore.Holder]bool{}
	if top > 0 {
		received := map[graphstore.Holder]int64{}
		for _, e := range edges {
			if recipient(e.To) {
				received[e.To] += e.Qty
			}
		}
		if len(received) > top {
			all := make([]graphstore.Holder, 0, len(received))
			for h := range received {
				all = append(all, h)
			}
			slices.SortFunc(all, func(a, b graphstore.Holder) int {
				return cmp.Or(cmp.Compare(received[b], received[a]), cmp.Compare(a.ID, b.ID))
			})
			for _, h := range all[:top] {
				keep[h] = true
			}
			tr.FlowsFolded = len(all) - top
		}
	}
	fold := func(h graphstore.Holder) graphstore.Holder {
		if tr.FlowsFolded > 0 && recipient(h) && !keep[h] {
			return graphstore.Holder{Kind: graphstore.MemberHolder}
		}
		return h
	}
	at := map[[2]graphstore.Holder]int{}
	tr.Flows = []Flow{}
	for _, e := range edges {
		k := [2]graphstore.Holder{fold(e.From), fold(e.To)}
		i, ok := at[k]
		if !ok {
			i = len(tr.Flows)
			at[k] = i
			tr.Flows = append(tr.Flows, Flow{From: refOf(k[0]), To: refOf(k[1]), First: e.First, Last: e.Last})
		}
		f := &tr.Flows[i]
		f.Qty += e.Qty
		f.Moves += e.Moves
		f.First, f.Last = minTime(f.First, e.First), maxTime(f.Last, e.Last)
	}
	return nil
}
