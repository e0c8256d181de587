package engine

import (
	"fmt"
	"math"
	"runtime"
	"strconv"
	"strings"

	"github.com/apache/arrow-go/v18/arrow/decimal128"
)

// RowError is a bad input row: it names the file, the line and the culprit.
type RowError struct {
	File string
	Line int
	Msg  string
}

func (e *RowError) Error() string { return fmt.Sprintf("%s line %d: %s", e.File, e.Line, e.Msg) }

// Builder makes an Input from member, order and carry rows in any order,
// validating each row and then both trees. Add every member before any order or
// carry row. The file names only appear in errors. The Add*Bytes methods do not
// keep their arguments.
type Builder struct {
	MembersFile, OrdersFile, CarryFile string
	// ExpectMembers and ExpectOrders, when set, presize the id tables.
	ExpectMembers, ExpectOrders int

	ids                idTable
	sponsor, placement refs
	side               []int8
	line               []int32
	orders             idTable
	orderLine          []int32
	volumes, carry     *sums
	carryLine          []int32 // 0: no carry row yet
	// sp and pl are the resolved parents, set once the members are checked.
	sp, pl  []int32
	treeErr error
	// byID lists the members by id, their ids' offsets idOff; set by sortIDs.
	byID, idOff []int32
	// chunked is set once AddOrderChunks has read the orders.
	chunked bool
	touched uint32 // see idTable.touch
}

// Column indexes of the builder's sums.
const (
	sumPV = iota
	sumBV
	sumREG
)

func q[T string | []byte](s T) string {
	if len(s) > 80 {
		return strconv.Quote(string(s[:80]) + "...")
	}
	return strconv.Quote(string(s))
}

func (b *Builder) id(i int32) string { return string(b.ids.get(i)) }

// AddMember adds one member row.
func (b *Builder) AddMember(line int, id, sponsor, placement, side string) error {
	return b.AddMemberBytes(line, []byte(id), []byte(sponsor), []byte(placement), []byte(side))
}

// AddMemberBytes adds one member row.
func (b *Builder) AddMemberBytes(line int, id, sponsor, placement, side []byte) error {
	if b.ids.slots == nil {
		b.ids.init(b.ExpectMembers)
	}
	bad := func(format string, args ...any) error {
		return &RowError{b.MembersFile, line, fmt.Sprintf(format, args...)}
	}
	if b.volumes != nil {
		return bad("member %s added after orders", q(id))
	}
	if len(id) == 0 {
		return bad("empty member_id")
	}
	if prev, dup := b.ids.find(id); dup {
		return bad("duplicate member_id %s (first on line %d)", q(id), b.line[prev])
	}
	sd, err := memberSide(id, placement, side, bad)
	if err != nil {
		return err
	}
	b.ids.insert(id)
	b.sponsor.add(sponsor)
	b.placement.add(placement)
	b.side = append(b.side, sd)
	b.line = append(b.line, int32(line))
	return nil
}

// memberSide checks a member row's placement and side, once its id is known to
// be new, and returns the side.
func memberSide(id, placement, side []byte, bad func(format string, args ...any) error) (Side, error) {
	var sd Side
	switch {
	case len(side) == 0:
		if len(placement) != 0 {
			return 0, bad("member %s has placement_id %s but no side (L or R)", q(id), q(placement))
		}
	case string(side) == "L" || string(side) == "l":
		sd = Left
	case string(side) == "R" || string(side) == "r":
		sd = Right
	default:
		return 0, bad("bad side %s for member %s (want L or R)", q(side), q(id))
	}
	if sd != NoSide && len(placement) == 0 {
		return 0, bad("member %s has side %s but no placement_id", q(id), q(side))
	}
	return sd, nil
}

// startVolumes checks the trees once all members are in, before any order.
func (b *Builder) startVolumes() error {
	if b.volumes == nil {
		if b.ids.slots == nil {
			b.ids.init(0)
		}
		b.allocVolumes()
		b.orders.init(b.ExpectOrders)
		b.treeErr = b.checkTrees()
	}
	return b.treeErr
}

func (b *Builder) allocVolumes() {
	n := b.ids.len()
	b.volumes = newSums(3, n)
	b.carry = newSums(2, n)
	b.carryLine = make([]int32, n)
}

// AddOrder adds one order row.
func (b *Builder) AddOrder(line int, id, member, kind, pv, bv string) error {
	return b.AddOrderBytes(line, []byte(id), []byte(member), []byte(kind), []byte(pv), []byte(bv))
}

// AddOrderBytes adds one order row.
func (b *Builder) AddOrderBytes(line int, id, member, kind, pv, bv []byte) error {
	if b.chunked {
		return fmt.Errorf("engine: order row added after AddOrderChunks")
	}
	if err := b.startVolumes(); err != nil {
		return err
	}
	bad := func(format string, args ...any) error {
		return &RowError{b.OrdersFile, line, fmt.Sprintf(format, args...)}
	}
	if len(id) == 0 {
		return bad("empty order_id")
	}
	o, added := b.orders.insert(id)
	if !added {
		return bad("duplicate order_id %s (first on line %d)", q(id), b.orderLine[o])
	}
	b.orderLine = append(b.orderLine, int32(line))
	return b.addOrder(b.volumes, id, member, kind, pv, bv, bad)
}

// addOrder checks an order row once its id is known to be new, and adds its
// volumes to vol.
func (b *Builder) addOrder(vol *sums, id, member, kind, pv, bv []byte, bad func(format string, args ...any) error) error {
	m, ok := b.ids.find(member)
	return b.addOrderTo(vol, m, ok, id, member, kind, pv, bv, bad)
}

// addOrderTo is addOrder with the member looked up: index m, ok false when
// unknown.
func (b *Builder) addOrderTo(vol *sums, m int32, ok bool, id, member, kind, pv, bv []byte, bad func(format string, args ...any) error) error {
	if !ok {
		return bad("order %s: unknown member_id %s", q(id), q(member))
	}
	reg := false
	switch {
	case string(kind) == "registration":
		reg = true
	case string(kind) == "repeat" || string(kind) == "return":
	default:
		return bad("order %s: bad kind %s (want registration, repeat or return)", q(id), q(kind))
	}
	p, ok := parseVolume(pv)
	if !ok {
		return bad("order %s: pv %s is not a number", q(id), q(pv))
	}
	v, ok := parseVolume(bv)
	if !ok {
		return bad("order %s: bv %s is not a number", q(id), q(bv))
	}
	vol.add(sumPV, int(m), p)
	vol.add(sumBV, int(m), v)
	if reg {
		vol.add(sumREG, int(m), v)
	}
	return nil
}

// AddCarry adds one carry-in row.
func (b *Builder) AddCarry(line int, member, left, right string) error {
	return b.AddCarryBytes(line, []byte(member), []byte(left), []byte(right))
}

// AddCarryBytes adds one carry-in row.
func (b *Builder) AddCarryBytes(line int, member, left, right []byte) error {
	if err := b.startVolumes(); err != nil {
		return err
	}
	return b.addCarry(line, member, left, right)
}

// addCarry is AddCarryBytes once the volumes are allocated, whether or not the
// trees are checked yet.
func (b *Builder) addCarry(line int, member, left, right []byte) error {
	bad := func(format string, args ...any) error {
		return &RowError{b.CarryFile, line, fmt.Sprintf(format, args...)}
	}
	m, ok := b.ids.find(member)
	if !ok {
		return bad("unknown member_id %s", q(member))
	}
	if prev := b.carryLine[m]; prev != 0 {
		return bad("duplicate member_id %s (first on line %d)", q(member), prev)
	}
	b.carryLine[m] = int32(line)
	l, ok := parseVolume(left)
	if !ok || l.mant < 0 || (l.big != nil && l.big.Sign() < 0) {
		return bad("member %s: left %s is not a non-negative number", q(member), q(left))
	}
	r, ok := parseVolume(right)
	if !ok || r.mant < 0 || (r.big != nil && r.big.Sign() < 0) {
		return bad("member %s: right %s is not a non-negative number", q(member), q(right))
	}
	b.carry.add(0, int(m), l)
	b.carry.add(1, int(m), r)
	return nil
}

// Build validates both trees and returns the Input, members ordered by id
// (bytewise).
func (b *Builder) Build() (Input, error) {
	if err := b.startVolumes(); err != nil {
		return Input{}, err
	}
	n, sp, pl := b.ids.len(), b.sp, b.pl

	// Members in id order (bytewise): the output lists members and lines by id,
	// so writing it then reads every column sequentially. The engine passes
	// follow the trees through their own parent-first orders.
	if len(b.ids.data) > math.MaxInt32 {
		return Input{}, &RowError{b.MembersFile, 0, "member ids exceed 2 GiB"}
	}
	// Volumes at one common scale.
	scale := max(b.volumes.scale, b.carry.scale)
	b.volumes.rescale(scale)
	b.carry.rescale(scale)
	var sums [5][]decimal128.Num // by member index, when a sum left int64
	for c := range sums {
		s, col, file := b.volumes, c, b.OrdersFile
		if c >= 3 {
			s, col, file = b.carry, c-3, b.CarryFile
		}
		if s.wide == nil {
			continue
		}
		v, bad, ok := s.column(col)
		if !ok {
			return Input{}, &RowError{file, 0, fmt.Sprintf("member %s: %s sum exceeds 38 digits", q(b.id(int32(bad))), VolumeColumns[c])}
		}
		sums[c] = v
	}

	if b.byID == nil {
		b.sortIDs()
	}
	inOff, order := b.idOff, b.byID
	// Each core moves a range of positions: first the new indexes and the
	// ids' lengths, then the ids, parents, sides and volumes.
	cores := runtime.GOMAXPROCS(0)
	part := func(w int) (int, int) { return n * w / cores, n * (w + 1) / cores }
	newIndex := make([]int32, n)
	idOff := make([]int32, n+1)
	parallel(cores, func(w int) {
		lo, hi := part(w)
		for k := lo; k < hi; k++ {
			m := order[k]
			newIndex[m] = int32(k)
			idOff[k+1] = inOff[m+1] - inOff[m]
		}
	})
	for k := 0; k < n; k++ {
		idOff[k+1] += idOff[k]
	}
	idData := make([]byte, idOff[n])
	osp, opl := make([]int32, n), make([]int32, n)
	oside := make([]int8, n)
	var cols [5][]decimal128.Num
	for c := range cols {
		cols[c] = make([]decimal128.Num, n)
	}
	vol, vk, carry, ck := b.volumes.vals, b.volumes.k, b.carry.vals, b.carry.k
	parallel(cores, func(w int) {
		lo, hi := part(w)
		for k := lo; k < hi; k++ {
			m := order[k]
			copy(idData[idOff[k]:idOff[k+1]], b.ids.data[inOff[m]:inOff[m+1]])
			osp[k], opl[k] = -1, -1
			if p := sp[m]; p >= 0 {
				osp[k] = newIndex[p]
			}
			if p := pl[m]; p >= 0 {
				opl[k] = newIndex[p]
			}
			oside[k] = b.side[m]
			for c := range cols {
				switch {
				case sums[c] != nil:
					cols[c][k] = sums[c][m]
				case c < 3:
					cols[c][k] = decimal128.FromI64(vol[int(m)*vk+c])
				default:
					cols[c][k] = decimal128.FromI64(carry[int(m)*ck+c-3])
				}
			}
		}
	})
	return Input{
		Members: newMembers(newIDArray(idData, idOff), osp, opl, oside),
		Volumes: NewVolumes(scale, cols[0], cols[1], cols[2], cols[3], cols[4]),
	}, nil
}

// sortIDs sorts the members by id once all are in (Build moves them into that
// order).
func (b *Builder) sortIDs() {
	b.idOff = make([]int32, b.ids.len()+1)
	for i, o := range b.ids.off {
		b.idOff[i] = int32(o)
	}
	b.byID = byID(newIDArray(b.ids.data, b.idOff))
}

// checkTrees resolves the parents and refuses unknown ids, taken slots and
// cycles in either tree.
func (b *Builder) checkTrees() error {
	n := b.ids.len()
	sp, pl := make([]int32, n), make([]int32, n)
	left, right := make([]int32, n), make([]int32, n)
	for i := range left {
		left[i], right[i] = -1, -1
	}
	touched := uint32(0)
	for i := 0; i < n; i++ {
		if i%32 == 0 { // look ahead, so that the cache misses of a batch overlap
			for j := i; j < min(i+32, n); j++ {
				touched += b.ids.touch(b.sponsor.get(j)) + b.ids.touch(b.placement.get(j))
			}
		}
		bad := func(format string, args ...any) error {
			return &RowError{b.MembersFile, int(b.line[i]), fmt.Sprintf(format, args...)}
		}
		sp[i], pl[i] = -1, -1
		if s := b.sponsor.get(i); len(s) != 0 {
			p, ok := b.ids.find(s)
			if !ok {
				return bad("member %s: unknown sponsor_id %s", q(b.id(int32(i))), q(s))
			}
			sp[i] = p
		}
		if s := b.placement.get(i); len(s) != 0 {
			p, ok := b.ids.find(s)
			if !ok {
				return bad("member %s: unknown placement_id %s", q(b.id(int32(i))), q(s))
			}
			pl[i] = p
			slot := &left[p]
			if b.side[i] == Right {
				slot = &right[p]
			}
			if *slot >= 0 {
				return bad("member %s: slot %s of %s is already taken by %s (line %d)",
					q(b.id(int32(i))), sideName(b.side[i]), q(s), q(b.id(*slot)), b.line[*slot])
			}
			*slot = int32(i)
		}
	}
	for _, tree := range []struct {
		name   string
		parent []int32
	}{{"sponsor", sp}, {"placement", pl}} {
		if m := findCycle(tree.parent); m >= 0 {
			path := []string{q(b.id(m))}
			for j := tree.parent[m]; j != m && len(path) < 10; j = tree.parent[j] {
				path = append(path, q(b.id(j)))
			}
			path = append(path, q(b.id(m)))
			return &RowError{b.MembersFile, int(b.line[m]), fmt.Sprintf("%s cycle: %s", tree.name, strings.Join(path, " -> "))}
		}
	}
	b.sp, b.pl = sp, pl
	b.touched = touched
	return nil
}
