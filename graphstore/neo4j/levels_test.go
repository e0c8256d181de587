package neo4j

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"downline/graphstore"
	"downline/graphstore/memory"
	"downline/network"
)

// GrowthByLevel counts what walking the embedded store's exported tree
// counts: for members of a random history (joins a minute apart, moves in
// both trees), every level's members and joins in windows of the history.
func TestGrowthByLevelMatchesAWalk(t *testing.T) {
	ctx := context.Background()
	s := freshStore(t)
	h := randomHistory(t, 9, 300)
	if err := s.Apply(ctx, h.events); err != nil {
		t.Fatal(err)
	}
	ref := memory.New()
	if err := ref.Apply(ctx, h.events); err != nil {
		t.Fatal(err)
	}
	last := h.events[len(h.events)-1].At
	windows := [][2]time.Time{{t0, last.Add(time.Minute)}, {t0.Add(100 * time.Minute), t0.Add(250 * time.Minute)}, {last.Add(-90 * time.Minute), last.Add(time.Hour)}}
	nonEmpty := 0
	for _, tree := range []network.Tree{network.Sponsor, network.Placement} {
		ex, err := ref.Export(ctx, tree, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		joined := make([]time.Time, len(ex.IDs))
		for i, id := range ex.IDs {
			m, err := ref.Member(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			joined[i] = m.Joined
		}
		for _, head := range []int{0, 1, 2, 5, 17, len(ex.IDs) / 2} {
			code := code(ex.IDs[head])
			for _, w := range windows {
				// The walk: each member's distance up to head, if head is above it.
				want := map[int]*LevelCount{}
				for i := range ex.IDs {
					d, a := 0, int32(i)
					for a >= 0 && a != int32(head) {
						a = ex.Parent[a]
						d++
					}
					if a != int32(head) || d == 0 || d > 10 || !joined[i].Before(w[1]) {
						continue
					}
					if want[d] == nil {
						want[d] = &LevelCount{Level: d}
					}
					want[d].Members++
					if !joined[i].Before(w[0]) {
						want[d].Joins++
					}
				}
				got, err := s.GrowthByLevel(ctx, tree, code, w[0], w[1], 10)
				if err != nil {
					t.Fatal(err)
				}
				var wantList []LevelCount
				for d := 1; d <= 10; d++ {
					if want[d] != nil {
						wantList = append(wantList, *want[d])
					}
				}
				if len(wantList) > 1 {
					nonEmpty++
				}
				if !reflect.DeepEqual(got, wantList) {
					t.Errorf("%s team of %s in %v..%v: %+v, want %+v", tree, code, w[0], w[1], got, wantList)
				}
			}
		}
	}
	if nonEmpty < 10 {
		t.Errorf("only %d answers have more than one level: the history is too flat to check much", nonEmpty)
	}
	if _, err := s.GrowthByLevel(ctx, network.Sponsor, "NOPE", t0, last, 3); !errors.Is(err, graphstore.ErrNotFound) {
		t.Errorf("an unknown member: %v", err)
	}
	if _, err := s.GrowthByLevel(ctx, network.Sponsor, code(ex0(t, ref)), t0, last, 0); !errors.Is(err, graphstore.ErrInvalid) {
		t.Errorf("no levels: %v", err)
	}
}

// ex0 is the first member of ref's sponsor tree.
func ex0(t *testing.T, ref *memory.Store) network.MemberID {
	t.Helper()
	ex, err := ref.Export(context.Background(), network.Sponsor, time.Time{})
	if err != nil || len(ex.IDs) == 0 {
		t.Fatalf("export: %v", err)
	}
	return ex.IDs[0]
}
