package neo4j

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
	"downline/network"
)

// The children of one level of the placement tree, parents in the order
// given (i keeps it), each parent's children Left then Right.
const qLevel = `
UNWIND range(0, size($ids) - 1) AS i
MATCH (p:Member {id: $ids[i]})<-[r:PLACED]-(c:Member)
RETURN i, r.side, c.id
ORDER BY i, r.side`

// freeSlots walks the placement tree level by level from id: breadth-first
// order in a binary tree is positional (a left subtree before its right
// sibling's), which one sort over the whole subtree cannot give cheaply,
// and the walk stops at the first level that fills the limit.
func freeSlots(ctx context.Context, tx neo4j.ManagedTransaction, id network.MemberID, limit int) ([]network.Slot, error) {
	var slots []network.Slot
	level := []int64{int64(id)}
	for len(level) > 0 && len(slots) < limit {
		children := make([][3]int64, len(level)) // per parent: [left, right, unused]
		err := each(ctx, tx, qLevel, map[string]any{"ids": level}, func(r *neo4j.Record) error {
			i, side := asInt(r.Values[0]), asInt(r.Values[1])
			if side == int64(network.Left) || side == int64(network.Right) {
				children[i][side-1] = asInt(r.Values[2])
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		var next []int64
		for i, parent := range level {
			for side := 0; side < 2; side++ {
				if c := children[i][side]; c != 0 {
					next = append(next, c)
				} else if len(slots) < limit {
					slots = append(slots, network.Slot{Parent: network.MemberID(parent), Side: network.Side(side + 1)})
				}
			}
		}
		level = next
	}
	return slots, nil
}

// FreeSlots lists up to limit free placement slots under id, breadth first,
// left before right. Errors: ErrNotFound, ErrInvalid (a negative limit).
func (s *Store) FreeSlots(ctx context.Context, id network.MemberID, limit int) ([]network.Slot, error) {
	if limit < 0 {
		return nil, fmt.Errorf("neo4j.FreeSlots(%d): limit %d: %w", id, limit, graphstore.ErrInvalid)
	}
	slots, err := read(ctx, s, func(tx neo4j.ManagedTransaction) ([]network.Slot, error) {
		if err := exists(ctx, tx, id); err != nil {
			return nil, err
		}
		return freeSlots(ctx, tx, id, limit)
	})
	if err != nil {
		return nil, fmt.Errorf("neo4j.FreeSlots(%d): %w", id, err)
	}
	return slots, nil
}

// The bottom of the chain of $side children under id: a property map in the
// variable-length pattern keeps the walk on that one chain.
const qOuter = `
MATCH (m:Member {id: $id})
MATCH (m)<-[:PLACED*0.. {side: $side}]-(n:Member)
WHERE NOT EXISTS { (n)<-[:PLACED {side: $side}]-() }
RETURN n.id
LIMIT 1`

// Sizes of the two legs under id, counting the head (0 = no leg), from the
// heads' stored team aggregates (team.go): nothing below the heads is read.
var qLegSizes = byTree(`
MATCH (:Member {id: $id})<-[r:LINK]-(h:Member)
RETURN r.side, h.id, 1 + h.T_BELOW`).of(network.Placement)

// Place picks a free slot under id with the given strategy. Errors: ErrNotFound, ErrNoFreeSlot, ErrInvalid.
func (s *Store) Place(ctx context.Context, id network.MemberID, how network.AutoPlace) (network.Slot, error) {
	slot, err := read(ctx, s, func(tx neo4j.ManagedTransaction) (network.Slot, error) {
		switch how {
		case network.Leftmost, network.Rightmost, network.WeakLeg, network.Balanced:
		default:
			return network.Slot{}, fmt.Errorf("strategy %q: %w", how, graphstore.ErrInvalid)
		}
		if err := exists(ctx, tx, id); err != nil {
			return network.Slot{}, err
		}
		var start network.MemberID = id
		switch how {
		case network.Leftmost, network.Rightmost:
			side := network.Left
			if how == network.Rightmost {
				side = network.Right
			}
			rec, err := single(ctx, tx, qOuter, map[string]any{"id": int64(id), "side": int64(side)})
			if err != nil {
				return network.Slot{}, err
			}
			if rec == nil {
				return network.Slot{}, graphstore.ErrNoFreeSlot
			}
			return network.Slot{Parent: network.MemberID(asInt(rec.Values[0])), Side: side}, nil
		case network.WeakLeg:
			var size [2]int64
			var head [2]network.MemberID
			err := each(ctx, tx, qLegSizes, map[string]any{"id": int64(id)}, func(r *neo4j.Record) error {
				if side := asInt(r.Values[0]); side == int64(network.Left) || side == int64(network.Right) {
					head[side-1] = network.MemberID(asInt(r.Values[1]))
					size[side-1] = asInt(r.Values[2])
				}
				return nil
			})
			if err != nil {
				return network.Slot{}, err
			}
			weak := 0 // left on ties
			if size[1] < size[0] {
				weak = 1
			}
			if head[weak] == 0 {
				// An empty leg: its own slot is the first free one in it.
				return network.Slot{Parent: id, Side: network.Side(weak + 1)}, nil
			}
			start = head[weak]
		}
		slots, err := freeSlots(ctx, tx, start, 1)
		if err != nil {
			return network.Slot{}, err
		}
		if len(slots) == 0 {
			return network.Slot{}, graphstore.ErrNoFreeSlot
		}
		return slots[0], nil
	})
	if err != nil {
		return network.Slot{}, fmt.Errorf("neo4j.Place(%d, %s): %w", id, how, err)
	}
	return slot, nil
}
