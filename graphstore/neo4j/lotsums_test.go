package neo4j

import (
	"context"
	"os"
	"slices"
	"testing"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
	"downline/graphstore/graphstoretest"
	"downline/graphstore/neo4j/neo4jtest"
)

// TestLotSumsRebuilt: a store whose lots were recorded before their sums
// were kept (no LotHolder nodes, lots not marked summed) sums them when it
// starts, and then answers as one that kept them from the start.
func TestLotSumsRebuilt(t *testing.T) {
	ctx := context.Background()
	s := freshStore(t)
	h := graphstoretest.RandomHistory(graphstoretest.HistorySize{Seed: 7, Moves: 600})
	if err := s.AddLots(ctx, h.Lots); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordMoves(ctx, h.Moves); err != nil {
		t.Fatal(err)
	}
	lot := h.Lots[0].ID
	wantSum, err := s.LotSummary(ctx, lot)
	if err != nil {
		t.Fatal(err)
	}
	wantRecall, err := s.LotRecipients(ctx, lot, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if wantSum.Recipients == 0 || len(wantRecall) != int(wantSum.Recipients) {
		t.Fatalf("lot %s: %d recipients summed, %d listed", lot, wantSum.Recipients, len(wantRecall))
	}
	// As the store stood before: movements alone.
	_, err = write(ctx, s, func(tx neo4j.ManagedTransaction) (struct{}, error) {
		return struct{}{}, run(ctx, tx, `MATCH (x:LotHolder) DETACH DELETE x WITH count(*) AS gone
MATCH (l:Lot) REMOVE l.summed, l.ends, l.holding, l.endIn, l.endHolds, l.endMoves`, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	// Unsummed, the answers come from the movements.
	if got, err := s.LotSummary(ctx, lot); err != nil || !sameSummary(got, wantSum) {
		t.Errorf("LotSummary unsummed = %+v, %v; want %+v", got, err, wantSum)
	}
	again, err := New(ctx, neo4jtest.URI(t), os.Getenv("NEO4J_USER"), os.Getenv("NEO4J_PASSWORD"))
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close(ctx)
	if got, err := again.LotSummary(ctx, lot); err != nil || !sameSummary(got, wantSum) {
		t.Errorf("LotSummary rebuilt = %+v, %v; want %+v", got, err, wantSum)
	}
	got, err := again.LotRecipients(ctx, lot, 0, 0)
	if err != nil || !slices.Equal(got, wantRecall) {
		t.Errorf("LotRecipients rebuilt = %+v, %v; want %+v", got, err, wantRecall)
	}
	var n int64
	_, err = read(ctx, again, func(tx neo4j.ManagedTransaction) (struct{}, error) {
		rec, err := single(ctx, tx, `MATCH (l:Lot) WHERE l.summed IS NULL RETURN count(l)`, nil)
		if err == nil {
			n = asInt(rec.Values[0])
		}
		return struct{}{}, err
	})
	if err != nil || n != 0 {
		t.Errorf("%d lots left unsummed (%v)", n, err)
	}
}

func sameSummary(a, b graphstore.LotSummary) bool {
	return slices.Equal(a.Stops, b.Stops) && a.Recipients == b.Recipients && a.Holding == b.Holding &&
		a.Received == b.Received && a.Holds == b.Holds && a.Moves == b.Moves
}
