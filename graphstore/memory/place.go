package memory

import (
	"context"
	"fmt"

	"downline/graphstore"
)

// FreeSlots implements graphstore.Store. Level lists are breadth-first order,
// so the scan visits members exactly as a queue would, without one.
func (s *Store) FreeSlots(ctx context.Context, id graphstore.MemberID, limit int) ([]graphstore.Slot, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.rlock()
	defer s.mu.RUnlock()
	i, err := s.lookup(id)
	if err != nil {
		return nil, err
	}
	return s.freeSlots(i, limit), nil
}

func (s *Store) freeSlots(r int32, limit int) []graphstore.Slot {
	if limit <= 0 {
		return nil
	}
	x, l := s.idx[graphstore.Placement], &s.trees[graphstore.Placement]
	var slots []graphstore.Slot
	for d := x.depth[r]; d <= x.maxd[r]; d++ {
		lvl := x.level(d)
		for k := lowerBound(lvl, x.pre[r]); k < len(lvl) && lvl[k] < x.end[r]; k++ {
			i := x.ord[lvl[k]]
			for _, side := range [2]graphstore.Side{graphstore.Left, graphstore.Right} {
				if l.slot(i, side) < 0 {
					slots = append(slots, graphstore.Slot{Parent: s.ids[i], Side: side})
					if len(slots) == limit {
						return slots
					}
				}
			}
		}
	}
	return slots
}

// Place implements graphstore.Store. It only picks the slot: the ledger
// takes it, and the store learns of it from the registration event.
func (s *Store) Place(ctx context.Context, id graphstore.MemberID, how graphstore.AutoPlace) (graphstore.Slot, error) {
	if err := ctx.Err(); err != nil {
		return graphstore.Slot{}, err
	}
	switch how {
	case graphstore.Leftmost, graphstore.Rightmost, graphstore.WeakLeg, graphstore.Balanced:
	default:
		return graphstore.Slot{}, fmt.Errorf("placement strategy %q: %w", how, graphstore.ErrInvalid)
	}
	s.rlock()
	defer s.mu.RUnlock()
	r, err := s.lookup(id)
	if err != nil {
		return graphstore.Slot{}, err
	}
	l := &s.trees[graphstore.Placement]
	switch how {
	case graphstore.Leftmost, graphstore.Rightmost:
		side := graphstore.Left
		if how == graphstore.Rightmost {
			side = graphstore.Right
		}
		i := r
		for c := l.slot(i, side); c >= 0; c = l.slot(i, side) {
			i = c
		}
		return graphstore.Slot{Parent: s.ids[i], Side: side}, nil
	case graphstore.WeakLeg:
		left, right := l.left[r], l.right[r]
		switch {
		case left < 0:
			return graphstore.Slot{Parent: id, Side: graphstore.Left}, nil
		case right < 0:
			return graphstore.Slot{Parent: id, Side: graphstore.Right}, nil
		}
		x := s.idx[graphstore.Placement]
		if x.end[right]-x.pre[right] < x.end[left]-x.pre[left] {
			r = right
		} else {
			r = left
		}
	}
	slots := s.freeSlots(r, 1)
	if len(slots) == 0 {
		return graphstore.Slot{}, fmt.Errorf("under member %d: %w", id, graphstore.ErrNoFreeSlot)
	}
	return slots[0], nil
}
