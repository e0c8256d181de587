package neo4j

import (
	"context"
	"fmt"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
	"downline/network"
)

// checkShape rejects what no store state could make valid.
func checkShape(ev network.Event) error {
	m := ev.Member
	if m.ID <= 0 {
		return fmt.Errorf("member id %d: %w", m.ID, graphstore.ErrInvalid)
	}
	switch ev.Kind {
	case network.EventRegistered:
		if m.Status != "" && !m.Status.Valid() {
			return fmt.Errorf("status %q: %w", m.Status, graphstore.ErrInvalid)
		}
		if err := checkLink(m.ID, network.Sponsor, m.Sponsor, network.NoSide); err != nil {
			return err
		}
		return checkLink(m.ID, network.Placement, m.Parent, m.Side)
	case network.EventMoved:
		switch ev.Tree {
		case network.Sponsor:
			return checkLink(m.ID, network.Sponsor, m.Sponsor, network.NoSide)
		case network.Placement:
			return checkLink(m.ID, network.Placement, m.Parent, m.Side)
		}
		return fmt.Errorf("tree %d: %w", ev.Tree, graphstore.ErrInvalid)
	case network.EventStatus:
		if !m.Status.Valid() {
			return fmt.Errorf("status %q: %w", m.Status, graphstore.ErrInvalid)
		}
		return nil
	case network.EventProfile:
		return nil
	}
	return fmt.Errorf("event kind %q: %w", ev.Kind, graphstore.ErrInvalid)
}

func checkLink(id network.MemberID, tree network.Tree, to network.MemberID, side network.Side) error {
	switch {
	case to < 0:
		return fmt.Errorf("member %d: %s parent %d: %w", id, tree, to, graphstore.ErrInvalid)
	case to == id:
		return fmt.Errorf("member %d cannot be its own %s parent: %w", id, tree, graphstore.ErrInvalid)
	case tree == network.Sponsor && side != network.NoSide:
		return fmt.Errorf("member %d: a sponsor link has no side: %w", id, graphstore.ErrInvalid)
	case tree == network.Placement && to != 0 && side != network.Left && side != network.Right:
		return fmt.Errorf("member %d: placement under %d needs side L or R: %w", id, to, graphstore.ErrInvalid)
	case tree == network.Placement && to == 0 && side != network.NoSide:
		return fmt.Errorf("member %d: a placement root has no side: %w", id, graphstore.ErrInvalid)
	}
	return nil
}

// checkLinks finds the first link that would break a tree: a member under
// its own downline (a cycle) or a placement slot that someone else holds.
func checkLinks(ctx context.Context, tx neo4j.ManagedTransaction, tree network.Tree, ls []link, byIndex map[int]network.Event) (*rejected, error) {
	rows := make([]map[string]any, 0, len(ls))
	for _, l := range ls {
		if l.to != 0 {
			rows = append(rows, l.row())
		}
	}
	if len(rows) == 0 {
		return nil, nil
	}
	var bad *rejected
	keep := func(r *rejected) {
		if bad == nil || r.index < bad.index {
			bad = r
		}
	}
	// A cycle needs the member to have a downline, so a stored node: new
	// registrations (no node yet) never match and cost one index lookup.
	err := each(ctx, tx, qCycle.of(tree), map[string]any{"rows": rows}, func(r *neo4j.Record) error {
		k := int(asInt(r.Values[0]))
		keep(reject(k, byIndex[k], "member %d cannot go under %d in its own %s downline", asInt(r.Values[1]), asInt(r.Values[2]), tree))
		return nil
	})
	if err != nil || tree != network.Placement {
		return bad, err
	}
	type slot struct {
		parent network.MemberID
		side   network.Side
	}
	taken := map[slot]network.MemberID{}
	for _, l := range ls {
		if l.to == 0 {
			continue
		}
		k := slot{l.to, l.side}
		if other, ok := taken[k]; ok {
			keep(reject(l.step, byIndex[l.step], "placement slot %d/%s is wanted by %d and %d", l.to, l.side, other, l.id))
			continue
		}
		taken[k] = l.id
	}
	err = each(ctx, tx, qSlotHolder, map[string]any{"rows": rows}, func(r *neo4j.Record) error {
		k := int(asInt(r.Values[0]))
		keep(reject(k, byIndex[k], "placement slot %d/%s is held by %d", asInt(r.Values[1]), network.Side(asInt(r.Values[2])), asInt(r.Values[3])))
		return nil
	})
	return bad, err
}

// shortestPath between fixed ends: a bidirectional search, O(depth).
var qCycle = byTree(`
UNWIND $rows AS row
MATCH (c:Member {id: row.id}), (p:Member {id: row.to})
MATCH sp = shortestPath((p)-[:LINK*1..]->(c))
RETURN row.step, c.id, p.id
ORDER BY row.step
LIMIT 1`)

// The member itself may hold the slot (a no-op move); anyone else holding it
// is a conflict.
const qSlotHolder = `
UNWIND $rows AS row
MATCH (:Member {id: row.to})<-[r:PLACED {side: row.side}]-(h:Member)
WHERE h.id <> row.id
RETURN row.step, row.to, row.side, h.id
ORDER BY row.step
LIMIT 1`
