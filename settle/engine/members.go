package engine

import (
	"fmt"
	"hash/maphash"
	"runtime"
	"slices"
	"sort"
	"sync"
)

// MemberRows collects one run of consecutive member rows on its own goroutine,
// so that a members file can be read on every core: see
// Builder.AddMemberChunks. The runs are merged in file order once all are
// read, with the same members and the same first error as adding every row
// with AddMemberBytes.
type MemberRows struct {
	seed maphash.Seed
	file string
	// The ids of the rows recorded so far, with their hashes and lines.
	ids  refs
	hash []uint64
	line []int32
	// The parents and sides of the rows accepted so far.
	sponsor, placement refs
	side               []int8
	// failed is set once Add returned an error; recorded says whether that
	// row's id was recorded (its duplicate check comes before the error).
	failed, recorded bool
}

// Reserve makes room for rows more rows holding about size bytes in all, so
// that the run's columns are not grown as it is read.
func (m *MemberRows) Reserve(rows, size int) {
	m.ids.reserve(rows, size/3)
	m.sponsor.reserve(rows, size/3)
	m.placement.reserve(rows, size/3)
	m.hash = slices.Grow(m.hash, rows)
	m.line = slices.Grow(m.line, rows)
	m.side = slices.Grow(m.side, rows)
}

// Add adds one member row: the checks and messages of AddMemberBytes, except
// that a duplicate member id is only found when the runs are merged. The
// arguments are not kept.
func (m *MemberRows) Add(line int, id, sponsor, placement, side []byte) error {
	bad := func(format string, args ...any) error {
		m.failed = true
		return &RowError{m.file, line, fmt.Sprintf(format, args...)}
	}
	if len(id) == 0 {
		return bad("empty member_id")
	}
	m.ids.add(id)
	m.hash = append(m.hash, maphash.Bytes(m.seed, id))
	m.line = append(m.line, int32(line))
	m.recorded = true
	sd, err := memberSide(id, placement, side, bad)
	if err != nil {
		return err
	}
	m.recorded = false
	m.sponsor.add(sponsor)
	m.placement.add(placement)
	m.side = append(m.side, sd)
	return nil
}

// AddMemberChunks adds the members of k runs of consecutive rows, filled at
// once on k goroutines: fill(i, rows) adds the rows of run i in file order and
// returns the first error, from rows.Add or its own (a row it could not split).
// The error returned is the one AddMemberBytes would have returned first for
// the same rows in file order. AddMemberChunks is called at most once, before
// any other row.
func (b *Builder) AddMemberChunks(k int, fill func(i int, rows *MemberRows) error) error {
	if b.ids.slots != nil || b.volumes != nil {
		return fmt.Errorf("engine: members read in chunks after other rows")
	}
	b.ids.init(0) // sized once the runs are read
	parts := make([]*MemberRows, k)
	errs := make([]error, k)
	var wg sync.WaitGroup
	for i := range parts {
		m := &MemberRows{seed: b.ids.seed, file: b.MembersFile}
		parts[i] = m
		wg.Go(func() { errs[i] = fill(i, m) })
	}
	wg.Wait()

	var f firstFailure
	at := make([]int, k+1) // index of each run's first member
	for i, m := range parts {
		f.run(i, len(m.line), m.failed && m.recorded, errs[i])
		at[i+1] = at[i] + len(m.line)
	}
	n := at[k]
	accepted := f.first == nil // then every recorded row is a whole member
	t := &b.ids
	hash := make([]uint64, n)
	b.line = make([]int32, n)
	ids := joinRefs(parts, n, func(m *MemberRows) *refs { return &m.ids })
	var sponsor, placement joinedRefs
	if accepted {
		b.side = make([]int8, n)
		sponsor = joinRefs(parts, n, func(m *MemberRows) *refs { return &m.sponsor })
		placement = joinRefs(parts, n, func(m *MemberRows) *refs { return &m.placement })
	}
	for i, m := range parts {
		wg.Go(func() {
			lo := at[i]
			copy(hash[lo:], m.hash)
			copy(b.line[lo:], m.line)
			ids.copy(i, lo, &m.ids)
			if accepted {
				copy(b.side[lo:], m.side)
				sponsor.copy(i, lo, &m.sponsor)
				placement.copy(i, lo, &m.placement)
			}
		})
	}
	wg.Wait()
	clear(parts) // the runs' rows are no longer needed
	t.data, t.off = ids.data, ids.off
	b.sponsor, b.placement = sponsor.refs, placement.refs

	// Ids into the table, the regions split among the cores, each part in file
	// order: the first repeat of each part is the first duplicate of its ids.
	t.size(n)
	np := min(runtime.GOMAXPROCS(0), len(t.load))
	dup, first, ok := make([]int32, np), make([]int32, np), make([]bool, np)
	for p := 0; p < np; p++ {
		wg.Go(func() { dup[p], first[p], ok[p] = t.insertPart(hash, p, np) })
	}
	wg.Wait()
	for size := 2 * n; slices.Contains(ok, false); size *= 2 { // a region over-full: more room, in one part
		t.size(size)
		dup, first, ok = dup[:1], first[:1], ok[:1]
		dup[0], first[0], ok[0] = t.insertPart(hash, 0, 1)
	}
	for p, d := range dup {
		if d < 0 {
			continue
		}
		run := sort.Search(k, func(i int) bool { return at[i+1] > int(d) })
		f.note(rowFailure{f.base[run] + int(d) - at[run], 1, &RowError{b.MembersFile, int(b.line[d]),
			fmt.Sprintf("duplicate member_id %s (first on line %d)", q(t.get(d)), b.line[first[p]])}})
	}
	return f.err()
}

// joinedRefs holds the refs of all runs end to end, each run copied on its own.
type joinedRefs struct {
	refs
	start []int // where each run's bytes start in data
}

// joinRefs allocates the refs of n members that hold those of all runs.
func joinRefs(parts []*MemberRows, n int, of func(*MemberRows) *refs) joinedRefs {
	j := joinedRefs{start: make([]int, len(parts)+1)}
	for i, m := range parts {
		j.start[i+1] = j.start[i] + len(of(m).data)
	}
	j.data, j.off = make([]byte, j.start[len(parts)]), make([]int, n+1)
	return j
}

// copy copies the refs r of run i, whose first member is lo.
func (j *joinedRefs) copy(i, lo int, r *refs) {
	if len(r.off) == 0 {
		return
	}
	base := j.start[i]
	for k, o := range r.off[1:] {
		j.off[lo+1+k] = base + o
	}
	copy(j.data[base:], r.data)
}
