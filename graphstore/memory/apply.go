package memory

import (
	"context"
	"fmt"

	"downline/graphstore"
	"downline/network"
)

// Apply implements graphstore.Store. Each event is validated completely
// before it changes anything, so a rejected event leaves the store as it was.
func (s *Store) Apply(ctx context.Context, events []network.Event) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.incremental = len(events) <= incrementalLimit
	for k := range events {
		e := &events[k]
		if e.Seq <= s.lastSeq {
			continue
		}
		if k%4096 == 4095 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		if err := s.apply(e); err != nil {
			return fmt.Errorf("event %d (%s, member %d): %w", e.Seq, e.Kind, e.Member.ID, err)
		}
		s.lastSeq = e.Seq
	}
	return nil
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%s: %w", fmt.Sprintf(format, args...), graphstore.ErrInvalid)
}

func (s *Store) apply(e *network.Event) error {
	switch e.Kind {
	case network.EventRegistered:
		return s.register(&e.Member)
	case network.EventMoved:
		return s.move(e)
	case network.EventStatus:
		i, ok := s.byID.get(e.Member.ID)
		if !ok {
			return invalid("unknown member")
		}
		st, ok := parseStatus(e.Member.Status)
		if !ok {
			return invalid("status %q", e.Member.Status)
		}
		if s.status[i] != st {
			s.status[i] = st
			s.countsStale = true
		}
		return nil
	case network.EventProfile:
		i, ok := s.byID.get(e.Member.ID)
		if !ok {
			return invalid("unknown member")
		}
		s.names[i] = e.Member.Name
		return nil
	}
	return invalid("unknown event kind %q", e.Kind)
}

// resolve checks a sponsor or placement link of member id and returns the
// parent's index (-1 for a root).
func (s *Store) resolve(t network.Tree, id, parent network.MemberID, side network.Side) (int32, error) {
	if parent == 0 {
		if side != network.NoSide {
			return -1, invalid("a %s root has no side", t)
		}
		return -1, nil
	}
	if parent == id {
		return -1, invalid("member is its own %s parent", t)
	}
	p, ok := s.byID.get(parent)
	if !ok {
		return -1, invalid("unknown %s parent %d", t, parent)
	}
	if t == network.Sponsor {
		if side != network.NoSide {
			return -1, invalid("sponsor links have no side")
		}
		return p, nil
	}
	if side != network.Left && side != network.Right {
		return -1, invalid("placement side %d", side)
	}
	if s.trees[network.Placement].slot(p, side) >= 0 {
		return -1, invalid("slot %s under %d is taken", side, parent)
	}
	return p, nil
}

func (s *Store) register(m *network.Member) error {
	if m.ID <= 0 {
		return invalid("member id %d", m.ID)
	}
	if _, dup := s.byID.get(m.ID); dup {
		return invalid("member already registered")
	}
	if _, dup := s.byCode[m.Code]; dup && m.Code != "" {
		return invalid("code %q already taken", m.Code)
	}
	st, ok := parseStatus(m.Status)
	if !ok {
		return invalid("status %q", m.Status)
	}
	sp, err := s.resolve(network.Sponsor, m.ID, m.Sponsor, network.NoSide)
	if err != nil {
		return err
	}
	pl, err := s.resolve(network.Placement, m.ID, m.Parent, m.Side)
	if err != nil {
		return err
	}
	i := s.add(m, st)
	if sp >= 0 {
		s.trees[network.Sponsor].attach(s, i, sp, network.NoSide)
	}
	if pl >= 0 {
		s.trees[network.Placement].attach(s, i, pl, m.Side)
	}
	if i > 0 && s.joinSorted && s.joinLess(i, i-1) {
		s.joinSorted = false
	}
	if s.countsStale {
		s.idx = [2]*index{} // a patch needs current active counts
		s.countsStale = false
	}
	s.patchOrDrop(network.Sponsor, i)
	s.patchOrDrop(network.Placement, i)
	return nil
}

// add appends a member without links.
func (s *Store) add(m *network.Member, st status) int32 {
	i := int32(len(s.ids))
	s.ids = append(s.ids, m.ID)
	s.codes = append(s.codes, m.Code)
	s.names = append(s.names, m.Name)
	s.status = append(s.status, st)
	s.joined = append(s.joined, graphstore.UnixNanos(m.Joined))
	s.byID.put(m.ID, i)
	if m.Code != "" {
		s.byCode[m.Code] = i
	}
	s.trees[0].grow(1)
	s.trees[1].grow(1)
	return i
}

func (s *Store) move(e *network.Event) error {
	if err := checkTree(e.Tree); err != nil {
		return err
	}
	i, ok := s.byID.get(e.Member.ID)
	if !ok {
		return invalid("unknown member")
	}
	l := &s.trees[e.Tree]
	parent, side := e.Member.Sponsor, network.NoSide
	if e.Tree == network.Placement {
		parent, side = e.Member.Parent, e.Member.Side
	}
	oldParent, oldSide := l.parent[i], network.NoSide
	if e.Tree == network.Placement {
		oldSide = l.side[i]
	}
	if oldParent >= 0 && s.ids[oldParent] == parent && oldSide == side {
		return nil // already there: nothing moved, nothing to remember
	}
	if oldParent < 0 && parent == 0 && side == network.NoSide {
		return nil
	}
	p, err := s.resolve(e.Tree, e.Member.ID, parent, side)
	if err != nil {
		return err
	}
	if p >= 0 && s.descends(e.Tree, p, i) {
		return invalid("moving under %d, its own downline, makes a cycle", parent)
	}
	if l.moves == nil {
		l.moves = make(map[int32][]linkChange)
	}
	l.moves[i] = append(l.moves[i], linkChange{at: graphstore.UnixNanos(e.At), parent: oldParent, side: oldSide})
	l.detach(i)
	if p >= 0 {
		l.attach(s, i, p, side)
	}
	s.idx[e.Tree] = nil
	return nil
}

// descends reports whether m is a or below a, by the index when it is
// current (O(1)) and else by walking up from m.
func (s *Store) descends(t network.Tree, m, a int32) bool {
	if x := s.idx[t]; x != nil {
		return m == a || x.below(a, m)
	}
	return s.trees[t].isAncestor(a, m)
}
