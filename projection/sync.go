package projection

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"downline/graphstore"
	"downline/ledger"
	"downline/ledger/member"
	"downline/network"
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
	Tree   network.Tree
	Member network.MemberID
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
	CheckTeams(ctx context.Context, tree network.Tree, differ func(id network.MemberID, computed, stored string)) error
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
// links. It lists up to limit differences, each tree's in member order, the
// team counts' after its links'. For each tree the ledger, the store's links
// and its team counts are read at once (three queries on two servers), and
// progress, when not nil, is told when a tree is done.
func Check(ctx context.Context, db *ledger.DB, store graphstore.Store, limit int, progress func(step string)) (Report, error) {
	var r Report
	now := time.Now()
	if err := db.Pool.QueryRow(ctx, `SELECT count(*) FROM members`).Scan(&r.LedgerMembers); err != nil {
		return r, err
	}
	var err error
	if r.StoreMembers, err = store.Count(ctx); err != nil {
		return r, err
	}
	add := func(d Difference) {
		r.Total++
		if len(r.Differences) < limit {
			r.Differences = append(r.Differences, d)
		}
	}
	for _, tree := range []network.Tree{network.Sponsor, network.Placement} {
		started := time.Now()
		var want, got []linkRow
		var teams []Difference
		g, gctx := errgroup.WithContext(ctx)
		g.Go(func() error {
			links, err := member.LinksAsOf(gctx, db.Pool, tree, now)
			want = make([]linkRow, len(links))
			for i, l := range links {
				want[i] = linkRow{network.MemberID(l.ID), network.MemberID(l.Parent), l.Side}
			}
			return err
		})
		g.Go(func() error {
			exp, err := store.Export(gctx, tree, now)
			got = make([]linkRow, len(exp.IDs))
			for i, id := range exp.IDs {
				got[i].id = id
				if p := exp.Parent[i]; p >= 0 {
					got[i].parent, got[i].side = exp.IDs[p], exp.Side[i]
				}
			}
			return err
		})
		if tc, ok := store.(TeamChecker); ok {
			g.Go(func() error {
				return tc.CheckTeams(gctx, tree, func(id network.MemberID, computed, stored string) {
					teams = append(teams, Difference{Tree: tree, Member: id, Ledger: computed, Store: stored, Team: true})
				})
			})
		}
		if err := g.Wait(); err != nil {
			return r, fmt.Errorf("%s tree: %w", tree, err)
		}
		byID := func(a, b linkRow) int { return cmp.Compare(a.id, b.id) }
		slices.SortFunc(want, byID) // the ledger's come sorted; sorting again is cheap
		slices.SortFunc(got, byID)
		before := r.Total
		// A merge of the two sorted lists; text only for what differs.
		for i, j := 0, 0; i < len(want) || j < len(got); {
			switch {
			case j == len(got) || (i < len(want) && want[i].id < got[j].id):
				add(Difference{Tree: tree, Member: want[i].id, Ledger: want[i].describe(tree), Store: "missing"})
				i++
			case i == len(want) || got[j].id < want[i].id:
				add(Difference{Tree: tree, Member: got[j].id, Ledger: "missing", Store: got[j].describe(tree)})
				j++
			default:
				if !want[i].same(got[j], tree) {
					add(Difference{Tree: tree, Member: want[i].id, Ledger: want[i].describe(tree), Store: got[j].describe(tree)})
				}
				i, j = i+1, j+1
			}
		}
		for _, d := range teams {
			add(d)
		}
		if progress != nil {
			progress(fmt.Sprintf("%s tree: %d links in the ledger, %d in the graph store, %d differences, in %s",
				tree, len(want), len(got), r.Total-before, time.Since(started).Round(time.Millisecond)))
		}
	}
	return r, nil
}

// linkRow is a member's link in one tree: parent 0 is a root.
type linkRow struct {
	id, parent network.MemberID
	side       network.Side
}

// same compares the links as the tree has them: sponsor links have no side.
func (a linkRow) same(b linkRow, tree network.Tree) bool {
	return a.parent == b.parent && (tree == network.Sponsor || a.parent == 0 || a.side == b.side)
}

func (a linkRow) describe(tree network.Tree) string {
	side := a.side
	if tree == network.Sponsor {
		side = network.NoSide
	}
	return describe(a.parent, side)
}

func describe(parent network.MemberID, side network.Side) string {
	if parent == 0 {
		return "no parent (root)"
	}
	if side == network.NoSide {
		return fmt.Sprintf("parent %d", parent)
	}
	return fmt.Sprintf("parent %d side %s", parent, side)
}
