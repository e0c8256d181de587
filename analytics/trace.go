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
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
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
	// Recipients are the members and customers who received the lot, in
	// total: the whole recall list's size and sums.
	Recipients Recipients `json:"recipients"`
	// Recall is the first page of the recall list: the members and
	// customers who received the lot, the ends of its path, who to contact
	// when it is recalled. Those still holding some come first, each part
	// in the order the lot reached them. Next, when not empty, is the
	// cursor of the page after (LotRecall).
	Recall []Holding `json:"recall"`
	Next   string    `json:"next,omitempty"`
	// Flows are who sent how much of the lot to whom, summed per pair of
	// holders in the order of their first movement (the edges a Sankey
	// draws): supplier to warehouse, warehouse to agency, agency to member,
	// returns back and write-offs. Only when asked for (WithFlows).
	Flows []Flow `json:"flows,omitempty"`
	// FlowsFolded is how many recipients the flows fold into one whose id
	// is empty.
	FlowsFolded int `json:"flows_folded,omitempty"`
}

// Recipients sums a lot's recall list: how many members and customers
// received it (Count), how many still hold some (Holding), the units they
// received and hold now.
type Recipients struct {
	Count    int64 `json:"count"`
	Holding  int64 `json:"holding"`
	Received int64 `json:"received"`
	Holds    int64 `json:"holds"`
}

// RecallPage is a page of a lot's recall list; Next, when not empty, is
// the cursor of the page after.
type RecallPage struct {
	Recall []Holding `json:"recall"`
	Next   string    `json:"next,omitempty"`
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

// DefaultRecallLimit is the length of a recall list's page when none is asked for.
const DefaultRecallLimit = 100

// LotTrace traces the lot of sku and batch through cs, with the first
// DefaultRecallLimit recipients of its recall list.
func LotTrace(ctx context.Context, cs graphstore.Circulation, names Names, sku, batch string) (Trace, error) {
	return LotTraceLimit(ctx, cs, names, sku, batch, DefaultRecallLimit)
}

// LotTraceLimit traces the lot of sku and batch through cs, with the first
// limit recipients of its recall list (DefaultRecallLimit for limit < 1).
// The store's kept sums make it cost the lot's stops and one page,
// however many it reached.
//
// Errors: ErrInvalid for an empty SKU; ErrNotFound for a lot the store does
// not know (never received, or not yet fed to the store).
func LotTraceLimit(ctx context.Context, cs graphstore.Circulation, names Names, sku, batch string, limit int) (Trace, error) {
	lot, err := findLot(ctx, cs, sku, batch)
	if err != nil {
		return Trace{}, err
	}
	sum, err := cs.LotSummary(ctx, lot.ID)
	if err != nil {
		return Trace{}, notFound(err, lot)
	}
	tr := Trace{SKU: lot.SKU, Batch: lot.Batch, Lot: lot.ID, Holders: []Holding{},
		Recipients: Recipients{Count: sum.Recipients, Holding: sum.Holding, Received: sum.Received, Holds: sum.Holds}}
	tr.Movements = sum.Moves // counted at both ends: halved below
	tr.InCirculation = sum.Holds
	for _, f := range sum.Stops {
		tr.Movements += f.Moves
		switch f.Holder.Kind {
		case graphstore.Supplier:
			tr.Produced += f.Out - f.In
		case graphstore.WriteOff:
			tr.WrittenOff += f.Holds()
		default:
			tr.InCirculation += f.Holds()
			tr.Holders = append(tr.Holders, holdingOf(f))
		}
	}
	tr.Movements /= 2
	page, err := recallPage(ctx, cs, names, lot, 0, limit)
	if err != nil {
		return Trace{}, err
	}
	tr.Recall, tr.Next = page.Recall, page.Next
	return tr, nil
}

// LotRecall is the page of the lot's recall list after cursor (a Next of
// a trace or of a page before; "" for the first), at most limit long
// (DefaultRecallLimit for limit < 1).
//
// Errors: ErrInvalid for an empty SKU or a bad cursor; ErrNotFound.
func LotRecall(ctx context.Context, cs graphstore.Circulation, names Names, sku, batch, cursor string, limit int) (RecallPage, error) {
	after, err := decodeCursor(cursor)
	if err != nil {
		return RecallPage{}, err
	}
	lot, err := findLot(ctx, cs, sku, batch)
	if err != nil {
		return RecallPage{}, err
	}
	return recallPage(ctx, cs, names, lot, after, limit)
}

// EachRecipient gives fn the whole recall list of the lot of sku and
// batch, in order, read from the store a page of pageSize at a time, so
// that a list of a million costs a page of memory. It returns the lot.
// Errors: ErrInvalid, ErrNotFound, or fn's.
func EachRecipient(ctx context.Context, cs graphstore.Circulation, names Names, sku, batch string, pageSize int,
	fn func(Holding) error) (graphstore.Lot, error) {
	lot, err := findLot(ctx, cs, sku, batch)
	if err != nil {
		return lot, err
	}
	for after := int64(0); ; {
		rs, err := cs.LotRecipients(ctx, lot.ID, after, pageSize)
		if err != nil {
			return lot, notFound(err, lot)
		}
		for _, r := range rs {
			if err := fn(named(ctx, names, holdingOf(r.HolderFlow))); err != nil {
				return lot, err
			}
			after = r.Rank
		}
		if len(rs) < pageSize {
			return lot, nil
		}
	}
}

func recallPage(ctx context.Context, cs graphstore.Circulation, names Names, lot graphstore.Lot, after int64, limit int) (RecallPage, error) {
	if limit < 1 {
		limit = DefaultRecallLimit
	}
	// One more than the page tells whether a page follows.
	rs, err := cs.LotRecipients(ctx, lot.ID, after, limit+1)
	if err != nil {
		return RecallPage{}, notFound(err, lot)
	}
	page := RecallPage{Recall: make([]Holding, 0, min(len(rs), limit))}
	for k, r := range rs {
		if k == limit {
			page.Next = encodeCursor(rs[k-1].Rank)
			break
		}
		page.Recall = append(page.Recall, named(ctx, names, holdingOf(r.HolderFlow)))
	}
	return page, nil
}

func findLot(ctx context.Context, cs graphstore.Circulation, sku, batch string) (graphstore.Lot, error) {
	sku, batch = strings.TrimSpace(sku), strings.TrimSpace(batch)
	if sku == "" {
		return graphstore.Lot{}, fmt.Errorf("%w: a SKU is required", ErrInvalid)
	}
	lot, err := cs.FindLot(ctx, sku, batch)
	if err != nil {
		return graphstore.Lot{}, notFound(err, graphstore.Lot{SKU: sku, Batch: batch})
	}
	return lot, nil
}

// notFound words the store's ErrNotFound for a lot.
func notFound(err error, lot graphstore.Lot) error {
	if errors.Is(err, graphstore.ErrNotFound) {
		return fmt.Errorf("%w: no lot %s of %s has moved", ErrNotFound, lot.Batch, lot.SKU)
	}
	return err
}

func holdingOf(f graphstore.HolderFlow) Holding {
	return Holding{Kind: f.Holder.Kind, ID: f.Holder.ID, Received: f.In, SentOn: f.Out, Holds: f.Holds(), Moves: f.Moves,
		First: f.First, Last: f.Last}
}

func named(ctx context.Context, names Names, h Holding) Holding {
	if names != nil && h.Kind == graphstore.MemberHolder {
		h.Name = names(ctx, h.ID)
	}
	return h
}

// encodeCursor and decodeCursor turn a store's rank into an opaque cursor
// and back.
func encodeCursor(rank int64) string {
	return base64.RawURLEncoding.EncodeToString(binary.AppendUvarint([]byte{1}, uint64(rank)))
}

func decodeCursor(c string) (int64, error) {
	if c == "" {
		return 0, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil && len(b) > 1 && b[0] == 1 {
		if v, n := binary.Uvarint(b[1:]); n == len(b)-1 && v <= math.MaxInt64 {
			return int64(v), nil
		}
	}
	return 0, fmt.Errorf("%w: cursor %q is not one this list gave", ErrInvalid, c)
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
