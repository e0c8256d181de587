// Package network is the vocabulary of the member networks, shared by the
// ledger (the system of record) and the graph stores (its read models): the
// two trees, a member's id, side and standing, a placement slot and how one
// is chosen, and the events that change the networks. It imports nothing of
// Downline, so every floor can use it.
package network

import (
	"errors"
	"time"
)

// Tree selects one of the two networks.
type Tree uint8

const (
	// Sponsor is the recruitment tree: who brought whom in. Unbounded fan-out.
	Sponsor Tree = iota
	// Placement is the binary tree: every member has at most a left and a right child.
	Placement
)

func (t Tree) String() string {
	if t == Placement {
		return "placement"
	}
	return "sponsor"
}

// ParseTree reads "sponsor" or "placement".
func ParseTree(s string) (Tree, error) {
	switch s {
	case "sponsor", "":
		return Sponsor, nil
	case "placement":
		return Placement, nil
	}
	return 0, errors.New(`tree must be "sponsor" or "placement"`)
}

// Side is a member's side under its placement parent.
type Side uint8

const (
	NoSide Side = iota // roots of the placement tree, and every sponsor link
	Left
	Right
)

func (s Side) String() string {
	switch s {
	case Left:
		return "L"
	case Right:
		return "R"
	}
	return ""
}

// Status is a member's standing. Only the ledger decides it; stores copy it.
type Status string

const (
	Active     Status = "active"
	Suspended  Status = "suspended"
	Terminated Status = "terminated"
)

// Valid reports whether s is one of the statuses above.
func (s Status) Valid() bool {
	switch s {
	case Active, Suspended, Terminated:
		return true
	}
	return false
}

// MemberID is the ledger's primary key of a member (members.id).
type MemberID int64

// Member is one member of the networks: who it is, its standing and its
// links, as the ledger records them and the graph stores copy them.
type Member struct {
	ID     MemberID
	Code   string // external code, e.g. CN0001234
	Name   string
	Status Status
	Joined time.Time
	// Sponsor is 0 for a root of the sponsor tree.
	Sponsor MemberID
	// Parent is the placement parent, 0 for a root of the placement tree; Side is its side.
	Parent MemberID
	Side   Side
}

// AutoPlace is how a free placement slot is chosen under a member.
type AutoPlace string

const (
	Leftmost  AutoPlace = "leftmost"  // follow left children to the bottom, take the free left slot
	Rightmost AutoPlace = "rightmost" // follow right children to the bottom, take the free right slot
	WeakLeg   AutoPlace = "weak-leg"  // go into the leg with fewer members (left on ties), first free slot breadth-first there
	Balanced  AutoPlace = "balanced"  // first free slot breadth-first, left before right
)

// Slot is a free placement position.
type Slot struct {
	Parent MemberID
	Side   Side
}

// Event is a change to the networks, taken from the ledger's outbox. Seq is
// the outbox sequence number: a graph store applies every event at least once
// and in order, and must make re-applying an event (same Seq) a no-op.
type Event struct {
	Seq  int64
	At   time.Time
	Kind EventKind
	// Member carries the full state after the event for EventRegistered; for
	// EventMoved the new Sponsor or Parent/Side (per Tree); for EventStatus the Status.
	Member Member
	Tree   Tree // EventMoved only
}

// EventKind says what happened to a member.
type EventKind string

const (
	EventRegistered EventKind = "member.registered"
	EventMoved      EventKind = "member.moved"
	EventStatus     EventKind = "member.status"
	EventProfile    EventKind = "member.profile" // name changed
)
