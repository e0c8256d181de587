package neo4j

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
)

const (
	defaultLimit = 100
	maxLimit     = 10000
)

// cursor is the sort key of the last member of a page: the downline is
// ordered by (depth, ord, id), so the next page starts strictly after it
// (keyset pagination: no offset to rescan, stable while members join).
type cursor struct {
	tree  graphstore.Tree
	root  graphstore.MemberID
	depth int64
	ord   int64
	id    int64
}

func (c cursor) String() string {
	raw := fmt.Sprintf("d1.%d.%d.%d.%d.%d", c.tree, c.root, c.depth, c.ord, c.id)
	return base64.RawURLEncoding.EncodeToString([]byte(raw))
}

// parseCursor checks the cursor was made for this tree and this root: a
// cursor from another query would silently skip or repeat members.
func parseCursor(s string, tree graphstore.Tree, root graphstore.MemberID) (cursor, error) {
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, graphstore.ErrBadCursor
	}
	f := strings.Split(string(raw), ".")
	if len(f) != 6 || f[0] != "d1" {
		return cursor{}, graphstore.ErrBadCursor
	}
	var n [5]int64
	for i := range n {
		if n[i], err = strconv.ParseInt(f[i+1], 10, 64); err != nil {
			return cursor{}, graphstore.ErrBadCursor
		}
	}
	c := cursor{tree: graphstore.Tree(n[0]), root: graphstore.MemberID(n[1]), depth: n[2], ord: n[3], id: n[4]}
	if c.tree != tree || c.root != root || c.depth < 1 {
		return cursor{}, graphstore.ErrBadCursor
	}
	return c, nil
}

// downlineQuery builds the page query. Cypher takes no parameters in
// variable-length bounds, so the depth range is written into the text; both
// are ints checked by the caller, never text from the request.
func downlineQuery(tree graphstore.Tree, minDepth, maxDepth int) string {
	bound := strconv.Itoa(minDepth) + ".."
	if maxDepth > 0 {
		bound += strconv.Itoa(maxDepth)
	}
	names := relTypes[tree]
	return `
MATCH (m:Member {id: $id})
MATCH p = (m)<-[:` + names[0] + `*` + bound + `]-(d:Member)
WITH d, length(p) AS depth, last(relationships(p)).ord AS ord
WHERE (size($status) = 0 OR d.status IN $status)
  AND (depth > $cdepth OR (depth = $cdepth AND (ord > $cord OR (ord = $cord AND d.id > $cid))))
RETURN d, depth, ord
ORDER BY depth, ord, d.id
LIMIT $limit`
}

// Downline returns one page of the members below id. Errors: ErrNotFound, ErrBadCursor, ErrInvalid.
func (s *Store) Downline(ctx context.Context, tree graphstore.Tree, id graphstore.MemberID, q graphstore.DownlineQuery) (graphstore.Page, error) {
	page, err := s.downline(ctx, tree, id, q)
	if err != nil {
		return graphstore.Page{}, fmt.Errorf("neo4j.Downline(%s, %d): %w", tree, id, err)
	}
	return page, nil
}

func (s *Store) downline(ctx context.Context, tree graphstore.Tree, id graphstore.MemberID, q graphstore.DownlineQuery) (graphstore.Page, error) {
	if err := checkTree(tree); err != nil {
		return graphstore.Page{}, err
	}
	minDepth, maxDepth, limit := q.MinDepth, q.MaxDepth, q.Limit
	if minDepth == 0 {
		minDepth = 1
	}
	if limit == 0 {
		limit = defaultLimit
	}
	switch {
	case minDepth < 1:
		return graphstore.Page{}, fmt.Errorf("MinDepth %d: %w", q.MinDepth, graphstore.ErrInvalid)
	case maxDepth < 0 || (maxDepth > 0 && maxDepth < minDepth):
		return graphstore.Page{}, fmt.Errorf("MaxDepth %d with MinDepth %d: %w", q.MaxDepth, minDepth, graphstore.ErrInvalid)
	case limit < 0 || limit > maxLimit:
		return graphstore.Page{}, fmt.Errorf("Limit %d (1..%d): %w", q.Limit, maxLimit, graphstore.ErrInvalid)
	}
	status := make([]string, len(q.Status))
	for i, st := range q.Status {
		if !validStatus(st) {
			return graphstore.Page{}, fmt.Errorf("status %q: %w", st, graphstore.ErrInvalid)
		}
		status[i] = string(st)
	}
	after := cursor{tree: tree, root: id}
	if q.Cursor != "" {
		c, err := parseCursor(q.Cursor, tree, id)
		if err != nil {
			return graphstore.Page{}, err
		}
		after = c
		// Levels above the cursor are done: start the walk's output there.
		if int(c.depth) > minDepth {
			minDepth = int(c.depth)
		}
		if maxDepth > 0 && minDepth > maxDepth {
			return graphstore.Page{}, graphstore.ErrBadCursor
		}
	}
	params := map[string]any{
		"id": int64(id), "status": status, "limit": int64(limit + 1),
		"cdepth": after.depth, "cord": after.ord, "cid": after.id,
	}
	query := downlineQuery(tree, minDepth, maxDepth)
	return read(ctx, s, func(tx neo4j.ManagedTransaction) (graphstore.Page, error) {
		if err := exists(ctx, tx, id); err != nil {
			return graphstore.Page{}, err
		}
		var page graphstore.Page
		var last cursor
		err := each(ctx, tx, query, params, func(r *neo4j.Record) error {
			if len(page.Nodes) == limit {
				// The extra row only tells that another page exists.
				page.Next = last.String()
				return nil
			}
			m, err := memberOf(r.Values[0])
			if err != nil {
				return err
			}
			depth := asInt(r.Values[1])
			page.Nodes = append(page.Nodes, graphstore.Node{Member: m, Depth: int(depth)})
			last = cursor{tree: tree, root: id, depth: depth, ord: asInt(r.Values[2]), id: int64(m.ID)}
			return nil
		})
		return page, err
	})
}

func validStatus(st graphstore.Status) bool {
	switch st {
	case graphstore.Active, graphstore.Suspended, graphstore.Terminated:
		return true
	}
	return false
}

// One row per frontline leg; the subquery walks that leg once for its
// size, its active members and its depth.
var qTeam = byTree(`
MATCH (:Member {id: $id})<-[r:LINK]-(h:Member)
CALL (h) {
  MATCH p = (h)<-[:LINK*0..]-(d:Member)
  RETURN count(d) AS total,
         count(CASE WHEN d.status = 'active' THEN 1 END) AS active,
         max(length(p)) AS depth
}
RETURN h.id, r.side, total, active, depth
ORDER BY r.side, r.ord, h.id`)

// Team counts the members below id, in total and per frontline leg. Errors: ErrNotFound.
func (s *Store) Team(ctx context.Context, tree graphstore.Tree, id graphstore.MemberID) (graphstore.TeamCounts, error) {
	if err := checkTree(tree); err != nil {
		return graphstore.TeamCounts{}, fmt.Errorf("neo4j.Team: %w", err)
	}
	tc, err := read(ctx, s, func(tx neo4j.ManagedTransaction) (graphstore.TeamCounts, error) {
		if err := exists(ctx, tx, id); err != nil {
			return graphstore.TeamCounts{}, err
		}
		var tc graphstore.TeamCounts
		err := each(ctx, tx, qTeam.of(tree), map[string]any{"id": int64(id)}, func(r *neo4j.Record) error {
			leg := graphstore.LegCount{
				Head:   graphstore.MemberID(asInt(r.Values[0])),
				Side:   graphstore.Side(asInt(r.Values[1])),
				Total:  asInt(r.Values[2]),
				Active: asInt(r.Values[3]),
			}
			tc.Legs = append(tc.Legs, leg)
			tc.Total += leg.Total
			tc.Active += leg.Active
			if d := int(asInt(r.Values[4])) + 1; d > tc.Depth {
				tc.Depth = d
			}
			return nil
		})
		return tc, err
	})
	if err != nil {
		return graphstore.TeamCounts{}, fmt.Errorf("neo4j.Team(%s, %d): %w", tree, id, err)
	}
	return tc, nil
}
