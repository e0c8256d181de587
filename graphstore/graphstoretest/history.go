package graphstoretest

import (
	"fmt"
	"math/rand/v2"
	"time"

	"downline/graphstore"
)

// HistorySize shapes a random circulation history.
type HistorySize struct {
	Seed     uint64
	Lots     int // lots of product; 0 means 12
	Moves    int // movements; 0 means 2,000
	Agencies int // agencies; 0 means 6
	Members  int // members who buy; 0 means 60
}

// History is a random circulation history: goods produced into HQ's
// warehouses, shipped to agencies, sold to members and shop customers,
// returned (by buyers to whoever sold to them, by agencies to HQ) and
// written off, as the ledger's stock code moves them. Nothing ever moves
// more than its sender holds.
type History struct {
	Lots  []graphstore.Lot
	Moves []graphstore.Movement // in Seq order; Seqs have gaps, as the outbox's do
	// Held is what every holder holds of every lot at the end, counted as the
	// history was made (the supplier holds minus what it produced).
	Held map[string]map[graphstore.Holder]int64
}

// The fixed holders of a history.
var (
	Supplier   = graphstore.Holder{Kind: graphstore.Supplier, ID: "supplier"}
	WrittenOff = graphstore.Holder{Kind: graphstore.WriteOff, ID: "writeoff"}
	hqs        = []graphstore.Holder{{Kind: graphstore.Warehouse, ID: "HQ-SH"}, {Kind: graphstore.Warehouse, ID: "HQ-BJ"}}
)

type historyGen struct {
	rng      *rand.Rand
	h        History
	seq      int64
	now      time.Time
	agencies []graphstore.Holder
	members  []graphstore.Holder
	orders   int
	// holding lists, per lot, the holders that may hold some of it (a
	// holder whose balance fell to zero is dropped when picked).
	holding map[string][]graphstore.Holder
	listed  map[string]map[graphstore.Holder]bool
	// sellers remembers, per lot and buyer, who sold it to the buyer.
	sellers map[string]map[graphstore.Holder][]graphstore.Holder
}

// RandomHistory makes a history of the given size, the same for the same size.
func RandomHistory(size HistorySize) History {
	if size.Lots == 0 {
		size.Lots = 12
	}
	if size.Moves == 0 {
		size.Moves = 2000
	}
	if size.Agencies == 0 {
		size.Agencies = 6
	}
	if size.Members == 0 {
		size.Members = 60
	}
	g := &historyGen{
		rng:     rand.New(rand.NewPCG(size.Seed, 0x10751)),
		now:     T0,
		holding: map[string][]graphstore.Holder{},
		listed:  map[string]map[graphstore.Holder]bool{},
		sellers: map[string]map[graphstore.Holder][]graphstore.Holder{},
		h:       History{Held: map[string]map[graphstore.Holder]int64{}},
	}
	// Ids the stores must keep as data: Unicode, quotes, a query's syntax.
	odd := []string{"杭州-01", `x"}) DETACH DELETE n //`, "O'Neil & Co"}
	for k := range size.Agencies {
		id := fmt.Sprintf("AG-%02d", k+1)
		if k < len(odd) {
			id = odd[k]
		}
		g.agencies = append(g.agencies, graphstore.Holder{Kind: graphstore.Agency, ID: id})
	}
	for k := range size.Members {
		g.members = append(g.members, graphstore.Holder{Kind: graphstore.MemberHolder, ID: fmt.Sprintf("CN%07d", k+2)})
	}
	skus := []string{"TEA-250", "SOAP-3", "VIT-C", "茶-500"}
	for k := range size.Lots {
		l := graphstore.Lot{ID: fmt.Sprint(1000 + k), SKU: skus[k%len(skus)], Batch: fmt.Sprintf("2024-%02d", k/len(skus)+1)}
		if k == size.Lots-1 && k > 0 {
			l.Batch = "" // a lot with no batch number
		}
		g.h.Lots = append(g.h.Lots, l)
		g.h.Held[l.ID] = map[graphstore.Holder]int64{}
	}
	for len(g.h.Moves) < size.Moves {
		g.step()
	}
	return g.h
}

func (g *historyGen) lot() string { return g.h.Lots[g.rng.IntN(len(g.h.Lots))].ID }

// move records one movement and keeps the counts.
func (g *historyGen) move(lot string, from, to graphstore.Holder, qty int64) {
	g.moveFor(lot, from, to, qty, "")
}

// moveFor records one movement of an order (order "" for none).
func (g *historyGen) moveFor(lot string, from, to graphstore.Holder, qty int64, order string) {
	g.seq += 1 + int64(g.rng.IntN(3))
	g.now = g.now.Add(time.Duration(g.rng.IntN(3)) * time.Second)
	shipment := ""
	if g.rng.IntN(2) == 0 {
		shipment = fmt.Sprintf("SH-%d", g.seq)
	}
	g.h.Moves = append(g.h.Moves, graphstore.Movement{Seq: g.seq, Lot: lot, From: from, To: to, Qty: qty, At: g.now, Shipment: shipment, Order: order})
	held := g.h.Held[lot]
	held[from] -= qty
	held[to] += qty
	if to.Kind != graphstore.WriteOff {
		if g.listed[lot] == nil {
			g.listed[lot] = map[graphstore.Holder]bool{}
		}
		if !g.listed[lot][to] {
			g.listed[lot][to] = true
			g.holding[lot] = append(g.holding[lot], to)
		}
	}
}

// pick finds a holder of one of kinds that holds some of lot.
func (g *historyGen) pick(lot string, kinds ...graphstore.HolderKind) (graphstore.Holder, int64, bool) {
	list := g.holding[lot]
	for range 8 {
		if len(list) == 0 {
			break
		}
		k := g.rng.IntN(len(list))
		h := list[k]
		n := g.h.Held[lot][h]
		if n <= 0 {
			list[k] = list[len(list)-1]
			list = list[:len(list)-1]
			delete(g.listed[lot], h)
			continue
		}
		for _, kind := range kinds {
			if h.Kind == kind {
				g.holding[lot] = list
				return h, n, true
			}
		}
	}
	g.holding[lot] = list
	return graphstore.Holder{}, 0, false
}

func (g *historyGen) upTo(n int64, most int64) int64 { return 1 + g.rng.Int64N(min(n, most)) }

func (g *historyGen) step() {
	lot := g.lot()
	switch r := g.rng.IntN(100); {
	case r < 20: // HQ ships to an agency
		if from, n, ok := g.pick(lot, graphstore.Warehouse); ok {
			g.sell(lot, from, g.agencies[g.rng.IntN(len(g.agencies))], g.upTo(n, 60))
			return
		}
	case r < 65: // a sale to a member or a shop customer
		if from, n, ok := g.pick(lot, graphstore.Agency, graphstore.Warehouse); ok {
			to := g.members[g.rng.IntN(len(g.members))]
			if g.rng.IntN(4) == 0 {
				g.orders++
				to = graphstore.Holder{Kind: graphstore.Customer, ID: fmt.Sprintf("SO%06d", g.orders)}
			}
			g.sell(lot, from, to, g.upTo(n, 6))
			return
		}
	case r < 82: // a return to whoever sold
		if from, n, ok := g.pick(lot, graphstore.MemberHolder, graphstore.Customer, graphstore.Agency); ok {
			sold := g.sellers[lot][from]
			to := sold[g.rng.IntN(len(sold))]
			if from.Kind == graphstore.Agency {
				to = hqs[g.rng.IntN(len(hqs))]
			}
			g.move(lot, from, to, g.upTo(n, 3))
			return
		}
	case r < 90: // a write-off: a damaged return, or stock found spoilt
		if from, n, ok := g.pick(lot, graphstore.MemberHolder, graphstore.Customer, graphstore.Agency, graphstore.Warehouse); ok {
			g.move(lot, from, WrittenOff, g.upTo(n, 2))
			return
		}
	}
	g.move(lot, Supplier, hqs[g.rng.IntN(len(hqs))], 50+g.rng.Int64N(450))
}

func (g *historyGen) sell(lot string, from, to graphstore.Holder, qty int64) {
	if g.sellers[lot] == nil {
		g.sellers[lot] = map[graphstore.Holder][]graphstore.Holder{}
	}
	g.sellers[lot][to] = append(g.sellers[lot][to], from)
	order := to.ID
	if to.Kind != graphstore.Customer {
		g.orders++
		order = fmt.Sprintf("SO%06d", g.orders)
	}
	g.moveFor(lot, from, to, qty, order)
}
