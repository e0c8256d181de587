package graphstoretest

import (
	"cmp"
	"slices"
	"time"

	"downline/graphstore"
	"downline/network"
)

// model is the naive reference the random test compares stores against:
// maps and loops, no cleverness, so that it is obviously right.
type model struct {
	members map[network.MemberID]*network.Member
	// links holds every link a member had per tree, oldest first, from its
	// registration (at Joined) through each move (at the event's At).
	links map[linkKey][]modelLink
}

type linkKey struct {
	id   network.MemberID
	tree network.Tree
}

type modelLink struct {
	at     time.Time
	parent network.MemberID
	side   network.Side
}

func newModel() *model {
	return &model{members: map[network.MemberID]*network.Member{}, links: map[linkKey][]modelLink{}}
}

func (m *model) apply(e network.Event) {
	switch e.Kind {
	case network.EventRegistered:
		mm := e.Member
		m.members[mm.ID] = &mm
		m.links[linkKey{mm.ID, network.Sponsor}] = []modelLink{{mm.Joined, mm.Sponsor, network.NoSide}}
		m.links[linkKey{mm.ID, network.Placement}] = []modelLink{{mm.Joined, mm.Parent, mm.Side}}
	case network.EventMoved:
		mm := m.members[e.Member.ID]
		l := modelLink{at: e.At}
		if e.Tree == network.Sponsor {
			mm.Sponsor = e.Member.Sponsor
			l.parent = e.Member.Sponsor
		} else {
			mm.Parent, mm.Side = e.Member.Parent, e.Member.Side
			l.parent, l.side = e.Member.Parent, e.Member.Side
		}
		k := linkKey{mm.ID, e.Tree}
		m.links[k] = append(m.links[k], l)
	case network.EventStatus:
		m.members[e.Member.ID].Status = e.Member.Status
	case network.EventProfile:
		m.members[e.Member.ID].Name = e.Member.Name
	}
}

// view is one tree at one time: parent links and ordered child lists.
type view struct {
	m        *model
	tree     network.Tree
	parent   map[network.MemberID]network.MemberID
	side     map[network.MemberID]network.Side
	children map[network.MemberID][]network.MemberID
	roots    []network.MemberID
}

// view returns the tree as it stood at asOf (zero: now).
func (m *model) view(tree network.Tree, asOf time.Time) *view {
	v := &view{m: m, tree: tree, parent: map[network.MemberID]network.MemberID{},
		side: map[network.MemberID]network.Side{}, children: map[network.MemberID][]network.MemberID{}}
	for id, mm := range m.members {
		if !asOf.IsZero() && mm.Joined.After(asOf) {
			continue
		}
		var l modelLink
		for _, c := range m.links[linkKey{id, tree}] {
			if asOf.IsZero() || !c.at.After(asOf) {
				l = c
			}
		}
		v.parent[id], v.side[id] = l.parent, l.side
	}
	for id, p := range v.parent {
		if p == 0 {
			v.roots = append(v.roots, id)
		} else {
			v.children[p] = append(v.children[p], id)
		}
	}
	slices.Sort(v.roots)
	for p, cs := range v.children {
		slices.SortFunc(cs, func(a, b network.MemberID) int {
			if tree == network.Placement {
				return cmp.Compare(v.side[a], v.side[b])
			}
			ma, mb := m.members[a], m.members[b]
			if c := ma.Joined.Compare(mb.Joined); c != 0 {
				return c
			}
			return cmp.Compare(a, b)
		})
		v.children[p] = cs
	}
	return v
}

func (v *view) upline(id network.MemberID, max int) []idDepth {
	var out []idDepth
	for p, d := v.parent[id], 1; p != 0 && (max == 0 || d <= max); p, d = v.parent[p], d+1 {
		out = append(out, idDepth{p, d})
	}
	return out
}

// bfs lists id's downline breadth first with depths.
func (v *view) bfs(id network.MemberID) []idDepth {
	var out []idDepth
	queue := []idDepth{{id, 0}}
	for len(queue) > 0 {
		n := queue[0]
		queue = queue[1:]
		if n.ID != id {
			out = append(out, n)
		}
		for _, c := range v.children[n.ID] {
			queue = append(queue, idDepth{c, n.Depth + 1})
		}
	}
	return out
}

func (v *view) active(id network.MemberID) bool {
	return v.m.members[id].Status == network.Active
}

func (v *view) leg(head network.MemberID) graphstore.LegCount {
	l := graphstore.LegCount{Head: head, Total: 1}
	if v.tree == network.Placement {
		l.Side = v.side[head]
	}
	if v.active(head) {
		l.Active = 1
	}
	for _, n := range v.bfs(head) {
		l.Total++
		if v.active(n.ID) {
			l.Active++
		}
	}
	return l
}

func (v *view) team(id network.MemberID) graphstore.TeamCounts {
	var tc graphstore.TeamCounts
	for _, n := range v.bfs(id) {
		tc.Total++
		if v.active(n.ID) {
			tc.Active++
		}
		tc.Depth = max(tc.Depth, n.Depth)
	}
	for _, c := range v.children[id] {
		tc.Legs = append(tc.Legs, v.leg(c))
	}
	return tc
}

func (v *view) isIn(ancestor, member network.MemberID) bool {
	for p := v.parent[member]; p != 0; p = v.parent[p] {
		if p == ancestor {
			return true
		}
	}
	return false
}

// legOf returns the head of the leg of ancestor that holds member, 0 if none.
func (v *view) legOf(ancestor, member network.MemberID) network.MemberID {
	for c := member; v.parent[c] != 0; c = v.parent[c] {
		if v.parent[c] == ancestor {
			return c
		}
	}
	return 0
}

func (v *view) freeSlots(id network.MemberID, limit int) []network.Slot {
	var out []network.Slot
	queue := []network.MemberID{id}
	for len(queue) > 0 && len(out) < limit {
		n := queue[0]
		queue = queue[1:]
		taken := map[network.Side]bool{}
		for _, c := range v.children[n] {
			taken[v.side[c]] = true
			queue = append(queue, c)
		}
		for _, s := range []network.Side{network.Left, network.Right} {
			if !taken[s] && len(out) < limit {
				out = append(out, network.Slot{Parent: n, Side: s})
			}
		}
	}
	return out
}

func (v *view) child(id network.MemberID, side network.Side) network.MemberID {
	for _, c := range v.children[id] {
		if v.side[c] == side {
			return c
		}
	}
	return 0
}

func (v *view) place(id network.MemberID, how network.AutoPlace) network.Slot {
	switch how {
	case network.Leftmost, network.Rightmost:
		side := network.Left
		if how == network.Rightmost {
			side = network.Right
		}
		for v.child(id, side) != 0 {
			id = v.child(id, side)
		}
		return network.Slot{Parent: id, Side: side}
	case network.WeakLeg:
		l, r := v.child(id, network.Left), v.child(id, network.Right)
		switch {
		case l == 0:
			return network.Slot{Parent: id, Side: network.Left}
		case r == 0:
			return network.Slot{Parent: id, Side: network.Right}
		case len(v.bfs(r)) < len(v.bfs(l)):
			id = r
		default:
			id = l
		}
	}
	return v.freeSlots(id, 1)[0]
}

func (v *view) export() graphstore.Export {
	e := graphstore.Export{Tree: v.tree, IDs: []network.MemberID{}, Parent: []int32{}, Side: []network.Side{}}
	index := map[network.MemberID]int32{}
	queue := slices.Clone(v.roots)
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		index[id] = int32(len(e.IDs))
		p := int32(-1)
		if v.parent[id] != 0 {
			p = index[v.parent[id]]
		}
		e.IDs = append(e.IDs, id)
		e.Parent = append(e.Parent, p)
		e.Side = append(e.Side, v.side[id])
		queue = append(queue, v.children[id]...)
	}
	return e
}
