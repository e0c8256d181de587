package memory

import (
	"context"
	"fmt"

	"downline/graphstore"
	"downline/network"
)

var _ graphstore.Loader = (*Store)(nil)

// Load implements graphstore.Loader by building the store in one go (see
// Build) and taking over the result. The store must be empty.
func (s *Store) Load(ctx context.Context, members []network.Member, moves []network.Event, lastSeq int64, progress func(done int)) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	b, err := Build(members, moves, lastSeq)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.ids) > 0 {
		return fmt.Errorf("load into a store that already holds %d members: %w", len(s.ids), graphstore.ErrInvalid)
	}
	// Every field but the mutex.
	s.lastSeq = b.lastSeq
	s.ids, s.codes, s.names, s.status, s.joined = b.ids, b.codes, b.names, b.status, b.joined
	s.byID, s.byCode = b.byID, b.byCode
	s.trees = b.trees
	s.joinSorted, s.idx, s.countsStale, s.incremental = b.joinSorted, b.idx, b.countsStale, b.incremental
	if progress != nil {
		progress(len(members))
	}
	return nil
}
