package neo4j

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"downline/graphstore"
)

func TestCirculation(t *testing.T) {
	ctx := context.Background()
	s := freshStore(t)
	hq := graphstore.Holder{Kind: graphstore.Warehouse, ID: "HQ-1"}
	north := graphstore.Holder{Kind: graphstore.Agency, ID: "AG-N"}
	south := graphstore.Holder{Kind: graphstore.Agency, ID: "AG-S"}
	alice := graphstore.Holder{Kind: graphstore.MemberHolder, ID: "101"}
	bob := graphstore.Holder{Kind: graphstore.MemberHolder, ID: "102"}
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }

	if err := s.AddLots(ctx, []graphstore.Lot{{ID: "L1", SKU: "TEA-250", Batch: "2025-01"}, {ID: "L2", SKU: "SOAP", Batch: "B7"}}); err != nil {
		t.Fatal(err)
	}
	moves := []graphstore.Movement{
		{Seq: 1, Lot: "L1", From: hq, To: north, Qty: 100, At: at(1), Shipment: "SH-1"},
		{Seq: 2, Lot: "L2", From: hq, To: south, Qty: 50, At: at(2), Shipment: "SH-2"},
		{Seq: 3, Lot: "L1", From: north, To: alice, Qty: 3, At: at(3)},
		{Seq: 4, Lot: "L1", From: north, To: bob, Qty: 2, At: at(4)},
		{Seq: 5, Lot: "L1", From: bob, To: north, Qty: 1, At: at(5)}, // a return
		{Seq: 6, Lot: "L2", From: south, To: alice, Qty: 1, At: at(6)},
	}
	if err := s.RecordMoves(ctx, moves); err != nil {
		t.Fatal(err)
	}
	// Re-delivery, overlapping a new movement, stores each Seq once.
	if err := s.RecordMoves(ctx, append(moves[4:6:6], graphstore.Movement{Seq: 7, Lot: "L1", From: north, To: alice, Qty: 1, At: at(7)})); err != nil {
		t.Fatal(err)
	}

	path, err := s.LotPath(ctx, "L1")
	if err != nil {
		t.Fatal(err)
	}
	want := []graphstore.Movement{moves[0], moves[2], moves[3], moves[4], {Seq: 7, Lot: "L1", From: north, To: alice, Qty: 1, At: at(7)}}
	if !reflect.DeepEqual(path, want) {
		t.Fatalf("LotPath(L1) =\n%+v\nwant\n%+v", path, want)
	}
	through, err := s.PassedThrough(ctx, north)
	if err != nil {
		t.Fatal(err)
	}
	var seqs []int64
	for _, m := range through {
		seqs = append(seqs, m.Seq)
	}
	if !reflect.DeepEqual(seqs, []int64{1, 3, 4, 5, 7}) {
		t.Fatalf("PassedThrough(north) seqs = %v", seqs)
	}
	if got, _ := s.PassedThrough(ctx, graphstore.Holder{Kind: graphstore.Agency, ID: "AG-NONE"}); len(got) != 0 {
		t.Fatalf("an unknown agency has traffic: %v", got)
	}

	if _, err := s.LotPath(ctx, "L9"); !errors.Is(err, graphstore.ErrNotFound) {
		t.Fatalf("LotPath(L9) err = %v", err)
	}
	for name, m := range map[string]graphstore.Movement{
		"unknown lot": {Seq: 20, Lot: "L9", From: hq, To: north, Qty: 1},
		"zero qty":    {Seq: 20, Lot: "L1", From: hq, To: north},
		"to itself":   {Seq: 20, Lot: "L1", From: north, To: north, Qty: 1},
		"bad kind":    {Seq: 20, Lot: "L1", From: graphstore.Holder{Kind: "truck", ID: "T1"}, To: north, Qty: 1},
	} {
		if err := s.RecordMoves(ctx, []graphstore.Movement{m}); !errors.Is(err, graphstore.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
	}
	// Hostile ids are data too.
	evil := graphstore.Holder{Kind: graphstore.Agency, ID: `x"}) DETACH DELETE n //`}
	if err := s.RecordMoves(ctx, []graphstore.Movement{{Seq: 30, Lot: "L2", From: south, To: evil, Qty: 1, At: at(30)}}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.PassedThrough(ctx, evil); len(got) != 1 || got[0].To != evil {
		t.Fatalf("PassedThrough(evil) = %v", got)
	}
	if path, _ := s.LotPath(ctx, "L1"); len(path) != 5 {
		t.Fatalf("L1 changed: %v", path)
	}
}
