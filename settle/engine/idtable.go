package engine

import (
	"encoding/binary"
	"hash/maphash"
	"slices"
	"sync/atomic"

	"downline/settle/internal/hugemem"
)

// idTable interns byte-string ids: one arena for all the bytes and an
// open-addressing table of indexes, so that a million ids cost a few large
// allocations instead of a string and a map entry each. Each slot holds the
// first eight bytes and the length of its id: an id of up to eight bytes is
// found or refused with one cache miss, without reading the arena.
//
// The slots are cut into regions by hash (up to 64 of 16,384 slots or more)
// and a probe stays within its region, so that the ids of different regions
// can be inserted at once on different cores (insertPart).
type idTable struct {
	seed  maphash.Seed
	data  []byte
	off   []int // id i is data[off[i]:off[i+1]]
	slots []idSlot
	// Region r is slots[r<<rlog:(r+1)<<rlog]; an id's region is bits 32 and up
	// of its hash, its first slot there the low bits.
	rbits, rlog uint
	load        []int         // ids per region
	touched     atomic.Uint32 // keeps the reads of insertPart's look-ahead
}

// idSlot is one slot of an idTable: the id's first eight bytes (zero-padded),
// then its index+1 (0 = empty), then 24 bits of its hash and its length capped
// at 255.
type idSlot struct {
	head uint64
	idx  uint32
	tag  uint32
}

const (
	maxRegionBits = 6
	minRegionLog  = 14
)

// slotKey returns the head and tag of id with hash h.
func slotKey(id []byte, h uint64) (uint64, uint32) {
	var pre [8]byte
	copy(pre[:], id)
	return binary.LittleEndian.Uint64(pre[:]), uint32(h>>32)&^0xff | uint32(min(len(id), 0xff))
}

func (t *idTable) init(expect int) {
	t.seed = maphash.MakeSeed()
	t.off = make([]int, 1, expect+1)
	t.size(expect)
}

// size makes empty slots for expect ids.
func (t *idTable) size(expect int) {
	size, log := 1024, uint(10)
	for size < 2*expect {
		size, log = size*2, log+1
	}
	// Every member lookup of an order or a parent reads a random slot: on
	// huge pages few of them also miss the TLB.
	t.slots = hugemem.Slice[idSlot](size)
	t.rbits = min(maxRegionBits, max(0, log-minRegionLog))
	t.rlog = log - t.rbits
	t.load = make([]int, 1<<t.rbits)
}

func (t *idTable) len() int { return len(t.off) - 1 }

func (t *idTable) get(i int32) []byte { return t.data[t.off[i]:t.off[i+1]] }

// region returns the region of hash h and the slot where its probe starts.
func (t *idTable) region(h uint64) (int, uint64) {
	r := (h >> 32) & (1<<t.rbits - 1)
	return int(r), r<<t.rlog | h&(1<<t.rlog-1)
}

// next returns the slot probed after j.
func (t *idTable) next(j uint64) uint64 {
	m := uint64(1)<<t.rlog - 1
	return j&^m | (j+1)&m
}

// same tells whether slot s, whose head and tag match, holds id.
func (t *idTable) same(s *idSlot, id []byte) bool {
	return len(id) <= 8 || string(t.get(int32(s.idx - 1))[8:]) == string(id[8:])
}

// touch reads the slot where a lookup of id starts, and returns something of
// it so that the read is kept: touching a batch of ids before looking them up
// lets their cache misses overlap.
func (t *idTable) touch(id []byte) uint32 { return t.touchHash(maphash.Bytes(t.seed, id)) }

// touchHash is touch of the id with hash h.
func (t *idTable) touchHash(h uint64) uint32 {
	_, j := t.region(h)
	return t.slots[j].idx
}

func (t *idTable) find(id []byte) (int32, bool) { return t.findHash(id, maphash.Bytes(t.seed, id)) }

// findHash is find of id, whose hash is h.
func (t *idTable) findHash(id []byte, h uint64) (int32, bool) {
	head, tag := slotKey(id, h)
	for _, j := t.region(h); ; j = t.next(j) {
		s := &t.slots[j]
		if s.idx == 0 {
			return -1, false
		}
		if s.head == head && s.tag == tag && t.same(s, id) {
			return int32(s.idx - 1), true
		}
	}
}

// full tells whether region r must not take another id: a region is kept at
// most 3/4 full so that probes stay short and always end.
func (t *idTable) full(load int) bool { return 4*(load+1) > 3<<t.rlog }

// insert adds id unless present; it returns the id's index and whether it was
// added.
func (t *idTable) insert(id []byte) (int32, bool) {
	h := maphash.Bytes(t.seed, id)
	if r, _ := t.region(h); 2*(t.len()+1) > len(t.slots) || t.full(t.load[r]) {
		t.grow()
	}
	i := int32(t.len())
	got, added := t.place(i, id, h)
	if added {
		t.data = append(t.data, id...)
		t.off = append(t.off, len(t.data))
		r, _ := t.region(h)
		t.load[r]++
	}
	return got, added
}

// place puts index i, whose id is id with hash h, in the first free slot of its
// probe, unless the id is there already: it returns the index found or i, and
// whether i was placed.
func (t *idTable) place(i int32, id []byte, h uint64) (int32, bool) {
	head, tag := slotKey(id, h)
	for _, j := t.region(h); ; j = t.next(j) {
		s := &t.slots[j]
		if s.idx == 0 {
			*s = idSlot{head: head, idx: uint32(i + 1), tag: tag}
			return i, true
		}
		if s.head == head && s.tag == tag && t.same(s, id) {
			return int32(s.idx - 1), false
		}
	}
}

func (t *idTable) grow() {
	t.size(len(t.slots)) // twice as many slots as ids at most half of them
	for i := 0; i < t.len(); i++ {
		id := t.get(int32(i))
		h := maphash.Bytes(t.seed, id)
		t.place(int32(i), id, h)
		r, _ := t.region(h)
		t.load[r]++
	}
}

// insertPart places, in index order, the ids already in the arena whose
// regions are those of part p of np (region r%np == p); hash[i] is the hash of
// id i. It stops at the first id that repeats an earlier one and returns its
// index and the earlier one's, or -1. It returns false, having placed only
// some, if a region would be over-full (then size and insert them again).
// Parts with different p may run at once.
func (t *idTable) insertPart(hash []uint64, p, np int) (dup, first int32, ok bool) {
	var load [1 << maxRegionBits]int // counted here: other parts write t.load's cache lines
	for r := p; r < len(t.load); r += np {
		load[r] = t.load[r]
	}
	defer func() {
		for r := p; r < len(t.load); r += np {
			t.load[r] = load[r]
		}
	}()
	var batch [32]int32 // the part's next ids, whose first slots are read first so that the misses overlap
	touched := uint32(0)
	for lo := 0; lo < len(hash); {
		k := 0
		for ; lo < len(hash) && k < len(batch); lo++ {
			if r, j := t.region(hash[lo]); r%np == p {
				touched += t.slots[j].idx
				batch[k] = int32(lo)
				k++
			}
		}
		for _, i := range batch[:k] {
			h := hash[i]
			r, _ := t.region(h)
			if t.full(load[r]) {
				return -1, -1, false
			}
			if got, added := t.place(i, t.get(i), h); !added {
				return i, got, true
			}
			load[r]++
		}
	}
	t.touched.Add(touched)
	return -1, -1, true
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

// reserve makes room for rows more ids of size bytes in all.
func (r *refs) reserve(rows, size int) {
	if r.off == nil {
		r.off = make([]int, 1, rows+1)
	}
	r.off = slices.Grow(r.off, rows)
	r.data = slices.Grow(r.data, size)
}

func (r *refs) get(i int) []byte { return r.data[r.off[i]:r.off[i+1]] }
