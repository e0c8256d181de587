package projection_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/graphstore/memory"
	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/network"
	"downline/projection"
)

var ctx = context.Background()

func reg(t testing.TB, db *ledger.DB, code, sponsor string, how network.AutoPlace) {
	t.Helper()
	goodstest.Register(t, db, member.Registration{Code: code, Name: "名 " + code, Phone: "+8613800000000",
		Sponsor: sponsor, Auto: how, By: "test"})
}

// A store loaded from the ledger and then fed from the outbox matches the
// ledger after registrations, moves and status changes, in both trees and as
// of past times.
func TestSyncFeedCheck(t *testing.T) {
	db := ledgertest.DB(t)
	reg(t, db, "ROOT", "", "")
	for i := 0; i < 30; i++ {
		sponsor := "ROOT"
		if i >= 6 {
			sponsor = []string{"ROOT", "M000", "M001", "M005"}[i%4]
		}
		reg(t, db, fmt.Sprintf("M%03d", i), sponsor, network.Balanced)
	}
	store := memory.New()
	if err := projection.Sync(ctx, db, store, nil); err != nil {
		t.Fatal(err)
	}
	if err := projection.Sync(ctx, db, store, nil); err == nil {
		t.Fatal("a second sync into a non-empty store succeeded")
	}
	f := &projection.Feed{DB: db, Store: store}
	before := time.Now()
	time.Sleep(5 * time.Millisecond)
	for i := 30; i < 40; i++ {
		reg(t, db, fmt.Sprintf("M%03d", i), "M002", network.WeakLeg)
	}
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		if _, err := member.Move(ctx, tx, member.MoveRequest{Member: "M005", Tree: network.Sponsor, To: "M030", By: "hq"}); err != nil {
			return err
		}
		_, err := member.SetStatus(ctx, tx, "M007", network.Suspended, "hq", "")
		return err
	})
	if f.Lag() != 0 {
		t.Fatalf("lag %d before the first catch-up", f.Lag())
	}
	n, err := f.CatchUp(ctx)
	if err != nil || n != 12 {
		t.Fatalf("caught up %d events, %v; want 12", n, err)
	}
	if f.Lag() != 0 {
		t.Fatalf("lag %d after catching up", f.Lag())
	}
	rep, err := projection.Check(ctx, db, store, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total != 0 || rep.LedgerMembers != 41 || rep.StoreMembers != 41 {
		t.Fatalf("check: %+v", rep)
	}
	m, _ := store.MemberByCode(ctx, "M007")
	if m.Status != network.Suspended {
		t.Fatalf("status not fed: %+v", m)
	}
	// A past export from the store equals the ledger's links at that time.
	exp, err := store.Export(ctx, network.Sponsor, before)
	if err != nil {
		t.Fatal(err)
	}
	links, err := member.LinksAsOf(ctx, db.Pool, network.Sponsor, before)
	if err != nil {
		t.Fatal(err)
	}
	if len(exp.IDs) != len(links) || len(links) != 31 {
		t.Fatalf("export as of before: %d members, ledger %d", len(exp.IDs), len(links))
	}
	want := map[network.MemberID]int64{}
	for _, l := range links {
		want[network.MemberID(l.ID)] = l.Parent
	}
	for i, id := range exp.IDs {
		var p int64
		if exp.Parent[i] >= 0 {
			p = int64(exp.IDs[exp.Parent[i]])
		}
		if want[id] != p {
			t.Fatalf("member %d: store says parent %d as of before, ledger %d", id, p, want[id])
		}
	}
	// Re-reading the same events changes nothing.
	again := &projection.Feed{DB: db, Store: store}
	if n, err := again.CatchUp(ctx); err != nil || n != 0 {
		t.Fatalf("replay applied %d events, %v", n, err)
	}
}

// Check tells each kind of difference apart: a link the store lacks, one
// only the store has, a different parent or side; it lists up to the limit,
// counts them all and reports each tree's end.
func TestCheckKindsOfDifference(t *testing.T) {
	db := ledgertest.DB(t)
	reg(t, db, "ROOT", "", "")
	reg(t, db, "A001", "ROOT", network.Balanced)
	reg(t, db, "B001", "ROOT", network.Balanced)
	store := memory.New()
	if err := projection.Sync(ctx, db, store, nil); err != nil {
		t.Fatal(err)
	}
	a, _ := store.MemberByCode(ctx, "A001")
	b, _ := store.MemberByCode(ctx, "B001")
	// Only in the store: B001 moved under A001's left, and a member 999.
	err := store.Apply(ctx, []network.Event{
		{Seq: 1000, At: time.Now(), Kind: network.EventMoved, Tree: network.Placement, Member: network.Member{ID: b.ID, Parent: a.ID, Side: network.Left}},
		{Seq: 1001, At: time.Now(), Kind: network.EventRegistered, Member: network.Member{ID: 999, Code: "X999", Status: network.Active, Joined: time.Now(), Sponsor: a.ID, Parent: a.ID, Side: network.Right}},
	})
	if err != nil {
		t.Fatal(err)
	}
	reg(t, db, "C001", "B001", network.Balanced) // only in the ledger
	var steps []string
	rep, err := projection.Check(ctx, db, store, 3, func(s string) { steps = append(steps, s) })
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range rep.Differences {
		got = append(got, d.String())
	}
	var cID int64
	if err := db.Pool.QueryRow(ctx, `SELECT id FROM members WHERE code = 'C001'`).Scan(&cID); err != nil {
		t.Fatal(err)
	}
	root, _ := store.MemberByCode(ctx, "ROOT")
	// Sponsor: C001 missing, 999 extra. Placement: B001 moved, then C001
	// and 999 again (not listed: the limit is 3).
	want := []string{
		fmt.Sprintf("sponsor tree, member %d: ledger has parent %d, graph store has missing", cID, b.ID),
		fmt.Sprintf("sponsor tree, member 999: ledger has missing, graph store has parent %d", a.ID),
		fmt.Sprintf("placement tree, member %d: ledger has parent %d side R, graph store has parent %d side L", b.ID, root.ID, a.ID),
	}
	if rep.Total != 5 || strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("total %d, differences:\n%s\nwant 5, listing:\n%s", rep.Total, strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if len(steps) != 2 || !strings.HasPrefix(steps[0], "sponsor tree: 4 links in the ledger, 4 in the graph store, 2 differences") ||
		!strings.HasPrefix(steps[1], "placement tree: 4 links in the ledger, 4 in the graph store, 3 differences") {
		t.Errorf("progress: %q", steps)
	}
}

// Check lists a store that has fallen behind.
func TestCheckFindsDifferences(t *testing.T) {
	db := ledgertest.DB(t)
	reg(t, db, "ROOT", "", "")
	reg(t, db, "A001", "ROOT", network.Balanced)
	store := memory.New()
	if err := projection.Sync(ctx, db, store, nil); err != nil {
		t.Fatal(err)
	}
	reg(t, db, "B001", "A001", network.Balanced)
	rep, err := projection.Check(ctx, db, store, 10, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Total != 2 || rep.LedgerMembers != 3 || rep.StoreMembers != 2 || rep.Differences[0].Store != "missing" {
		t.Fatalf("check: %+v", rep)
	}
}

// BenchmarkRebuild1M is what `downline serve` does at start with the embedded
// store: a snapshot of a 1M-member ledger, then the in-memory build.
func BenchmarkRebuild1M(b *testing.B) {
	db := ledgertest.DB(b)
	gen := member.GenerateNetwork(1_000_000, 1, time.Now().AddDate(-2, 0, 0))
	if err := member.CopyNetwork(ctx, db, gen, nil); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	goStart, pgStart := processCPU(), clusterCPU()
	for i := 0; i < b.N; i++ {
		store := memory.New()
		if err := projection.Sync(ctx, db, store, nil); err != nil {
			b.Fatal(err)
		}
	}
	reportCPU(b, goStart, pgStart)
}

// A slot vacated by a move and taken by a later member: both members' first
// links name the same slot, and a rebuild must still come out right.
func TestSyncAfterASlotIsReused(t *testing.T) {
	db := ledgertest.DB(t)
	reg(t, db, "ROOT", "", "")
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		for _, r := range []member.Registration{
			{Code: "X001", Name: "x", Phone: "+8613800000000", Sponsor: "ROOT", Placement: "ROOT", Side: "L", By: "t"},
			{Code: "Y001", Name: "y", Phone: "+8613800000000", Sponsor: "ROOT", Placement: "ROOT", Side: "R", By: "t"},
		} {
			if _, err := member.Register(ctx, tx, r); err != nil {
				return err
			}
		}
		return nil
	})
	time.Sleep(5 * time.Millisecond)
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := member.Move(ctx, tx, member.MoveRequest{Member: "X001", Tree: network.Placement, To: "Y001", Side: "L", By: "hq"})
		return err
	})
	time.Sleep(5 * time.Millisecond)
	goodstest.Tx(t, db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := member.Register(ctx, tx, member.Registration{Code: "Z001", Name: "z", Phone: "+8613800000000",
			Sponsor: "ROOT", Placement: "ROOT", Side: "L", By: "t"})
		return err
	})
	store := memory.New()
	if err := projection.Sync(ctx, db, store, nil); err != nil {
		t.Fatal(err)
	}
	rep, err := projection.Check(ctx, db, store, 10, nil)
	if err != nil || rep.Total != 0 || rep.StoreMembers != 4 {
		t.Fatalf("check after a reused slot: %+v %v", rep, err)
	}
}
