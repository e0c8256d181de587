package neo4j

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
	"downline/graphstore/memory"
	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/ledger/stock"
	"downline/network"
	"downline/projection"
)

// Tests of the store fed from a real ledger (Postgres): sync, catch-up,
// circulation, and a Neo4j that goes away and comes back empty.

func register(t testing.TB, db *ledger.DB, code, sponsor string) {
	t.Helper()
	goodstest.Register(t, db, member.Registration{Code: code, Name: "名 " + code,
		Phone: "+8613800000000", Sponsor: sponsor, Auto: network.Balanced, By: "test"})
}

// registerTeam adds n members under the existing ones, round robin.
func registerTeam(t testing.TB, db *ledger.DB, prefix string, n int, sponsors []string) []string {
	t.Helper()
	var codes []string
	for i := range n {
		c := fmt.Sprintf("%s%03d", prefix, i)
		register(t, db, c, sponsors[i%len(sponsors)])
		codes = append(codes, c)
	}
	return codes
}

func checkClean(t *testing.T, db *ledger.DB, s *Store) {
	t.Helper()
	rep, err := projection.Check(context.Background(), db, s, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total != 0 || rep.LedgerMembers != rep.StoreMembers {
		t.Fatalf("feed.Check: %+v", rep)
	}
}

// noDuplicates counts members and tree links by id in Cypher: one node per
// id, one current link per member and tree.
func noDuplicates(t *testing.T, s *Store, members int64) {
	t.Helper()
	ctx := context.Background()
	counts, err := read(ctx, s, func(tx neo4j.ManagedTransaction) ([]int64, error) {
		var out []int64
		for _, q := range []string{
			`MATCH (m:Member) RETURN count(m)`,
			`MATCH (m:Member) WITH m.id AS id, count(*) AS n WHERE n > 1 RETURN count(id)`,
			`MATCH (c:Member)-[r:SPONSOR|PLACED]->(:Member) WITH c.id AS id, type(r) AS t, count(*) AS n WHERE n > 1 RETURN count(id)`,
			`MATCH (c:Member)-[r:SPONSOR|PLACED|SPONSOR_WAS|PLACED_WAS]->(p:Member)
			 WITH c.id AS c, p.id AS p, type(r) AS t, r.since AS since, count(*) AS n WHERE n > 1 RETURN count(c)`,
		} {
			rec, err := single(ctx, tx, q, nil)
			if err != nil {
				return nil, err
			}
			out = append(out, asInt(rec.Values[0]))
		}
		return out, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := []int64{members, 0, 0, 0}; !reflect.DeepEqual(counts, want) {
		t.Fatalf("members, duplicate ids, members with two current links, duplicate links = %v, want %v", counts, want)
	}
}

// feed.Sync bulk-loads the ledger (moves included) into Neo4j, and the feed
// carries on from there; feed.Check finds no difference either time.
func TestSyncThenFeed(t *testing.T) {
	ctx := context.Background()
	s := freshStore(t)
	db := ledgertest.DB(t)
	register(t, db, "ROOT", "")
	first := registerTeam(t, db, "A", 30, []string{"ROOT"})
	registerTeam(t, db, "B", 30, first[:5])
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := member.Move(ctx, tx, member.MoveRequest{Member: "B003", Tree: network.Sponsor, To: "A020", By: "hq"})
		return err
	})
	registerTeam(t, db, "C", 10, []string{"A020", "B003"})
	// A placement move that frees a slot, and a newcomer who takes it: the
	// snapshot then holds two members who joined into the same slot, which
	// the load must replay in time order.
	ref := memory.New()
	if err := projection.Sync(ctx, db, ref, nil); err != nil {
		t.Fatal(err)
	}
	a0, _ := ref.MemberByCode(ctx, "A000")
	slot, err := ref.Place(ctx, a0.ID, network.Leftmost)
	if err != nil {
		t.Fatal(err)
	}
	under, _ := ref.Member(ctx, slot.Parent)
	root, _ := ref.MemberByCode(ctx, "ROOT")
	if a1, _ := ref.MemberByCode(ctx, "A001"); a1.Parent != root.ID || a1.Side != network.Right {
		t.Fatalf("A001 is not at ROOT/R: %+v", a1)
	}
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := member.Move(ctx, tx, member.MoveRequest{Member: "A001", Tree: network.Placement, To: under.Code, Side: slot.Side.String(), By: "hq"})
		return err
	})
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := member.Register(ctx, tx, member.Registration{Code: "Z001", Name: "名 Z001", Phone: "+8613800000000",
			Sponsor: "ROOT", Placement: "ROOT", Side: "R", By: "test"})
		return err
	})
	if err := projection.Sync(ctx, db, s, nil); err != nil {
		t.Fatal(err)
	}
	checkClean(t, db, s)
	noDuplicates(t, s, 72)

	registerTeam(t, db, "D", 10, []string{"C001"})
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := member.Move(ctx, tx, member.MoveRequest{Member: "C001", Tree: network.Sponsor, To: "ROOT", By: "hq"})
		return err
	})
	f := &projection.Feed{DB: db, Store: s}
	if n, err := f.CatchUp(ctx); err != nil || n != 11 {
		t.Fatalf("CatchUp = %d, %v; want 11 events", n, err)
	}
	checkClean(t, db, s)
	noDuplicates(t, s, 82)
}

// A lot shipped HQ -> agency -> member, as the ledger's stock code writes it
// to the outbox, reaches Neo4j's circulation graph through the feed, once,
// however often the feed re-reads it; a sync backfills it.
func TestCirculationFeed(t *testing.T) {
	ctx := context.Background()
	s := freshStore(t)
	db := ledgertest.DB(t)
	register(t, db, "ROOT", "")
	register(t, db, "CN0000002", "ROOT")
	at := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	hq := stock.Warehouse{ID: 1, Code: "HQ-SH"}
	agency := stock.Warehouse{ID: 2, Code: "AG-HZ", AgencyID: 7, AgencyCode: "HZ"}
	buyer := stock.Holder{Kind: "member", ID: 2, Code: "CN0000002"}
	emit := func(m ...stock.LotMoved) {
		goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error { return stock.EmitLotMoved(ctx, tx, m) })
	}
	emit(stock.LotMoved{Lot: 41, SKU: "TEA-250", Batch: "2025-02", From: stock.Holder{Kind: "supplier"}, To: hq.Holder(), Qty: 100, At: at})
	emit(stock.LotMoved{Lot: 41, SKU: "TEA-250", Batch: "2025-02", From: hq.Holder(), To: agency.Holder(), Qty: 20,
		Order: "PO-1", Shipment: "SH-1", At: at.Add(time.Hour)})
	emit(stock.LotMoved{Lot: 41, SKU: "TEA-250", Batch: "2025-02", From: agency.Holder(), To: buyer, Qty: 2,
		Order: "SO-9", Shipment: "SH-2", At: at.Add(2 * time.Hour)})

	f := &projection.Feed{DB: db, Store: s, Batch: 2} // batches that split the shipment
	if _, err := f.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	// A restarted feed re-reads everything after the store's LastSeq.
	if _, err := (&projection.Feed{DB: db, Store: s}).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	path, err := s.LotPath(ctx, "41")
	if err != nil {
		t.Fatal(err)
	}
	hqH := graphstore.Holder{Kind: graphstore.Warehouse, ID: "HQ-SH"}
	agH := graphstore.Holder{Kind: graphstore.Agency, ID: "AG-HZ"}
	memberH := graphstore.Holder{Kind: graphstore.MemberHolder, ID: "CN0000002"}
	route := func(ms []graphstore.Movement) []string {
		var out []string
		for _, m := range ms {
			out = append(out, fmt.Sprintf("%s:%s->%s:%s x%d %s %s", m.From.Kind, m.From.ID, m.To.Kind, m.To.ID, m.Qty, m.Shipment, m.At.Format(time.RFC3339)))
		}
		return out
	}
	want := []string{
		"supplier:supplier->warehouse:HQ-SH x100  2025-03-01T09:00:00Z",
		"warehouse:HQ-SH->agency:AG-HZ x20 SH-1 2025-03-01T10:00:00Z",
		"agency:AG-HZ->member:CN0000002 x2 SH-2 2025-03-01T11:00:00Z",
	}
	if got := route(path); !reflect.DeepEqual(got, want) {
		t.Fatalf("LotPath(41) =\n%q\nwant\n%q", got, want)
	}
	through, err := s.PassedThrough(ctx, agH)
	if err != nil {
		t.Fatal(err)
	}
	if got := route(through); !reflect.DeepEqual(got, want[1:]) {
		t.Fatalf("PassedThrough(agency) =\n%q\nwant\n%q", got, want[1:])
	}
	if got, _ := s.PassedThrough(ctx, memberH); len(got) != 1 {
		t.Fatalf("PassedThrough(member) = %v", got)
	}
	if got, _ := s.PassedThrough(ctx, hqH); len(got) != 2 {
		t.Fatalf("PassedThrough(HQ) = %v", got)
	}

	// A store rebuilt by sync gets the same circulation.
	if err := s.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if err := projection.Sync(ctx, db, s, nil); err != nil {
		t.Fatal(err)
	}
	if again, err := s.LotPath(ctx, "41"); err != nil || !reflect.DeepEqual(route(again), want) {
		t.Fatalf("LotPath(41) after sync = %q, %v", route(again), err)
	}
}
