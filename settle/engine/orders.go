package engine

import (
	"cmp"
	"fmt"
	"hash/maphash"
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"
	"sync/atomic"

	"downline/settle/internal/hugemem"
)

// OrderRows collects one run of consecutive order rows, so that an orders file
// can be read on every core: see Builder.AddOrderChunks. Each run keeps its
// own order ids, and adds its volumes to its worker's sums; the runs are
// merged in file order once all are read, with the same result and the same
// first error as adding every row with AddOrderBytes.
type OrderRows struct {
	b    *Builder
	seed maphash.Seed
	vol  *sums
	// The order ids of the rows recorded so far, with their hashes and lines.
	idData []byte
	idEnd  []int32
	hash   []uint64
	line   []int32
	// added counts the calls of Add. failed is set once Add returned an error;
	// recorded says whether that row's id was recorded (its duplicate check
	// comes before the error).
	added            int
	failed, recorded bool
	touched          uint32
	// AddBatch's hashes and members, kept to be reused.
	batchHash   []uint64
	batchMember []int32
}

// rowFailure is an error at one row of runs read at once, the rows numbered
// across the runs in file order.
type rowFailure struct {
	row  int
	rank int // at one row: -1 the trees, 0 before the duplicate check, 1 duplicate, 2 after
	err  error
}

// firstFailure keeps the first, in file order, of the errors of runs of rows
// read at once: the one a read in one go would have met first.
type firstFailure struct {
	// base[i] numbers the first row of run i; a run that stopped at an error
	// leaves a gap after its last recorded row for the failing one.
	base  []int
	first *rowFailure
}

func (f *firstFailure) note(r rowFailure) {
	if f.first == nil || cmp.Or(cmp.Compare(r.row, f.first.row), cmp.Compare(r.rank, f.first.rank)) < 0 {
		f.first = &r
	}
}

// run numbers run i, which recorded rows rows, after the runs before it, and
// notes its error: recorded says whether the failing row was recorded (its
// duplicate check comes before the error).
func (f *firstFailure) run(i, rows int, recorded bool, err error) {
	if i == 0 {
		f.base = []int{0}
	}
	f.base = append(f.base, f.base[i]+rows+1)
	if err != nil {
		if recorded {
			f.note(rowFailure{f.base[i] + rows - 1, 2, err})
		} else {
			f.note(rowFailure{f.base[i] + rows, 0, err})
		}
	}
}

func (f *firstFailure) err() error {
	if f.first == nil {
		return nil
	}
	return f.first.err
}

// Add adds one order row: the checks and messages of AddOrderBytes, except that
// a duplicate order id is only found when the runs are merged. The arguments are
// not kept.
func (o *OrderRows) Add(line int, id, member, kind, pv, bv []byte) error {
	m, ok := o.b.ids.find(member)
	return o.add(line, m, ok, id, member, kind, pv, bv)
}

// add is Add with the member looked up: index m, ok false when unknown.
func (o *OrderRows) add(line int, m int32, ok bool, id, member, kind, pv, bv []byte) error {
	b := o.b
	o.added++
	bad := func(format string, args ...any) error {
		o.failed = true
		return &RowError{b.OrdersFile, line, fmt.Sprintf(format, args...)}
	}
	if len(id) == 0 {
		return bad("empty order_id")
	}
	o.idData = append(o.idData, id...)
	o.idEnd = append(o.idEnd, int32(len(o.idData)))
	o.hash = append(o.hash, maphash.Bytes(o.seed, id))
	o.line = append(o.line, int32(line))
	o.recorded = true
	if err := b.addOrderTo(o.vol, m, ok, id, member, kind, pv, bv, bad); err != nil {
		return err
	}
	o.recorded = false
	return nil
}

// AddBatch adds rows in order as Add does, row k being lines[k] and
// rows[k] (order_id, member_id, kind, pv, bv), and stops at the first error.
// The members of the whole batch are looked up first, then their sums read,
// so that the cache misses of each step overlap.
func (o *OrderRows) AddBatch(lines []int, rows [][5][]byte) error {
	t := &o.b.ids
	hash := o.batchHash[:0]
	for k := range rows {
		h := maphash.Bytes(t.seed, rows[k][1])
		hash = append(hash, h)
		o.touched += t.touchHash(h)
	}
	member := o.batchMember[:0]
	for k := range rows {
		m, _ := t.findHash(rows[k][1], hash[k])
		member = append(member, m)
		if m >= 0 {
			o.touched += uint32(touchSums(o.vol, int(m)))
		}
	}
	o.batchHash, o.batchMember = hash, member
	for k := range rows {
		v := &rows[k]
		if err := o.add(lines[k], member[k], member[k] >= 0, v[0], v[1], v[2], v[3], v[4]); err != nil {
			return err
		}
	}
	return nil
}

// Reserve makes room for rows more rows holding about size bytes in all, so
// that the run's columns are not grown as it is read.
func (o *OrderRows) Reserve(rows, size int) {
	o.idData = slices.Grow(o.idData, size/4)
	o.idEnd = slices.Grow(o.idEnd, rows)
	o.hash = slices.Grow(o.hash, rows)
	o.line = slices.Grow(o.line, rows)
}

func (o *OrderRows) id(r int) []byte {
	lo := int32(0)
	if r > 0 {
		lo = o.idEnd[r-1]
	}
	return o.idData[lo:o.idEnd[r]]
}

// CarryRow adds one carry-in row, as AddCarryBytes.
type CarryRow func(line int, member, left, right []byte) error

// AddOrderChunks adds the orders of k runs of consecutive rows, filled by up to
// GOMAXPROCS goroutines at once, each taking the next run when done with one:
// fill(i, rows) adds the rows of run i in file order and returns the first
// error, from rows.Add or its own (a row it could not split).
// The error returned is the one AddOrderBytes would have returned first for the
// same rows in file order: the trees are checked meanwhile, and their errors
// come first; when there is no order row, the trees' error (which the next Add
// or Build would return). carry, when not nil, adds the carry-in rows
// meanwhile on its own goroutine, passing each to add, and returns the first
// error; it is returned after those of the orders and the trees, as adding
// the carry rows after would. All members must be added before;
// AddOrderChunks is called at most once, before any other order or carry row.
func (b *Builder) AddOrderChunks(k int, fill func(i int, rows *OrderRows) error, carry func(add CarryRow) error) error {
	if b.volumes != nil {
		return fmt.Errorf("engine: orders read in chunks after other order or carry rows")
	}
	if b.ids.slots == nil {
		b.ids.init(0)
	}
	b.allocVolumes()
	b.chunked = true
	n := b.ids.len()
	seed := maphash.MakeSeed()
	parts := make([]*OrderRows, k)
	errs := make([]error, k)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		b.treeErr = b.checkTrees()
	}()
	if len(b.ids.data) <= math.MaxInt32 { // else Build refuses the ids
		wg.Go(b.sortIDs)
	}
	var carryErr error
	if carry != nil {
		wg.Go(func() { carryErr = carry(b.addCarry) })
	}
	// Each worker takes the next run and adds its volumes to the worker's own
	// sums (the first worker's are the builder's): the runs end together
	// however the cores are shared with the goroutines above.
	workers := max(1, min(k, runtime.GOMAXPROCS(0)))
	vols := make([]*sums, workers)
	for i := range parts {
		parts[i] = &OrderRows{b: b, seed: seed}
	}
	var next atomic.Int32
	for w := range vols {
		vols[w] = b.volumes
		if w > 0 {
			vols[w] = newSums(3, n)
		}
		wg.Go(func() {
			for i := int(next.Add(1)) - 1; i < k; i = int(next.Add(1)) - 1 {
				parts[i].vol = vols[w]
				errs[i] = fill(i, parts[i])
			}
		})
	}
	wg.Wait()

	var f firstFailure
	for i, o := range parts {
		f.run(i, len(o.line), o.failed && o.recorded, errs[i])
		// AddOrderBytes reports bad trees at the first row it is given.
		if b.treeErr != nil && o.added > 0 {
			f.note(rowFailure{f.base[i], -1, b.treeErr})
		}
	}
	if f.first != nil && f.first.rank < 0 {
		return f.first.err
	}
	// Duplicate order ids: the ids are split by hash among the cores, each part
	// inserted in file order into its own table, which finds the first repeat.
	np := min(runtime.GOMAXPROCS(0), 16)
	dups := make([]*rowFailure, np)
	for p := 0; p < np; p++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dups[p] = b.firstDuplicate(parts, f.base, p, np)
		}()
	}
	wg.Wait()
	for _, d := range dups {
		if d != nil {
			f.note(*d)
		}
	}
	if err := f.err(); err != nil {
		return err
	}
	if b.treeErr != nil {
		return b.treeErr // no order row was added
	}
	for _, o := range parts {
		o.vol = nil
	}
	for _, v := range vols[1:] {
		b.volumes.merge(v)
	}
	return carryErr
}

// firstDuplicate returns the first row, in file order, whose order id hashes to
// part p of np and repeats an earlier row's.
func (b *Builder) firstDuplicate(parts []*OrderRows, base []int, p, np int) *rowFailure {
	rows := 0
	for _, o := range parts {
		rows += len(o.line)
	}
	size := 1024
	for size < 2*rows/np+2 {
		size *= 2
	}
	// Hash tag, then row+1 (0 = empty). Read at random: on huge pages, few
	// of these reads also miss the TLB.
	slots := hugemem.Slice[uint64](size)
	mask := uint64(size - 1)
	at := func(row int) (*OrderRows, int) {
		i := sort.Search(len(parts), func(i int) bool { return base[i+1] > row })
		return parts[i], row - base[i]
	}
	for i, o := range parts {
		for r, h := range o.hash {
			if int(h>>32%uint64(np)) != p {
				continue
			}
			tag := h &^ (1<<32 - 1)
			row := base[i] + r
			for j := h & mask; ; j = (j + 1) & mask {
				s := slots[j]
				if s == 0 {
					slots[j] = tag | uint64(row+1)
					break
				}
				if s&^(1<<32-1) == tag {
					fo, fr := at(int(uint32(s)) - 1)
					if string(fo.id(fr)) == string(o.id(r)) {
						id := o.id(r)
						return &rowFailure{row, 1, &RowError{b.OrdersFile, int(o.line[r]),
							fmt.Sprintf("duplicate order_id %s (first on line %d)", q(id), fo.line[fr])}}
					}
				}
			}
		}
	}
	return nil
}

// touchSums reads member m's sums and returns something of them, so that
// reading the sums of a batch of members first lets their cache misses overlap.
func touchSums(s *sums, m int) int64 {
	if s.vals == nil {
		return 0
	}
	return s.vals[m*s.k]
}
