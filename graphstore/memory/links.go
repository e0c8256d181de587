package memory

import "downline/network"

// links is one tree's structure. Sponsor children form a doubly linked list
// kept in (Joined, ID) order, so a move is O(1) to unlink; placement children
// are the left and right slots. -1 means none.
type links struct {
	tree   network.Tree
	parent []int32

	first, last, next, prev []int32 // sponsor only

	left, right []int32        // placement only
	side        []network.Side // placement only

	// moves holds, per moved member, the links it had before each move, in
	// the order the moves were applied; Export asOf reads them backwards.
	moves map[int32][]linkChange
}

type linkChange struct {
	at     int64 // when the move happened (unix nanoseconds)
	parent int32 // the link before the move
	side   network.Side
}

func (l *links) grow(n int) {
	l.parent = appendNone(l.parent, n)
	if l.tree == network.Sponsor {
		l.first = appendNone(l.first, n)
		l.last = appendNone(l.last, n)
		l.next = appendNone(l.next, n)
		l.prev = appendNone(l.prev, n)
		return
	}
	l.left = appendNone(l.left, n)
	l.right = appendNone(l.right, n)
	l.side = append(l.side, make([]network.Side, n)...)
}

func appendNone(s []int32, n int) []int32 {
	for range n {
		s = append(s, -1)
	}
	return s
}

func (l *links) firstChild(i int32) int32 {
	if l.tree == network.Sponsor {
		return l.first[i]
	}
	if c := l.left[i]; c >= 0 {
		return c
	}
	return l.right[i]
}

func (l *links) nextSibling(i int32) int32 {
	if l.tree == network.Sponsor {
		return l.next[i]
	}
	if l.side[i] == network.Left {
		return l.right[l.parent[i]]
	}
	return -1
}

// slot returns the child in a placement slot, -1 when free.
func (l *links) slot(p int32, side network.Side) int32 {
	if side == network.Left {
		return l.left[p]
	}
	return l.right[p]
}

// attach links i under p (p >= 0). For the sponsor tree the child list stays
// in (Joined, ID) order; the common case, a newcomer, is appended in O(1).
func (l *links) attach(s *Store, i, p int32, side network.Side) {
	l.parent[i] = p
	if l.tree == network.Placement {
		l.side[i] = side
		if side == network.Left {
			l.left[p] = i
		} else {
			l.right[p] = i
		}
		return
	}
	after := l.last[p]
	for after >= 0 && s.joinLess(i, after) {
		after = l.prev[after]
	}
	l.prev[i] = after
	if after < 0 {
		l.next[i] = l.first[p]
		l.first[p] = i
	} else {
		l.next[i] = l.next[after]
		l.next[after] = i
	}
	if n := l.next[i]; n >= 0 {
		l.prev[n] = i
	} else {
		l.last[p] = i
	}
}

// detach makes i a root.
func (l *links) detach(i int32) {
	p := l.parent[i]
	if p < 0 {
		return
	}
	l.parent[i] = -1
	if l.tree == network.Placement {
		if l.side[i] == network.Left {
			l.left[p] = -1
		} else {
			l.right[p] = -1
		}
		l.side[i] = network.NoSide
		return
	}
	if pr := l.prev[i]; pr >= 0 {
		l.next[pr] = l.next[i]
	} else {
		l.first[p] = l.next[i]
	}
	if nx := l.next[i]; nx >= 0 {
		l.prev[nx] = l.prev[i]
	} else {
		l.last[p] = l.prev[i]
	}
	l.next[i], l.prev[i] = -1, -1
}

// isAncestor reports whether a is i or above i, walking parents: used only
// while validating moves, when the index may be stale.
func (l *links) isAncestor(a, i int32) bool {
	for ; i >= 0; i = l.parent[i] {
		if i == a {
			return true
		}
	}
	return false
}

// linkAt returns i's link as it was at time at: the link before the first
// move made after at, or the current one.
func (l *links) linkAt(i int32, at int64) (int32, network.Side) {
	for _, c := range l.moves[i] {
		if c.at > at {
			return c.parent, c.side
		}
	}
	if l.tree == network.Sponsor {
		return l.parent[i], network.NoSide
	}
	return l.parent[i], l.side[i]
}
