// Package memory is the embedded graph store: both member trees held in dense
// int32 arrays in this process, rebuilt from the ledger at start (Build) and
// kept current from its outbox (Apply).
//
// Writes only touch the link arrays; the first read after a write rebuilds a
// preorder index per tree in O(n), after which "is X below Y", team and leg
// counts are O(1) and a downline page costs O(page + depth·log n). Nothing
// recurses, so a million-deep chain is as cheap as a bushy tree.
package memory

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"downline/graphstore"
	"downline/network"
)

// Store implements graphstore.Store. The zero value is not usable; call New or Build.
type Store struct {
	mu      sync.RWMutex
	lastSeq int64

	// Per member, at its dense index.
	ids    []network.MemberID
	codes  []string
	names  []string
	status []status
	joined []int64 // unix nanoseconds; graphstore.ZeroNanos for a zero Joined

	byID   idTable
	byCode map[string]int32

	trees [2]links // indexed by network.Tree

	// joinSorted holds while dense indices are in (Joined, ID) order, which
	// Build arranges and in-order registrations keep; Export then needs no sort.
	joinSorted bool
	// idx is the derived index per tree, nil when a write made it stale.
	idx [2]*index
	// countsStale says only the active counts of idx changed (a status event).
	countsStale bool
	// incremental says the Apply in progress is small enough to patch idx.
	incremental bool

	// circ is where goods went (graphstore.Circulation), under its own lock.
	circ circulation
}

var _ graphstore.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	s := &Store{
		byCode:     make(map[string]int32),
		joinSorted: true,
	}
	s.trees[network.Sponsor].tree = network.Sponsor
	s.trees[network.Placement].tree = network.Placement
	return s
}

type status uint8

const (
	statusNone status = iota
	statusActive
	statusSuspended
	statusTerminated
)

func parseStatus(s network.Status) (status, bool) {
	switch s {
	case network.Active:
		return statusActive, true
	case network.Suspended:
		return statusSuspended, true
	case network.Terminated:
		return statusTerminated, true
	}
	return statusNone, false
}

func (s status) String() network.Status {
	switch s {
	case statusActive:
		return network.Active
	case statusSuspended:
		return network.Suspended
	case statusTerminated:
		return network.Terminated
	}
	return ""
}

// joinLess orders members as sponsor children are ordered: by Joined, then id.
func (s *Store) joinLess(a, b int32) bool {
	if s.joined[a] != s.joined[b] {
		return s.joined[a] < s.joined[b]
	}
	return s.ids[a] < s.ids[b]
}

func (s *Store) member(i int32) network.Member {
	m := network.Member{
		ID:     s.ids[i],
		Code:   s.codes[i],
		Name:   s.names[i],
		Status: s.status[i].String(),
		Joined: graphstore.FromUnixNanos(s.joined[i]),
	}
	if p := s.trees[network.Sponsor].parent[i]; p >= 0 {
		m.Sponsor = s.ids[p]
	}
	pl := &s.trees[network.Placement]
	if p := pl.parent[i]; p >= 0 {
		m.Parent = s.ids[p]
		m.Side = pl.side[i]
	}
	return m
}

func (s *Store) node(i int32, depth int) graphstore.Node {
	return graphstore.Node{Member: s.member(i), Depth: depth}
}

// rlock takes the read lock with both indexes current: the first reader after
// a write rebuilds them under the write lock, so later readers share them.
func (s *Store) rlock() {
	s.mu.RLock()
	for s.idx[0] == nil || s.idx[1] == nil || s.countsStale {
		s.mu.RUnlock()
		s.mu.Lock()
		s.reindex()
		s.mu.Unlock()
		s.mu.RLock()
	}
}

// reindex brings both indexes up to date; the caller holds the write lock.
// Apply never lets a cycle in, so an error here is a broken invariant.
func (s *Store) reindex() {
	stale := [2]bool{s.idx[0] == nil, s.idx[1] == nil}
	if err := s.buildIndexes(stale); err != nil {
		panic(fmt.Sprintf("memory: %v", err))
	}
	if s.countsStale {
		for t := range s.idx {
			if !stale[t] {
				s.idx[t].countActive(s)
			}
		}
	}
	s.countsStale = false
}

// buildIndexes rebuilds the chosen trees' indexes, the two in parallel:
// buildIndex only reads the store, and a rebuild at 1M members is the
// largest single cost of a start or a move.
func (s *Store) buildIndexes(which [2]bool) error {
	var errs [2]error
	var wg sync.WaitGroup
	for t := range which {
		if !which[t] {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.idx[t], errs[t] = s.buildIndex(network.Tree(t))
		}()
	}
	wg.Wait()
	return errors.Join(errs[0], errs[1])
}

func (s *Store) lookup(id network.MemberID) (int32, error) {
	i, ok := s.byID.get(id)
	if !ok {
		return -1, fmt.Errorf("member %d: %w", id, graphstore.ErrNotFound)
	}
	return i, nil
}

func checkTree(t network.Tree) error {
	if t != network.Sponsor && t != network.Placement {
		return fmt.Errorf("tree %d: %w", t, graphstore.ErrInvalid)
	}
	return nil
}

// LastSeq implements graphstore.Store.
func (s *Store) LastSeq(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.lastSeq, nil
}

// Count implements graphstore.Store.
func (s *Store) Count(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	return int64(len(s.ids)), nil
}
