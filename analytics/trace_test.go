package analytics_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"downline/analytics"
	"downline/graphstore"
	"downline/graphstore/graphstoretest"
	"downline/graphstore/memory"
)

// Every lot of a random history traces to what the history's maker counted:
// each holder's holding, the totals, and a recall list of exactly the
// members and customers who received the lot, those still holding first.
func TestLotTraceMatchesHistory(t *testing.T) {
	ctx := context.Background()
	h := graphstoretest.RandomHistory(graphstoretest.HistorySize{Seed: 5, Moves: 4000})
	s := memory.New()
	if err := s.AddLots(ctx, h.Lots); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordMoves(ctx, h.Moves); err != nil {
		t.Fatal(err)
	}
	names := func(_ context.Context, code string) string { return "name of " + code }
	for _, lot := range h.Lots {
		tr, err := analytics.LotTraceLimit(ctx, s, names, " "+lot.SKU+" ", lot.Batch, 7)
		if err != nil {
			t.Fatalf("LotTrace(%s, %s): %v", lot.SKU, lot.Batch, err)
		}
		// The recall list, page after page from the trace's first.
		recall := tr.Recall
		for next, pages := tr.Next, 0; next != ""; pages++ {
			if len(recall)%7 != 0 || pages > 10_000 {
				t.Fatalf("lot %s: a page short of 7 before the last (%d so far)", lot.ID, len(recall))
			}
			p, err := analytics.LotRecall(ctx, s, names, lot.SKU, lot.Batch, next, 7)
			if err != nil {
				t.Fatalf("LotRecall(%s, %q): %v", lot.ID, next, err)
			}
			recall, next = append(recall, p.Recall...), p.Next
		}
		var streamed []analytics.Holding
		if _, err := analytics.EachRecipient(ctx, s, names, lot.SKU, lot.Batch, 5, func(h analytics.Holding) error {
			streamed = append(streamed, h)
			return nil
		}); err != nil || !slices.Equal(streamed, recall) {
			t.Errorf("lot %s: EachRecipient gave %d (%v), the pages %d", lot.ID, len(streamed), err, len(recall))
		}
		var sums analytics.Recipients
		for _, x := range recall {
			sums.Count++
			sums.Received += x.Received
			sums.Holds += x.Holds
			if x.Holds > 0 {
				sums.Holding++
			}
		}
		if sums != tr.Recipients {
			t.Errorf("lot %s: recipients %+v, the list sums to %+v", lot.ID, tr.Recipients, sums)
		}
		held := h.Held[lot.ID]
		moves := int64(0)
		received := map[graphstore.Holder]bool{}
		for _, m := range h.Moves {
			if m.Lot == lot.ID {
				moves++
				received[m.To] = true
			}
		}
		if tr.Lot != lot.ID || tr.Movements != moves || tr.Produced != -held[graphstoretest.Supplier] ||
			tr.WrittenOff != held[graphstoretest.WrittenOff] || tr.Produced != tr.InCirculation+tr.WrittenOff {
			t.Errorf("lot %s: lot %q movements %d (want %d) produced %d (want %d) written off %d (want %d) in circulation %d",
				lot.ID, tr.Lot, tr.Movements, moves, tr.Produced, -held[graphstoretest.Supplier], tr.WrittenOff,
				held[graphstoretest.WrittenOff], tr.InCirculation)
		}
		seen := 0
		for _, x := range tr.Holders {
			if x.Kind != graphstore.Warehouse && x.Kind != graphstore.Agency {
				t.Errorf("lot %s: %s %s among the warehouses and agencies", lot.ID, x.Kind, x.ID)
			}
		}
		stillHolding := true
		for _, x := range append(tr.Holders, recall...) {
			hh := graphstore.Holder{Kind: x.Kind, ID: x.ID}
			if x.Holds != held[hh] || x.Holds != x.Received-x.SentOn {
				t.Errorf("lot %s: %s %s holds %d (received %d, sent on %d), the history counted %d", lot.ID, x.Kind, x.ID, x.Holds, x.Received, x.SentOn, held[hh])
			}
			if x.First.After(x.Last) || x.First.IsZero() {
				t.Errorf("lot %s: %s %s first %v last %v", lot.ID, x.Kind, x.ID, x.First, x.Last)
			}
			seen++
		}
		for _, x := range recall {
			if x.Kind != graphstore.MemberHolder && x.Kind != graphstore.Customer || !received[graphstore.Holder{Kind: x.Kind, ID: x.ID}] {
				t.Errorf("lot %s: %s %s on the recall list", lot.ID, x.Kind, x.ID)
			}
			if x.Holds > 0 && !stillHolding {
				t.Errorf("lot %s: %s %s holds %d after one who holds none", lot.ID, x.Kind, x.ID, x.Holds)
			}
			stillHolding = x.Holds > 0
			if want := "name of " + x.ID; (x.Kind == graphstore.MemberHolder) != (x.Name == want) {
				t.Errorf("lot %s: %s %s named %q", lot.ID, x.Kind, x.ID, x.Name)
			}
		}
		if want := len(received) - map[bool]int{true: 1, false: 0}[received[graphstoretest.WrittenOff]]; seen != want {
			t.Errorf("lot %s: %d holders traced, %d received some", lot.ID, seen, want)
		}
	}
	if _, err := analytics.LotTrace(ctx, s, nil, "TEA-250", "no such batch"); !errors.Is(err, analytics.ErrNotFound) {
		t.Errorf("unknown batch: %v", err)
	}
	if _, err := analytics.LotTrace(ctx, s, nil, "  ", "2024-01"); !errors.Is(err, analytics.ErrInvalid) {
		t.Errorf("empty SKU: %v", err)
	}
	for _, c := range []string{"x", "AQ", "Ag", "AYCAgICAgICAgIAB"} {
		if _, err := analytics.LotRecall(ctx, s, nil, h.Lots[0].SKU, h.Lots[0].Batch, c, 5); !errors.Is(err, analytics.ErrInvalid) {
			t.Errorf("cursor %q: %v", c, err)
		}
	}
}
