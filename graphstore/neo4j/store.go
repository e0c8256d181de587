// Package neo4j is the graphstore.Store kept in Neo4j, for deployments that
// outgrow one machine or want Neo4j's own tools on the member networks. It is
// a read model fed from the ledger's outbox, like the embedded store.
//
// Graph model (every query is parameterised Cypher; relationship types come
// from a fixed table, never from input):
//
//	(:Member {id, code, name, status, joined, sponsor, parent, side,
//	          spBelow, spActive, spHeight, plBelow, plActive, plHeight})
//	(child)-[:SPONSOR {since, seq, side}]->(sponsor)     current sponsor link
//	(child)-[:PLACED  {since, seq, side}]->(parent)      current placement link
//	(child)-[:SPONSOR_WAS|PLACED_WAS {since, until, seq, side}]->(old)   closed links
//	(:Meta {id: "graphstore", lastSeq, teams, unixNanos}) outbox position; marks
//
// Times (joined, since, until) are Unix nanoseconds (times.go).
//
// seq is the outbox event that made the link. Closed links keep
// Export(asOf) exact after moves, while the traversals only walk the
// current types. Siblings sort as Frontline does: placement by side,
// sponsor by the child's joined time, then id. The sp*/pl* properties are
// each member's team aggregates per tree (team.go), which make Team O(legs).
package neo4j

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/neo4j/neo4j-go-driver/v5/neo4j"
	"github.com/neo4j/neo4j-go-driver/v5/neo4j/dbtype"

	"downline/graphstore"
	"downline/network"
)

// Store is a graphstore.Store on a Neo4j database. Safe for concurrent use.
type Store struct {
	driver   neo4j.DriverWithContext
	database string // "" = the server's default database
}

var _ graphstore.Store = (*Store)(nil)

// Option adjusts New.
type Option func(*Store)

// WithDatabase selects a database other than the server's default.
func WithDatabase(name string) Option { return func(s *Store) { s.database = name } }

// New connects to uri (bolt:// or neo4j://), checks the server answers and
// creates the constraints and indexes the queries rely on. An empty user
// means no authentication.
func New(ctx context.Context, uri, user, password string, opts ...Option) (*Store, error) {
	auth := neo4j.NoAuth()
	if user != "" {
		auth = neo4j.BasicAuth(user, password, "")
	}
	driver, err := neo4j.NewDriverWithContext(uri, auth)
	if err != nil {
		return nil, fmt.Errorf("neo4j.New(%q): %w", uri, err)
	}
	s := &Store{driver: driver}
	for _, o := range opts {
		o(s)
	}
	if err := driver.VerifyConnectivity(ctx); err != nil {
		driver.Close(ctx)
		return nil, fmt.Errorf("neo4j.New(%q): %w", uri, err)
	}
	if err := s.createSchema(ctx); err != nil {
		driver.Close(ctx)
		return nil, fmt.Errorf("neo4j.New(%q): %w", uri, err)
	}
	if err := s.ensureTimes(ctx); err != nil {
		driver.Close(ctx)
		return nil, fmt.Errorf("neo4j.New(%q): %w", uri, err)
	}
	if err := s.ensureTeams(ctx); err != nil {
		driver.Close(ctx)
		return nil, fmt.Errorf("neo4j.New(%q): team aggregates: %w", uri, err)
	}
	if err := s.ensureLotSums(ctx); err != nil {
		driver.Close(ctx)
		return nil, fmt.Errorf("neo4j.New(%q): lot sums: %w", uri, err)
	}
	return s, nil
}

// Close releases the driver's connections.
func (s *Store) Close(ctx context.Context) error { return s.driver.Close(ctx) }

// schema is idempotent (IF NOT EXISTS), so every New runs it.
var schema = []string{
	`CREATE CONSTRAINT member_id IF NOT EXISTS FOR (m:Member) REQUIRE m.id IS UNIQUE`,
	// Codes are unique in the ledger; a plain index keeps one bad outbox row
	// from wedging the consumer, and MemberByCode still answers in O(log n).
	`CREATE INDEX member_code IF NOT EXISTS FOR (m:Member) ON (m.code)`,
	`CREATE CONSTRAINT meta_id IF NOT EXISTS FOR (m:Meta) REQUIRE m.id IS UNIQUE`,
	`CREATE CONSTRAINT lot_id IF NOT EXISTS FOR (l:Lot) REQUIRE l.id IS UNIQUE`,
	`CREATE CONSTRAINT holder_key IF NOT EXISTS FOR (h:Holder) REQUIRE h.key IS UNIQUE`,
	`CREATE INDEX moved_seq IF NOT EXISTS FOR ()-[r:MOVED]-() ON (r.seq)`,
	`CREATE INDEX moved_lot IF NOT EXISTS FOR ()-[r:MOVED]-() ON (r.lot)`,
	`CREATE INDEX lot_sku_batch IF NOT EXISTS FOR (l:Lot) ON (l.sku, l.batch)`,
}

func (s *Store) createSchema(ctx context.Context) error {
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	for _, q := range append(slices.Clip(schema), lotSumSchema...) {
		res, err := sess.Run(ctx, q, nil)
		if err == nil {
			_, err = res.Consume(ctx)
		}
		if err != nil {
			return fmt.Errorf("schema %q: %w", q, err)
		}
	}
	return nil
}

// Reset deletes every node and relationship (members, history, outbox
// position, circulation) but keeps the schema: a fresh store for tests, or
// before a full rebuild from Postgres.
func (s *Store) Reset(ctx context.Context) error {
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	// Batches keep a million-member graph within the transaction memory limit;
	// CALL ... IN TRANSACTIONS needs this auto-commit Run. Relationships go
	// first: a warehouse that moved a best-seller has hundreds of thousands
	// of MOVED edges, too many for one batch of DETACH DELETE.
	var err error
	for _, q := range []string{
		`MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS`,
		`MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS`,
	} {
		var res neo4j.ResultWithContext
		if res, err = sess.Run(ctx, q, nil); err == nil {
			_, err = res.Consume(ctx)
		}
		if err != nil {
			break
		}
	}
	if err == nil {
		err = s.mark(ctx, teamsMark, timesMark) // an empty store's aggregates are trivially kept
	}
	if err != nil {
		return fmt.Errorf("neo4j.Reset: %w", err)
	}
	return nil
}

func (s *Store) session(ctx context.Context, mode neo4j.AccessMode) neo4j.SessionWithContext {
	return s.driver.NewSession(ctx, neo4j.SessionConfig{AccessMode: mode, DatabaseName: s.database})
}

// read runs fn in a managed read transaction (retried on transient errors).
func read[T any](ctx context.Context, s *Store, fn func(tx neo4j.ManagedTransaction) (T, error)) (T, error) {
	sess := s.session(ctx, neo4j.AccessModeRead)
	defer sess.Close(ctx)
	return neo4j.ExecuteRead(ctx, sess, fn)
}

// write runs fn in a managed write transaction (retried on transient errors,
// so fn must start from what it reads, never from state kept across tries).
func write[T any](ctx context.Context, s *Store, fn func(tx neo4j.ManagedTransaction) (T, error)) (T, error) {
	sess := s.session(ctx, neo4j.AccessModeWrite)
	defer sess.Close(ctx)
	return neo4j.ExecuteWrite(ctx, sess, fn)
}

// each streams the records of q to fn, one at a time.
func each(ctx context.Context, tx neo4j.ManagedTransaction, q string, params map[string]any, fn func(*neo4j.Record) error) error {
	res, err := tx.Run(ctx, q, params)
	if err != nil {
		return err
	}
	for res.Next(ctx) {
		if err := fn(res.Record()); err != nil {
			return err
		}
	}
	return res.Err()
}

// single returns the only record of q, or nil when there is none.
func single(ctx context.Context, tx neo4j.ManagedTransaction, q string, params map[string]any) (*neo4j.Record, error) {
	var rec *neo4j.Record
	err := each(ctx, tx, q, params, func(r *neo4j.Record) error {
		if rec == nil {
			rec = r
		}
		return nil
	})
	return rec, err
}

// relTypes names the relationship types of each tree. Queries are written
// with the placeholders LINK, LINK_WAS, PARENT_PROPS, CHILD_ORDER and the team
// aggregates' T_BELOW, T_ACTIVE, T_HEIGHT (team.go), instantiated per tree
// once, at start: relationship types cannot be Cypher parameters.
var relTypes = [2][2]string{
	network.Sponsor:   {"SPONSOR", "SPONSOR_WAS"},
	network.Placement: {"PLACED", "PLACED_WAS"},
}

// childOrder is Frontline order, for a child c linked by r.
var childOrder = [2]string{
	network.Sponsor:   "c.joined, c.id",
	network.Placement: "r.side, c.id",
}

// parentProps keeps a member's own copy of its parent in step with its link.
var parentProps = [2]string{
	network.Sponsor:   "c.sponsor = row.to",
	network.Placement: "c.parent = row.to, c.side = row.side",
}

// perTree is one query text per tree.
type perTree [2]string

func byTree(q string) perTree {
	var p perTree
	for t, names := range relTypes {
		r := strings.NewReplacer("LINK_WAS", names[1], "LINK", names[0], "PARENT_PROPS", parentProps[t], "CHILD_ORDER", childOrder[t],
			"T_BELOW", teamProps[t][0], "T_ACTIVE", teamProps[t][1], "T_HEIGHT", teamProps[t][2])
		p[t] = r.Replace(q)
	}
	return p
}

func (p perTree) of(t network.Tree) string { return p[t] }

func checkTree(t network.Tree) error {
	if t != network.Sponsor && t != network.Placement {
		return fmt.Errorf("tree %d: %w", t, graphstore.ErrInvalid)
	}
	return nil
}

// memberOf reads a Member node's properties.
func memberOf(v any) (network.Member, error) {
	n, ok := v.(dbtype.Node)
	if !ok {
		return network.Member{}, fmt.Errorf("expected a node, got %T", v)
	}
	p := n.Props
	m := network.Member{
		ID:      network.MemberID(asInt(p["id"])),
		Code:    asString(p["code"]),
		Name:    asString(p["name"]),
		Status:  network.Status(asString(p["status"])),
		Sponsor: network.MemberID(asInt(p["sponsor"])),
		Parent:  network.MemberID(asInt(p["parent"])),
		Side:    network.Side(asInt(p["side"])),
	}
	if n, ok := p["joined"].(int64); ok {
		m.Joined = graphstore.FromUnixNanos(n)
	}
	return m, nil
}

func asInt(v any) int64 {
	i, _ := v.(int64)
	return i
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}

func notFound(id network.MemberID) error {
	return fmt.Errorf("member %d: %w", id, graphstore.ErrNotFound)
}
