package memory

import "downline/network"

// idTable maps member ids to dense indices. Ledger ids are serials, so most
// fit a plain array (a lookup is one load, against a hash probe that misses
// cache on a million-entry map); ids far beyond the array go to a map.
type idTable struct {
	dense  []int32 // dense[id] = index+1, 0 = none
	sparse map[network.MemberID]int32
	n      int
}

func (t *idTable) get(id network.MemberID) (int32, bool) {
	if id >= 0 && id < network.MemberID(len(t.dense)) {
		if i := t.dense[id] - 1; i >= 0 || t.sparse == nil {
			return i, i >= 0
		}
	}
	// The array may have grown over ids put in the map before.
	i, ok := t.sparse[id]
	return i, ok
}

// put records id at index i; the caller has checked that id is new.
func (t *idTable) put(id network.MemberID, i int32) {
	t.n++
	if id < network.MemberID(len(t.dense)) {
		t.dense[id] = i + 1
		return
	}
	// Grow the array while it stays at most ~4 slots per member.
	if limit := network.MemberID(4*t.n + 1024); id < limit {
		size := max(int(id)+1, min(2*len(t.dense), int(limit)))
		t.dense = append(t.dense, make([]int32, size-len(t.dense))...)
		t.dense[id] = i + 1
		return
	}
	if t.sparse == nil {
		t.sparse = make(map[network.MemberID]int32)
	}
	t.sparse[id] = i
}

// reserve sizes the array for ids up to maxID when that is dense enough.
func (t *idTable) reserve(maxID network.MemberID, n int) {
	if maxID >= 0 && maxID < network.MemberID(4*n+1024) && int(maxID) >= len(t.dense) {
		t.dense = append(t.dense, make([]int32, int(maxID)+1-len(t.dense))...)
	}
}
