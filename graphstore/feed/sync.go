package feed

import (
	"context"
	"fmt"
	"slices"
	"time"

	"downline/graphstore"
	"downline/ledger"
	"downline/ledger/member"
)

// Sync loads the whole ledger into an empty store: a consistent snapshot of
// every member and move, then the store's bulk Loader. Afterwards a Feed
// resumes right after the snapshot. A store that traces circulation also gets
// every lot movement up to the snapshot. progress is called with members loaded.
func Sync(ctx context.Context, db *ledger.DB, store graphstore.Store, progress func(phase string, done, total int)) error {
	loader, ok := store.(graphstore.Loader)
	if !ok {
		return fmt.Errorf("this graph store cannot be bulk-loaded")
	}
	if n, err := store.Count(ctx); err != nil {
		return err
	} else if n > 0 {
		return fmt.Errorf("the graph store already holds %d members: sync needs an empty store", n)
	}
	snap, err := member.TakeSnapshot(ctx, db, func(n int) {
		if progress != nil {
			progress("reading ledger", n, 0)
		}
	})
	if err != nil {
		return fmt.Errorf("snapshot: %w", err)
	}
	total := len(snap.Members)
	err = loader.Load(ctx, snap.Members, snap.Moves, snap.LastSeq, func(done int) {
		if progress != nil {
			progress("loading graph", done, total)
		}
	})
	if err != nil {
		return err
	}
	return Backfill(ctx, db, store, snap.LastSeq)
}

// Backfill gives a store that traces circulation every lot movement up to
// lastSeq, the outbox position of the snapshot its members came from: the
// part of Sync after the member networks, for a store filled another way
// (an offline import). Other stores need nothing.
func Backfill(ctx context.Context, db *ledger.DB, store graphstore.Store, lastSeq int64) error {
	if cs, ok := store.(graphstore.Circulation); ok {
		if err := backfillCirculation(ctx, db, cs, lastSeq); err != nil {
			return fmt.Errorf("circulation: %w", err)
		}
	}
	return nil
}

// Difference is one way a store disagrees with the ledger.
type Difference struct {
	Tree   graphstore.Tree
	Member graphstore.MemberID
	// Ledger and Store describe the link each side holds ("missing" when absent).
	Ledger string
	Store  string
	// Team marks a stored team aggregate that differs from what the store's
	// own links give (TeamChecker): Ledger is then the computed one.
	Team bool
}

func (d Difference) String() string {
	if d.Team {
		return fmt.Sprintf("%s tree, member %d: its links give a team of %s, the graph store keeps %s", d.Tree, d.Member, d.Ledger, d.Store)
	}
	return fmt.Sprintf("%s tree, member %d: ledger has %s, graph store has %s", d.Tree, d.Member, d.Ledger, d.Store)
}

// TeamChecker is a store that keeps team aggregates per member (the Neo4j
// store): CheckTeams calls differ for every member whose stored aggregates
// differ from those its links give.
type TeamChecker interface {
	CheckTeams(ctx context.Context, tree graphstore.Tree, differ func(id graphstore.MemberID, computed, stored string)) error
}

// Report is the outcome of Check.
type Report struct {
	LedgerMembers int64
	StoreMembers  int64
	Differences   []Difference // at most the limit given to Check
	Total         int          // all differences found
}

// Check compares a store with the ledger as of now: member counts and every
// link of both trees, and, for a TeamChecker, its team aggregates with its
// links. It lists up to limit differences.
func Check(ctx context.Context, db *ledger.DB, store graphstore.Store, limit int) (Report, error) {
	var r Report
	now := time.Now()
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM members`).Scan(&r.LedgerMembers); err != nil {
		return r, err
	}
	var err error
	if r.StoreMembers, err = store.Count(ctx); err != nil {
		return r, err
	}
	for _, tree := range []graphstore.Tree{graphstore.Sponsor, graphstore.Placement} {
		links, err := member.LinksAsOf(ctx, db.Pool, tree, now)
		if err != nil {
			return r, err
		}
		exp, err := store.Export(ctx, tree, now)
		if err != nil {
			return r, err
		}
		want := make(map[graphstore.MemberID]string, len(links))
		for _, l := range links {
			want[graphstore.MemberID(l.ID)] = describe(graphstore.MemberID(l.Parent), l.Side)
		}
		got := make(map[graphstore.MemberID]string, len(exp.IDs))
		for i, id := range exp.IDs {
			parent := graphstore.MemberID(0)
			if p := exp.Parent[i]; p >= 0 {
				parent = exp.IDs[p]
			}
			side := graphstore.NoSide
			if tree == graphstore.Placement {
				side = exp.Side[i]
			}
			got[id] = describe(parent, side)
		}
		add := func(d Difference) {
			r.Total++
			if len(r.Differences) < limit {
				r.Differences = append(r.Differences, d)
			}
		}
		ids := make([]graphstore.MemberID, 0, len(want))
		for id := range want {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			if g, ok := got[id]; !ok {
				add(Difference{Tree: tree, Member: id, Ledger: want[id], Store: "missing"})
			} else if g != want[id] {
				add(Difference{Tree: tree, Member: id, Ledger: want[id], Store: g})
			}
		}
		extra := make([]graphstore.MemberID, 0)
		for id := range got {
			if _, ok := want[id]; !ok {
				extra = append(extra, id)
			}
		}
		slices.Sort(extra)
		for _, id := range extra {
			add(Difference{Tree: tree, Member: id, Ledger: "missing", Store: got[id]})
		}
		if tc, ok := store.(TeamChecker); ok {
			err := tc.CheckTeams(ctx, tree, func(id graphstore.MemberID, computed, stored string) {
				add(Difference{Tree: tree, Member: id, Ledger: computed, Store: stored, Team: true})
			})
			if err != nil {
				return r, err
			}
		}
	}
	return r, nil
}

func describe(parent graphstore.MemberID, side graphstore.Side) string {
	if parent == 0 {
		return "no parent (root)"
	}
	if side == graphstore.NoSide {
		return fmt.Sprintf("parent %d", parent)
	}
	return fmt.Sprintf("parent %d side %s", parent, side)
}
