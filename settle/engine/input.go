package engine

import (
	"fmt"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/decimal128"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// Side is a member's side under its placement parent.
type Side = int8

// Sides of the placement tree.
const (
	NoSide Side = 0
	Left   Side = 1
	Right  Side = 2
)

// MembersSchema is the schema of Input.Members: the id, the index of the sponsor
// and placement parent (-1 for a root) and the side under the placement parent.
var MembersSchema = arrow.NewSchema([]arrow.Field{
	{Name: "id", Type: arrow.BinaryTypes.String},
	{Name: "sponsor", Type: arrow.PrimitiveTypes.Int32},
	{Name: "placement", Type: arrow.PrimitiveTypes.Int32},
	{Name: "side", Type: arrow.PrimitiveTypes.Int8},
}, nil)

// VolumeColumns names the columns of Input.Volumes, in order. pv, bv and reg are
// the period's sums (the engine applies max(0, .)); carry_* is the carry-in.
var VolumeColumns = []string{"pv", "bv", "reg", "carry_left", "carry_right"}

// VolumesSchema returns the schema of Input.Volumes at the given scale.
func VolumesSchema(scale int32) *arrow.Schema {
	fs := make([]arrow.Field, len(VolumeColumns))
	for i, n := range VolumeColumns {
		fs[i] = arrow.Field{Name: n, Type: &arrow.Decimal128Type{Precision: 38, Scale: scale}}
	}
	return arrow.NewSchema(fs, nil)
}

// Input is one period: Members (MembersSchema) and Volumes (VolumesSchema), row i
// of both describing the same member.
type Input struct {
	Members arrow.RecordBatch
	Volumes arrow.RecordBatch
}

// NewMembers builds the Members batch from plain slices (sponsor and placement are
// parent indexes, -1 for a root).
func NewMembers(ids []string, sponsor, placement []int32, side []int8) arrow.RecordBatch {
	b := array.NewStringBuilder(memory.DefaultAllocator)
	size := 0
	for _, id := range ids {
		size += len(id)
	}
	b.ReserveData(size)
	b.AppendValues(ids, nil)
	return newMembers(b.NewStringArray(), sponsor, placement, side)
}

func newMembers(ids *array.String, sponsor, placement []int32, side []int8) arrow.RecordBatch {
	cols := []arrow.Array{ids, int32Array(sponsor), int32Array(placement), int8Array(side)}
	return array.NewRecordBatch(MembersSchema, cols, int64(ids.Len()))
}

// newIDArray makes a string array from its data and offsets without copying.
func newIDArray(data []byte, off []int32) *array.String {
	d := array.NewData(arrow.BinaryTypes.String, len(off)-1, []*memory.Buffer{nil,
		memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(off)), memory.NewBufferBytes(data)}, nil, 0, 0)
	defer d.Release()
	return array.NewStringData(d)
}

// NewVolumes builds the Volumes batch from Decimal128 values at scale (the five
// columns of VolumeColumns, in order).
func NewVolumes(scale int32, pv, bv, reg, carryLeft, carryRight []decimal128.Num) arrow.RecordBatch {
	s := VolumesSchema(scale)
	cols := make([]arrow.Array, 5)
	for i, v := range [][]decimal128.Num{pv, bv, reg, carryLeft, carryRight} {
		cols[i] = decimalArray(v, scale)
	}
	return array.NewRecordBatch(s, cols, int64(len(pv)))
}

func int32Array(v []int32) *array.Int32 {
	d := array.NewData(arrow.PrimitiveTypes.Int32, len(v), []*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int32Traits.CastToBytes(v))}, nil, 0, 0)
	defer d.Release()
	return array.NewInt32Data(d)
}

func int8Array(v []int8) *array.Int8 {
	d := array.NewData(arrow.PrimitiveTypes.Int8, len(v), []*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int8Traits.CastToBytes(v))}, nil, 0, 0)
	defer d.Release()
	return array.NewInt8Data(d)
}

func decimalArray(v []decimal128.Num, scale int32) *array.Decimal128 {
	t := &arrow.Decimal128Type{Precision: 38, Scale: scale}
	d := array.NewData(t, len(v), []*memory.Buffer{nil, memory.NewBufferBytes(arrow.Decimal128Traits.CastToBytes(v))}, nil, 0, 0)
	defer d.Release()
	return array.NewDecimal128Data(d)
}

func boolArray(v []bool) *array.Boolean {
	b := array.NewBooleanBuilder(memory.DefaultAllocator)
	b.AppendValues(v, nil)
	return b.NewBooleanArray()
}

// columns are the plain slices the passes work on.
type columns struct {
	n          int
	ids        *array.String
	sponsor    []int32
	placement  []int32
	side       []int8
	scale      int32
	pv, bv, rg []decimal128.Num
	cl, cr     []decimal128.Num
}

func readColumns(in Input) (*columns, error) {
	if in.Members == nil || in.Volumes == nil {
		return nil, fmt.Errorf("engine: input without members or volumes")
	}
	if !in.Members.Schema().Equal(MembersSchema) {
		return nil, fmt.Errorf("engine: members schema is %s, want %s", in.Members.Schema(), MembersSchema)
	}
	vs := in.Volumes.Schema()
	if vs.NumFields() != 5 {
		return nil, fmt.Errorf("engine: volumes schema is %s", vs)
	}
	scale := int32(0)
	if t, ok := vs.Field(0).Type.(*arrow.Decimal128Type); ok {
		scale = t.Scale
	}
	if !vs.Equal(VolumesSchema(scale)) {
		return nil, fmt.Errorf("engine: volumes schema is %s, want %s", vs, VolumesSchema(scale))
	}
	if in.Members.NumRows() != in.Volumes.NumRows() {
		return nil, fmt.Errorf("engine: %d members but %d volume rows", in.Members.NumRows(), in.Volumes.NumRows())
	}
	for _, r := range []arrow.RecordBatch{in.Members, in.Volumes} {
		for i := 0; i < int(r.NumCols()); i++ {
			if r.Column(i).NullN() > 0 {
				return nil, fmt.Errorf("engine: column %s has nulls", r.ColumnName(i))
			}
		}
	}
	c := &columns{
		n:         int(in.Members.NumRows()),
		ids:       in.Members.Column(0).(*array.String),
		sponsor:   in.Members.Column(1).(*array.Int32).Int32Values(),
		placement: in.Members.Column(2).(*array.Int32).Int32Values(),
		side:      in.Members.Column(3).(*array.Int8).Int8Values(),
		scale:     scale,
	}
	vals := func(i int) []decimal128.Num { return in.Volumes.Column(i).(*array.Decimal128).Values() }
	c.pv, c.bv, c.rg, c.cl, c.cr = vals(0), vals(1), vals(2), vals(3), vals(4)
	return c, nil
}

func uint8Array(v []uint8) *array.Uint8 {
	d := array.NewData(arrow.PrimitiveTypes.Uint8, len(v), []*memory.Buffer{nil, memory.NewBufferBytes(v)}, nil, 0, 0)
	defer d.Release()
	return array.NewUint8Data(d)
}

func int16Array(v []int16) *array.Int16 {
	d := array.NewData(arrow.PrimitiveTypes.Int16, len(v), []*memory.Buffer{nil, memory.NewBufferBytes(arrow.Int16Traits.CastToBytes(v))}, nil, 0, 0)
	defer d.Release()
	return array.NewInt16Data(d)
}
