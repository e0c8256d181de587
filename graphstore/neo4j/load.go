package neo4j

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
	"downline/network"
)

var _ graphstore.Loader = (*Store)(nil)

// loadBatch is how many rows one Load transaction writes: big enough that the
// round trips vanish, small enough for the server's transaction memory.
const loadBatch = 20_000

// Load implements graphstore.Loader: it fills an empty store with members,
// their links and the moves since, in UNWIND batches of plain CREATEs, and
// leaves the same graph as applying the events one by one (the same current
// and closed links, so Export(asOf) agrees) except that links from a bulk load
// have seq 0 for registrations and moves: a snapshot does not carry outbox
// positions. progress is called with the number of members written.
//
// The snapshot is checked first, with Apply's rules (duplicate ids or codes,
// unknown parents, taken slots, cycles: ErrInvalid), so a bad snapshot
// leaves Neo4j empty. A failure halfway (the server going away)
// leaves a partial graph: Reset and load again.
func (s *Store) Load(ctx context.Context, members []network.Member, moves []network.Event, lastSeq int64, progress func(done int)) error {
	// A server that restarted without its data lost the schema too.
	if err := s.createSchema(ctx); err != nil {
		return fmt.Errorf("neo4j.Load: %w", err)
	}
	if n, err := s.Count(ctx); err != nil {
		return fmt.Errorf("neo4j.Load: %w", err)
	} else if n > 0 {
		return fmt.Errorf("neo4j.Load: the store already holds %d members: %w", n, graphstore.ErrInvalid)
	}
	if seq, err := s.LastSeq(ctx); err != nil {
		return fmt.Errorf("neo4j.Load: %w", err)
	} else if seq > 0 {
		return fmt.Errorf("neo4j.Load: the store has applied events up to %d: %w", seq, graphstore.ErrInvalid)
	}
	h, err := replay(members, moves)
	if err != nil {
		return fmt.Errorf("neo4j.Load: %w", err)
	}
	teams := h.teams(members)

	// Nodes first, then links (both trees at once), then the closed links.
	if err := s.loadMembers(ctx, members, h, teams, progress); err != nil {
		return fmt.Errorf("neo4j.Load: %w", err)
	}
	if err := s.loadLinks(ctx, members, h); err != nil {
		return fmt.Errorf("neo4j.Load: %w", err)
	}
	if err := s.loadClosed(ctx, h); err != nil {
		return fmt.Errorf("neo4j.Load: %w", err)
	}
	if lastSeq > 0 {
		_, err := write(ctx, s, func(tx neo4j.ManagedTransaction) (struct{}, error) {
			return struct{}{}, run(ctx, tx, `MERGE (m:Meta {id: $id}) SET m.lastSeq = $seq`, map[string]any{"id": metaID, "seq": lastSeq})
		})
		if err != nil {
			return fmt.Errorf("neo4j.Load: outbox position: %w", err)
		}
	}
	if err := s.mark(ctx, teamsMark, timesMark); err != nil {
		return fmt.Errorf("neo4j.Load: %w", err)
	}
	return nil
}

// loadMembers writes the member nodes with their team aggregates, in
// batches written by loadWorkers sessions: Neo4j runs a transaction on one
// thread, so two keep both cores busy. Columns rather than a map per row
// keep packing and unpacking the parameters cheap.
func (s *Store) loadMembers(ctx context.Context, members []network.Member, h *history, teams [2][]teamAgg, progress func(done int)) error {
	var mu sync.Mutex
	done := 0
	return inParallel(ctx, len(members), func(lo, hi int) error {
		p := map[string]any{}
		id, sponsor, parent, side := make([]int64, 0, hi-lo), make([]int64, 0, hi-lo), make([]int64, 0, hi-lo), make([]int64, 0, hi-lo)
		code, name, status, joined := make([]string, 0, hi-lo), make([]string, 0, hi-lo), make([]string, 0, hi-lo), make([]int64, 0, hi-lo)
		var agg [2][3][]int64 // per tree: below, active, height
		for t := range agg {
			for k := range agg[t] {
				agg[t][k] = make([]int64, 0, hi-lo)
			}
		}
		for i := lo; i < hi; i++ {
			for t := range agg {
				a := teams[t][i]
				agg[t][0], agg[t][1], agg[t][2] = append(agg[t][0], a.below), append(agg[t][1], a.active), append(agg[t][2], a.height)
			}
			m := &members[i]
			st := m.Status
			if st == "" {
				st = network.Active
			}
			sp, pl := h.current[network.Sponsor][i], h.current[network.Placement][i]
			id, code, name, status, joined = append(id, int64(m.ID)), append(code, m.Code), append(name, m.Name), append(status, string(st)), append(joined, graphstore.UnixNanos(m.Joined))
			sponsor, parent, side = append(sponsor, int64(sp.to)), append(parent, int64(pl.to)), append(side, int64(pl.side))
		}
		p["id"], p["code"], p["name"], p["status"], p["joined"] = id, code, name, status, joined
		p["sponsor"], p["parent"], p["side"] = sponsor, parent, side
		for t, props := range teamProps {
			for k, name := range props {
				p[name] = agg[t][k]
			}
		}
		if err := s.writeParams(ctx, qLoadMembers, p); err != nil {
			return fmt.Errorf("members: %w", err)
		}
		if progress != nil {
			mu.Lock()
			done += hi - lo
			progress(done)
			mu.Unlock()
		}
		return nil
	})
}

// loadLinks writes every member's current links in both trees, in batches
// as loadMembers does.
func (s *Store) loadLinks(ctx context.Context, members []network.Member, h *history) error {
	return inParallel(ctx, len(members), func(lo, hi int) error {
		p := map[string]any{}
		var cols [2]struct {
			to, side, seq, since []int64
		}
		id := make([]int64, 0, hi-lo)
		for i := lo; i < hi; i++ {
			id = append(id, int64(members[i].ID))
			for t := range cols {
				l, c := h.current[t][i], &cols[t]
				c.to, c.side, c.seq, c.since = append(c.to, int64(l.to)), append(c.side, int64(l.side)), append(c.seq, l.seq), append(c.since, graphstore.UnixNanos(l.since))
			}
		}
		p["id"] = id
		for t, prefix := range []string{"sp", "pl"} {
			c := cols[t]
			p[prefix+"To"], p[prefix+"Side"], p[prefix+"Seq"], p[prefix+"Since"] = c.to, c.side, c.seq, c.since
		}
		if err := s.writeParams(ctx, qLoadLinks, p); err != nil {
			return fmt.Errorf("links: %w", err)
		}
		return nil
	})
}

// loadClosed writes the links the moves closed, in batches of loadBatch.
func (s *Store) loadClosed(ctx context.Context, h *history) error {
	for t := range h.closed {
		tree := network.Tree(t)
		rows := make([]map[string]any, 0, loadBatch)
		for k, c := range h.closed[t] {
			rows = append(rows, c.span.row(c.id))
			if len(rows) == loadBatch || k == len(h.closed[t])-1 {
				if err := s.writeBatch(ctx, qLoadClosed.of(tree), rows); err != nil {
					return fmt.Errorf("closed %s links: %w", tree, err)
				}
				rows = rows[:0]
			}
		}
	}
	return nil
}

func (s *Store) writeBatch(ctx context.Context, q string, rows []map[string]any) error {
	return s.writeParams(ctx, q, map[string]any{"rows": rows})
}

func (s *Store) writeParams(ctx context.Context, q string, params map[string]any) error {
	_, err := write(ctx, s, func(tx neo4j.ManagedTransaction) (struct{}, error) {
		return struct{}{}, run(ctx, tx, q, params)
	})
	return err
}

// loadWorkers is how many sessions write batches at once.
const loadWorkers = 2

// inParallel calls write for [lo, hi) ranges of loadBatch covering [0, n),
// on loadWorkers goroutines, and returns the first error (the rest stop).
func inParallel(ctx context.Context, n int, write func(lo, hi int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	errs := make(chan error, loadWorkers)
	var wg sync.WaitGroup
	for range loadWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for lo := range next {
				if err := write(lo, min(lo+loadBatch, n)); err != nil {
					errs <- err
					cancel()
					return
				}
			}
		}()
	}
feed:
	for lo := 0; lo < n; lo += loadBatch {
		select {
		case next <- lo:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return ctx.Err()
	}
}

// The store is empty, so CREATE: no lookup before each write.
const qLoadMembers = `
UNWIND range(0, size($id) - 1) AS i
CREATE (:Member {id: $id[i], code: $code[i], name: $name[i], status: $status[i], joined: $joined[i],
  sponsor: $sponsor[i], parent: $parent[i], side: $side[i],
  spBelow: $spBelow[i], spActive: $spActive[i], spHeight: $spHeight[i],
  plBelow: $plBelow[i], plActive: $plActive[i], plHeight: $plHeight[i]})`

// Both current links of each member; a root's parent id 0 matches nothing,
// and a unit subquery keeps the row either way.
const qLoadLinks = `
UNWIND range(0, size($id) - 1) AS i
MATCH (c:Member {id: $id[i]})
CALL (c, i) {
  MATCH (p:Member {id: $spTo[i]})
  CREATE (c)-[:SPONSOR {since: $spSince[i], seq: $spSeq[i], side: $spSide[i]}]->(p)
}
CALL (c, i) {
  MATCH (p:Member {id: $plTo[i]})
  CREATE (c)-[:PLACED {since: $plSince[i], seq: $plSeq[i], side: $plSide[i]}]->(p)
}`

var qLoadClosed = byTree(`
UNWIND $rows AS row
MATCH (c:Member {id: row.id}), (p:Member {id: row.to})
CREATE (c)-[:LINK_WAS {since: row.since, until: row.until, seq: row.seq, side: row.side}]->(p)`)

// span is one link of a member in one tree over time: to = 0 is no link (a root).
type span struct {
	to    network.MemberID
	side  network.Side
	since time.Time
	until time.Time // zero while current
	seq   int64
}

func (l span) row(id network.MemberID) map[string]any {
	r := map[string]any{"id": int64(id), "to": int64(l.to), "side": int64(l.side), "since": graphstore.UnixNanos(l.since), "seq": l.seq}
	if !l.until.IsZero() {
		r["until"] = graphstore.UnixNanos(l.until)
	}
	return r
}

// listError is a snapshot error found at members[at].
type listError struct {
	at  int
	err error
}

func (e *listError) Error() string { return e.err.Error() }

// history is every member's links after the moves: current[tree][i] is
// members[i]'s link now, closed[tree] the links moves replaced.
type history struct {
	current [2][]span
	closed  [2][]closedSpan
	index   *idIndex // members[i].ID -> i
}

// idIndex finds a member's position in a snapshot by id: a slice indexed by
// id when the ids are about as many as the members (a ledger's sequence),
// which is several times faster than a map for a million lookups, else a map.
type idIndex struct {
	dense  []int32 // id -> position+1; 0 = none
	sparse map[network.MemberID]int32
}

func newIDIndex(members []network.Member) *idIndex {
	var top network.MemberID
	for i := range members {
		top = max(top, members[i].ID)
	}
	if int64(top) <= 2*int64(len(members))+1024 {
		return &idIndex{dense: make([]int32, top+1)}
	}
	return &idIndex{sparse: make(map[network.MemberID]int32, len(members))}
}

// add records id at position i; false if id is there already.
func (x *idIndex) add(id network.MemberID, i int32) bool {
	if x.dense != nil {
		if x.dense[id] != 0 {
			return false
		}
		x.dense[id] = i + 1
		return true
	}
	if _, dup := x.sparse[id]; dup {
		return false
	}
	x.sparse[id] = i
	return true
}

func (x *idIndex) get(id network.MemberID) (int32, bool) {
	if x.dense != nil {
		if id < 0 || int(id) >= len(x.dense) || x.dense[id] == 0 {
			return 0, false
		}
		return x.dense[id] - 1, true
	}
	i, ok := x.sparse[id]
	return i, ok
}

// teams computes each member's team aggregates in both trees after the
// moves: teams[tree][i] is members[i]'s.
func (h *history) teams(members []network.Member) [2][]teamAgg {
	active := make([]bool, len(members))
	for i := range members {
		active[i] = members[i].Status == "" || members[i].Status == network.Active
	}
	var out [2][]teamAgg
	var wg sync.WaitGroup
	for t := range out { // the trees on two cores
		wg.Go(func() {
			parent := make([]int32, len(members))
			for i, l := range h.current[t] {
				parent[i] = -1
				if l.to != 0 {
					parent[i], _ = h.index.get(l.to)
				}
			}
			out[t], _ = teamsOf(parent, active) // replay refused cycles
		})
	}
	wg.Wait()
	return out
}

type closedSpan struct {
	id   network.MemberID
	span span
}

// replay checks the snapshot and plays it the way Apply would have: members
// join in (Joined, ID) order and each move happens after everyone who joined
// by its time, since a slot a move vacated may have been taken by a later
// member. A move to the link a member already has changes nothing; any other
// closes the current link at the move's time and opens the new one (none for
// a move to the root). Errors: ErrInvalid, as Apply would reject the event.
func replay(members []network.Member, moves []network.Event) (*history, error) {
	n := len(members)
	h := &history{}
	for t := range h.current {
		h.current[t] = make([]span, n)
	}
	index, err := checkSnapshot(members)
	if err != nil {
		return nil, err
	}
	h.index = index
	r := replayer{members: members, h: h, index: index,
		joined: make([]bool, n),
		slots:  make([][2]network.MemberID, n)}
	order := joinOrder(members)
	next := 0
	for _, ev := range moves {
		for ; next < n && !members[order[next]].Joined.After(ev.At); next++ {
			if err := r.join(order[next]); err != nil {
				return nil, err
			}
		}
		if err := r.move(ev); err != nil {
			return nil, err
		}
	}
	for ; next < n; next++ {
		if err := r.join(order[next]); err != nil {
			return nil, err
		}
	}
	return h, nil
}

// checkSnapshot checks the members' ids, codes and statuses, and returns
// the index of their ids. Of several bad members it reports the first in the
// list, whichever check found it.
func checkSnapshot(members []network.Member) (*idIndex, error) {
	for i := range members {
		if members[i].ID <= 0 {
			return nil, fmt.Errorf("member id %d: %w", members[i].ID, graphstore.ErrInvalid)
		}
	}
	index := newIDIndex(members)
	// Codes are checked beside the rest (a million strings hashed).
	codeErr := make(chan error, 1)
	go func() {
		codes := make(map[string]struct{}, len(members))
		for i := range members {
			if c := members[i].Code; c != "" {
				if _, dup := codes[c]; dup {
					codeErr <- &listError{i, fmt.Errorf("code %q listed twice: %w", c, graphstore.ErrInvalid)}
					return
				}
				codes[c] = struct{}{}
			}
		}
		codeErr <- nil
	}()
	var bad error
	for i := range members {
		m := &members[i]
		if !index.add(m.ID, int32(i)) {
			bad = &listError{i, fmt.Errorf("member %d listed twice: %w", m.ID, graphstore.ErrInvalid)}
			break
		}
		if m.Status != "" && !m.Status.Valid() {
			bad = &listError{i, fmt.Errorf("member %d: status %q: %w", m.ID, m.Status, graphstore.ErrInvalid)}
			break
		}
	}
	if err := <-codeErr; err != nil && (bad == nil || err.(*listError).at < bad.(*listError).at) {
		bad = err
	}
	if bad != nil {
		return nil, bad.(*listError).err
	}
	return index, nil
}

// joinOrder is the positions of members in (Joined, ID) order.
func joinOrder(members []network.Member) []int32 {
	order := make([]int32, len(members))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := members[a].Joined.Compare(members[b].Joined); c != 0 {
			return c
		}
		return cmp.Compare(members[a].ID, members[b].ID)
	})
	return order
}

// replayer is the state of a replay: who has joined so far and who holds
// each placement slot, beside the history it writes.
type replayer struct {
	members []network.Member
	h       *history
	index   *idIndex
	joined  []bool
	// slots[i] holds who is in member i's left and right placement slot.
	slots [][2]network.MemberID
}

// known is a member who has joined by now, as i.
func (r *replayer) known(id network.MemberID) (int32, bool) {
	i, ok := r.index.get(id)
	return i, ok && r.joined[i]
}

// cyclic reports whether "to" is id itself or in id's downline in tree t.
func (r *replayer) cyclic(t network.Tree, id, to network.MemberID) bool {
	for steps := 0; to != 0 && steps <= len(r.members); steps++ {
		if to == id {
			return true
		}
		i, _ := r.index.get(to)
		to = r.h.current[t][i].to
	}
	return false
}

// join links member i in both trees as it joined.
func (r *replayer) join(i int32) error {
	m := &r.members[i]
	if err := r.link(network.Sponsor, i, span{to: m.Sponsor, since: m.Joined}, m.Joined); err != nil {
		return err
	}
	if m.Parent == 0 && m.Side != network.NoSide {
		return fmt.Errorf("member %d: a placement root has no side: %w", m.ID, graphstore.ErrInvalid)
	}
	if err := r.link(network.Placement, i, span{to: m.Parent, side: m.Side, since: m.Joined}, m.Joined); err != nil {
		return err
	}
	r.joined[i] = true
	return nil
}

// move plays a move event: the member's new link in the event's tree.
func (r *replayer) move(ev network.Event) error {
	if ev.Kind != network.EventMoved || (ev.Tree != network.Sponsor && ev.Tree != network.Placement) {
		return fmt.Errorf("move of member %d at %v: kind %q tree %d: %w", ev.Member.ID, ev.At, ev.Kind, ev.Tree, graphstore.ErrInvalid)
	}
	i, ok := r.known(ev.Member.ID)
	if !ok {
		return fmt.Errorf("move at %v: member %d has not joined: %w", ev.At, ev.Member.ID, graphstore.ErrInvalid)
	}
	to := span{to: ev.Member.Sponsor, since: ev.At, seq: ev.Seq}
	if ev.Tree == network.Placement {
		to.to, to.side = ev.Member.Parent, ev.Member.Side
	}
	if err := r.link(ev.Tree, i, to, ev.At); err != nil {
		return fmt.Errorf("move at %v: %w", ev.At, err)
	}
	return nil
}

// link makes next the link of member i in tree t at time at.
func (r *replayer) link(t network.Tree, i int32, next span, at time.Time) error {
	id := r.members[i].ID
	var pi int32 // next.to's position
	if next.to != 0 {
		var ok bool
		if pi, ok = r.known(next.to); !ok {
			return fmt.Errorf("member %d: %s parent %d is not a member yet: %w", id, t, next.to, graphstore.ErrInvalid)
		}
		if err := checkLink(id, t, next.to, next.side); err != nil {
			return err
		}
		if r.joined[i] && r.cyclic(t, id, next.to) { // a new member has no downline
			return fmt.Errorf("member %d cannot go under %d in its own %s downline: %w", id, next.to, t, graphstore.ErrInvalid)
		}
	} else {
		next = span{}
	}
	cur := &r.h.current[t][i]
	if cur.to == next.to && cur.side == next.side {
		return nil // no change
	}
	if t == network.Placement && next.to != 0 {
		slot := &r.slots[pi][next.side-network.Left] // checkLink allowed Left or Right only
		if holder := *slot; holder != 0 && holder != id {
			return fmt.Errorf("member %d: placement slot %d/%s is held by %d: %w", id, next.to, next.side, holder, graphstore.ErrInvalid)
		}
		*slot = id
	}
	if cur.to != 0 {
		if t == network.Placement {
			ci, _ := r.index.get(cur.to)
			r.slots[ci][cur.side-network.Left] = 0
		}
		old := *cur
		old.until = at
		r.h.closed[t] = append(r.h.closed[t], closedSpan{id, old})
	}
	*cur = next
	return nil
}
