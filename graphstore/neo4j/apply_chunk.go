package neo4j

import (
	"context"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
	"downline/network"
)

// link is one row of qLink: make member id's parent in one tree "to" (0 = a
// root), closing the current link at "at" if it differs.
type link struct {
	step   int // index of the event in the batch
	id, to network.MemberID
	side   network.Side
	since  time.Time // start of the new link
	at     time.Time // end of the link it replaces
	seq    int64
}

func (l link) row() map[string]any {
	return map[string]any{"step": int64(l.step), "id": int64(l.id), "to": int64(l.to), "side": int64(l.side),
		"since": graphstore.UnixNanos(l.since), "at": graphstore.UnixNanos(l.at), "seq": l.seq}
}

// applyChunk validates the chunk against the store as it is now (this
// transaction's earlier chunks included) and writes it with one query per
// kind of change.
func applyChunk(ctx context.Context, tx neo4j.ManagedTransaction, chunk []step) error {
	w, err := gather(chunk)
	if err != nil {
		return err
	}
	joinTeams(w.members, w.ups[:])
	if err := w.check(ctx, tx); err != nil {
		return err
	}
	if err := w.writeMembers(ctx, tx); err != nil {
		return err
	}
	if err := w.writeLinks(ctx, tx); err != nil {
		return err
	}
	for t, rows := range w.ups {
		if len(rows) == 0 {
			continue
		}
		if err := run(ctx, tx, qTeamUp.of(network.Tree(t)), map[string]any{"rows": rows}); err != nil {
			return err
		}
	}
	return nil
}

// chunkWrites is what a chunk writes, as the rows of the queries that write
// it.
type chunkWrites struct {
	members, statuses, names []map[string]any
	links                    [2][]link
	ups                      [2][]map[string]any // team aggregate changes to add up the tree (qTeamUp)
	moved                    *network.Event      // a move is alone in its chunk
	byIndex                  map[int]network.Event
	codes                    map[string]int
}

// gather turns the chunk's events into rows, rejecting a code registered
// twice in it.
func gather(chunk []step) (*chunkWrites, error) {
	w := &chunkWrites{byIndex: map[int]network.Event{}, codes: map[string]int{}}
	for _, st := range chunk {
		ev, m := st.ev, st.ev.Member
		w.byIndex[st.index] = ev
		switch ev.Kind {
		case network.EventRegistered:
			status := m.Status
			if status == "" {
				status = network.Active
			}
			if m.Code != "" {
				if _, dup := w.codes[m.Code]; dup {
					return nil, reject(st.index, ev, "code %q is already taken", m.Code)
				}
				w.codes[m.Code] = st.index
			}
			w.members = append(w.members, map[string]any{
				"step": int64(st.index), "id": int64(m.ID), "code": m.Code, "name": m.Name, "status": string(status), "joined": graphstore.UnixNanos(m.Joined),
				"sponsor": int64(m.Sponsor), "parent": int64(m.Parent),
			})
			// A new member's links start when it joined, so Export(asOf)
			// shows it under its parents from its first moment.
			w.links[network.Sponsor] = append(w.links[network.Sponsor], link{st.index, m.ID, m.Sponsor, network.NoSide, m.Joined, ev.At, ev.Seq})
			w.links[network.Placement] = append(w.links[network.Placement], link{st.index, m.ID, m.Parent, m.Side, m.Joined, ev.At, ev.Seq})
		case network.EventMoved:
			l := link{st.index, m.ID, m.Sponsor, network.NoSide, ev.At, ev.At, ev.Seq}
			if ev.Tree == network.Placement {
				l.to, l.side = m.Parent, m.Side
			}
			w.links[ev.Tree] = append(w.links[ev.Tree], l)
			w.moved = &chunk[0].ev
		case network.EventStatus:
			w.statuses = append(w.statuses, map[string]any{"id": int64(m.ID), "status": string(m.Status)})
		case network.EventProfile:
			w.names = append(w.names, map[string]any{"id": int64(m.ID), "name": m.Name})
		}
	}
	return w, nil
}

// check rejects the earliest event of the chunk that the store refuses: a
// code already taken, a cycle, a placement slot held by someone else.
func (w *chunkWrites) check(ctx context.Context, tx neo4j.ManagedTransaction) error {
	// The earliest bad event decides where the batch stops.
	var bad *rejected
	keep := func(r *rejected) {
		if r != nil && (bad == nil || r.index < bad.index) {
			bad = r
		}
	}
	if len(w.codes) > 0 {
		err := each(ctx, tx, `
UNWIND $rows AS row
MATCH (m:Member {code: row.code})
RETURN row.step, row.code ORDER BY row.step LIMIT 1`, map[string]any{"rows": w.members}, func(r *neo4j.Record) error {
			k := int(asInt(r.Values[0]))
			keep(reject(k, w.byIndex[k], "code %q is already taken", asString(r.Values[1])))
			return nil
		})
		if err != nil {
			return err
		}
	}
	for t := range w.links {
		r, err := checkLinks(ctx, tx, network.Tree(t), w.links[t], w.byIndex)
		if err != nil {
			return err
		}
		keep(r)
	}
	if bad != nil {
		return bad
	}
	return nil
}

// writeMembers writes the new members, the statuses (with the change to
// their ancestors' active counts) and the names.
func (w *chunkWrites) writeMembers(ctx context.Context, tx neo4j.ManagedTransaction) error {
	if len(w.members) > 0 {
		if err := run(ctx, tx, qUpsertMembers, map[string]any{"rows": w.members}); err != nil {
			return err
		}
	}
	if len(w.statuses) > 0 {
		// Only a status that changes to or from active moves the ancestors'
		// active counts; a re-stated status changes nothing.
		err := each(ctx, tx, qSetStatus, map[string]any{"rows": w.statuses}, func(r *neo4j.Record) error {
			for t := range w.ups {
				w.ups[t] = append(w.ups[t], teamUp(network.MemberID(asInt(r.Values[0])), 0, asInt(r.Values[1]), -1))
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if len(w.names) > 0 {
		if err := run(ctx, tx, `UNWIND $rows AS row MATCH (m:Member {id: row.id}) SET m.name = row.name`, map[string]any{"rows": w.names}); err != nil {
			return err
		}
	}
	return nil
}

// writeLinks writes the links; a move takes its subtree off the old
// ancestors' aggregates first and, after, settles their heights and adds
// the subtree to the new ancestors'.
func (w *chunkWrites) writeLinks(ctx context.Context, tx neo4j.ManagedTransaction) error {
	var out *moveOut
	if w.moved != nil {
		var err error
		if out, err = takeOut(ctx, tx, *w.moved); err != nil {
			return err
		}
	}
	for t, ls := range w.links {
		if len(ls) == 0 {
			continue
		}
		rows := make([]map[string]any, len(ls))
		for i, l := range ls {
			rows[i] = l.row()
		}
		if err := run(ctx, tx, qLink.of(network.Tree(t)), map[string]any{"rows": rows}); err != nil {
			return err
		}
	}
	if out != nil {
		if err := out.settleHeights(ctx, tx); err != nil {
			return err
		}
		if target(*w.moved) != 0 {
			w.ups[out.tree] = append(w.ups[out.tree], teamUp(out.id, out.agg.below, out.agg.active, out.agg.height))
		}
	}
	return nil
}

// Members are new (a known id is rejected before), so CREATE would do;
// MERGE keeps a replayed write harmless all the same.
const qUpsertMembers = `
UNWIND $rows AS row
MERGE (m:Member {id: row.id})
SET m.code = row.code, m.name = row.name, m.status = row.status, m.joined = row.joined,
  m.spBelow = row.spBelow, m.spActive = row.spActive, m.spHeight = row.spHeight,
  m.plBelow = row.plBelow, m.plActive = row.plActive, m.plHeight = row.plHeight`

// qLink moves each row's member under row.to. An unchanged link is kept (a
// no-op move leaves its history alone); a changed one is closed
// into LINK_WAS with until = row.at, which Export(asOf) reads. The member's
// own parent properties are kept in step so Member needs no traversal.
var qLink = byTree(`
UNWIND $rows AS row
MATCH (c:Member {id: row.id})
OPTIONAL MATCH (c)-[old:LINK]->(op:Member)
WITH c, row, old, op, (old IS NOT NULL AND op.id = row.to AND old.side = row.side) AS same
SET PARENT_PROPS
FOREACH (_ IN CASE WHEN old IS NOT NULL AND NOT same THEN [1] ELSE [] END |
  CREATE (c)-[:LINK_WAS {since: old.since, until: row.at, seq: old.seq, side: old.side}]->(op)
  DELETE old)
WITH c, row, same
WHERE NOT same AND row.to <> 0
MATCH (p:Member {id: row.to})
CREATE (c)-[:LINK {since: row.since, seq: row.seq, side: row.side}]->(p)`)

// qSetStatus sets statuses and returns, for each member whose status turned
// active (+1) or stopped being active (-1), the change to its ancestors'
// active counts.
const qSetStatus = `
UNWIND $rows AS row
MATCH (m:Member {id: row.id})
WITH m, row, CASE WHEN m.status = row.status THEN 0
  WHEN row.status = 'active' THEN 1 WHEN m.status = 'active' THEN -1 ELSE 0 END AS change
SET m.status = row.status
WITH m, change WHERE change <> 0
RETURN m.id, change`
