package neo4j

import (
	"context"
	"fmt"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
	"downline/network"
)

// LevelCount is one level of a member's team in a period: level 1 is the
// frontline, 2 the members they brought, and so on.
type LevelCount struct {
	Level   int
	Members int64 // had joined by the period's end
	Joins   int64 // joined within the period
}

// MaxLevels is the deepest level GrowthByLevel counts.
const MaxLevels = 64

// qLevels walks a team down to %d levels (a literal: Cypher takes no
// parameter for a path's length) and counts each level's members and
// joins; every other value is a parameter.
var qLevels = byTree(`
MATCH (r:Member {code: $code})
MATCH path = (m:Member)-[:LINK*1..%d]->(r)
WHERE m.joined < $to
RETURN length(path) AS level, count(*) AS members, count(CASE WHEN m.joined >= $from THEN 1 END) AS joins
ORDER BY level`)

// GrowthByLevel counts the members of code's team in tree by level, down to
// levels (1..MaxLevels): how many had joined by to, and how many joined in
// [from, to). Levels without members are left out.
//
// Errors: ErrNotFound for an unknown member; ErrInvalid for levels out of
// range or from not before to.
func (s *Store) GrowthByLevel(ctx context.Context, tree network.Tree, code string, from, to time.Time, levels int) ([]LevelCount, error) {
	if err := checkTree(tree); err != nil {
		return nil, fmt.Errorf("neo4j.GrowthByLevel: %w", err)
	}
	if levels < 1 || levels > MaxLevels || !from.Before(to) {
		return nil, fmt.Errorf("neo4j.GrowthByLevel: levels %d (1 to %d), from %v, to %v: %w", levels, MaxLevels, from, to, graphstore.ErrInvalid)
	}
	if _, err := s.MemberByCode(ctx, code); err != nil {
		return nil, err
	}
	q := fmt.Sprintf(qLevels.of(tree), levels)
	params := map[string]any{"code": code, "from": graphstore.UnixNanos(from), "to": graphstore.UnixNanos(to)}
	out, err := read(ctx, s, func(tx neo4j.ManagedTransaction) ([]LevelCount, error) {
		var out []LevelCount
		err := each(ctx, tx, q, params, func(r *neo4j.Record) error {
			out = append(out, LevelCount{Level: int(asInt(r.Values[0])), Members: asInt(r.Values[1]), Joins: asInt(r.Values[2])})
			return nil
		})
		return out, err
	})
	if err != nil {
		return nil, fmt.Errorf("neo4j.GrowthByLevel(%s, %s): %w", tree, code, err)
	}
	return out, nil
}
