package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"downline/graphstore"
)

// circulation holds lots and their movements (graphstore.Circulation) beside
// the member trees, under its own lock: a lot movement never touches the
// trees' indexes, nor a member event the movements.
//
// Movements are kept in columns, in the order they arrived (usually Seq
// order), and each lot and each holder lists the positions of its own: a
// lot's trace reads only its movements, about 40 bytes each, with no map
// lookup per movement.
type circulation struct {
	mu sync.RWMutex

	lots    []graphstore.Lot
	lotByID map[string]int32
	lotBy   map[[2]string][]int32 // (SKU, batch) -> lots, usually one
	lotMv   [][]int32             // per lot: its movements' positions
	lotSort []bool                // per lot: lotMv is in Seq order
	lotMax  []int64               // per lot: its highest seq
	// lotSum is, per lot, LotHolders' answer kept current as movements
	// arrive, while they arrive in Seq order (lotSort); a trace then costs
	// a copy rather than a pass over every movement.
	lotSum []*lotSums

	holders  []graphstore.Holder
	holderOf map[graphstore.Holder]int32
	holderMv [][]int32 // per holder: positions of movements into or out of it
	holdSort []bool
	holdMax  []int64

	shipments []string // interned shipment references and order numbers; 0 is ""
	shipOf    map[string]int32

	// The movements, by position.
	seq  []int64
	lot  []int32
	from []int32
	to   []int32
	qty  []int64
	at   []int64 // graphstore.UnixNanos
	ship []int32
	ord  []int32 // the order number, interned with the shipments

	maxSeq int64
	// bySeq finds stored seqs below maxSeq; nil while every movement came
	// in Seq order, when a binary search of seq does.
	bySeq map[int64]struct{}
}

func (c *circulation) init() {
	if c.lotByID == nil {
		c.lotByID = map[string]int32{}
		c.lotBy = map[[2]string][]int32{}
		c.holderOf = map[graphstore.Holder]int32{}
		c.shipments = []string{""}
		c.shipOf = map[string]int32{"": 0}
	}
}

var _ graphstore.Circulation = (*Store)(nil)

// AddLots implements graphstore.Circulation.
func (s *Store) AddLots(ctx context.Context, lots []graphstore.Lot) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	for _, l := range lots {
		if l.ID == "" || l.SKU == "" {
			return fmt.Errorf("memory.AddLots: lot %q sku %q: %w", l.ID, l.SKU, graphstore.ErrInvalid)
		}
	}
	c := &s.circ
	c.mu.Lock()
	defer c.mu.Unlock()
	c.init()
	for _, l := range lots {
		i, ok := c.lotByID[l.ID]
		if !ok {
			i = int32(len(c.lots))
			c.lots = append(c.lots, l)
			c.lotByID[l.ID] = i
			c.lotMv = append(c.lotMv, nil)
			c.lotSort = append(c.lotSort, true)
			c.lotMax = append(c.lotMax, 0)
			c.lotSum = append(c.lotSum, &lotSums{slot: map[int32]int32{}})
			c.lotBy[[2]string{l.SKU, l.Batch}] = append(c.lotBy[[2]string{l.SKU, l.Batch}], i)
			continue
		}
		old := c.lots[i]
		if old == l {
			continue
		}
		k := [2]string{old.SKU, old.Batch}
		if rest := slices.DeleteFunc(c.lotBy[k], func(x int32) bool { return x == i }); len(rest) > 0 {
			c.lotBy[k] = rest
		} else {
			delete(c.lotBy, k)
		}
		c.lots[i] = l
		c.lotBy[[2]string{l.SKU, l.Batch}] = append(c.lotBy[[2]string{l.SKU, l.Batch}], i)
	}
	return nil
}

// RecordMoves implements graphstore.Circulation. The batch is checked whole
// before anything is stored, so a rejected batch changes nothing.
func (s *Store) RecordMoves(ctx context.Context, moves []graphstore.Movement) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c := &s.circ
	c.mu.Lock()
	defer c.mu.Unlock()
	c.init()
	for _, m := range moves {
		switch {
		case m.Seq <= 0 || m.Qty <= 0 || m.Lot == "":
			return fmt.Errorf("memory.RecordMoves: seq %d lot %q qty %d: %w", m.Seq, m.Lot, m.Qty, graphstore.ErrInvalid)
		case !m.From.Valid() || !m.To.Valid() || m.From == m.To:
			return fmt.Errorf("memory.RecordMoves: seq %d from %v to %v: %w", m.Seq, m.From, m.To, graphstore.ErrInvalid)
		}
		if _, ok := c.lotByID[m.Lot]; !ok {
			return fmt.Errorf("memory.RecordMoves: seq %d: lot %q was never added: %w", m.Seq, m.Lot, graphstore.ErrInvalid)
		}
	}
	for _, m := range moves {
		if c.stored(m.Seq) {
			continue
		}
		c.record(m)
	}
	return nil
}

// stored reports whether a movement with this seq is held.
func (c *circulation) stored(seq int64) bool {
	switch {
	case seq > c.maxSeq:
		return false
	case c.bySeq != nil:
		_, ok := c.bySeq[seq]
		return ok
	}
	_, ok := slices.BinarySearch(c.seq, seq)
	return ok
}

func (c *circulation) record(m graphstore.Movement) {
	p := int32(len(c.seq))
	if m.Seq < c.maxSeq && c.bySeq == nil {
		// Out of order: from now on seq is not sorted.
		c.bySeq = make(map[int64]struct{}, len(c.seq)+1)
		for _, q := range c.seq {
			c.bySeq[q] = struct{}{}
		}
	}
	if c.bySeq != nil {
		c.bySeq[m.Seq] = struct{}{}
	}
	l := c.lotByID[m.Lot]
	f, t := c.holder(m.From), c.holder(m.To)
	sh, or := c.intern(m.Shipment), c.intern(m.Order)
	c.seq = append(c.seq, m.Seq)
	c.lot = append(c.lot, l)
	c.from = append(c.from, f)
	c.to = append(c.to, t)
	c.qty = append(c.qty, m.Qty)
	c.at = append(c.at, graphstore.UnixNanos(m.At))
	c.ship = append(c.ship, sh)
	c.ord = append(c.ord, or)
	c.lotSort[l] = c.lotSort[l] && m.Seq > c.lotMax[l]
	c.lotMax[l] = max(c.lotMax[l], m.Seq)
	c.lotMv[l] = append(c.lotMv[l], p)
	switch {
	case !c.lotSort[l]:
		c.lotSum[l] = nil // LotHolders sums the movements in Seq order instead, from now on
	case c.lotSum[l] != nil:
		c.lotSum[l].add(f, t, m)
	}
	for _, h := range [2]int32{f, t} {
		c.holdSort[h] = c.holdSort[h] && m.Seq > c.holdMax[h]
		c.holdMax[h] = max(c.holdMax[h], m.Seq)
		c.holderMv[h] = append(c.holderMv[h], p)
	}
	c.maxSeq = max(c.maxSeq, m.Seq)
}

// lotSums is one lot's movements summed per holder, in the order the lot
// reached them, with the recipients' totals (a LotSummary but for its
// stops, listed by index).
type lotSums struct {
	slot  map[int32]int32 // holder -> index in flows
	flows []graphstore.HolderFlow
	stops []int32 // indexes in flows of the holders that are not recipients
	total graphstore.LotSummary
}

// add counts movement m, from holder f to holder t.
func (a *lotSums) add(f, t int32, m graphstore.Movement) {
	a.touch(f, m.From, 0, m.Qty, m.At)
	a.touch(t, m.To, m.Qty, 0, m.At)
}

func (a *lotSums) touch(h int32, holder graphstore.Holder, in, out int64, at time.Time) {
	k, ok := a.slot[h]
	if !ok {
		k = int32(len(a.flows))
		a.slot[h] = k
		a.flows = append(a.flows, graphstore.HolderFlow{Holder: holder, First: at, Last: at})
		if holder.IsRecipient() {
			a.total.Recipients++
		} else {
			a.stops = append(a.stops, k)
		}
	}
	fl := &a.flows[k]
	before := fl.Holds() > 0
	fl.In += in
	fl.Out += out
	fl.Moves++
	if at.Before(fl.First) {
		fl.First = at
	}
	if at.After(fl.Last) {
		fl.Last = at
	}
	if holder.IsRecipient() {
		t := &a.total
		t.Received += in
		t.Holds += in - out
		t.Moves++
		switch after := fl.Holds() > 0; {
		case after && !before:
			t.Holding++
		case before && !after:
			t.Holding--
		}
	}
}

// summary is the LotSummary of the kept sums.
func (a *lotSums) summary() graphstore.LotSummary {
	sum := a.total
	sum.Stops = make([]graphstore.HolderFlow, len(a.stops))
	for k, i := range a.stops {
		sum.Stops[k] = a.flows[i]
	}
	return sum
}

// recipients is the page of recipients after rank after: a recipient's
// rank is its index in flows plus one, plus RankReturned when it holds
// none. Those still holding are found from after on; the others from the
// start again, then from after on.
func (a *lotSums) recipients(after int64, limit int) []graphstore.Recipient {
	var out []graphstore.Recipient
	full := func() bool { return limit > 0 && len(out) >= limit }
	scan := func(from int64, holding bool, plus int64) {
		for k := from; k < int64(len(a.flows)) && !full(); k++ {
			f := a.flows[k]
			if f.Holder.IsRecipient() && (f.Holds() > 0) == holding {
				out = append(out, graphstore.Recipient{HolderFlow: f, Rank: k + 1 + plus})
			}
		}
	}
	if after < graphstore.RankReturned {
		scan(max(after, 0), true, 0)
		after = graphstore.RankReturned
	}
	scan(after-graphstore.RankReturned, false, graphstore.RankReturned)
	return out
}

// intern returns the number of a shipment reference or order number.
func (c *circulation) intern(ref string) int32 {
	k, ok := c.shipOf[ref]
	if !ok {
		k = int32(len(c.shipments))
		c.shipments = append(c.shipments, ref)
		c.shipOf[ref] = k
	}
	return k
}

func (c *circulation) holder(h graphstore.Holder) int32 {
	i, ok := c.holderOf[h]
	if !ok {
		i = int32(len(c.holders))
		c.holders = append(c.holders, h)
		c.holderOf[h] = i
		c.holderMv = append(c.holderMv, nil)
		c.holdSort = append(c.holdSort, true)
		c.holdMax = append(c.holdMax, 0)
	}
	return i
}

// ordered returns positions in Seq order, sorting them (under the write
// lock) the first time a list is read after out-of-order movements.
func (s *Store) ordered(list func(*circulation) ([]int32, *bool)) []int32 {
	c := &s.circ
	c.mu.RLock()
	pos, sorted := list(c)
	if *sorted {
		return pos
	}
	c.mu.RUnlock()
	c.mu.Lock()
	pos, sorted = list(c)
	if !*sorted {
		slices.SortFunc(pos, func(a, b int32) int { return cmp.Compare(c.seq[a], c.seq[b]) })
		*sorted = true
	}
	c.mu.Unlock()
	c.mu.RLock()
	pos, _ = list(c)
	return pos
}

func (c *circulation) movement(p int32) graphstore.Movement {
	return graphstore.Movement{
		Seq:      c.seq[p],
		Lot:      c.lots[c.lot[p]].ID,
		From:     c.holders[c.from[p]],
		To:       c.holders[c.to[p]],
		Qty:      c.qty[p],
		At:       graphstore.FromUnixNanos(c.at[p]),
		Shipment: c.shipments[c.ship[p]],
		Order:    c.shipments[c.ord[p]],
	}
}

func (c *circulation) movements(pos []int32) []graphstore.Movement {
	out := make([]graphstore.Movement, len(pos))
	for k, p := range pos {
		out[k] = c.movement(p)
	}
	return out
}

// lotIndex finds a lot; the caller holds the read lock.
func (c *circulation) lotIndex(lot string) (int32, error) {
	i, ok := c.lotByID[lot]
	if !ok {
		return -1, fmt.Errorf("lot %q: %w", lot, graphstore.ErrNotFound)
	}
	return i, nil
}

// lotMoves returns a lot's movement positions in Seq order, with the read
// lock held; the caller releases it.
func (s *Store) lotMoves(ctx context.Context, lot string) ([]int32, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.circ.mu.RLock()
	i, err := s.circ.lotIndex(lot)
	s.circ.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	return s.ordered(func(c *circulation) ([]int32, *bool) { return c.lotMv[i], &c.lotSort[i] }), nil
}

// LotPath implements graphstore.Circulation.
func (s *Store) LotPath(ctx context.Context, lot string) ([]graphstore.Movement, error) {
	pos, err := s.lotMoves(ctx, lot)
	if err != nil {
		return nil, fmt.Errorf("memory.LotPath: %w", err)
	}
	defer s.circ.mu.RUnlock()
	return s.circ.movements(pos), nil
}

// PassedThrough implements graphstore.Circulation.
func (s *Store) PassedThrough(ctx context.Context, h graphstore.Holder) ([]graphstore.Movement, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !h.Valid() {
		return nil, fmt.Errorf("memory.PassedThrough(%v): %w", h, graphstore.ErrInvalid)
	}
	s.circ.mu.RLock()
	i, ok := s.circ.holderOf[h]
	s.circ.mu.RUnlock()
	if !ok {
		return nil, nil
	}
	pos := s.ordered(func(c *circulation) ([]int32, *bool) { return c.holderMv[i], &c.holdSort[i] })
	defer s.circ.mu.RUnlock()
	return s.circ.movements(pos), nil
}

// FindLot implements graphstore.Circulation: with several lots of one SKU
// and batch, the one whose ID sorts first.
func (s *Store) FindLot(ctx context.Context, sku, batch string) (graphstore.Lot, error) {
	if err := ctx.Err(); err != nil {
		return graphstore.Lot{}, err
	}
	c := &s.circ
	c.mu.RLock()
	defer c.mu.RUnlock()
	var best *graphstore.Lot
	for _, i := range c.lotBy[[2]string{sku, batch}] {
		if l := &c.lots[i]; best == nil || l.ID < best.ID {
			best = l
		}
	}
	if best == nil {
		return graphstore.Lot{}, fmt.Errorf("memory.FindLot: SKU %q batch %q: %w", sku, batch, graphstore.ErrNotFound)
	}
	return *best, nil
}

// LotHolders implements graphstore.Circulation: a copy of the sums kept as
// the lot's movements arrived, or, for a lot whose movements came out of Seq
// order, one pass over them summing into a slot per holder.
func (s *Store) LotHolders(ctx context.Context, lot string) ([]graphstore.HolderFlow, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.circ.mu.RLock()
	i, err := s.circ.lotIndex(lot)
	if err == nil && s.circ.lotSum[i] != nil {
		out := slices.Clone(s.circ.lotSum[i].flows)
		s.circ.mu.RUnlock()
		return out, nil
	}
	s.circ.mu.RUnlock()
	pos, err := s.lotMoves(ctx, lot)
	if err != nil {
		return nil, fmt.Errorf("memory.LotHolders: %w", err)
	}
	defer s.circ.mu.RUnlock()
	c := &s.circ
	type sums struct {
		in, out, moves int64
		first, last    int64
	}
	// slot[h] is holder h's index in acc plus one: in order of first
	// movement. A dense array when the lot touches many holders (no hashing
	// per movement), else a map.
	var dense []int32
	sparse := map[int32]int32{}
	if len(pos) >= len(c.holders)/16 {
		dense = make([]int32, len(c.holders))
	}
	var acc []sums
	var who []int32
	touch := func(h int32, in, out, at int64) {
		var k int32
		if dense != nil {
			k = dense[h] - 1
		} else if x, ok := sparse[h]; ok {
			k = x - 1
		} else {
			k = -1
		}
		if k < 0 {
			k = int32(len(acc))
			if dense != nil {
				dense[h] = k + 1
			} else {
				sparse[h] = k + 1
			}
			acc = append(acc, sums{first: at, last: at})
			who = append(who, h)
		}
		a := &acc[k]
		a.in += in
		a.out += out
		a.moves++
		a.first = min(a.first, at)
		a.last = max(a.last, at)
	}
	for k, p := range pos {
		if k%(1<<20) == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		q, at := c.qty[p], c.at[p]
		touch(c.from[p], 0, q, at)
		touch(c.to[p], q, 0, at)
	}
	out := make([]graphstore.HolderFlow, len(acc))
	for k, a := range acc {
		out[k] = graphstore.HolderFlow{Holder: c.holders[who[k]], In: a.in, Out: a.out, Moves: a.moves,
			First: graphstore.FromUnixNanos(a.first), Last: graphstore.FromUnixNanos(a.last)}
	}
	return out, nil
}

// LotSummary implements graphstore.Circulation: the kept totals and a copy
// of the few stops, or, for a lot whose movements came out of Seq order,
// LotHolders' pass summed.
func (s *Store) LotSummary(ctx context.Context, lot string) (graphstore.LotSummary, error) {
	if err := ctx.Err(); err != nil {
		return graphstore.LotSummary{}, err
	}
	s.circ.mu.RLock()
	i, err := s.circ.lotIndex(lot)
	if err == nil && s.circ.lotSum[i] != nil {
		defer s.circ.mu.RUnlock()
		return s.circ.lotSum[i].summary(), nil
	}
	s.circ.mu.RUnlock()
	flows, err := s.LotHolders(ctx, lot)
	if err != nil {
		return graphstore.LotSummary{}, fmt.Errorf("memory.LotSummary: %w", err)
	}
	sum, _ := graphstore.SummaryOf(flows)
	return sum, nil
}

// LotRecipients implements graphstore.Circulation: a scan of the kept sums
// from the cursor on, or, for a lot whose movements came out of Seq order,
// LotHolders' pass sorted.
func (s *Store) LotRecipients(ctx context.Context, lot string, after int64, limit int) ([]graphstore.Recipient, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.circ.mu.RLock()
	i, err := s.circ.lotIndex(lot)
	if err == nil && s.circ.lotSum[i] != nil {
		defer s.circ.mu.RUnlock()
		return s.circ.lotSum[i].recipients(after, limit), nil
	}
	s.circ.mu.RUnlock()
	flows, err := s.LotHolders(ctx, lot)
	if err != nil {
		return nil, fmt.Errorf("memory.LotRecipients: %w", err)
	}
	_, rs := graphstore.SummaryOf(flows)
	return graphstore.PageAfter(rs, after, limit), nil
}

// LotEdges implements graphstore.Circulation: one pass over the lot's
// movements in Seq order. Unlike the per-holder sums, the per-edge sums are
// not kept: a best-seller's lot has about as many edges as movements
// (agencies sell to members one by one), which would double the store.
func (s *Store) LotEdges(ctx context.Context, lot string) ([]graphstore.Edge, error) {
	pos, err := s.lotMoves(ctx, lot)
	if err != nil {
		return nil, fmt.Errorf("memory.LotEdges: %w", err)
	}
	defer s.circ.mu.RUnlock()
	c := &s.circ
	// Summed in compact slots (48 bytes) under a key of both holders, made
	// into Edges at the end.
	type sum struct {
		from, to        int32
		qty, moves, seq int64
		first, last     int64
	}
	slot := make(map[uint64]int32, min(len(pos)/4+16, 1<<22))
	var sums []sum
	for k, p := range pos {
		if k%(1<<20) == 0 && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		f, t, at := c.from[p], c.to[p], c.at[p]
		key := uint64(uint32(f))<<32 | uint64(uint32(t))
		i, ok := slot[key]
		if !ok {
			i = int32(len(sums))
			slot[key] = i
			sums = append(sums, sum{from: f, to: t, seq: c.seq[p], first: at, last: at})
		}
		a := &sums[i]
		a.qty += c.qty[p]
		a.moves++
		a.first, a.last = min(a.first, at), max(a.last, at)
	}
	out := make([]graphstore.Edge, len(sums))
	for k, a := range sums {
		out[k] = graphstore.Edge{From: c.holders[a.from], To: c.holders[a.to], Qty: a.qty, Moves: a.moves, FirstSeq: a.seq,
			First: graphstore.FromUnixNanos(a.first), Last: graphstore.FromUnixNanos(a.last)}
	}
	return out, nil
}

// Lots implements graphstore.Circulation.
func (s *Store) Lots(ctx context.Context) ([]graphstore.Lot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.circ.mu.RLock()
	out := slices.Clone(s.circ.lots)
	s.circ.mu.RUnlock()
	slices.SortFunc(out, func(a, b graphstore.Lot) int {
		return cmp.Or(cmp.Compare(a.SKU, b.SKU), cmp.Compare(a.Batch, b.Batch), cmp.Compare(a.ID, b.ID))
	})
	return out, nil
}

// Downstream implements graphstore.Circulation: for each lot h sent, one
// pass over the lot's movements in Seq order, carrying the set of holders
// the lot has reached from h.
func (s *Store) Downstream(ctx context.Context, h graphstore.Holder) ([]graphstore.Movement, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !h.Valid() {
		return nil, fmt.Errorf("memory.Downstream(%v): %w", h, graphstore.ErrInvalid)
	}
	s.circ.mu.RLock()
	hi, ok := s.circ.holderOf[h]
	s.circ.mu.RUnlock()
	if !ok {
		return nil, nil
	}
	mine := s.ordered(func(c *circulation) ([]int32, *bool) { return c.holderMv[hi], &c.holdSort[hi] })
	c := &s.circ
	var lots []int32
	seen := map[int32]bool{}
	for _, p := range mine {
		if l := c.lot[p]; c.from[p] == hi && !seen[l] {
			seen[l] = true
			lots = append(lots, l)
		}
	}
	s.circ.mu.RUnlock()
	var picked []int32
	for _, l := range lots {
		pos := s.ordered(func(c *circulation) ([]int32, *bool) { return c.lotMv[l], &c.lotSort[l] })
		reached := map[int32]bool{hi: true}
		for _, p := range pos {
			if reached[c.from[p]] {
				picked = append(picked, p)
				reached[c.to[p]] = true
			}
		}
		s.circ.mu.RUnlock()
	}
	s.circ.mu.RLock()
	defer s.circ.mu.RUnlock()
	slices.SortFunc(picked, func(a, b int32) int { return cmp.Compare(c.seq[a], c.seq[b]) })
	return c.movements(picked), nil
}
