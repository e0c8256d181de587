package neo4j

import (
	"context"
	"downline/network"
	"strconv"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
)

// The contract's breadth-first order is tree order: within a level, members
// under an earlier parent come first, and siblings follow Frontline order
// (placement: side; sponsor: joined, then id). That is the lexicographic
// order of the sibling keys along each member's path, which one Cypher sort
// can give for a few levels at a time, but which would cost O(depth) per
// member over a whole deep tree. So a walk goes down from an ordered
// frontier a window of levels at a time, the window sized from how fast the
// levels grew so that one query returns about windowRows members: a long
// chain goes 64 levels a query (a window's cost grows with its cube, as
// each step is checked against the path so far), a bushy tree about one level a query, a
// small team in one or two queries.

// siblingKey is a member's rank among its siblings, per tree.
var siblingKey = [2]string{
	network.Sponsor:   "[startNode(x).joined, startNode(x).id]",
	network.Placement: "x.side",
}

// walkQuery returns the members 1..window levels below the frontier $ids,
// in tree order. The window is an int chosen by walk, written into the text
// because Cypher takes no parameters in variable-length bounds.
func walkQuery(tree network.Tree, window int) string {
	return `
UNWIND range(0, size($ids) - 1) AS i
MATCH (f:Member {id: $ids[i]})
MATCH p = (f)<-[:` + relTypes[tree][0] + `*1..` + strconv.Itoa(window) + `]-(d:Member)
RETURN length(p) AS depth, d.id AS id, d.status AS status
ORDER BY depth, i, [x IN relationships(p) | ` + siblingKey[tree] + `]`
}

// walked is one member met by a walk.
type walked struct {
	id     int64
	status string
}

const (
	maxWindow  = 64
	windowRows = 4096
)

// nextWindow predicts the largest window (at most twice the last one) whose
// levels, growing by the factor seen between the last two, stay within
// windowRows members.
func nextWindow(window, prevLevel, lastLevel int) int {
	growth := 1.0
	if prevLevel > 0 && lastLevel > prevLevel {
		growth = float64(lastLevel) / float64(prevLevel)
	}
	next, rows, size := 0, 0.0, float64(lastLevel)
	for next < min(2*window, maxWindow) {
		size *= growth
		if rows+size > windowRows && next > 0 {
			break
		}
		rows += size
		next++
	}
	return max(next, 1)
}

// walk visits the levels below root in tree order, one complete level per
// call of visit (depth 1 = frontline), until visit returns false, maxDepth
// (0 = none) is passed or the tree ends.
func walk(ctx context.Context, tx neo4j.ManagedTransaction, tree network.Tree, root network.MemberID, maxDepth int,
	visit func(depth int, level []walked) (more bool, err error)) error {
	frontier := []int64{int64(root)}
	depth, window := 0, 1
	for len(frontier) > 0 {
		w := window
		if maxDepth > 0 {
			w = min(w, maxDepth-depth)
		}
		if w <= 0 {
			return nil
		}
		levels := make([][]walked, w)
		rows := 0
		err := each(ctx, tx, walkQuery(tree, w), map[string]any{"ids": frontier}, func(r *neo4j.Record) error {
			d := int(asInt(r.Values[0]))
			levels[d-1] = append(levels[d-1], walked{id: asInt(r.Values[1]), status: asString(r.Values[2])})
			rows++
			return nil
		})
		if err != nil {
			return err
		}
		for k, level := range levels {
			if len(level) == 0 {
				return nil // the tree ends above this level
			}
			more, err := visit(depth+k+1, level)
			if err != nil || !more {
				return err
			}
		}
		last := levels[w-1]
		prev := len(frontier)
		if w > 1 {
			prev = len(levels[w-2])
		}
		window = nextWindow(w, prev, len(last))
		frontier = frontier[:0]
		for _, m := range last {
			frontier = append(frontier, m.id)
		}
		depth += w
	}
	return nil
}
