package neo4j

import (
	"context"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"

	"downline/graphstore"
	"downline/graphstore/neo4j/neo4jtest"
	"downline/network"
)

// Times are stored as Unix nanoseconds, exact to the nanosecond, with the
// zero time kept apart.
func TestTimesExact(t *testing.T) {
	ctx := context.Background()
	s := freshStore(t)
	joined := []time.Time{{}, t0.Add(123456789 * time.Nanosecond), time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Add(-time.Nanosecond)}
	var evs []network.Event
	for i, j := range joined {
		id := network.MemberID(i + 1)
		evs = append(evs, network.Event{Seq: int64(i + 1), At: t0, Kind: network.EventRegistered,
			Member: network.Member{ID: id, Code: code(id), Status: network.Active, Joined: j.In(time.FixedZone("CST", 8*3600))}})
	}
	if err := s.Apply(ctx, evs); err != nil {
		t.Fatal(err)
	}
	for i, want := range joined {
		m, err := s.Member(ctx, network.MemberID(i+1))
		if err != nil {
			t.Fatal(err)
		}
		if !m.Joined.Equal(want) || m.Joined.IsZero() != want.IsZero() {
			t.Errorf("member %d joined %v, want %v", i+1, m.Joined, want)
		}
	}
}

// A store an earlier version filled keeps times as datetimes and has no
// unixNanos mark: New converts every one, once, and the store then reads
// and dumps exactly as one filled now.
func TestOldDatetimesConverted(t *testing.T) {
	ctx := context.Background()
	s := freshStore(t)
	h := randomHistory(t, 8, 150)
	// A member who joined at the zero time, as an earlier version could hold.
	h.events = append(h.events, network.Event{Seq: int64(len(h.events) + 1), At: t0.Add(1000 * time.Hour), Kind: network.EventRegistered,
		Member: network.Member{ID: 9, Code: code(9), Status: network.Active, Sponsor: 1000}})
	if err := s.Apply(ctx, h.events); err != nil {
		t.Fatal(err)
	}
	want, wantView := graphDump(t, s), storeView(t, s, h)

	// Back to how an earlier version stored them: datetimes in UTC.
	toDatetime := func(x string) string {
		return strings.ReplaceAll(`CASE WHEN X IS NULL THEN null WHEN X = $zero THEN datetime('0001-01-01T00:00:00Z[UTC]')
  ELSE datetime({epochSeconds: X / 1000000000, nanosecond: X % 1000000000, timezone: 'UTC'}) END`, "X", x)
	}
	err := s.writeParams(ctx, `MATCH (m:Member) SET m.joined = `+toDatetime("m.joined")+`
WITH count(*) AS n
MATCH ()-[r]->() SET r.since = `+toDatetime("r.since")+`, r.until = `+toDatetime("r.until")+`
WITH count(*) AS n
MATCH (x:Meta {id: $id}) REMOVE x.`+timesMark, map[string]any{"id": metaID, "zero": int64(graphstore.ZeroNanos)})
	if err != nil {
		t.Fatal(err)
	}
	if n := countWhere(t, s, `MATCH (m:Member) WHERE m.joined IS :: ZONED DATETIME NOT NULL RETURN count(*)`); n != 151 {
		t.Fatalf("%d members with a datetime joined after the rewrite, want 151", n)
	}

	s2, err := New(ctx, neo4jtest.URI(t), os.Getenv("NEO4J_USER"), os.Getenv("NEO4J_PASSWORD"))
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close(ctx)
	for _, q := range []string{
		`MATCH (m:Member) WHERE NOT m.joined IS :: INTEGER NOT NULL RETURN count(*)`,
		`MATCH ()-[r]->() WHERE NOT r.since IS :: INTEGER NOT NULL OR NOT r.until IS :: INTEGER RETURN count(*)`,
	} {
		if n := countWhere(t, s2, q); n != 0 {
			t.Errorf("%s: %d after New", q, n)
		}
	}
	if n := countWhere(t, s2, `MATCH (:Member)-[r]->(:Member) WHERE r.until IS NOT NULL RETURN count(*)`); n == 0 {
		t.Error("no closed link to convert: the history has no move")
	}
	got := graphDump(t, s2)
	sameFilling(t, "conversion", want, got, wantView, storeView(t, s2, h))
	if marked, err := s2.marked(ctx, timesMark); err != nil || !marked {
		t.Errorf("after the conversion the mark is %v (%v)", marked, err)
	}
	// Once marked, a later New leaves the store alone.
	s3, err := New(ctx, neo4jtest.URI(t), os.Getenv("NEO4J_USER"), os.Getenv("NEO4J_PASSWORD"))
	if err != nil {
		t.Fatal(err)
	}
	defer s3.Close(ctx)
	if again := graphDump(t, s3); !slices.Equal(again, got) {
		t.Error("a second New changed the store")
	}
}

func countWhere(t *testing.T, s *Store, q string) int64 {
	t.Helper()
	ctx := context.Background()
	n, err := read(ctx, s, func(tx neo4j.ManagedTransaction) (int64, error) {
		rec, err := single(ctx, tx, q, nil)
		if err != nil || rec == nil {
			return 0, err
		}
		return asInt(rec.Values[0]), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}
