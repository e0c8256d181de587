package member_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/network"
)

var ctx = context.Background()

func register(t *testing.T, db *ledger.DB, r member.Registration) (member.Member, error) {
	t.Helper()
	var m member.Member
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		var err error
		m, err = member.Register(ctx, tx, r)
		return err
	})
	return m, err
}

func mustRegister(t *testing.T, db *ledger.DB, code, sponsor, parent, side string) member.Member {
	t.Helper()
	return goodstest.Register(t, db, member.Registration{Code: code, Name: "会员 " + code, Phone: "+8613800000000",
		Sponsor: sponsor, Placement: parent, Side: side, By: "test"})
}

// smallNetwork builds:
//
//	sponsor:   A -> B, C; B -> D
//	placement: A(L B, R C); B(L D)
func smallNetwork(t *testing.T) *ledger.DB {
	db := ledgertest.DB(t)
	mustRegister(t, db, "A001", "", "", "")
	mustRegister(t, db, "B001", "A001", "A001", "L")
	mustRegister(t, db, "C001", "A001", "A001", "R")
	mustRegister(t, db, "D001", "B001", "B001", "L")
	return db
}

func TestRegisterStoresMemberAndEvent(t *testing.T) {
	db := smallNetwork(t)
	m, err := register(t, db, member.Registration{Name: "  张伟 ", Phone: "+8613912345678", Lang: "zh-CN",
		Sponsor: "B001", Placement: "B001", Side: "r", By: "agency1"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(m.Code, "CN") || m.Name != "张伟" || m.SponsorCode != "B001" || m.ParentCode != "B001" || m.Side != network.Right || m.Status != network.Active {
		t.Fatalf("registered %+v", m)
	}
	got, err := member.Get(ctx, db.Pool, m.Code)
	if err != nil || got.ID != m.ID {
		t.Fatalf("Get(%s) = %+v, %v", m.Code, got, err)
	}
	evs, err := db.ReadOutbox(ctx, 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	last := evs[len(evs)-1]
	if len(evs) != 5 || last.Kind != member.EventRegistered || last.Key != m.Code || !strings.Contains(string(last.Payload), `"by": "agency1"`) && !strings.Contains(string(last.Payload), `"by":"agency1"`) {
		t.Fatalf("outbox %d events, last %+v %s", len(evs), last, last.Payload)
	}
}

func TestRegisterRefusals(t *testing.T) {
	db := smallNetwork(t)
	mustRegister(t, db, "E001", "C001", "C001", "L") // in C's leg, outside B's placement downline
	base := member.Registration{Code: "N001", Name: "李娜", Phone: "+8613800000001", By: "test"}
	cases := []struct {
		name string
		edit func(r *member.Registration)
		want error
		msg  string
	}{
		{"unknown sponsor", func(r *member.Registration) { r.Sponsor = "ZZZ999" }, ledger.ErrInvalid, `sponsor "ZZZ999" does not exist`},
		{"unknown placement parent", func(r *member.Registration) { r.Sponsor, r.Placement, r.Side = "A001", "ZZZ999", "L" }, ledger.ErrInvalid, `placement parent "ZZZ999" does not exist`},
		{"taken slot", func(r *member.Registration) { r.Sponsor, r.Placement, r.Side = "A001", "A001", "L" }, ledger.ErrConflict, `slot L under "A001" is already taken`},
		{"outside sponsor's placement downline", func(r *member.Registration) { r.Sponsor, r.Placement, r.Side = "B001", "E001", "L" }, ledger.ErrInvalid, `outside sponsor "B001"'s placement downline`},
		{"auto-placement under a member outside the downline", func(r *member.Registration) { r.Sponsor, r.Under = "B001", "C001" }, ledger.ErrInvalid, `outside sponsor "B001"'s placement downline`},
		{"duplicate code", func(r *member.Registration) { r.Code, r.Sponsor = "D001", "A001" }, ledger.ErrConflict, `member code "D001" is already taken`},
		{"malformed phone", func(r *member.Registration) { r.Sponsor, r.Phone = "A001", "13800000000" }, ledger.ErrInvalid, `phone "13800000000" must be in international E.164 form`},
		{"malformed code", func(r *member.Registration) { r.Sponsor, r.Code = "A001", "x y" }, ledger.ErrInvalid, `member code "x y"`},
		{"empty name", func(r *member.Registration) { r.Sponsor, r.Name = "A001", "  " }, ledger.ErrInvalid, "name is required"},
		{"bad side", func(r *member.Registration) { r.Sponsor, r.Placement, r.Side = "A001", "D001", "X" }, ledger.ErrInvalid, `side "X" must be L or R`},
		{"parent without side", func(r *member.Registration) { r.Sponsor, r.Placement = "A001", "D001" }, ledger.ErrInvalid, "needs both"},
		{"bad language", func(r *member.Registration) { r.Sponsor, r.Lang = "A001", "fr" }, ledger.ErrInvalid, `language "fr"`},
		{"bad strategy", func(r *member.Registration) { r.Sponsor, r.Auto = "A001", "sideways" }, ledger.ErrInvalid, `strategy "sideways"`},
	}
	before := ledgertest.Count(t, db, `SELECT count(*) FROM members`)
	events := ledgertest.Count(t, db, `SELECT count(*) FROM outbox`)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := base
			c.edit(&r)
			_, err := register(t, db, r)
			if !errors.Is(err, c.want) || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("err = %v, want %v containing %q", err, c.want, c.msg)
			}
		})
	}
	if n := ledgertest.Count(t, db, `SELECT count(*) FROM members`); n != before {
		t.Fatalf("refused registrations left %d members, want %d", n, before)
	}
	if n := ledgertest.Count(t, db, `SELECT count(*) FROM outbox`); n != events {
		t.Fatalf("refused registrations left %d events, want %d", n, events)
	}
}

func TestAutoPlacement(t *testing.T) {
	// placement: A(L B, R C); B(L D); D(L F); C(R G)
	db := smallNetwork(t)
	mustRegister(t, db, "F001", "D001", "D001", "L")
	mustRegister(t, db, "G001", "C001", "C001", "R")
	cases := []struct {
		how        network.AutoPlace
		under      string
		wantParent string
		wantSide   network.Side
	}{
		{network.Leftmost, "A001", "F001", network.Left},
		{network.Rightmost, "A001", "G001", network.Right},
		{network.Balanced, "A001", "B001", network.Right},
		{network.Balanced, "C001", "C001", network.Left},
		{network.WeakLeg, "A001", "C001", network.Left},
		{network.WeakLeg, "B001", "B001", network.Right},
		{network.Leftmost, "C001", "C001", network.Left},
	}
	for i, c := range cases {
		t.Run(fmt.Sprintf("%s under %s", c.how, c.under), func(t *testing.T) {
			var m member.Member
			// Each case registers into a throwaway transaction so the tree stays the same.
			err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
				var err error
				m, err = member.Register(ctx, tx, member.Registration{Code: fmt.Sprintf("AUTO%02d", i), Name: "auto", Phone: "+8613800000002",
					Sponsor: "A001", Auto: c.how, Under: c.under, By: "test"})
				if err != nil {
					return err
				}
				return errRollback
			})
			if !errors.Is(err, errRollback) {
				t.Fatal(err)
			}
			if m.ParentCode != c.wantParent || m.Side != c.wantSide {
				t.Fatalf("placed under %s %s, want %s %s", m.ParentCode, m.Side, c.wantParent, c.wantSide)
			}
		})
	}
}

var errRollback = errors.New("rollback")

// 50 registrations race for one slot: exactly one wins, the others are told
// the slot is taken, and nothing of theirs is left behind.
func TestConcurrentRegistrationsForOneSlot(t *testing.T) {
	db := smallNetwork(t)
	before := ledgertest.Count(t, db, `SELECT count(*) FROM members`)
	events := ledgertest.Count(t, db, `SELECT count(*) FROM outbox`)
	const n = 50
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			<-start
			_, errs[i] = register(t, db, member.Registration{Code: fmt.Sprintf("RACE%03d", i), Name: "抢位", Phone: "+8613800000003",
				Sponsor: "A001", Placement: "C001", Side: "L", By: "test"})
		}(i)
	}
	close(start)
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case errors.Is(err, ledger.ErrConflict) && strings.Contains(err.Error(), `slot L under "C001" is already taken`):
		default:
			t.Errorf("registration %d: unexpected error %v", i, err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d registrations won the slot, want exactly 1", wins)
	}
	if got := ledgertest.Count(t, db, `SELECT count(*) FROM members`); got != before+1 {
		t.Fatalf("%d members, want %d", got, before+1)
	}
	if got := ledgertest.Count(t, db, `SELECT count(*) FROM outbox`); got != events+1 {
		t.Fatalf("%d outbox events, want %d", got, events+1)
	}
}

// Auto-placed registrations racing under one member all succeed, each in its own slot.
func TestConcurrentAutoPlacement(t *testing.T) {
	db := smallNetwork(t)
	const n = 20
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			_, errs[i] = register(t, db, member.Registration{Code: fmt.Sprintf("AUTO%03d", i), Name: "auto", Phone: "+8613800000004",
				Sponsor: "A001", Auto: network.Leftmost, By: "test"})
		}(i)
	}
	wg.Wait()
	failed := 0
	for _, err := range errs {
		if err != nil {
			if !errors.Is(err, ledger.ErrConflict) {
				t.Fatalf("unexpected error %v", err)
			}
			failed++
		}
	}
	// Leftmost under contention can exhaust its retries; what matters is that
	// every winner has its own slot and losers are told to try again.
	if failed == n {
		t.Fatal("every auto-placed registration failed")
	}
	if got := ledgertest.Count(t, db, `SELECT count(*) FROM (SELECT placement_parent_id, placement_side FROM members WHERE placement_parent_id IS NOT NULL GROUP BY 1, 2 HAVING count(*) > 1) x`); got != 0 {
		t.Fatalf("%d slots hold two members", got)
	}
}

func move(t *testing.T, db *ledger.DB, r member.MoveRequest) error {
	t.Helper()
	return db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := member.Move(ctx, tx, r)
		return err
	})
}

func TestMoveRefusesCycles(t *testing.T) {
	db := smallNetwork(t)
	cases := []member.MoveRequest{
		{Member: "B001", Tree: network.Sponsor, To: "D001", By: "hq"},
		{Member: "B001", Tree: network.Sponsor, To: "B001", By: "hq"},
		{Member: "A001", Tree: network.Placement, To: "D001", Side: "R", By: "hq"},
	}
	for _, c := range cases {
		err := move(t, db, c)
		if !errors.Is(err, ledger.ErrInvalid) || !strings.Contains(err.Error(), "own") {
			t.Errorf("move %s under %s: err = %v, want a refused cycle", c.Member, c.To, err)
		}
	}
	if err := move(t, db, member.MoveRequest{Member: "D001", Tree: network.Placement, To: "A001", Side: "L", By: "hq"}); !errors.Is(err, ledger.ErrConflict) {
		t.Errorf("move into a taken slot: err = %v", err)
	}
	if err := move(t, db, member.MoveRequest{Member: "D001", Tree: network.Placement, To: "C001", By: "hq"}); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("placement move without side: err = %v", err)
	}
	if n := ledgertest.Count(t, db, `SELECT count(*) FROM member_moves`); n != 0 {
		t.Fatalf("refused moves recorded %d rows", n)
	}
}

func TestMoveHistoryAndTreeAsOf(t *testing.T) {
	db := smallNetwork(t)
	t0 := time.Now()
	time.Sleep(10 * time.Millisecond)
	if err := move(t, db, member.MoveRequest{Member: "D001", Tree: network.Sponsor, To: "C001", By: "hq-admin", Reason: "transfer request"}); err != nil {
		t.Fatal(err)
	}
	if err := move(t, db, member.MoveRequest{Member: "B001", Tree: network.Placement, To: "C001", Side: "L", By: "hq-admin"}); err != nil {
		t.Fatal(err)
	}
	t1 := time.Now()
	time.Sleep(10 * time.Millisecond)
	if err := move(t, db, member.MoveRequest{Member: "D001", Tree: network.Sponsor, To: "A001", By: "hq-admin"}); err != nil {
		t.Fatal(err)
	}
	mustRegister(t, db, "L001", "A001", "A001", "L") // B's old slot is free again

	d, _ := member.Get(ctx, db.Pool, "D001")
	b, _ := member.Get(ctx, db.Pool, "B001")
	if d.SponsorCode != "A001" || b.ParentCode != "C001" || b.Side != network.Left {
		t.Fatalf("current: D sponsored by %s, B placed under %s %s", d.SponsorCode, b.ParentCode, b.Side)
	}
	hist, err := member.Moves(ctx, db.Pool, "D001")
	if err != nil || len(hist) != 2 || hist[0].FromParent != "B001" || hist[0].ToParent != "C001" || hist[0].By != "hq-admin" || hist[0].Reason != "transfer request" || hist[1].ToParent != "A001" {
		t.Fatalf("history %+v, %v", hist, err)
	}

	parents := func(tree network.Tree, at time.Time) map[int64]string {
		links, err := member.LinksAsOf(ctx, db.Pool, tree, at)
		if err != nil {
			t.Fatal(err)
		}
		out := map[int64]string{}
		for _, l := range links {
			out[l.ID] = fmt.Sprintf("%d%s", l.Parent, l.Side)
		}
		return out
	}
	a, _ := member.Get(ctx, db.Pool, "A001")
	c, _ := member.Get(ctx, db.Pool, "C001")
	at0s, at1s, nowS := parents(network.Sponsor, t0), parents(network.Sponsor, t1), parents(network.Sponsor, time.Now())
	if at0s[d.ID] != fmt.Sprint(b.ID) || at1s[d.ID] != fmt.Sprint(c.ID) || nowS[d.ID] != fmt.Sprint(a.ID) {
		t.Fatalf("D's sponsor at t0 %s, t1 %s, now %s", at0s[d.ID], at1s[d.ID], nowS[d.ID])
	}
	at0p, at1p := parents(network.Placement, t0), parents(network.Placement, t1)
	if at0p[b.ID] != fmt.Sprintf("%dL", a.ID) || at1p[b.ID] != fmt.Sprintf("%dL", c.ID) {
		t.Fatalf("B's placement at t0 %s, t1 %s", at0p[b.ID], at1p[b.ID])
	}
	if _, ok := at1p[0]; ok || len(at1p) != 4 {
		t.Fatalf("tree at t1 has %d members, want 4 (L001 joined later)", len(at1p))
	}

	snap, err := member.TakeSnapshot(ctx, db, nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(snap.Members) != 5 || len(snap.Moves) != 3 || snap.LastSeq == 0 {
		t.Fatalf("snapshot: %d members, %d moves, seq %d", len(snap.Members), len(snap.Moves), snap.LastSeq)
	}
	for _, m := range snap.Members {
		if m.ID == network.MemberID(d.ID) && m.Sponsor != network.MemberID(b.ID) {
			t.Fatalf("snapshot gives D its original sponsor %d, want %d", m.Sponsor, b.ID)
		}
	}
}

func TestSetStatus(t *testing.T) {
	db := smallNetwork(t)
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := member.SetStatus(ctx, tx, "C001", network.Terminated, "hq", "left the company")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := register(t, db, member.Registration{Name: "x", Phone: "+8613800000005", Sponsor: "C001", By: "t"}); !errors.Is(err, ledger.ErrInvalid) || !strings.Contains(err.Error(), "terminated") {
		t.Fatalf("a terminated sponsor registered a member: %v", err)
	}
	err = db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		_, err := member.SetStatus(ctx, tx, "C001", "gone", "hq", "")
		return err
	})
	if !errors.Is(err, ledger.ErrInvalid) {
		t.Fatalf("bad status: %v", err)
	}
}
