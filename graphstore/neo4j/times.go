package neo4j

import (
	"context"
	"fmt"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
)

// Times. A member's joined and a link's since and until are integers: Unix
// nanoseconds (graphstore.UnixNanos; the zero time is graphstore.ZeroNanos),
// as the embedded store keeps them. Exact, 8 bytes, compared as numbers, and
// cheap for the offline importer, which parses every datetime column with a
// general ISO 8601 pattern (for a million members the three million times
// took a third of the import). In Cypher:
//
//	datetime({epochMillis: m.joined / 1000000})
//
// Circulation's MOVED.at stays a datetime: movements come one by one from
// the outbox, never through the importer.
//
// timesMark is the Meta property saying so. A store without it that holds
// members was filled by an earlier version, which kept them as datetimes:
// New converts them once and sets it.
const timesMark = "unixNanos"

// nanosOf is the Cypher expression for x (a property) as Unix nanoseconds
// when it is a datetime, x itself otherwise (an integer already, or null).
func nanosOf(x string) string {
	return strings.ReplaceAll(`CASE WHEN X IS :: ZONED DATETIME NOT NULL
  THEN CASE WHEN X.epochSeconds = -62135596800 AND X.nanosecond = 0 THEN $zero
    ELSE X.epochSeconds * 1000000000 + X.nanosecond END
  ELSE X END`, "X", x)
}

// The conversions of an earlier version's datetimes, in batches (CALL ... IN
// TRANSACTIONS) so a million members stay within the transaction memory limit.
var qTimesToNanos = []string{
	`MATCH (m:Member) WHERE m.joined IS :: ZONED DATETIME NOT NULL
CALL (m) { SET m.joined = ` + nanosOf("m.joined") + ` } IN TRANSACTIONS OF 10000 ROWS`,
	`MATCH ()-[r:SPONSOR|PLACED|SPONSOR_WAS|PLACED_WAS]->()
WHERE r.since IS :: ZONED DATETIME NOT NULL OR r.until IS :: ZONED DATETIME NOT NULL
CALL (r) { SET r.since = ` + nanosOf("r.since") + `, r.until = ` + nanosOf("r.until") + ` } IN TRANSACTIONS OF 10000 ROWS`,
}

// ensureTimes converts a store from before times were integers, once.
func (s *Store) ensureTimes(ctx context.Context) error {
	marked, err := s.marked(ctx, timesMark)
	if err != nil || marked {
		return err
	}
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	for _, q := range qTimesToNanos {
		// CALL ... IN TRANSACTIONS needs an auto-commit Run.
		res, err := sess.Run(ctx, q, map[string]any{"zero": int64(graphstore.ZeroNanos)})
		if err == nil {
			_, err = res.Consume(ctx)
		}
		if err != nil {
			return fmt.Errorf("times to Unix nanoseconds: %w", err)
		}
	}
	return s.mark(ctx, timesMark)
}

// marked tells whether the Meta node carries the property mark.
func (s *Store) marked(ctx context.Context, mark string) (bool, error) {
	return read(ctx, s, func(tx neo4j.ManagedTransaction) (bool, error) {
		rec, err := single(ctx, tx, `OPTIONAL MATCH (m:Meta {id: $id}) RETURN m[$mark] IS NOT NULL`, map[string]any{"id": metaID, "mark": mark})
		if err != nil || rec == nil {
			return false, err
		}
		b, _ := rec.Values[0].(bool)
		return b, nil
	})
}

// mark sets the marks (constants of this package, never input) on the
// Meta node, made if missing.
func (s *Store) mark(ctx context.Context, marks ...string) error {
	set := make([]string, len(marks))
	for i, k := range marks {
		set[i] = "m." + k + " = 1"
	}
	return s.writeParams(ctx, `MERGE (m:Meta {id: $id}) SET `+strings.Join(set, ", "), map[string]any{"id": metaID})
}
