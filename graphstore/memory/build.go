package memory

import (
	"cmp"
	"context"
	"fmt"
	"slices"

	"downline/graphstore"
	"downline/network"
)

// Build makes a store from a snapshot of the ledger, much faster than
// applying one registration event per member.
//
// members holds every member with the links it got at registration (its
// first sponsor and placement), in any order; they are fastest in (Joined,
// ID) order. moves are the member.moved events since, in Seq order: replaying
// them yields the current links and the link history that Export asOf reads.
// lastSeq is the outbox position the snapshot includes, where Apply resumes.
// Errors: ErrInvalid for inconsistent input (duplicate ids or codes, unknown
// or self links, a slot taken twice, a cycle, a move that cannot apply).
func Build(members []network.Member, moves []network.Event, lastSeq int64) (*Store, error) {
	s, err := buildAtOnce(members, moves, lastSeq)
	if err != nil && len(moves) > 0 {
		// Attaching every member at its first link before replaying the
		// moves fails when a move vacated a slot that a later member then
		// took: both first links name the same slot. Replaying joins and
		// moves in the order they happened gets it right, more slowly.
		return buildByReplay(members, moves, lastSeq)
	}
	return s, err
}

// buildByReplay applies registrations and moves as events in time order: a
// move at time t comes after every member who joined by t.
func buildByReplay(members []network.Member, moves []network.Event, lastSeq int64) (*Store, error) {
	ms := slices.Clone(members)
	slices.SortStableFunc(ms, func(a, b network.Member) int {
		if c := a.Joined.Compare(b.Joined); c != 0 {
			return c
		}
		return cmp.Compare(a.ID, b.ID)
	})
	mv := slices.Clone(moves)
	slices.SortStableFunc(mv, func(a, b network.Event) int { return a.At.Compare(b.At) })
	events := make([]network.Event, 0, len(ms)+len(mv))
	j := 0
	for i := range ms {
		for j < len(mv) && mv[j].At.Before(ms[i].Joined) {
			events = append(events, mv[j])
			j++
		}
		events = append(events, network.Event{At: ms[i].Joined, Kind: network.EventRegistered, Member: ms[i]})
	}
	events = append(events, mv[j:]...)
	for k := range events {
		events[k].Seq = int64(k + 1)
	}
	s := New()
	const batch = 10_000
	for k := 0; k < len(events); k += batch {
		if err := s.Apply(context.Background(), events[k:min(k+batch, len(events))]); err != nil {
			return nil, err
		}
	}
	s.mu.Lock()
	s.lastSeq = lastSeq
	s.mu.Unlock()
	return s, nil
}

func buildAtOnce(members []network.Member, moves []network.Event, lastSeq int64) (*Store, error) {
	n := len(members)
	s := New()
	s.lastSeq = lastSeq

	// Dense indices in (Joined, ID) order make every sponsor child list come
	// out sorted by appending, and let Export skip its sort.
	// The sort runs over compact keys: comparing through the Member structs
	// would miss cache on every step.
	type key struct {
		joined int64
		id     network.MemberID
		k      int32
	}
	keys := make([]key, n)
	for k := range members {
		keys[k] = key{graphstore.UnixNanos(members[k].Joined), members[k].ID, int32(k)}
	}
	less := func(a, b key) int {
		if c := cmp.Compare(a.joined, b.joined); c != 0 {
			return c
		}
		return cmp.Compare(a.id, b.id)
	}
	if !slices.IsSortedFunc(keys, less) {
		slices.SortFunc(keys, less)
	}
	order := make([]int32, n)
	for i := range keys {
		order[i] = keys[i].k
	}
	keys = nil

	s.ids = make([]network.MemberID, n)
	s.codes = make([]string, n)
	s.names = make([]string, n)
	s.status = make([]status, n)
	s.joined = make([]int64, n)
	var maxID network.MemberID
	for k := range members {
		maxID = max(maxID, members[k].ID)
	}
	s.byID.reserve(maxID, n)
	// Hashing a million codes is the largest serial cost of a build, and
	// nothing below reads the code map: fill it on the other core meanwhile.
	codesDone := make(chan error, 1)
	go func() {
		byCode := make(map[string]int32, n)
		for i, k := range order {
			code := members[k].Code
			if code == "" {
				continue
			}
			// One hash per code: a duplicate overwrites and leaves the size short.
			before := len(byCode)
			byCode[code] = int32(i)
			if len(byCode) == before {
				codesDone <- invalid("code %q listed twice", code)
				return
			}
		}
		s.byCode = byCode
		codesDone <- nil
	}()
	for i, k := range order {
		m := &members[k]
		if m.ID <= 0 {
			return nil, invalid("member id %d", m.ID)
		}
		st, ok := parseStatus(m.Status)
		if !ok {
			return nil, invalid("member %d: status %q", m.ID, m.Status)
		}
		if _, dup := s.byID.get(m.ID); dup {
			return nil, invalid("member %d listed twice", m.ID)
		}
		s.byID.put(m.ID, int32(i))
		s.ids[i], s.codes[i], s.names[i] = m.ID, m.Code, m.Name
		s.status[i], s.joined[i] = st, graphstore.UnixNanos(m.Joined)
	}
	s.trees[0].grow(n)
	s.trees[1].grow(n)

	sp, pl := &s.trees[network.Sponsor], &s.trees[network.Placement]
	for i, k := range order {
		m := &members[k]
		if m.Sponsor != 0 {
			p, err := s.parentIndex(m.ID, m.Sponsor)
			if err != nil {
				return nil, err
			}
			sp.parent[i] = p
			if last := sp.last[p]; last >= 0 {
				sp.next[last] = int32(i)
				sp.prev[i] = last
			} else {
				sp.first[p] = int32(i)
			}
			sp.last[p] = int32(i)
		}
		if m.Parent == 0 {
			if m.Side != network.NoSide {
				return nil, invalid("member %d: a placement root has no side", m.ID)
			}
			continue
		}
		p, err := s.parentIndex(m.ID, m.Parent)
		if err != nil {
			return nil, err
		}
		if m.Side != network.Left && m.Side != network.Right {
			return nil, invalid("member %d: placement side %d", m.ID, m.Side)
		}
		if pl.slot(p, m.Side) >= 0 {
			return nil, invalid("member %d: slot %s under %d is taken twice", m.ID, m.Side, m.Parent)
		}
		pl.attach(s, int32(i), p, m.Side)
	}

	// Moves check for cycles by walking up, which needs an acyclic start.
	if err := s.buildIndexes([2]bool{true, true}); err != nil {
		return nil, err
	}
	if err := <-codesDone; err != nil {
		return nil, err
	}
	for k := range moves {
		e := &moves[k]
		if e.Kind != network.EventMoved {
			return nil, invalid("event %d: Build replays only %s events, not %s", e.Seq, network.EventMoved, e.Kind)
		}
		if err := s.move(e); err != nil {
			return nil, fmt.Errorf("event %d (move of member %d): %w", e.Seq, e.Member.ID, err)
		}
	}
	s.reindex()
	return s, nil
}

func (s *Store) parentIndex(id, parent network.MemberID) (int32, error) {
	if parent == id {
		return -1, invalid("member %d is its own parent", id)
	}
	p, ok := s.byID.get(parent)
	if !ok {
		return -1, invalid("member %d: unknown parent %d", id, parent)
	}
	return p, nil
}
