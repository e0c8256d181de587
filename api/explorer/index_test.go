package explorer_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/api/explorer"
	"downline/clock"
	"downline/graphstore/memory"
	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/ledgertest"
	"downline/ledger/member"
	"downline/ledger/order"
	"downline/network"
	"downline/projection"
	"downline/settle/period"
)

// company is a ledger with a network built at pinned times in the
// company's zone (Asia/Shanghai), and the embedded graph store fed from it.
type company struct {
	t     *testing.T
	db    *ledger.DB
	loc   *time.Location
	store *memory.Store
	n     int
}

func newCompany(t *testing.T) *company {
	t.Setenv(ledger.CompanyZoneEnv, "Asia/Shanghai")
	loc, err := ledger.CompanyZone()
	if err != nil {
		t.Fatal(err)
	}
	db := ledgertest.DB(t)
	goodstest.World(t, db)
	return &company{t: t, db: db, loc: loc}
}

// day is a time in the company's zone.
func (c *company) day(y int, m time.Month, d, h, min, s int) time.Time {
	return time.Date(y, m, d, h, min, s, 0, c.loc)
}

// at runs fn in a transaction under a clock stopped at t.
func (c *company) at(t time.Time, fn func(ctx context.Context, tx pgx.Tx) error) {
	c.t.Helper()
	ctx := clock.With(context.Background(), clock.Fixed(t))
	if err := c.db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error { return fn(ctx, tx) }); err != nil {
		c.t.Fatal(err)
	}
}

func (c *company) join(at time.Time, code, sponsor, parent, side string) {
	c.t.Helper()
	c.at(at, func(ctx context.Context, tx pgx.Tx) error {
		c.n++
		_, err := member.Register(ctx, tx, member.Registration{Code: code, Name: "Name " + code, Phone: fmt.Sprintf("+86138%08d", c.n+100),
			Sponsor: sponsor, Placement: parent, Side: side, By: "test"})
		return err
	})
}

// buy places, pays and confirms at `at` an order of one VC-100 (PV 50) for
// code, and returns its number.
func (c *company) buy(at time.Time, code string) string {
	c.t.Helper()
	var no string
	c.at(at, func(ctx context.Context, tx pgx.Tx) error {
		c.n++
		o, err := goodstest.Buy(ctx, tx, fmt.Sprintf("explorer-%d", c.n), code, 1)
		no = o.No
		return err
	})
	return no
}

// sendBack ships order no at shipped and takes it back at returned.
func (c *company) sendBack(no string, shipped, returned time.Time) {
	c.t.Helper()
	var lot order.ShippedLot
	c.at(shipped, func(ctx context.Context, tx pgx.Tx) error {
		sh, err := order.Ship(ctx, tx, order.ShipRequest{Key: "s" + no, Order: no, Tracking: "SF" + no, By: "test"})
		if err == nil {
			lot = sh.Lots[0]
		}
		return err
	})
	c.at(returned, func(ctx context.Context, tx pgx.Tx) error {
		_, err := order.CreateReturn(ctx, tx, order.ReturnRequest{Key: "r" + no, Order: no, By: "test", Reason: "test",
			Lines: []order.ReturnLine{{Line: lot.Line, Batch: lot.Batch, Qty: lot.Qty}}})
		return err
	})
}

// sync loads the graph store from the ledger afresh.
func (c *company) sync() {
	c.t.Helper()
	c.store = memory.New()
	if err := projection.Sync(context.Background(), c.db, c.store, nil); err != nil {
		c.t.Fatal(err)
	}
}

func (c *company) source() explorer.Source { return explorer.Source{DB: c.db, Graph: c.store} }

// build builds the index of a month, as of its end when past at now.
func (c *company) build(code string, now time.Time) *explorer.Index {
	c.t.Helper()
	_, from, to, err := period.ParseCode(code, c.loc)
	if err != nil {
		c.t.Fatal(err)
	}
	var asOf time.Time
	if !to.After(now) {
		asOf = to
	}
	x, err := explorer.Build(context.Background(), c.source(), code, from, to, asOf)
	if err != nil {
		c.t.Fatal(err)
	}
	return x
}

// num is code's number in x; absent fails the test.
func (c *company) num(x *explorer.Index, code string) int32 {
	c.t.Helper()
	i, ok := c.find(x, code)
	if !ok {
		c.t.Fatalf("%s: %s is not in the index", x.Period, code)
	}
	return i
}

func (c *company) find(x *explorer.Index, code string) (int32, bool) {
	c.t.Helper()
	m, err := c.store.MemberByCode(context.Background(), code)
	if err != nil {
		c.t.Fatal(err)
	}
	return x.Lookup(m.ID)
}

// figures is the part of a node the tests compare.
type figures struct {
	Parent, Sponsor   string
	Team, Active      int64
	PV, GV, Left, Rgt string
	New, Spill        bool
}

func (c *company) figures(x *explorer.Index, t network.Tree, code string) figures {
	c.t.Helper()
	n := x.Node(t, c.num(x, code))
	return figures{Parent: n.Parent, Sponsor: n.Sponsor, Team: n.Team, Active: n.Active, PV: n.PV.String(), GV: n.GV.String(),
		Left: n.LeftGV.String(), Rgt: n.RightGV.String(), New: n.New, Spill: n.Spillover}
}

func (c *company) codes(x *explorer.Index, t network.Tree, is []int32) []string {
	out := []string{}
	for _, i := range is {
		out = append(out, x.Node(t, i).Code)
	}
	return out
}

func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s:\n got %+v\nwant %+v", what, got, want)
	}
}

// The network (all joined 5 January 2026 unless said otherwise):
//
//	sponsor:   ROOT -> AAA -> AAA1;  ROOT -> BBB -> BBB1 (moved under AAA on 10 April);  AAA -> CCC (joined 20 April)
//	placement: ROOT -> AAA (L) -> AAA1 (L), CCC (R);  ROOT -> BBB (R) -> BBB1 (L)
//
// AAA1 buys at 23:59:59 on 31 March (Shanghai) and returns it on 15 April; BBB1
// buys at 00:00:00 on 1 April.
func TestIndexAsTheTreesStood(t *testing.T) {
	c := newCompany(t)
	jan := c.day(2026, 1, 5, 9, 0, 0)
	c.join(jan, "ROOT", "", "", "")
	c.join(jan, "AAA", "ROOT", "ROOT", "L")
	c.join(jan, "BBB", "ROOT", "ROOT", "R")
	c.join(jan, "AAA1", "AAA", "AAA", "L")
	c.join(jan, "BBB1", "BBB", "BBB", "L")
	a1 := c.buy(c.day(2026, 3, 31, 23, 59, 59), "AAA1")
	c.buy(c.day(2026, 4, 1, 0, 0, 0), "BBB1")
	c.at(c.day(2026, 4, 10, 12, 0, 0), func(ctx context.Context, tx pgx.Tx) error {
		_, err := member.Move(ctx, tx, member.MoveRequest{Member: "BBB1", Tree: network.Sponsor, To: "AAA", By: "test", Reason: "test"})
		return err
	})
	c.sendBack(a1, c.day(2026, 4, 2, 10, 0, 0), c.day(2026, 4, 15, 10, 0, 0))
	c.join(c.day(2026, 4, 20, 9, 0, 0), "CCC", "AAA", "AAA", "R")
	c.sync()
	now := c.day(2026, 5, 3, 12, 0, 0)

	march := c.build("2026-03", now)
	if !march.AsOf.Equal(c.day(2026, 4, 1, 0, 0, 0)) {
		t.Errorf("March is taken as of %s", march.AsOf)
	}
	// The order at 23:59:59 on the last day counts in March, the one at
	// midnight does not; B1 is still under B; C has not joined.
	same(t, "R in March", c.figures(march, network.Sponsor, "ROOT"), figures{Team: 4, Active: 4, PV: "0.00", GV: "50.00", Left: "0.00", Rgt: "0.00"})
	same(t, "A in March", c.figures(march, network.Sponsor, "AAA"), figures{Sponsor: "ROOT", Parent: "ROOT", Team: 1, Active: 1, PV: "0.00", GV: "50.00", Left: "0.00", Rgt: "0.00"})
	same(t, "B1 in March", c.figures(march, network.Sponsor, "BBB1"), figures{Sponsor: "BBB", Parent: "BBB", PV: "0.00", GV: "0.00", Left: "0.00", Rgt: "0.00"})
	same(t, "R's placement in March", c.figures(march, network.Placement, "ROOT"), figures{Team: 4, Active: 4, PV: "0.00", GV: "50.00", Left: "50.00", Rgt: "0.00"})
	if _, ok := c.find(march, "CCC"); ok {
		t.Error("C, who joined in April, is in March's trees")
	}
	same(t, "A's sponsor children in March", c.codes(march, network.Sponsor, march.Children(network.Sponsor, c.num(march, "AAA"))), []string{"AAA1"})

	april := c.build("2026-04", now)
	// B1 moved under A (sponsor only, so now a spillover); A1's return
	// takes its PV below zero; C is new.
	same(t, "A in April", c.figures(april, network.Sponsor, "AAA"), figures{Sponsor: "ROOT", Parent: "ROOT", Team: 3, Active: 3, PV: "0.00", GV: "0.00", Left: "0.00", Rgt: "0.00"})
	same(t, "A1 in April", c.figures(april, network.Sponsor, "AAA1"), figures{Sponsor: "AAA", Parent: "AAA", PV: "-50.00", GV: "-50.00", Left: "0.00", Rgt: "0.00"})
	same(t, "B1 in April", c.figures(april, network.Sponsor, "BBB1"), figures{Sponsor: "AAA", Parent: "BBB", PV: "50.00", GV: "50.00", Left: "0.00", Rgt: "0.00", Spill: true})
	same(t, "C in April", c.figures(april, network.Placement, "CCC"), figures{Sponsor: "AAA", Parent: "AAA", PV: "0.00", GV: "0.00", Left: "0.00", Rgt: "0.00", New: true})
	same(t, "B in April", c.figures(april, network.Sponsor, "BBB"), figures{Sponsor: "ROOT", Parent: "ROOT", PV: "0.00", GV: "0.00", Left: "0.00", Rgt: "0.00"})
	same(t, "R's placement in April", c.figures(april, network.Placement, "ROOT"), figures{Team: 5, Active: 5, PV: "0.00", GV: "0.00", Left: "-50.00", Rgt: "50.00"})
	same(t, "A's sponsor children in April (join order)", c.codes(april, network.Sponsor, april.Children(network.Sponsor, c.num(april, "AAA"))), []string{"AAA1", "BBB1", "CCC"})
	same(t, "A's placement children in April (left, right)", c.codes(april, network.Placement, april.Children(network.Placement, c.num(april, "AAA"))), []string{"AAA1", "CCC"})

	// In O(1): who is below whom, in each tree.
	r, a, b, b1 := c.num(april, "ROOT"), c.num(april, "AAA"), c.num(april, "BBB"), c.num(april, "BBB1")
	for _, k := range []struct {
		tree      network.Tree
		root, who int32
		want      bool
	}{
		{network.Sponsor, a, b1, true}, {network.Sponsor, b, b1, false}, {network.Placement, b, b1, true},
		{network.Placement, a, b1, false}, {network.Sponsor, r, b1, true}, {network.Sponsor, b1, b1, true}, {network.Sponsor, b1, a, false},
	} {
		if got := april.Contains(k.tree, k.root, k.who); got != k.want {
			t.Errorf("Contains(%s, %s, %s) = %t", k.tree, april.Node(k.tree, k.root).Code, april.Node(k.tree, k.who).Code, got)
		}
	}
	same(t, "path R..B1 (sponsor)", c.codes(april, network.Sponsor, april.Path(network.Sponsor, r, b1)), []string{"ROOT", "AAA", "BBB1"})
	same(t, "path B..A (not below)", april.Path(network.Sponsor, b, a), []int32(nil))
	same(t, "R's outer left leg", c.codes(april, network.Placement, april.LegEnd(r, network.Left)), []string{"ROOT", "AAA", "AAA1"})
	same(t, "R's outer right leg", c.codes(april, network.Placement, april.LegEnd(r, network.Right)), []string{"ROOT", "BBB"})
	same(t, "search b under R (code prefix)", c.codes(april, network.Sponsor, april.Search(network.Sponsor, r, "b", 10)), []string{"BBB1", "BBB"})
	same(t, "search name under B (placement)", c.codes(april, network.Placement, april.Search(network.Placement, b, "NAME B", 10)), []string{"BBB", "BBB1"})
	same(t, "search under B (sponsor) misses B1", c.codes(april, network.Sponsor, april.Search(network.Sponsor, b, "BBB1", 10)), []string{})
	same(t, "new in R's team in April", c.codes(april, network.Sponsor, april.NewMembers(r, 10)), []string{"CCC"})
	same(t, "new in R's team in March", c.codes(march, network.Sponsor, march.NewMembers(c.num(march, "ROOT"), 10)), []string{})
	if got := c.figures(april, network.Sponsor, "ROOT"); got.GV != "0.00" {
		t.Errorf("R's April GV %s: A1's -50 and B1's 50", got.GV)
	}
}

// The current period's index is rebuilt when the ledger moves on; a past
// one is kept; concurrent first reads share one build.
func TestCacheFollowsTheLedger(t *testing.T) {
	c := newCompany(t)
	jan := c.day(2026, 1, 5, 9, 0, 0)
	c.join(jan, "ROOT", "", "", "")
	c.join(jan, "AAA", "ROOT", "ROOT", "L")
	c.sync()
	now := c.day(2026, 2, 10, 12, 0, 0)
	ctx := context.Background()
	cache := &explorer.Cache{Source: c.source(), SyncBelow: time.Hour}
	get := func(code string) *explorer.Index {
		t.Helper()
		_, from, to, _ := period.ParseCode(code, c.loc)
		x, err := cache.Get(ctx, code, from, to, now)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	feb := get("2026-02")
	if !feb.AsOf.IsZero() {
		t.Errorf("the current month is taken as of %s, want now", feb.AsOf)
	}
	if got := c.figures(feb, network.Sponsor, "ROOT").GV; got != "0.00" {
		t.Fatalf("R's GV before any order: %s", got)
	}
	jan26 := get("2026-01")
	if get("2026-02") != feb || get("2026-01") != jan26 || cache.Builds() != 2 {
		t.Errorf("unchanged ledger: %d builds, want 2", cache.Builds())
	}
	c.buy(c.day(2026, 2, 10, 11, 0, 0), "AAA")
	feb2 := get("2026-02")
	if got := c.figures(feb2, network.Sponsor, "ROOT").GV; got != "50.00" {
		t.Errorf("R's GV after A's order: %s (a small index is checked on every read)", got)
	}
	if get("2026-01") != jan26 {
		t.Error("January was rebuilt for an order of February")
	}
	// A member joining reaches the index once the graph store has it.
	c.join(c.day(2026, 2, 10, 11, 30, 0), "BBB", "ROOT", "ROOT", "R")
	if _, err := (&projection.Feed{DB: c.db, Store: c.store}).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if got := c.figures(get("2026-02"), network.Sponsor, "ROOT").Team; got != 2 {
		t.Errorf("R's team after B joined: %d", got)
	}
}

func TestAmountPrintsExactly(t *testing.T) {
	for v, want := range map[int64]string{0: "0.00", 5: "0.05", -5: "-0.05", 1250: "12.50", -123456789: "-1234567.89", 100: "1.00"} {
		if got := explorer.Amount(v).String(); got != want {
			t.Errorf("Amount(%d) = %q, want %q", v, got, want)
		}
		if got := explorer.Amount(v).Decimal().StringFixed(2); got != want {
			t.Errorf("Amount(%d).Decimal() = %s, want %s", v, got, want)
		}
	}
}

// A large index is checked in the background: reads get the previous
// index until the rebuild is in.
func TestCacheServesThePreviousIndexMeanwhile(t *testing.T) {
	c := newCompany(t)
	jan := c.day(2026, 1, 5, 9, 0, 0)
	c.join(jan, "ROOT", "", "", "")
	c.join(jan, "AAA", "ROOT", "ROOT", "L")
	c.sync()
	now := c.day(2026, 2, 10, 12, 0, 0)
	ctx := context.Background()
	// Every index counts as large; checks as often as asked.
	cache := &explorer.Cache{Source: c.source(), SyncBelow: time.Nanosecond, Interval: time.Nanosecond}
	_, from, to, _ := period.ParseCode("2026-02", c.loc)
	get := func() *explorer.Index {
		t.Helper()
		x, err := cache.Get(ctx, "2026-02", from, to, now)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	first := get()
	c.buy(c.day(2026, 2, 10, 11, 0, 0), "AAA")
	if got := get(); got != first {
		t.Fatal("a large index was rebuilt before answering")
	}
	// A read after the check interval starts a rebuild, which comes in
	// for a later read; wait for it (a generous bound, not a measure).
	deadline := time.Now().Add(30 * time.Second)
	var x *explorer.Index
	for x = get(); x == first && time.Now().Before(deadline); x = get() {
		time.Sleep(10 * time.Millisecond)
	}
	if got := c.figures(x, network.Sponsor, "ROOT").GV; got != "50.00" || cache.Builds() != 2 {
		t.Errorf("ROOT's GV once rebuilt: %s, after %d builds", got, cache.Builds())
	}
}
