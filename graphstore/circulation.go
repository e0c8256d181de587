package graphstore

import (
	"cmp"
	"context"
	"slices"
	"time"
)

// Circulation is where goods went: lots of product moving from HQ's
// warehouses through agencies to members (and back, for returns), kept as a
// graph so HQ can trace a lot or audit an agency. The ledger's stock
// movements are the system of record; a Circulation store is fed from them.
type Circulation interface {
	// AddLots registers lots; adding a lot again updates its SKU and batch.
	// Errors: ErrInvalid (empty ID or SKU).
	AddLots(ctx context.Context, lots []Lot) error
	// RecordMoves records movements. A movement whose Seq is already stored
	// is skipped, so the feed can be re-delivered. Errors: ErrInvalid (unknown
	// lot, bad holder, a holder moving goods to itself, Qty <= 0, Seq <= 0).
	RecordMoves(ctx context.Context, moves []Movement) error
	// LotPath returns every movement of one lot, in Seq order: from the
	// warehouse that received it to every member who got part of it.
	// Errors: ErrNotFound (no such lot).
	LotPath(ctx context.Context, lot string) ([]Movement, error)
	// PassedThrough returns every movement into or out of one holder (an
	// agency, typically), in Seq order. A holder nothing moved through has none.
	PassedThrough(ctx context.Context, h Holder) ([]Movement, error)
	// FindLot returns the lot of a SKU with a batch number.
	// Errors: ErrNotFound (no such lot).
	FindLot(ctx context.Context, sku, batch string) (Lot, error)
	// LotHolders sums one lot's movements per holder: every holder it passed
	// through (the supplier and write-offs included), what each received and
	// sent on, and so what each holds now. Holders come in the order the lot
	// reached them: by the Seq of their first movement of it, the sender
	// before the receiver. Errors: ErrNotFound (no such lot).
	LotHolders(ctx context.Context, lot string) ([]HolderFlow, error)
	// LotSummary is LotHolders without the members and customers: the
	// holders that pass goods on (supplier, warehouses, agencies,
	// write-offs), in the order the lot reached them, and the recipients
	// (members and customers) only counted and summed. A store keeps it
	// current as movements arrive, so that a lot sold to a million members
	// answers without reading them. Errors: ErrNotFound (no such lot).
	LotSummary(ctx context.Context, lot string) (LotSummary, error)
	// LotRecipients returns a page of one lot's recipients (members and
	// customers) in recall order: those still holding some first, each
	// part in the order the lot reached them. After is the Rank of the
	// last recipient of the page before (0 for the first page); limit < 1
	// means every one after it. A Rank means something only to the store
	// that gave it, and only while the lot does not move: a recipient who
	// gives the last unit back between two pages moves to the second part.
	// Errors: ErrNotFound (no such lot).
	LotRecipients(ctx context.Context, lot string, after int64, limit int) ([]Recipient, error)
	// LotEdges sums one lot's movements per pair of holders: who sent how
	// much of it to whom (a flow of the lot, as a Sankey draws it). Edges
	// come in the order of their first movement (by Seq).
	// Errors: ErrNotFound (no such lot).
	LotEdges(ctx context.Context, lot string) ([]Edge, error)
	// Lots returns every lot, ordered by SKU, batch and ID.
	Lots(ctx context.Context) ([]Lot, error)
	// Downstream walks from holder h along the movements of each lot: every
	// movement h made, and every later movement (higher Seq) of the same
	// lot out of a holder the lot reached that way, in Seq order. It is
	// everything that followed from what h sent on: the members an agency
	// supplied, what they returned and where that went next.
	// Errors: ErrInvalid (a bad holder).
	Downstream(ctx context.Context, h Holder) ([]Movement, error)
}

// LotSummary is one lot summed per holder, the recipients only in total.
type LotSummary struct {
	// Stops are the supplier, warehouses, agencies and write-offs, as
	// LotHolders gives them.
	Stops []HolderFlow
	// Recipients is how many members and customers received the lot,
	// Holding how many of them still hold some; Received, Holds and Moves
	// are their units received, units held now and movements, summed.
	Recipients, Holding    int64
	Received, Holds, Moves int64
}

// Recipient is one member's or customer's part of a lot, and its place in
// the recall order (see LotRecipients).
type Recipient struct {
	HolderFlow
	Rank int64
}

// IsRecipient reports whether goods end their way at h: a member or a
// shop customer.
func (h Holder) IsRecipient() bool { return h.Kind == MemberHolder || h.Kind == Customer }

// SummaryOf sums flows (as LotHolders gives them) into a LotSummary, and
// returns the recipients in recall order with their ranks: a holder's
// place in flows, plus RankReturned for those who hold none. It is how a
// store without kept sums answers LotSummary and LotRecipients.
func SummaryOf(flows []HolderFlow) (LotSummary, []Recipient) {
	var sum LotSummary
	var rs []Recipient
	for k, f := range flows {
		if !f.Holder.IsRecipient() {
			sum.Stops = append(sum.Stops, f)
			continue
		}
		sum.Recipients++
		sum.Received += f.In
		sum.Holds += f.Holds()
		sum.Moves += f.Moves
		r := Recipient{HolderFlow: f, Rank: int64(k) + 1}
		if f.Holds() > 0 {
			sum.Holding++
		} else {
			r.Rank += RankReturned
		}
		rs = append(rs, r)
	}
	slices.SortStableFunc(rs, func(a, b Recipient) int { return cmp.Compare(a.Rank, b.Rank) })
	return sum, rs
}

// RankReturned is added to the rank of a recipient who holds none of the
// lot, so that those still holding come first in rank order.
const RankReturned = int64(1) << 60

// PageAfter is the page of rs (in rank order) after rank after, at most
// limit long (every one for limit < 1).
func PageAfter(rs []Recipient, after int64, limit int) []Recipient {
	k, _ := slices.BinarySearchFunc(rs, after, func(r Recipient, a int64) int { return cmp.Compare(r.Rank, a) })
	for k < len(rs) && rs[k].Rank <= after {
		k++
	}
	rs = rs[k:]
	if limit > 0 && len(rs) > limit {
		rs = rs[:limit]
	}
	return slices.Clone(rs)
}

// Edge is one lot's movements from one holder to another, summed.
type Edge struct {
	From, To Holder
	Qty      int64 // units moved
	Moves    int64 // movements
	// First and Last are the earliest and latest At of those movements;
	// FirstSeq is the Seq of the first.
	First, Last time.Time
	FirstSeq    int64
}

// HolderFlow is what one holder did with one lot.
type HolderFlow struct {
	Holder Holder
	In     int64 // units received
	Out    int64 // units sent on (sold, returned, written off)
	Moves  int64 // movements into or out of the holder
	// First and Last are the earliest and latest At of those movements.
	First, Last time.Time
}

// Holds is what the holder has of the lot now: received less sent on. The
// supplier, where lots start, holds minus what it produced.
func (f HolderFlow) Holds() int64 { return f.In - f.Out }

// HolderKind is the kind of place goods can be.
type HolderKind string

const (
	Warehouse    HolderKind = "warehouse" // HQ's stock
	Agency       HolderKind = "agency"    // a service centre
	MemberHolder HolderKind = "member"    // a member who bought goods
	// The ends of circulation: where lots come from and where they leave it.
	Supplier HolderKind = "supplier" // goods produced (one holder, ID "supplier")
	Customer HolderKind = "customer" // a public shop buyer, by order number
	WriteOff HolderKind = "writeoff" // goods destroyed (one holder, ID "writeoff")
)

// Holder is one place goods can be: a warehouse, an agency or a member,
// named by the ledger's id for it.
type Holder struct {
	Kind HolderKind
	ID   string
}

// Valid reports whether the holder has a known kind and an id.
func (h Holder) Valid() bool {
	switch h.Kind {
	case Warehouse, Agency, MemberHolder, Supplier, Customer, WriteOff:
		return h.ID != ""
	}
	return false
}

// Lot is one production lot of a product.
type Lot struct {
	ID    string
	SKU   string
	Batch string
}

// Movement is one quantity of one lot going from one holder to another.
// Seq is the ledger's stock movement number: unique and increasing.
type Movement struct {
	Seq      int64
	Lot      string
	From, To Holder
	Qty      int64
	At       time.Time
	Shipment string // the ledger's shipment reference, "" when none
	Order    string // the ledger's order number, "" when none (a receipt, a write-off)
}
