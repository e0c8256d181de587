package engine_test

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"

	"downline/settle/engine"
	"downline/settle/plan"
)

// TestTreeErrorsInOrder: the two trees are built at once, yet the error is the
// one a pass over the sponsor tree and then the placement tree gives.
func TestTreeErrorsInOrder(t *testing.T) {
	p, err := plan.Parse([]byte(benchPlan))
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{"A", "B", "C", "D"}
	zero := make([]decimal128.Num, len(ids))
	vol := engine.NewVolumes(0, zero, zero, zero, zero, zero)
	cases := []struct {
		name               string
		sponsor, placement []int32
		side               []int8
		want               string
	}{
		{"both cycles", []int32{2, 0, 1, -1}, []int32{1, 0, -1, -1}, []int8{int8(engine.Left), int8(engine.Right), int8(engine.NoSide), int8(engine.NoSide)}, "sponsor cycle"},
		{"sponsor cycle, taken slot", []int32{1, 0, -1, -1}, []int32{-1, 2, 2, 2}, []int8{int8(engine.NoSide), int8(engine.Left), int8(engine.NoSide), int8(engine.Left)}, "sponsor cycle"},
		{"placement cycle only", []int32{-1, 0, 0, 0}, []int32{1, 0, -1, -1}, []int8{int8(engine.Left), int8(engine.Right), int8(engine.NoSide), int8(engine.NoSide)}, "placement cycle"},
		{"taken slot only", []int32{-1, 0, 0, 0}, []int32{-1, 0, 0, -1}, []int8{int8(engine.NoSide), int8(engine.Left), int8(engine.Left), int8(engine.NoSide)}, `already taken by "B"`},
	}
	for _, c := range cases {
		for range 20 { // the goroutines finish in any order
			_, err := engine.Run(p, engine.Input{Members: engine.NewMembers(ids, c.sponsor, c.placement, c.side), Volumes: vol}, engine.Options{})
			var te *engine.TreeError
			if !errors.As(err, &te) || !strings.Contains(te.Msg, c.want) {
				t.Fatalf("%s: got %v, want a tree error with %q", c.name, err, c.want)
			}
		}
	}
}

// TestCoresGiveTheSameResult: above 65,536 members the tree build, the
// renumbering and the volumes are split over the cores; the result must be
// the one a single core computes, column for column.
func TestCoresGiveTheSameResult(t *testing.T) {
	p, err := plan.Parse([]byte(benchPlan))
	if err != nil {
		t.Fatal(err)
	}
	in := benchInput(150_000)
	run := func(procs int) *engine.Result {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		res, err := engine.Run(p, in, engine.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	one, four := run(1), run(4)
	if !array.RecordEqual(one.Members, four.Members) || !array.RecordEqual(one.Lines, four.Lines) {
		t.Fatal("the result on four cores differs from the one on one core")
	}
	if !one.Totals.Paid.Equal(four.Totals.Paid) || !one.Totals.TotalBV.Equal(four.Totals.TotalBV) || one.Lines.NumRows() == 0 {
		t.Fatalf("totals: one core %v paid of %v BV, four cores %v of %v; %d lines", one.Totals.Paid, one.Totals.TotalBV, four.Totals.Paid, four.Totals.TotalBV, one.Lines.NumRows())
	}
}
