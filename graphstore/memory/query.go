package memory

import (
	"context"
	"fmt"
	"slices"

	"downline/graphstore"
	"downline/network"
)

// Member implements graphstore.Store.
func (s *Store) Member(ctx context.Context, id network.MemberID) (network.Member, error) {
	if err := ctx.Err(); err != nil {
		return network.Member{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, err := s.lookup(id)
	if err != nil {
		return network.Member{}, err
	}
	return s.member(i), nil
}

// MemberByCode implements graphstore.Store.
func (s *Store) MemberByCode(ctx context.Context, code string) (network.Member, error) {
	if err := ctx.Err(); err != nil {
		return network.Member{}, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, ok := s.byCode[code]
	if !ok || code == "" {
		return network.Member{}, fmt.Errorf("member code %q: %w", code, graphstore.ErrNotFound)
	}
	return s.member(i), nil
}

// Upline implements graphstore.Store.
func (s *Store) Upline(ctx context.Context, tree network.Tree, id network.MemberID, maxLevels int) ([]graphstore.Node, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkTree(tree); err != nil {
		return nil, err
	}
	if maxLevels < 0 {
		return nil, fmt.Errorf("maxLevels %d: %w", maxLevels, graphstore.ErrInvalid)
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, err := s.lookup(id)
	if err != nil {
		return nil, err
	}
	l := &s.trees[tree]
	var up []graphstore.Node
	for p, d := l.parent[i], 1; p >= 0 && (maxLevels == 0 || d <= maxLevels); p, d = l.parent[p], d+1 {
		up = append(up, s.node(p, d))
	}
	return up, nil
}

// Frontline implements graphstore.Store.
func (s *Store) Frontline(ctx context.Context, tree network.Tree, id network.MemberID) ([]graphstore.Node, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := checkTree(tree); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	i, err := s.lookup(id)
	if err != nil {
		return nil, err
	}
	l := &s.trees[tree]
	var front []graphstore.Node
	for c := l.firstChild(i); c >= 0; c = l.nextSibling(c) {
		front = append(front, s.node(c, 1))
	}
	return front, nil
}

// Team implements graphstore.Store.
func (s *Store) Team(ctx context.Context, tree network.Tree, id network.MemberID) (graphstore.TeamCounts, error) {
	if err := ctx.Err(); err != nil {
		return graphstore.TeamCounts{}, err
	}
	if err := checkTree(tree); err != nil {
		return graphstore.TeamCounts{}, err
	}
	s.rlock()
	defer s.mu.RUnlock()
	i, err := s.lookup(id)
	if err != nil {
		return graphstore.TeamCounts{}, err
	}
	x, l := s.idx[tree], &s.trees[tree]
	tc := graphstore.TeamCounts{
		Total:  int64(x.end[i] - x.pre[i] - 1),
		Active: int64(x.act[x.end[i]] - x.act[x.pre[i]+1]),
		Depth:  int(x.maxd[i] - x.depth[i]),
	}
	for c := l.firstChild(i); c >= 0; c = l.nextSibling(c) {
		tc.Legs = append(tc.Legs, x.leg(s, c, s.sideOf(tree, c)))
	}
	return tc, nil
}

func (s *Store) sideOf(tree network.Tree, i int32) network.Side {
	if tree == network.Placement {
		return s.trees[tree].side[i]
	}
	return network.NoSide
}

// LegOf implements graphstore.Store.
func (s *Store) LegOf(ctx context.Context, tree network.Tree, ancestor, member network.MemberID) (graphstore.LegCount, error) {
	if err := ctx.Err(); err != nil {
		return graphstore.LegCount{}, err
	}
	if err := checkTree(tree); err != nil {
		return graphstore.LegCount{}, err
	}
	s.rlock()
	defer s.mu.RUnlock()
	a, err := s.lookup(ancestor)
	if err != nil {
		return graphstore.LegCount{}, err
	}
	m, err := s.lookup(member)
	if err != nil {
		return graphstore.LegCount{}, err
	}
	x := s.idx[tree]
	if !x.below(a, m) {
		return graphstore.LegCount{}, fmt.Errorf("member %d under %d in the %s tree: %w", member, ancestor, tree, graphstore.ErrNotInTeam)
	}
	// The head is the frontline member whose subtree holds m: on the
	// frontline's level, the last position not after m's.
	lvl := x.level(x.depth[a] + 1)
	k, found := slices.BinarySearch(lvl, x.pre[m])
	if !found {
		k--
	}
	head := x.ord[lvl[k]]
	return x.leg(s, head, s.sideOf(tree, head)), nil
}

// IsInDownline implements graphstore.Store.
func (s *Store) IsInDownline(ctx context.Context, tree network.Tree, ancestor, member network.MemberID) (bool, error) {
	if err := ctx.Err(); err != nil {
		return false, err
	}
	if err := checkTree(tree); err != nil {
		return false, err
	}
	s.rlock()
	defer s.mu.RUnlock()
	a, err := s.lookup(ancestor)
	if err != nil {
		return false, err
	}
	m, err := s.lookup(member)
	if err != nil {
		return false, err
	}
	return s.idx[tree].below(a, m), nil
}
