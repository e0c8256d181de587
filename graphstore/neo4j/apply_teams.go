package neo4j

import (
	"context"
	"downline/network"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

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
