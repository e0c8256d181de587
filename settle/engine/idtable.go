package engine

import (
	"encoding/binary"
	"hash/maphash"
)

// idTable interns byte-string ids: one arena for all the bytes and an
// open-addressing table of indexes, so that a million ids cost a few large
// allocations instead of a string and a map entry each. Each slot holds the
// first eight bytes and the length of its id: an id of up to eight bytes is
// found or refused with one cache miss, without reading the arena.
type idTable struct {
	seed  maphash.Seed
	data  []byte
	off   []int // id i is data[off[i]:off[i+1]]
	slots []idSlot
	mask  uint64
}

// idSlot is one slot of an idTable: the id's first eight bytes (zero-padded),
// then its index+1 (0 = empty), then 24 bits of its hash and its length capped
// at 255.
type idSlot struct {
	head uint64
	idx  uint32
	tag  uint32
}

// slotKey returns the head and tag of id with hash h.
func slotKey(id []byte, h uint64) (uint64, uint32) {
	var pre [8]byte
	copy(pre[:], id)
	return binary.LittleEndian.Uint64(pre[:]), uint32(h>>32)&^0xff | uint32(min(len(id), 0xff))
}

func (t *idTable) init(expect int) {
	t.seed = maphash.MakeSeed()
	size := 1024
	for size < 2*expect {
		size *= 2
	}
	t.slots = make([]idSlot, size)
	t.mask = uint64(size - 1)
	t.off = make([]int, 1, expect+1)
}

func (t *idTable) len() int { return len(t.off) - 1 }

func (t *idTable) get(i int32) []byte { return t.data[t.off[i]:t.off[i+1]] }

// same tells whether slot s, whose head and tag match, holds id.
func (t *idTable) same(s *idSlot, id []byte) bool {
	return len(id) <= 8 || string(t.get(int32(s.idx - 1))[8:]) == string(id[8:])
}

// touch reads the slot where a lookup of id starts, and returns something of
// it so that the read is kept: touching a batch of ids before looking them up
// lets their cache misses overlap.
func (t *idTable) touch(id []byte) uint32 {
	return t.slots[maphash.Bytes(t.seed, id)&t.mask].idx
}

func (t *idTable) find(id []byte) (int32, bool) {
	h := maphash.Bytes(t.seed, id)
	head, tag := slotKey(id, h)
	for j := h & t.mask; ; j = (j + 1) & t.mask {
		s := &t.slots[j]
		if s.idx == 0 {
			return -1, false
		}
		if s.head == head && s.tag == tag && t.same(s, id) {
			return int32(s.idx - 1), true
		}
	}
}

// insert adds id unless present; it returns the id's index and whether it was
// added.
func (t *idTable) insert(id []byte) (int32, bool) {
	if 2*(t.len()+1) > len(t.slots) {
		t.grow()
	}
	h := maphash.Bytes(t.seed, id)
	head, tag := slotKey(id, h)
	for j := h & t.mask; ; j = (j + 1) & t.mask {
		s := &t.slots[j]
		if s.idx == 0 {
			i := int32(t.len())
			t.data = append(t.data, id...)
			t.off = append(t.off, len(t.data))
			*s = idSlot{head: head, idx: uint32(i + 1), tag: tag}
			return i, true
		}
		if s.head == head && s.tag == tag && t.same(s, id) {
			return int32(s.idx - 1), false
		}
	}
}

func (t *idTable) grow() {
	t.slots = make([]idSlot, 2*len(t.slots))
	t.mask = uint64(len(t.slots) - 1)
	for i := 0; i < t.len(); i++ {
		id := t.get(int32(i))
		h := maphash.Bytes(t.seed, id)
		head, tag := slotKey(id, h)
		j := h & t.mask
		for t.slots[j].idx != 0 {
			j = (j + 1) & t.mask
		}
		t.slots[j] = idSlot{head: head, idx: uint32(i + 1), tag: tag}
	}
}

// refs holds one optional id per member (a sponsor or placement id), resolved
// once every member is known.
type refs struct {
	data []byte
	off  []int
}

func (r *refs) add(id []byte) {
	if r.off == nil {
		r.off = []int{0}
	}
	r.data = append(r.data, id...)
	r.off = append(r.off, len(r.data))
}

func (r *refs) get(i int) []byte { return r.data[r.off[i]:r.off[i+1]] }
