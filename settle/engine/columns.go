package engine

import (
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// MemberColumns are the columns of Result.Members (SummarySchema) as plain
// slices, for the passes that write or explain them: volumes at
// Result.VolumeScale, earnings at the plan's scale.
type MemberColumns struct {
	PV, BV, GV              []decimal128.Num
	Active                  *array.Boolean
	Rank                    []int16
	LeftVolume, RightVolume []decimal128.Num
	CarryLeft, CarryRight   []decimal128.Num
	Earnings                []decimal128.Num
}

// MemberColumns returns the columns of r.Members.
func (r *Result) MemberColumns() MemberColumns {
	m := r.Members
	dec := func(c int) []decimal128.Num { return m.Column(c).(*array.Decimal128).Values() }
	return MemberColumns{
		PV: dec(ColPV), BV: dec(ColBV), GV: dec(ColGV),
		Active:     m.Column(ColActive).(*array.Boolean),
		Rank:       m.Column(ColRank).(*array.Int16).Int16Values(),
		LeftVolume: dec(ColLeftVolume), RightVolume: dec(ColRightVolume),
		CarryLeft: dec(ColCarryLeft), CarryRight: dec(ColCarryRight),
		Earnings: dec(ColEarnings),
	}
}

// LineColumns are the columns of Result.Lines (LinesSchema) as plain slices:
// Member and Source are member indexes (Source -1 for none), Kind a Bonus,
// the amounts at the plan's scale.
type LineColumns struct {
	Member            []int32
	Kind              []uint8
	Source            []int32
	Level             []int32
	Amount, BeforeCap []decimal128.Num
}

// LineColumns returns the columns of r.Lines.
func (r *Result) LineColumns() LineColumns {
	l := r.Lines
	return LineColumns{
		Member:    l.Column(0).(*array.Int32).Int32Values(),
		Kind:      l.Column(1).(*array.Uint8).Uint8Values(),
		Source:    l.Column(2).(*array.Int32).Int32Values(),
		Level:     l.Column(3).(*array.Int32).Int32Values(),
		Amount:    l.Column(4).(*array.Decimal128).Values(),
		BeforeCap: l.Column(5).(*array.Decimal128).Values(),
	}
}
