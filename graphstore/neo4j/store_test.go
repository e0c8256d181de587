package neo4j

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"downline/graphstore"
	"downline/network"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

// builder makes registration events with increasing Seq and join times.
type builder struct {
	seq    int64
	events []network.Event
}

func (b *builder) add(id, sponsor, parent network.MemberID, side network.Side) {
	b.seq++
	at := t0.Add(time.Duration(b.seq) * time.Hour)
	b.events = append(b.events, network.Event{Seq: b.seq, At: at, Kind: network.EventRegistered, Member: network.Member{
		ID: id, Code: code(id), Name: "member", Status: network.Active, Joined: at,
		Sponsor: sponsor, Parent: parent, Side: side,
	}})
}

func code(id network.MemberID) string { return fmt.Sprintf("CN%07d", id) }

func ids(nodes []graphstore.Node) []network.MemberID {
	var out []network.MemberID
	for _, n := range nodes {
		out = append(out, n.ID)
	}
	return out
}

// A small company: 1 at the top; sponsor and placement differ on purpose.
//
//	placement:      1
//	             2     3
//	           4   5     6(R)
//	sponsor: 1 -> 2, 3, 6; 2 -> 4, 5
func smallTree(t *testing.T, s *Store) *builder {
	t.Helper()
	b := &builder{}
	b.add(1, 0, 0, network.NoSide)
	b.add(2, 1, 1, network.Left)
	b.add(3, 1, 1, network.Right)
	b.add(4, 2, 2, network.Left)
	b.add(5, 2, 2, network.Right)
	b.add(6, 1, 3, network.Right)
	if err := s.Apply(context.Background(), b.events); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestQueries(t *testing.T) {
	ctx := context.Background()
	s := freshStore(t)
	smallTree(t, s)

	m, err := s.MemberByCode(ctx, code(5))
	if err != nil || m.ID != 5 || m.Sponsor != 2 || m.Parent != 2 || m.Side != network.Right || !m.Joined.Equal(t0.Add(5*time.Hour)) {
		t.Fatalf("MemberByCode = %+v, %v", m, err)
	}
	if _, err := s.Member(ctx, 99); !errors.Is(err, graphstore.ErrNotFound) {
		t.Fatalf("Member(99) err = %v, want ErrNotFound", err)
	}
	if n, _ := s.Count(ctx); n != 6 {
		t.Fatalf("Count = %d", n)
	}

	up, err := s.Upline(ctx, network.Placement, 6, 0)
	if err != nil || !reflect.DeepEqual(ids(up), []network.MemberID{3, 1}) || up[0].Depth != 1 || up[1].Depth != 2 {
		t.Fatalf("Upline(6) = %v, %v", up, err)
	}
	up, _ = s.Upline(ctx, network.Placement, 6, 1)
	if !reflect.DeepEqual(ids(up), []network.MemberID{3}) {
		t.Fatalf("Upline(6, 1) = %v", ids(up))
	}
	if up, _ = s.Upline(ctx, network.Sponsor, 1, 0); len(up) != 0 {
		t.Fatalf("Upline(root) = %v", up)
	}

	fl, _ := s.Frontline(ctx, network.Sponsor, 1)
	leg, err := s.LegOf(ctx, network.Sponsor, 1, 5)
	if err != nil || leg != (graphstore.LegCount{Head: 2, Total: 3, Active: 3}) {
		t.Fatalf("LegOf(sponsor, 1, 5) = %+v, %v", leg, err)
	}
	if !reflect.DeepEqual(ids(fl), []network.MemberID{2, 3, 6}) {
		t.Fatalf("Frontline(sponsor, 1) = %v", ids(fl))
	}

	team, err := s.Team(ctx, network.Placement, 1)
	want := graphstore.TeamCounts{Total: 5, Active: 5, Depth: 2, Legs: []graphstore.LegCount{
		{Head: 2, Side: network.Left, Total: 3, Active: 3},
		{Head: 3, Side: network.Right, Total: 2, Active: 2},
	}}
	if err != nil || !reflect.DeepEqual(team, want) {
		t.Fatalf("Team = %+v, %v", team, err)
	}

	leg, err = s.LegOf(ctx, network.Placement, 1, 6)
	if err != nil || leg.Head != 3 || leg.Side != network.Right {
		t.Fatalf("LegOf(1, 6) = %+v, %v", leg, err)
	}
	if _, err := s.LegOf(ctx, network.Placement, 2, 6); !errors.Is(err, graphstore.ErrNotInTeam) {
		t.Fatalf("LegOf(2, 6) err = %v", err)
	}
	if in, _ := s.IsInDownline(ctx, network.Sponsor, 1, 6); !in {
		t.Fatal("6 should be in 1's sponsor downline")
	}
	if in, _ := s.IsInDownline(ctx, network.Sponsor, 6, 6); in {
		t.Fatal("a member is not in its own downline")
	}

	slots, err := s.FreeSlots(ctx, 1, 3)
	wantSlots := []network.Slot{{Parent: 3, Side: network.Left}, {Parent: 4, Side: network.Left}, {Parent: 4, Side: network.Right}}
	if err != nil || !reflect.DeepEqual(slots, wantSlots) {
		t.Fatalf("FreeSlots = %v, %v", slots, err)
	}
	for how, want := range map[network.AutoPlace]network.Slot{
		network.Leftmost:  {Parent: 4, Side: network.Left},
		network.Rightmost: {Parent: 6, Side: network.Right},
		network.Balanced:  {Parent: 3, Side: network.Left},
		network.WeakLeg:   {Parent: 3, Side: network.Left},
	} {
		if got, err := s.Place(ctx, 1, how); err != nil || got != want {
			t.Errorf("Place(%s) = %v, %v, want %v", how, got, err, want)
		}
	}
	if _, err := s.Place(ctx, 1, "random"); !errors.Is(err, graphstore.ErrInvalid) {
		t.Errorf("Place(random) err = %v", err)
	}
}

func TestDownlinePages(t *testing.T) {
	ctx := context.Background()
	s := freshStore(t)
	smallTree(t, s)
	var got []network.MemberID
	cur := ""
	for pages := 0; ; pages++ {
		p, err := s.Downline(ctx, network.Sponsor, 1, graphstore.DownlineQuery{Limit: 2, Cursor: cur})
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, ids(p.Nodes)...)
		if p.Next == "" {
			break
		}
		if pages > 5 {
			t.Fatal("too many pages")
		}
		cur = p.Next
	}
	if want := []network.MemberID{2, 3, 6, 4, 5}; !reflect.DeepEqual(got, want) {
		t.Fatalf("downline = %v, want %v", got, want)
	}
	p, _ := s.Downline(ctx, network.Sponsor, 1, graphstore.DownlineQuery{MinDepth: 2})
	if !reflect.DeepEqual(ids(p.Nodes), []network.MemberID{4, 5}) || p.Nodes[0].Depth != 2 {
		t.Fatalf("MinDepth 2 = %v", p.Nodes)
	}
	if _, err := s.Downline(ctx, network.Sponsor, 1, graphstore.DownlineQuery{Cursor: "garbage!"}); !errors.Is(err, graphstore.ErrBadCursor) {
		t.Fatalf("bad cursor err = %v", err)
	}
	first, _ := s.Downline(ctx, network.Sponsor, 1, graphstore.DownlineQuery{Limit: 1})
	if _, err := s.Downline(ctx, network.Sponsor, 2, graphstore.DownlineQuery{Cursor: first.Next}); !errors.Is(err, graphstore.ErrBadCursor) {
		t.Fatalf("cursor of another root err = %v", err)
	}
}

func TestApplyIdempotentAndHistory(t *testing.T) {
	ctx := context.Background()
	s := freshStore(t)
	b := smallTree(t, s)
	// Re-delivering the whole batch changes nothing.
	if err := s.Apply(ctx, b.events); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Count(ctx); n != 6 {
		t.Fatalf("Count after re-apply = %d", n)
	}
	before, _ := s.Export(ctx, network.Placement, time.Time{})

	moveAt := t0.Add(100 * time.Hour)
	events := []network.Event{
		{Seq: 7, At: moveAt, Kind: network.EventMoved, Tree: network.Placement, Member: network.Member{ID: 6, Parent: 4, Side: network.Left}},
		{Seq: 8, At: moveAt, Kind: network.EventStatus, Member: network.Member{ID: 5, Status: network.Suspended}},
		{Seq: 9, At: moveAt, Kind: network.EventProfile, Member: network.Member{ID: 5, Name: "renamed"}},
	}
	for i := 0; i < 2; i++ {
		if err := s.Apply(ctx, events); err != nil {
			t.Fatal(err)
		}
	}
	if seq, _ := s.LastSeq(ctx); seq != 9 {
		t.Fatalf("LastSeq = %d", seq)
	}
	m, _ := s.Member(ctx, 6)
	if m.Parent != 4 || m.Side != network.Left {
		t.Fatalf("after move: %+v", m)
	}
	if m, _ := s.Member(ctx, 5); m.Status != network.Suspended || m.Name != "renamed" {
		t.Fatalf("after status/profile: %+v", m)
	}
	if tc, _ := s.Team(ctx, network.Placement, 3); tc.Total != 0 {
		t.Fatalf("3 keeps a team after the move: %+v", tc)
	}

	// As of just before the move, the old placement comes back.
	past, err := s.Export(ctx, network.Placement, moveAt.Add(-time.Second))
	if err != nil || !reflect.DeepEqual(past, before) {
		t.Fatalf("Export(before move) = %+v, %v\nwant %+v", past, err, before)
	}
	now, _ := s.Export(ctx, network.Placement, time.Time{})
	checkTopological(t, now)
	// As of before member 4 joined, 4, 5 and 6 are left out.
	early, _ := s.Export(ctx, network.Placement, t0.Add(3*time.Hour+time.Minute))
	if !reflect.DeepEqual(early.IDs, []network.MemberID{1, 2, 3}) {
		t.Fatalf("Export(early) = %+v", early)
	}
}

func checkTopological(t *testing.T, ex graphstore.Export) {
	t.Helper()
	for i, p := range ex.Parent {
		if p >= int32(i) {
			t.Fatalf("parent index %d of %d is not before it", p, i)
		}
	}
}

func TestApplyStopsAtBadEvent(t *testing.T) {
	ctx := context.Background()
	at := t0.Add(200 * time.Hour)
	for name, ev := range map[string]network.Event{
		"taken slot":      {Kind: network.EventRegistered, Member: network.Member{ID: 10, Code: "N10", Sponsor: 1, Parent: 1, Side: network.Left, Joined: at}},
		"duplicate id":    {Kind: network.EventRegistered, Member: network.Member{ID: 4, Code: "N4", Sponsor: 1, Parent: 6, Side: network.Left, Joined: at}},
		"duplicate code":  {Kind: network.EventRegistered, Member: network.Member{ID: 10, Code: code(4), Sponsor: 1, Parent: 6, Side: network.Left, Joined: at}},
		"unknown sponsor": {Kind: network.EventRegistered, Member: network.Member{ID: 10, Sponsor: 77, Joined: at}},
		"no side":         {Kind: network.EventRegistered, Member: network.Member{ID: 10, Parent: 6, Joined: at}},
		"cycle":           {Kind: network.EventMoved, Tree: network.Sponsor, Member: network.Member{ID: 2, Sponsor: 4}},
		"unknown member":  {Kind: network.EventStatus, Member: network.Member{ID: 42, Status: network.Active}},
		"bad status":      {Kind: network.EventStatus, Member: network.Member{ID: 2, Status: "gone"}},
		"bad kind":        {Kind: "member.teleported", Member: network.Member{ID: 2}},
	} {
		s := freshStore(t)
		smallTree(t, s)
		ev.Seq, ev.At = 50, at
		good := network.Event{Seq: 49, At: at, Kind: network.EventProfile, Member: network.Member{ID: 3, Name: "kept"}}
		after := network.Event{Seq: 51, At: at, Kind: network.EventProfile, Member: network.Member{ID: 2, Name: "not reached"}}
		if err := s.Apply(ctx, []network.Event{good, ev, after}); !errors.Is(err, graphstore.ErrInvalid) {
			t.Errorf("%s: err = %v, want ErrInvalid", name, err)
		}
		if seq, _ := s.LastSeq(ctx); seq != 49 {
			t.Errorf("%s: LastSeq = %d, want 49 (the event before the bad one)", name, seq)
		}
		if m, _ := s.Member(ctx, 3); m.Name != "kept" {
			t.Errorf("%s: the event before the bad one was lost", name)
		}
		if m, _ := s.Member(ctx, 2); m.Name != "member" {
			t.Errorf("%s: the event after the bad one was applied", name)
		}
		if n, _ := s.Count(ctx); n != 6 {
			t.Errorf("%s: Count = %d", name, n)
		}
	}
}

// Hostile text in codes and names must be stored as data: every query takes
// it as a parameter.
func TestCypherInjectionIsData(t *testing.T) {
	ctx := context.Background()
	s := freshStore(t)
	smallTree(t, s)
	hostile := []string{
		`x"}) DETACH DELETE n //`,
		`' OR 1=1 //`,
		"x'}) MATCH (n) DETACH DELETE n RETURN 1 //",
		"`) DETACH DELETE n //",
		`\u0027 OR 1=1`,
	}
	for i, h := range hostile {
		id := network.MemberID(100 + i)
		seq := int64(10 + i)
		if err := s.Apply(ctx, []network.Event{{Seq: seq, At: t0, Kind: network.EventRegistered, Member: network.Member{
			ID: id, Code: h, Name: h, Status: network.Active, Joined: t0, Sponsor: 1,
		}}}); err != nil {
			t.Fatalf("register %q: %v", h, err)
		}
		m, err := s.MemberByCode(ctx, h)
		if err != nil || m.ID != id || m.Name != h {
			t.Fatalf("MemberByCode(%q) = %+v, %v", h, m, err)
		}
	}
	if n, _ := s.Count(ctx); n != int64(6+len(hostile)) {
		t.Fatalf("Count = %d: the injection did something", n)
	}
	if _, err := s.MemberByCode(ctx, `' OR 1=1 //x`); !errors.Is(err, graphstore.ErrNotFound) {
		t.Fatalf("a near miss matched: %v", err)
	}
	if tc, _ := s.Team(ctx, network.Sponsor, 1); tc.Total != int64(5+len(hostile)) {
		t.Fatalf("team = %+v", tc)
	}
}
