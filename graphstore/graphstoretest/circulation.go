package graphstoretest

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"downline/graphstore"
)

// CirculationOptions sizes the circulation suite.
type CirculationOptions struct {
	Seeds int // random histories; 0 means 3
	Moves int // movements in each; 0 means 3,000
}

// RunCirculation runs the conformance tests every graphstore.Circulation
// passes; newStore returns a fresh, empty store for each subtest.
func RunCirculation(t *testing.T, newStore func(t *testing.T) graphstore.Circulation, opts CirculationOptions) {
	if opts.Seeds == 0 {
		opts.Seeds = 3
	}
	if opts.Moves == 0 {
		opts.Moves = 3000
	}
	t.Run("Basics", func(t *testing.T) { testCirculationBasics(t, newStore(t)) })
	t.Run("BatchesReversed", func(t *testing.T) { testCirculationReversed(t, newStore(t), opts.Moves/2) })
	t.Run("Random", func(t *testing.T) {
		for seed := range opts.Seeds {
			t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
				testCirculationRandom(t, newStore(t), HistorySize{Seed: uint64(seed), Moves: opts.Moves})
			})
		}
	})
}

func testCirculationBasics(t *testing.T, s graphstore.Circulation) {
	ctx := context.Background()
	hq := graphstore.Holder{Kind: graphstore.Warehouse, ID: "HQ-1"}
	north := graphstore.Holder{Kind: graphstore.Agency, ID: "AG-N"}
	south := graphstore.Holder{Kind: graphstore.Agency, ID: "AG-S"}
	alice := graphstore.Holder{Kind: graphstore.MemberHolder, ID: "101"}
	bob := graphstore.Holder{Kind: graphstore.MemberHolder, ID: "102"}
	shop := graphstore.Holder{Kind: graphstore.Customer, ID: "SO-7"}
	at := func(h int) time.Time { return T0.Add(time.Duration(h) * time.Hour) }

	if err := s.AddLots(ctx, []graphstore.Lot{{ID: "L1", SKU: "TEA-250", Batch: "2025-01"}, {ID: "L2", SKU: "SOAP", Batch: "B7"},
		{ID: "L3", SKU: "TEA-250", Batch: "old"}}); err != nil {
		t.Fatal(err)
	}
	// Adding a lot again corrects its SKU and batch.
	if err := s.AddLots(ctx, []graphstore.Lot{{ID: "L3", SKU: "TEA-250", Batch: "2025-02"}}); err != nil {
		t.Fatal(err)
	}
	moves := []graphstore.Movement{
		{Seq: 1, Lot: "L1", From: Supplier, To: hq, Qty: 500, At: at(0)},
		{Seq: 2, Lot: "L1", From: hq, To: north, Qty: 100, At: at(1), Shipment: "SH-1"},
		{Seq: 3, Lot: "L2", From: Supplier, To: hq, Qty: 50, At: at(1)},
		{Seq: 4, Lot: "L2", From: hq, To: south, Qty: 50, At: at(2), Shipment: "SH-2"},
		{Seq: 5, Lot: "L1", From: north, To: alice, Qty: 3, At: at(3), Order: "SO-5"},
		{Seq: 6, Lot: "L1", From: north, To: bob, Qty: 2, At: at(4), Order: "SO-6"},
		{Seq: 7, Lot: "L1", From: bob, To: north, Qty: 1, At: at(5), Order: "SO-6"}, // a return
		{Seq: 8, Lot: "L2", From: south, To: alice, Qty: 1, At: at(6)},
		{Seq: 9, Lot: "L1", From: hq, To: shop, Qty: 2, At: at(6)},
		{Seq: 10, Lot: "L1", From: alice, To: WrittenOff, Qty: 1, At: at(7)}, // a damaged return
	}
	if err := s.RecordMoves(ctx, moves); err != nil {
		t.Fatal(err)
	}
	// Re-delivery, overlapping a new movement, stores each Seq once.
	late := graphstore.Movement{Seq: 11, Lot: "L1", From: north, To: alice, Qty: 1, At: at(8)}
	if err := s.RecordMoves(ctx, append(slices.Clone(moves[6:8]), late)); err != nil {
		t.Fatal(err)
	}
	// An old Seq is skipped even when the movement says something else.
	if err := s.RecordMoves(ctx, []graphstore.Movement{{Seq: 5, Lot: "L2", From: hq, To: bob, Qty: 9, At: at(9)}}); err != nil {
		t.Fatal(err)
	}
	moves = append(moves, late)
	// Movements out of Seq order are stored and read in Seq order.
	out1 := graphstore.Movement{Seq: 15, Lot: "L2", From: south, To: bob, Qty: 2, At: at(9), Shipment: "SH-15"}
	out2 := graphstore.Movement{Seq: 13, Lot: "L2", From: south, To: shop, Qty: 1, At: at(10)}
	for _, m := range []graphstore.Movement{out1, out2} {
		if err := s.RecordMoves(ctx, []graphstore.Movement{m}); err != nil {
			t.Fatal(err)
		}
	}
	moves = append(moves, out2, out1)

	checkLot(t, s, "L1", moves)
	checkLot(t, s, "L2", moves)
	checkLot(t, s, "L3", moves) // added, never moved: no movements, no holders
	span := func(a, b int) string { return at(a).Format(time.RFC3339) + ".." + at(b).Format(time.RFC3339) }
	want := []string{
		"supplier:supplier in 0 out 500 holds -500 moves 1 " + span(0, 0),
		"warehouse:HQ-1 in 500 out 102 holds 398 moves 3 " + span(0, 6),
		"agency:AG-N in 101 out 6 holds 95 moves 5 " + span(1, 8),
		"member:101 in 4 out 1 holds 3 moves 3 " + span(3, 8),
		"member:102 in 2 out 1 holds 1 moves 2 " + span(4, 5),
		"customer:SO-7 in 2 out 0 holds 2 moves 1 " + span(6, 6),
		"writeoff:writeoff in 1 out 0 holds 1 moves 1 " + span(7, 7),
	}
	if got := holderLines(lotHolders(t, s, "L1")); !slices.Equal(got, want) {
		t.Errorf("LotHolders(L1) =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	checkHolder(t, s, north, moves)
	checkHolder(t, s, alice, moves)
	wantEdges := []string{
		"supplier:supplier->warehouse:HQ-1 500 in 1 " + span(0, 0),
		"warehouse:HQ-1->agency:AG-N 100 in 1 " + span(1, 1),
		"agency:AG-N->member:101 4 in 2 " + span(3, 8),
		"agency:AG-N->member:102 2 in 1 " + span(4, 4),
		"member:102->agency:AG-N 1 in 1 " + span(5, 5),
		"warehouse:HQ-1->customer:SO-7 2 in 1 " + span(6, 6),
		"member:101->writeoff:writeoff 1 in 1 " + span(7, 7),
	}
	if got := edgeLines(lotEdges(t, s, "L1")); !slices.Equal(got, wantEdges) {
		t.Errorf("LotEdges(L1) =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantEdges, "\n"))
	}
	// Downstream of the north agency: its sales, bob's return to it, and
	// alice's write-off; not HQ's sale to the shop.
	if got, err := s.Downstream(ctx, north); err != nil {
		t.Error(err)
	} else if seqs := seqsOf(got); !slices.Equal(seqs, []int64{5, 6, 7, 10, 11}) {
		t.Errorf("Downstream(AG-N) = %v, want seqs 5 6 7 10 11", seqs)
	}
	if got, err := s.Downstream(ctx, graphstore.Holder{Kind: graphstore.Agency, ID: "AG-NONE"}); err != nil || len(got) != 0 {
		t.Errorf("Downstream of an unknown agency = %v, %v", got, err)
	}
	if _, err := s.Downstream(ctx, graphstore.Holder{Kind: "truck", ID: "T1"}); !errors.Is(err, graphstore.ErrInvalid) {
		t.Errorf("Downstream(truck) err = %v, want ErrInvalid", err)
	}
	if got, err := s.Lots(ctx); err != nil || fmt.Sprint(got) != "[{L2 SOAP B7} {L1 TEA-250 2025-01} {L3 TEA-250 2025-02}]" {
		t.Errorf("Lots = %v, %v", got, err)
	}
	if got, err := s.PassedThrough(ctx, graphstore.Holder{Kind: graphstore.Agency, ID: "AG-NONE"}); err != nil || len(got) != 0 {
		t.Errorf("an unknown agency has traffic: %v, %v", got, err)
	}
	if _, err := s.PassedThrough(ctx, graphstore.Holder{Kind: "truck", ID: "T1"}); !errors.Is(err, graphstore.ErrInvalid) {
		t.Errorf("PassedThrough(truck) err = %v, want ErrInvalid", err)
	}

	for _, l := range []graphstore.Lot{{ID: "L1", SKU: "TEA-250", Batch: "2025-01"}, {ID: "L3", SKU: "TEA-250", Batch: "2025-02"}} {
		if got, err := s.FindLot(ctx, l.SKU, l.Batch); err != nil || got != l {
			t.Errorf("FindLot(%s, %s) = %+v, %v; want %+v", l.SKU, l.Batch, got, err, l)
		}
	}
	for _, sb := range [][2]string{{"TEA-250", "old"}, {"TEA-250", ""}, {"tea-250", "2025-01"}, {"NONE", "2025-01"}} {
		if got, err := s.FindLot(ctx, sb[0], sb[1]); !errors.Is(err, graphstore.ErrNotFound) {
			t.Errorf("FindLot(%q, %q) = %+v, %v; want ErrNotFound", sb[0], sb[1], got, err)
		}
	}
	for _, lot := range []string{"L9", ""} {
		if _, err := s.LotPath(ctx, lot); !errors.Is(err, graphstore.ErrNotFound) {
			t.Errorf("LotPath(%q) err = %v, want ErrNotFound", lot, err)
		}
		if _, err := s.LotHolders(ctx, lot); !errors.Is(err, graphstore.ErrNotFound) {
			t.Errorf("LotHolders(%q) err = %v, want ErrNotFound", lot, err)
		}
		if _, err := s.LotSummary(ctx, lot); !errors.Is(err, graphstore.ErrNotFound) {
			t.Errorf("LotSummary(%q) err = %v, want ErrNotFound", lot, err)
		}
		if _, err := s.LotRecipients(ctx, lot, 0, 10); !errors.Is(err, graphstore.ErrNotFound) {
			t.Errorf("LotRecipients(%q) err = %v, want ErrNotFound", lot, err)
		}
		if _, err := s.LotEdges(ctx, lot); !errors.Is(err, graphstore.ErrNotFound) {
			t.Errorf("LotEdges(%q) err = %v, want ErrNotFound", lot, err)
		}
	}

	for name, m := range map[string]graphstore.Movement{
		"unknown lot": {Seq: 20, Lot: "L9", From: hq, To: north, Qty: 1},
		"zero qty":    {Seq: 20, Lot: "L1", From: hq, To: north},
		"zero seq":    {Lot: "L1", From: hq, To: north, Qty: 1},
		"to itself":   {Seq: 20, Lot: "L1", From: north, To: north, Qty: 1},
		"bad kind":    {Seq: 20, Lot: "L1", From: graphstore.Holder{Kind: "truck", ID: "T1"}, To: north, Qty: 1},
		"no id":       {Seq: 20, Lot: "L1", From: hq, To: graphstore.Holder{Kind: graphstore.Agency}, Qty: 1},
	} {
		// A good movement first: a rejected batch stores none of it.
		good := graphstore.Movement{Seq: 19, Lot: "L2", From: south, To: bob, Qty: 1, At: at(9)}
		if err := s.RecordMoves(ctx, []graphstore.Movement{good, m}); !errors.Is(err, graphstore.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	for _, l := range []graphstore.Lot{{ID: "", SKU: "X"}, {ID: "L4", SKU: ""}} {
		if err := s.AddLots(ctx, []graphstore.Lot{l}); !errors.Is(err, graphstore.ErrInvalid) {
			t.Errorf("AddLots(%+v) err = %v, want ErrInvalid", l, err)
		}
	}
	checkLot(t, s, "L1", moves)
	checkLot(t, s, "L2", moves)
}

// testCirculationRandom delivers a random history as a feed does (batches,
// re-delivered overlaps; with an odd seed, each batch in reverse) and checks every lot and holder twice: half way,
// then at the end, against counts made from the history alone.
func testCirculationRandom(t *testing.T, s graphstore.Circulation, size HistorySize) {
	ctx := context.Background()
	h := RandomHistory(size)
	if err := s.AddLots(ctx, h.Lots); err != nil {
		t.Fatal(err)
	}
	half := len(h.Moves) / 2
	deliver := func(moves []graphstore.Movement) {
		for len(moves) > 0 {
			n := min(len(moves), 1+int(moves[0].Seq%97)*3)
			batch := moves[:n]
			if size.Seed%2 == 1 {
				// A batch in reverse: every store orders what it reads by Seq.
				batch = slices.Clone(batch)
				slices.Reverse(batch)
			}
			if err := s.RecordMoves(ctx, batch); err != nil {
				t.Fatal(err)
			}
			// A feed that restarts delivers the end of a batch again.
			if err := s.RecordMoves(ctx, moves[n/2:n]); err != nil {
				t.Fatal(err)
			}
			moves = moves[n:]
		}
	}
	deliver(h.Moves[:half])
	checkAll(t, s, h.Lots, h.Moves[:half], nil)
	deliver(h.Moves[half:])
	checkAll(t, s, h.Lots, h.Moves, h.Held)
}

// testCirculationReversed delivers a history's batches last first: a
// holder's later movements of a lot arrive before its first, so every sum
// kept as movements arrive (first and last times, the order the lot
// reached each holder, who holds some) must hold for any order of arrival.
func testCirculationReversed(t *testing.T, s graphstore.Circulation, moves int) {
	ctx := context.Background()
	h := RandomHistory(HistorySize{Seed: 11, Moves: moves})
	if err := s.AddLots(ctx, h.Lots); err != nil {
		t.Fatal(err)
	}
	for end := len(h.Moves); end > 0; end -= 40 {
		if err := s.RecordMoves(ctx, h.Moves[max(0, end-40):end]); err != nil {
			t.Fatal(err)
		}
	}
	checkAll(t, s, h.Lots, h.Moves, h.Held)
}

// checkAll compares every lot and holder with the history; held, when not
// nil, is what the history's maker counted each holder to hold at the end.
func checkAll(t *testing.T, s graphstore.Circulation, lots []graphstore.Lot, moves []graphstore.Movement, held map[string]map[graphstore.Holder]int64) {
	t.Helper()
	ctx := context.Background()
	holders := map[graphstore.Holder]bool{}
	for _, m := range moves {
		holders[m.From], holders[m.To] = true, true
	}
	for _, l := range lots {
		checkLot(t, s, l.ID, moves)
		if got, err := s.FindLot(ctx, l.SKU, l.Batch); err != nil || got != l {
			t.Errorf("FindLot(%q, %q) = %+v, %v; want %+v", l.SKU, l.Batch, got, err, l)
		}
		if held == nil {
			continue
		}
		flows := lotHolders(t, s, l.ID)
		got := map[graphstore.Holder]int64{}
		for _, f := range flows {
			got[f.Holder] = f.Holds()
		}
		for h, n := range held[l.ID] {
			if got[h] != n {
				t.Errorf("lot %s: %s:%s holds %d, the history counted %d", l.ID, h.Kind, h.ID, got[h], n)
			}
		}
		for h, n := range got {
			if _, ok := held[l.ID][h]; !ok && n != 0 {
				t.Errorf("lot %s: %s:%s holds %d, never touched it in the history", l.ID, h.Kind, h.ID, n)
			}
		}
	}
	for h := range holders {
		checkHolder(t, s, h, moves)
		if h.Kind == graphstore.Agency || h.Kind == graphstore.Warehouse {
			checkDownstream(t, s, h, moves)
		}
	}
	got, err := s.Lots(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := slices.Clone(lots)
	slices.SortFunc(want, func(a, b graphstore.Lot) int {
		return strings.Compare(a.SKU+"\x00"+a.Batch+"\x00"+a.ID, b.SKU+"\x00"+b.Batch+"\x00"+b.ID)
	})
	if !slices.Equal(got, want) {
		t.Errorf("Lots() =\n%v\nwant\n%v", got, want)
	}
}

// checkDownstream compares Downstream(h) with a walk of every path of
// movements out of h, one movement at a time, each later than the last.
func checkDownstream(t *testing.T, s graphstore.Circulation, h graphstore.Holder, moves []graphstore.Movement) {
	t.Helper()
	type at struct {
		lot string
		h   graphstore.Holder
	}
	// earliest[lot, holder]: the lowest Seq at which a path from h reached it.
	earliest := map[at]int64{}
	picked := map[int64]bool{}
	var walk func(lot string, from graphstore.Holder, after int64)
	walk = func(lot string, from graphstore.Holder, after int64) {
		for _, m := range moves {
			if m.From != from || m.Seq <= after || (lot != "" && m.Lot != lot) {
				continue
			}
			picked[m.Seq] = true
			k := at{m.Lot, m.To}
			if e, ok := earliest[k]; !ok || m.Seq < e {
				earliest[k] = m.Seq
				walk(m.Lot, m.To, m.Seq)
			}
		}
	}
	walk("", h, 0)
	var want []graphstore.Movement
	for _, m := range moves {
		if picked[m.Seq] {
			want = append(want, m)
		}
	}
	got, err := s.Downstream(context.Background(), h)
	if err != nil {
		t.Errorf("Downstream(%v): %v", h, err)
		return
	}
	if g, w := moveLines(got), moveLines(want); !slices.Equal(g, w) {
		t.Errorf("Downstream(%v): %d movements, want %d\n%s\nwant\n%s", h, len(got), len(want), strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
}

func seqsOf(ms []graphstore.Movement) []int64 {
	out := make([]int64, len(ms))
	for k, m := range ms {
		out[k] = m.Seq
	}
	return out
}

// checkLot compares a lot's path and holders with those of the movements.
func checkLot(t *testing.T, s graphstore.Circulation, lot string, moves []graphstore.Movement) {
	t.Helper()
	var mine []graphstore.Movement
	for _, m := range moves {
		if m.Lot == lot {
			mine = append(mine, m)
		}
	}
	path, err := s.LotPath(context.Background(), lot)
	if err != nil {
		t.Errorf("LotPath(%s): %v", lot, err)
		return
	}
	if got, want := moveLines(path), moveLines(mine); !slices.Equal(got, want) {
		t.Errorf("LotPath(%s) =\n%s\nwant\n%s", lot, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got, want := holderLines(lotHolders(t, s, lot)), holderLines(sumHolders(mine)); !slices.Equal(got, want) {
		t.Errorf("LotHolders(%s) =\n%s\nwant\n%s", lot, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if got, want := edgeLines(lotEdges(t, s, lot)), edgeLines(sumEdges(mine)); !slices.Equal(got, want) {
		t.Errorf("LotEdges(%s) =\n%s\nwant\n%s", lot, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	checkRecall(t, s, lot, sumHolders(mine))
}

// checkRecall compares a lot's summary and its recipients, read whole and
// in pages, with the holders counted from the history: the stops in the
// order the lot reached them, then those still holding some, then the
// others, each part in that order.
func checkRecall(t *testing.T, s graphstore.Circulation, lot string, flows []graphstore.HolderFlow) {
	t.Helper()
	ctx := context.Background()
	var want graphstore.LotSummary
	var holding, returned []graphstore.HolderFlow
	for _, f := range flows {
		switch {
		case f.Holder.Kind != graphstore.MemberHolder && f.Holder.Kind != graphstore.Customer:
			want.Stops = append(want.Stops, f)
			continue
		case f.In-f.Out > 0:
			holding = append(holding, f)
		default:
			returned = append(returned, f)
		}
		want.Recipients++
		want.Received += f.In
		want.Holds += f.In - f.Out
		want.Moves += f.Moves
	}
	want.Holding = int64(len(holding))
	got, err := s.LotSummary(ctx, lot)
	if err != nil {
		t.Errorf("LotSummary(%s): %v", lot, err)
		return
	}
	if g, w := holderLines(got.Stops), holderLines(want.Stops); !slices.Equal(g, w) {
		t.Errorf("LotSummary(%s).Stops =\n%s\nwant\n%s", lot, strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
	got.Stops, want.Stops = nil, nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("LotSummary(%s) totals = %+v, want %+v", lot, got, want)
	}
	wantLines := holderLines(append(holding, returned...))
	all, err := s.LotRecipients(ctx, lot, 0, 0)
	if err != nil {
		t.Errorf("LotRecipients(%s, 0, 0): %v", lot, err)
		return
	}
	if g := holderLines(recipientFlows(all)); !slices.Equal(g, wantLines) {
		t.Errorf("LotRecipients(%s, whole) =\n%s\nwant\n%s", lot, strings.Join(g, "\n"), strings.Join(wantLines, "\n"))
	}
	// In pages of a few, each after the last rank of the page before.
	limit := 1 + len(wantLines)/5
	var paged []graphstore.Recipient
	for after, pages := int64(0), 0; ; pages++ {
		page, err := s.LotRecipients(ctx, lot, after, limit)
		if err != nil {
			t.Errorf("LotRecipients(%s, %d, %d): %v", lot, after, limit, err)
			return
		}
		if len(page) > limit || pages > len(wantLines)+1 {
			t.Errorf("LotRecipients(%s, %d, %d) gave %d (page %d)", lot, after, limit, len(page), pages)
			return
		}
		for _, r := range page {
			if r.Rank <= after {
				t.Errorf("LotRecipients(%s): rank %d after %d", lot, r.Rank, after)
				return
			}
			after = r.Rank
		}
		paged = append(paged, page...)
		if len(page) < limit {
			break
		}
	}
	if g := holderLines(recipientFlows(paged)); !slices.Equal(g, wantLines) {
		t.Errorf("LotRecipients(%s) in pages of %d =\n%s\nwant\n%s", lot, limit, strings.Join(g, "\n"), strings.Join(wantLines, "\n"))
	}
}

func recipientFlows(rs []graphstore.Recipient) []graphstore.HolderFlow {
	out := make([]graphstore.HolderFlow, len(rs))
	for k, r := range rs {
		out[k] = r.HolderFlow
	}
	return out
}

func checkHolder(t *testing.T, s graphstore.Circulation, h graphstore.Holder, moves []graphstore.Movement) {
	t.Helper()
	var mine []graphstore.Movement
	for _, m := range moves {
		if m.From == h || m.To == h {
			mine = append(mine, m)
		}
	}
	got, err := s.PassedThrough(context.Background(), h)
	if err != nil {
		t.Errorf("PassedThrough(%v): %v", h, err)
		return
	}
	if g, w := moveLines(got), moveLines(mine); !slices.Equal(g, w) {
		t.Errorf("PassedThrough(%v) =\n%s\nwant\n%s", h, strings.Join(g, "\n"), strings.Join(w, "\n"))
	}
}

func lotHolders(t *testing.T, s graphstore.Circulation, lot string) []graphstore.HolderFlow {
	t.Helper()
	flows, err := s.LotHolders(context.Background(), lot)
	if err != nil {
		t.Errorf("LotHolders(%s): %v", lot, err)
	}
	return flows
}

// sumHolders is LotHolders' answer counted from the movements of one lot in
// Seq order: each holder where it first appears, the sender first.
func sumHolders(moves []graphstore.Movement) []graphstore.HolderFlow {
	var out []graphstore.HolderFlow
	at := map[graphstore.Holder]int{}
	for _, m := range moves {
		for _, side := range []struct {
			h       graphstore.Holder
			in, out int64
		}{{m.From, 0, m.Qty}, {m.To, m.Qty, 0}} {
			k, ok := at[side.h]
			if !ok {
				k = len(out)
				at[side.h] = k
				out = append(out, graphstore.HolderFlow{Holder: side.h, First: m.At, Last: m.At})
			}
			f := &out[k]
			f.In += side.in
			f.Out += side.out
			f.Moves++
			if m.At.Before(f.First) {
				f.First = m.At
			}
			if m.At.After(f.Last) {
				f.Last = m.At
			}
		}
	}
	return out
}

func moveLines(ms []graphstore.Movement) []string {
	out := make([]string, len(ms))
	for k, m := range ms {
		out[k] = fmt.Sprintf("#%d %s %s:%s->%s:%s x%d %s %q %q", m.Seq, m.Lot, m.From.Kind, m.From.ID, m.To.Kind, m.To.ID, m.Qty,
			m.At.UTC().Format(time.RFC3339), m.Shipment, m.Order)
	}
	return out
}

func lotEdges(t *testing.T, s graphstore.Circulation, lot string) []graphstore.Edge {
	t.Helper()
	edges, err := s.LotEdges(context.Background(), lot)
	if err != nil {
		t.Errorf("LotEdges(%s): %v", lot, err)
	}
	return edges
}

// sumEdges is LotEdges' answer counted from one lot's movements in Seq order.
func sumEdges(moves []graphstore.Movement) []graphstore.Edge {
	var out []graphstore.Edge
	at := map[[2]graphstore.Holder]int{}
	for _, m := range moves {
		k, ok := at[[2]graphstore.Holder{m.From, m.To}]
		if !ok {
			k = len(out)
			at[[2]graphstore.Holder{m.From, m.To}] = k
			out = append(out, graphstore.Edge{From: m.From, To: m.To, First: m.At, Last: m.At, FirstSeq: m.Seq})
		}
		e := &out[k]
		e.Qty += m.Qty
		e.Moves++
		if m.At.Before(e.First) {
			e.First = m.At
		}
		if m.At.After(e.Last) {
			e.Last = m.At
		}
	}
	return out
}

func edgeLines(es []graphstore.Edge) []string {
	out := make([]string, len(es))
	for k, e := range es {
		out[k] = fmt.Sprintf("%s:%s->%s:%s %d in %d %s..%s", e.From.Kind, e.From.ID, e.To.Kind, e.To.ID, e.Qty, e.Moves,
			e.First.UTC().Format(time.RFC3339), e.Last.UTC().Format(time.RFC3339))
	}
	return out
}

func holderLines(fs []graphstore.HolderFlow) []string {
	out := make([]string, len(fs))
	for k, f := range fs {
		out[k] = fmt.Sprintf("%s:%s in %d out %d holds %d moves %d %s..%s", f.Holder.Kind, f.Holder.ID, f.In, f.Out, f.Holds(), f.Moves,
			f.First.UTC().Format(time.RFC3339), f.Last.UTC().Format(time.RFC3339))
	}
	return out
}
