// Package graphstore defines the member networks as a graph: the sponsor tree
// and the binary placement tree, read by team-structure queries and by
// settlement. Postgres (package ledger) is the system of record; a Store is a
// read model fed from the ledger's outbox (package projection), so it can be
// rebuilt at any time. The words both use (members, trees, sides, events) are
// in package network; graphstore does not import the ledger.
//
// Two implementations pass the same conformance suite (graphstoretest): the
// embedded store in graphstore/memory (the default) and graphstore/neo4j.
package graphstore

import (
	"context"
	"downline/network"
	"errors"
	"fmt"
	"math"
	"time"
)

// Node is a member seen from a query: Depth is the distance from the member the
// query started at (1 = frontline; negative never occurs), Side the member's
// own side under its placement parent.
type Node struct {
	network.Member
	Depth int
}

// DownlineQuery selects a page of a member's downline, in breadth-first order
// (by depth, then by the order children were attached, then by id). Precisely:
// by depth, and within one depth in tree order: members under an earlier
// parent first, and under one parent in Frontline order. A page with a
// non-empty Next always has Limit nodes, and Next is "" exactly when no
// further member matches. A Limit above 10000 or a negative value is ErrInvalid.
type DownlineQuery struct {
	MinDepth int              // default 1
	MaxDepth int              // 0 = unlimited
	Status   []network.Status // empty = every status
	Limit    int              // default 100, at most 10000
	Cursor   string           // opaque; "" = first page
}

// Page sizes of a DownlineQuery.
const (
	DefaultLimit = 100   // a Limit of 0
	MaxLimit     = 10000 // the largest Limit
)

// Resolve returns the query's depth range and page size with the defaults
// filled in (MinDepth 1, Limit DefaultLimit). Errors: ErrInvalid for a
// negative or empty depth range, a Limit above MaxLimit or negative, an
// unknown status.
func (q DownlineQuery) Resolve() (minDepth, maxDepth, limit int, err error) {
	minDepth, maxDepth, limit = q.MinDepth, q.MaxDepth, q.Limit
	if minDepth == 0 {
		minDepth = 1
	}
	if limit == 0 {
		limit = DefaultLimit
	}
	switch {
	case minDepth < 0, maxDepth < 0, maxDepth != 0 && maxDepth < minDepth:
		return 0, 0, 0, fmt.Errorf("depth range %d..%d: %w", q.MinDepth, q.MaxDepth, ErrInvalid)
	case limit < 0 || limit > MaxLimit:
		return 0, 0, 0, fmt.Errorf("limit %d (1..%d): %w", q.Limit, MaxLimit, ErrInvalid)
	}
	for _, st := range q.Status {
		if !st.Valid() {
			return 0, 0, 0, fmt.Errorf("status %q: %w", st, ErrInvalid)
		}
	}
	return minDepth, maxDepth, limit, nil
}

// Page is one page of a downline.
type Page struct {
	Nodes []Node
	// Next is the cursor of the following page, "" after the last.
	Next string
}

// TeamCounts sums a member's team in one tree (the member itself excluded).
type TeamCounts struct {
	Total  int64      // every member below
	Active int64      // of which with status active
	Depth  int        // deepest level below (0 = no downline)
	Legs   []LegCount // per frontline leg (placement: Left then Right, only legs that exist)
}

// LegCount is the size of one leg: the subtree under one frontline member.
type LegCount struct {
	Head   network.MemberID
	Side   network.Side // placement tree only
	Total  int64        // members in the leg, head included
	Active int64
}

// Export is one tree as parent-index arrays in topological order (every
// parent before its children), what settlement reads. IDs[i] is the member
// at index i; Parent[i] is the index of its parent, -1 for a root; Side[i]
// is its placement side (NoSide in the sponsor tree).
type Export struct {
	Tree   network.Tree
	IDs    []network.MemberID
	Parent []int32
	Side   []network.Side
}

// Errors a Store returns (wrapped with context); test with errors.Is.
var (
	ErrNotFound   = errors.New("member not found")
	ErrNotInTeam  = errors.New("member is not in that downline")
	ErrNoFreeSlot = errors.New("no free placement slot")
	ErrBadCursor  = errors.New("malformed or stale cursor")
	ErrInvalid    = errors.New("invalid argument")
)

// Store answers team-structure questions about both trees.
type Store interface {
	// Member returns one member. Errors: ErrNotFound.
	Member(ctx context.Context, id network.MemberID) (network.Member, error)
	// MemberByCode returns one member by external code. Errors: ErrNotFound.
	MemberByCode(ctx context.Context, code string) (network.Member, error)

	// Upline returns the ancestors of id, nearest first (Depth 1 = parent),
	// at most maxLevels of them (0 = all the way to the root). Errors: ErrNotFound.
	Upline(ctx context.Context, tree network.Tree, id network.MemberID, maxLevels int) ([]Node, error)
	// Frontline returns the direct children of id (placement: left then right;
	// sponsor: in the order they joined, i.e. by Member.Joined then by id, also
	// after a move). Errors: ErrNotFound.
	Frontline(ctx context.Context, tree network.Tree, id network.MemberID) ([]Node, error)
	// Downline returns one page of the members below id. Errors: ErrNotFound, ErrBadCursor, ErrInvalid.
	Downline(ctx context.Context, tree network.Tree, id network.MemberID, q DownlineQuery) (Page, error)
	// Team counts the members below id, in total and per frontline leg. Errors: ErrNotFound.
	Team(ctx context.Context, tree network.Tree, id network.MemberID) (TeamCounts, error)
	// LegOf tells which frontline leg of ancestor holds member: the head of
	// that leg (and its side in the placement tree). Errors: ErrNotFound, ErrNotInTeam.
	LegOf(ctx context.Context, tree network.Tree, ancestor, member network.MemberID) (LegCount, error)
	// IsInDownline reports whether member is below ancestor (strictly). Errors: ErrNotFound.
	IsInDownline(ctx context.Context, tree network.Tree, ancestor, member network.MemberID) (bool, error)

	// FreeSlots lists up to limit free placement slots under id, breadth first,
	// left before right. Errors: ErrNotFound.
	FreeSlots(ctx context.Context, id network.MemberID, limit int) ([]network.Slot, error)
	// Place picks a free slot under id with the given strategy. Errors: ErrNotFound, ErrNoFreeSlot, ErrInvalid.
	Place(ctx context.Context, id network.MemberID, how network.AutoPlace) (network.Slot, error)

	// Export returns the whole tree as parent-index arrays in topological
	// order, as it stood at asOf (members who joined after asOf are left out,
	// links changed after asOf are taken as they were). A zero asOf means now.
	// The order is breadth first from the roots taken by id, children in
	// Frontline order, so two stores export identical arrays. A move whose
	// Event.At equals asOf counts as done, like a member who joined at asOf.
	Export(ctx context.Context, tree network.Tree, asOf time.Time) (Export, error)

	// Apply applies outbox events in order. Re-applying an already applied
	// event is a no-op. Errors: ErrInvalid for an event that cannot apply
	// (unknown member, sponsor or parent, duplicate id or code, a taken slot,
	// a move that would make a cycle, a bad side or status, an unknown kind);
	// the events before it stay applied and LastSeq points at the last of them.
	Apply(ctx context.Context, events []network.Event) error
	// LastSeq is the highest event Seq applied (0 = none): where a consumer resumes.
	LastSeq(ctx context.Context) (int64, error)
	// Count returns the number of members held.
	Count(ctx context.Context) (int64, error)
}

// Loader is implemented by stores that can be filled in bulk from a ledger
// snapshot, far faster than one event at a time: `downline graph sync` and
// the embedded store's start use it. members hold the links they had when
// they joined; moves follow in the order they happened; afterwards LastSeq
// is lastSeq. The store must be empty. progress, when not nil, is called
// with the number of members loaded so far.
type Loader interface {
	Load(ctx context.Context, members []network.Member, moves []network.Event, lastSeq int64, progress func(done int)) error
}

// ZeroNanos stands for the zero time.Time in UnixNanos, whose UnixNano is
// not meaningful.
const ZeroNanos = math.MinInt64

// UnixNanos is t as nanoseconds since the Unix epoch, the integer both stores
// keep times as (exact, 8 bytes, compared as numbers); the zero time is
// ZeroNanos. Times outside 1678-2262 do not fit.
func UnixNanos(t time.Time) int64 {
	if t.IsZero() {
		return ZeroNanos
	}
	return t.UnixNano()
}

// FromUnixNanos is UnixNanos's inverse, in UTC.
func FromUnixNanos(n int64) time.Time {
	if n == ZeroNanos {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}
