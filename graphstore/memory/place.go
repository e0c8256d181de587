package memory

import (
	"context"
	"fmt"

	"downline/graphstore"
	"downline/network"
)

// FreeSlots implements graphstore.Store. Level lists are breadth-first order,
// so the scan visits members exactly as a queue would, without one.
func (s *Store) FreeSlots(ctx context.Context, id network.MemberID, limit int) ([]network.Slot, error) {
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

func (s *Store) freeSlots(r int32, limit int) []network.Slot {
	if limit <= 0 {
		return nil
	}
	x, l := s.idx[network.Placement], &s.trees[network.Placement]
	var slots []network.Slot
	for d := x.depth[r]; d <= x.maxd[r]; d++ {
		lvl := x.level(d)
		for k := lowerBound(lvl, x.pre[r]); k < len(lvl) && lvl[k] < x.end[r]; k++ {
			i := x.ord[lvl[k]]
			for _, side := range [2]network.Side{network.Left, network.Right} {
				if l.slot(i, side) < 0 {
					slots = append(slots, network.Slot{Parent: s.ids[i], Side: side})
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
func (s *Store) Place(ctx context.Context, id network.MemberID, how network.AutoPlace) (network.Slot, error) {
	if err := ctx.Err(); err != nil {
		return network.Slot{}, err
	}
	switch how {
	case network.Leftmost, network.Rightmost, network.WeakLeg, network.Balanced:
	default:
		return network.Slot{}, fmt.Errorf("placement strategy %q: %w", how, graphstore.ErrInvalid)
	}
	s.rlock()
	defer s.mu.RUnlock()
	r, err := s.lookup(id)
	if err != nil {
		return network.Slot{}, err
	}
	l := &s.trees[network.Placement]
	switch how {
	case network.Leftmost, network.Rightmost:
		side := network.Left
		if how == network.Rightmost {
			side = network.Right
		}
		i := r
		for c := l.slot(i, side); c >= 0; c = l.slot(i, side) {
			i = c
		}
		return network.Slot{Parent: s.ids[i], Side: side}, nil
	case network.WeakLeg:
		left, right := l.left[r], l.right[r]
		switch {
		case left < 0:
			return network.Slot{Parent: id, Side: network.Left}, nil
		case right < 0:
			return network.Slot{Parent: id, Side: network.Right}, nil
		}
		x := s.idx[network.Placement]
		if x.end[right]-x.pre[right] < x.end[left]-x.pre[left] {
			r = right
		} else {
			r = left
		}
	}
	slots := s.freeSlots(r, 1)
	if len(slots) == 0 {
		return network.Slot{}, fmt.Errorf("under member %d: %w", id, graphstore.ErrNoFreeSlot)
	}
	return slots[0], nil
}
