package engine

import "hash/maphash"

// idTable interns byte-string ids: one arena for all the bytes and an
// open-addressing table of indexes, so that a million ids cost a few large
// allocations instead of a string and a map entry each.
type idTable struct {
	seed  maphash.Seed
	data  []byte
	off   []int // id i is data[off[i]:off[i+1]]
	slots []uint64
	mask  uint64
}

// slot layout: high 32 bits of the hash, then index+1 in the low 32 bits (0 = empty).

func (t *idTable) init(expect int) {
	t.seed = maphash.MakeSeed()
	size := 1024
	for size < 2*expect {
		size *= 2
	}
	t.slots = make([]uint64, size)
	t.mask = uint64(size - 1)
	t.off = make([]int, 1, expect+1)
}

func (t *idTable) len() int { return len(t.off) - 1 }

func (t *idTable) get(i int32) []byte { return t.data[t.off[i]:t.off[i+1]] }

func (t *idTable) find(id []byte) (int32, bool) {
	h := maphash.Bytes(t.seed, id)
	tag := h &^ (1<<32 - 1)
	for j := h & t.mask; ; j = (j + 1) & t.mask {
		s := t.slots[j]
		if s == 0 {
			return -1, false
		}
		if s&^(1<<32-1) == tag {
			if i := int32(uint32(s)) - 1; string(t.get(i)) == string(id) {
				return i, true
			}
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
	tag := h &^ (1<<32 - 1)
	for j := h & t.mask; ; j = (j + 1) & t.mask {
		s := t.slots[j]
		if s == 0 {
			i := int32(t.len())
			t.data = append(t.data, id...)
			t.off = append(t.off, len(t.data))
			t.slots[j] = tag | uint64(i+1)
			return i, true
		}
		if s&^(1<<32-1) == tag {
			if i := int32(uint32(s)) - 1; string(t.get(i)) == string(id) {
				return i, false
			}
		}
	}
}

func (t *idTable) grow() {
	old := t.slots
	t.slots = make([]uint64, 2*len(old))
	t.mask = uint64(len(t.slots) - 1)
	for i := 0; i < t.len(); i++ {
		h := maphash.Bytes(t.seed, t.get(int32(i)))
		j := h & t.mask
		for t.slots[j] != 0 {
			j = (j + 1) & t.mask
		}
		t.slots[j] = h&^(1<<32-1) | uint64(i+1)
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
