package neo4j

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
	"downline/network"
)

const metaID = "graphstore"

// LastSeq is the highest event Seq applied (0 = none).
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	seq, err := read(ctx, s, func(tx neo4j.ManagedTransaction) (int64, error) { return lastSeq(ctx, tx) })
	if err != nil {
		return 0, fmt.Errorf("neo4j.LastSeq: %w", err)
	}
	return seq, nil
}

func lastSeq(ctx context.Context, tx neo4j.ManagedTransaction) (int64, error) {
	rec, err := single(ctx, tx, `MATCH (m:Meta {id: $id}) RETURN m.lastSeq`, map[string]any{"id": metaID})
	if err != nil || rec == nil {
		return 0, err
	}
	return asInt(rec.Values[0]), nil
}

// Apply applies outbox events in order. The applied events and the new
// LastSeq commit in one transaction, so a crash or a re-delivery never
// applies an event twice; events at or below LastSeq are skipped. A bad
// event stops the batch: the events before it stay applied (LastSeq is the
// last of them) and Apply returns ErrInvalid naming the bad one.
func (s *Store) Apply(ctx context.Context, events []network.Event) error {
	if len(events) == 0 {
		return nil
	}
	_, err := write(ctx, s, func(tx neo4j.ManagedTransaction) (struct{}, error) {
		return struct{}{}, applyTx(ctx, tx, events)
	})
	var bad *rejected
	if errors.As(err, &bad) && bad.index > 0 {
		// The failed transaction rolled back; the prefix before the bad event
		// passed every check once and applies the same way again.
		_, err2 := write(ctx, s, func(tx neo4j.ManagedTransaction) (struct{}, error) {
			return struct{}{}, applyTx(ctx, tx, events[:bad.index])
		})
		if err2 != nil {
			return fmt.Errorf("neo4j.Apply: the events before seq %d: %w", events[bad.index].Seq, err2)
		}
	}
	if err != nil {
		return fmt.Errorf("neo4j.Apply: %w", err)
	}
	return nil
}

// rejected is an event that cannot apply, at index of the batch.
type rejected struct {
	index int
	seq   int64
	err   error
}

func (r *rejected) Error() string { return fmt.Sprintf("event seq %d: %v", r.seq, r.err) }
func (r *rejected) Unwrap() error { return r.err }

func reject(index int, ev network.Event, format string, args ...any) *rejected {
	return &rejected{index: index, seq: ev.Seq, err: fmt.Errorf(format+": %w", append(args, graphstore.ErrInvalid)...)}
}

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

// step is one event and its index in the batch.
type step struct {
	index int
	ev    network.Event
}

// applyTx splits the pending events into chunks that one UNWIND per kind of
// write can apply: within a chunk no member appears twice, so the rows of a
// query are independent and their order inside the query does not matter.
// A move goes alone: its cycle check must see the tree as it is just before.
func applyTx(ctx context.Context, tx neo4j.ManagedTransaction, events []network.Event) error {
	last, err := lastSeq(ctx, tx)
	if err != nil {
		return err
	}
	known, err := existing(ctx, tx, events)
	if err != nil {
		return err
	}
	var chunk []step
	touched := map[network.MemberID]bool{}
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		err := applyChunk(ctx, tx, chunk)
		chunk, touched = chunk[:0], map[network.MemberID]bool{}
		return err
	}
	prev, applied := last, last
	for k, ev := range events {
		if ev.Seq <= last {
			continue // applied before: re-delivery is a no-op
		}
		if ev.Seq <= prev {
			return reject(k, ev, "seq %d after %d is out of order", ev.Seq, prev)
		}
		prev = ev.Seq
		if err := checkShape(ev); err != nil {
			return &rejected{index: k, seq: ev.Seq, err: err}
		}
		m := ev.Member
		need := func(id network.MemberID, what string) error {
			if id != 0 && !known[id] {
				return reject(k, ev, "%s %d is not a member", what, id)
			}
			return nil
		}
		switch ev.Kind {
		case network.EventRegistered:
			if known[m.ID] {
				return reject(k, ev, "member %d is already registered", m.ID)
			}
			if err := need(m.Sponsor, "sponsor"); err != nil {
				return err
			}
			if err := need(m.Parent, "placement parent"); err != nil {
				return err
			}
		case network.EventMoved:
			if err := need(m.ID, "moved member"); err != nil {
				return err
			}
			if err := need(target(ev), "new parent"); err != nil {
				return err
			}
		default:
			if err := need(m.ID, "member"); err != nil {
				return err
			}
		}
		solo := ev.Kind == network.EventMoved
		if solo || touched[m.ID] {
			if err := flush(); err != nil {
				return err
			}
		}
		chunk = append(chunk, step{k, ev})
		touched[m.ID] = true
		if solo {
			if err := flush(); err != nil {
				return err
			}
		}
		if ev.Kind == network.EventRegistered {
			known[m.ID] = true
		}
		applied = ev.Seq
	}
	if err := flush(); err != nil {
		return err
	}
	if applied == last {
		return nil
	}
	return run(ctx, tx, `MERGE (m:Meta {id: $id}) SET m.lastSeq = $seq`, map[string]any{"id": metaID, "seq": applied})
}

func target(ev network.Event) network.MemberID {
	if ev.Tree == network.Placement {
		return ev.Member.Parent
	}
	return ev.Member.Sponsor
}

// existing returns which of the members the events name are already stored.
func existing(ctx context.Context, tx neo4j.ManagedTransaction, events []network.Event) (map[network.MemberID]bool, error) {
	seen := map[network.MemberID]bool{}
	var ids []int64
	for _, ev := range events {
		for _, id := range []network.MemberID{ev.Member.ID, ev.Member.Sponsor, ev.Member.Parent} {
			if id != 0 && !seen[id] {
				seen[id] = true
				ids = append(ids, int64(id))
			}
		}
	}
	known := make(map[network.MemberID]bool, len(ids))
	err := each(ctx, tx, `UNWIND $ids AS id MATCH (m:Member {id: id}) RETURN m.id`, map[string]any{"ids": ids},
		func(r *neo4j.Record) error { known[network.MemberID(asInt(r.Values[0]))] = true; return nil })
	return known, err
}

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
	var members, statuses, names []map[string]any
	var links [2][]link
	var ups [2][]map[string]any // team aggregate changes to add up the tree (qTeamUp)
	var moved *network.Event    // a move is alone in its chunk
	byIndex := map[int]network.Event{}
	codes := map[string]int{}
	for _, st := range chunk {
		ev, m := st.ev, st.ev.Member
		byIndex[st.index] = ev
		switch ev.Kind {
		case network.EventRegistered:
			status := m.Status
			if status == "" {
				status = network.Active
			}
			if m.Code != "" {
				if _, dup := codes[m.Code]; dup {
					return reject(st.index, ev, "code %q is already taken", m.Code)
				}
				codes[m.Code] = st.index
			}
			members = append(members, map[string]any{
				"step": int64(st.index), "id": int64(m.ID), "code": m.Code, "name": m.Name, "status": string(status), "joined": graphstore.UnixNanos(m.Joined),
				"sponsor": int64(m.Sponsor), "parent": int64(m.Parent),
			})
			// A new member's links start when it joined, so Export(asOf)
			// shows it under its parents from its first moment.
			links[network.Sponsor] = append(links[network.Sponsor], link{st.index, m.ID, m.Sponsor, network.NoSide, m.Joined, ev.At, ev.Seq})
			links[network.Placement] = append(links[network.Placement], link{st.index, m.ID, m.Parent, m.Side, m.Joined, ev.At, ev.Seq})
		case network.EventMoved:
			l := link{st.index, m.ID, m.Sponsor, network.NoSide, ev.At, ev.At, ev.Seq}
			if ev.Tree == network.Placement {
				l.to, l.side = m.Parent, m.Side
			}
			links[ev.Tree] = append(links[ev.Tree], l)
			moved = &chunk[0].ev
		case network.EventStatus:
			statuses = append(statuses, map[string]any{"id": int64(m.ID), "status": string(m.Status)})
		case network.EventProfile:
			names = append(names, map[string]any{"id": int64(m.ID), "name": m.Name})
		}
	}
	joinTeams(members, ups[:])
	// The earliest bad event decides where the batch stops.
	var bad *rejected
	keep := func(r *rejected) {
		if r != nil && (bad == nil || r.index < bad.index) {
			bad = r
		}
	}
	if len(codes) > 0 {
		err := each(ctx, tx, `
UNWIND $rows AS row
MATCH (m:Member {code: row.code})
RETURN row.step, row.code ORDER BY row.step LIMIT 1`, map[string]any{"rows": members}, func(r *neo4j.Record) error {
			k := int(asInt(r.Values[0]))
			keep(reject(k, byIndex[k], "code %q is already taken", asString(r.Values[1])))
			return nil
		})
		if err != nil {
			return err
		}
	}
	for t := range links {
		r, err := checkLinks(ctx, tx, network.Tree(t), links[t], byIndex)
		if err != nil {
			return err
		}
		keep(r)
	}
	if bad != nil {
		return bad
	}
	if len(members) > 0 {
		if err := run(ctx, tx, qUpsertMembers, map[string]any{"rows": members}); err != nil {
			return err
		}
	}
	if len(statuses) > 0 {
		// Only a status that changes to or from active moves the ancestors'
		// active counts; a re-stated status changes nothing.
		err := each(ctx, tx, qSetStatus, map[string]any{"rows": statuses}, func(r *neo4j.Record) error {
			for t := range ups {
				ups[t] = append(ups[t], teamUp(network.MemberID(asInt(r.Values[0])), 0, asInt(r.Values[1]), -1))
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	if len(names) > 0 {
		if err := run(ctx, tx, `UNWIND $rows AS row MATCH (m:Member {id: row.id}) SET m.name = row.name`, map[string]any{"rows": names}); err != nil {
			return err
		}
	}
	var out *moveOut
	if moved != nil {
		var err error
		if out, err = takeOut(ctx, tx, *moved); err != nil {
			return err
		}
	}
	for t, ls := range links {
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
		if target(*moved) != 0 {
			ups[out.tree] = append(ups[out.tree], teamUp(out.id, out.agg.below, out.agg.active, out.agg.height))
		}
	}
	for t, rows := range ups {
		if len(rows) == 0 {
			continue
		}
		if err := run(ctx, tx, qTeamUp.of(network.Tree(t)), map[string]any{"rows": rows}); err != nil {
			return err
		}
	}
	return nil
}

// joinTeams gives the chunk's new members (the rows of qUpsertMembers) their
// team aggregates and adds their teams to the ancestors they join under
// (ups, per tree). Members of a chunk are distinct and a parent registers
// before its children, so the new members under others of the chunk are
// counted in Go (teamsOf over the chunk) and only the top new member of
// each new branch goes up the stored tree: a batch building a chain of
// thousands costs one walk up, not one per member.
func joinTeams(rows []map[string]any, ups [][]map[string]any) {
	if len(rows) == 0 {
		return
	}
	pos := make(map[int64]int32, len(rows))
	active := make([]bool, len(rows))
	for i, r := range rows {
		pos[r["id"].(int64)] = int32(i)
		active[i] = r["status"] == string(network.Active)
	}
	parent := make([]int32, len(rows))
	for t, key := range [2]string{network.Sponsor: "sponsor", network.Placement: "parent"} {
		for i, r := range rows {
			parent[i] = -1
			if k, ok := pos[r[key].(int64)]; ok {
				parent[i] = k
			}
		}
		aggs, _ := teamsOf(parent, active) // no cycle: a parent is known before
		for i, r := range rows {
			a := aggs[i]
			r[teamProps[t][0]], r[teamProps[t][1]], r[teamProps[t][2]] = a.below, a.active, a.height
			if parent[i] < 0 && r[key].(int64) != 0 {
				self := int64(0)
				if active[i] {
					self = 1
				}
				ups[t] = append(ups[t], teamUp(network.MemberID(r["id"].(int64)), 1+a.below, self+a.active, a.height))
			}
		}
	}
}

func activeCount(st network.Status) int64 {
	if st == network.Active {
		return 1
	}
	return 0
}

// teamUp is a row of qTeamUp: below and active are added to every ancestor
// of id; height (-1 for none) is id's own height, which raises each
// ancestor's to at least its distance from id plus that.
func teamUp(id network.MemberID, below, active, height int64) map[string]any {
	row := map[string]any{"id": int64(id), "below": below, "active": active, "height": nil}
	if height >= 0 {
		row["height"] = height
	}
	return row
}

// qTeamUp adds each row's change to the row member's ancestors, added up per
// ancestor first so that members sharing ancestors write each once: O(depth)
// per row. A height can only grow here (a join, a move in); shrinking is
// settleHeights'. The ancestors' distances come from the minimum path length
// per ancestor, which the planner runs as its pruning breadth-first
// expansion: a named path (length(p)) would be built step by step, O(depth^2).
var qTeamUp = byTree(`
UNWIND $rows AS row
MATCH (c:Member {id: row.id})
CALL (c) {
  MATCH (c)-[up:LINK*1..]->(a)
  WITH a, min(size(up)) AS dist
  RETURN a, dist
}
WITH a, sum(row.below) AS below, sum(row.active) AS active, max(dist + row.height) AS height
SET a.T_BELOW = a.T_BELOW + below, a.T_ACTIVE = a.T_ACTIVE + active,
    a.T_HEIGHT = CASE WHEN height > a.T_HEIGHT THEN height ELSE a.T_HEIGHT END`)

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

// moveOut is a moved member's subtree leaving its old ancestors.
type moveOut struct {
	tree network.Tree
	id   network.MemberID
	agg  teamAgg // the subtree's: itself included in below and active
	path []int64 // the old ancestors, parent first
}

// qUpPath is a member's aggregates and status and its ancestors, parent first.
// (Pruning breadth-first, as qTeamUp.)
var qUpPath = byTree(`
MATCH (m:Member {id: $id})
OPTIONAL MATCH (m)-[up:LINK*1..]->(a)
WITH m, a, min(size(up)) AS dist
RETURN m.T_BELOW, m.T_ACTIVE, m.T_HEIGHT, m.status, a.id
ORDER BY dist`)

// takeOut takes the subtree a move carries off its old ancestors' counts,
// before the link changes. A move that keeps the parent (a no-op, or a
// placement side change) changes no team and returns nil.
func takeOut(ctx context.Context, tx neo4j.ManagedTransaction, ev network.Event) (*moveOut, error) {
	out := &moveOut{tree: ev.Tree, id: ev.Member.ID}
	err := each(ctx, tx, qUpPath.of(ev.Tree), map[string]any{"id": int64(ev.Member.ID)}, func(r *neo4j.Record) error {
		out.agg = teamAgg{below: 1 + asInt(r.Values[0]), active: asInt(r.Values[1]) + activeCount(network.Status(asString(r.Values[3]))), height: asInt(r.Values[2])}
		if r.Values[4] != nil {
			out.path = append(out.path, asInt(r.Values[4]))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	parent := int64(0)
	if len(out.path) > 0 {
		parent = out.path[0]
	}
	if parent == int64(target(ev)) {
		return nil, nil
	}
	if len(out.path) > 0 {
		err = run(ctx, tx, qTeamDown.of(ev.Tree), map[string]any{"path": out.path, "below": out.agg.below, "active": out.agg.active})
	}
	return out, err
}

var qTeamDown = byTree(`
UNWIND $path AS id
MATCH (a:Member {id: id})
SET a.T_BELOW = a.T_BELOW - $below, a.T_ACTIVE = a.T_ACTIVE - $active`)

// qChildHeights gives, for each member of a path (parent first), its stored
// height and the greatest height among its children other than the one
// below it on the path.
var qChildHeights = byTree(`
UNWIND range(0, size($path) - 1) AS i
MATCH (a:Member {id: $path[i]})
OPTIONAL MATCH (a)<-[:LINK]-(c:Member) WHERE i = 0 OR c.id <> $path[i - 1]
RETURN i, a.T_HEIGHT, max(c.T_HEIGHT)
ORDER BY i`)

// heightWindow is how many ancestors settleHeights reads first: a height
// usually stops changing a few levels up. Each further read takes twice as
// many, so a long climb costs O(log depth) queries.
const heightWindow = 64

// settleHeights recomputes the old ancestors' heights from their children,
// bottom up, after the moved member's link is gone, stopping at the first
// unchanged one (everything above it is unchanged too).
func (o *moveOut) settleHeights(ctx context.Context, tx neo4j.ManagedTransaction) error {
	below := int64(-1) // the height just settled one level down the path; -1 below the old parent
	for lo, size := 0, heightWindow; lo < len(o.path); lo, size = lo+size, size*2 {
		hi := min(lo+size, len(o.path))
		path := o.path[max(lo-1, 0):hi] // the member below the window's first, to skip it
		var rows []map[string]any
		done := false
		err := each(ctx, tx, qChildHeights.of(o.tree), map[string]any{"path": path}, func(r *neo4j.Record) error {
			i := int(asInt(r.Values[0]))
			if done || (lo > 0 && i == 0) {
				return nil
			}
			h := below + 1
			if r.Values[2] != nil {
				h = max(h, asInt(r.Values[2])+1)
			}
			if h == asInt(r.Values[1]) {
				done = true
				return nil
			}
			rows = append(rows, map[string]any{"id": path[i], "height": h})
			below = h
			return nil
		})
		if err == nil && len(rows) > 0 {
			err = run(ctx, tx, qSetHeights.of(o.tree), map[string]any{"rows": rows})
		}
		if err != nil || done {
			return err
		}
	}
	return nil
}

var qSetHeights = byTree(`
UNWIND $rows AS row
MATCH (a:Member {id: row.id})
SET a.T_HEIGHT = row.height`)

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

func run(ctx context.Context, tx neo4j.ManagedTransaction, q string, params map[string]any) error {
	res, err := tx.Run(ctx, q, params)
	if err != nil {
		return err
	}
	_, err = res.Consume(ctx)
	return err
}
