package member

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/network"
)

// Snapshot is everything a graph store needs to rebuild itself from the
// ledger: every member with the links it had when it joined, every move in
// the order it happened, and the outbox position they reflect, so that a
// consumer resumes right after it.
type Snapshot struct {
	Members []network.Member
	Moves   []network.Event
	LastSeq int64
}

// TakeSnapshot reads a consistent snapshot in one repeatable-read transaction.
// progress, when not nil, is called with the number of members read so far.
func TakeSnapshot(ctx context.Context, db *ledger.DB, progress func(n int)) (Snapshot, error) {
	var s Snapshot
	err := db.Transact(ctx, pgx.RepeatableRead, func(tx pgx.Tx) error {
		s = Snapshot{}
		if err := tx.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM outbox`).Scan(&s.LastSeq); err != nil {
			return err
		}
		var n int64
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM members`).Scan(&n); err != nil {
			return err
		}
		s.Members = make([]network.Member, 0, n)
		// The original link of a moved member is the "from" of its first move.
		rows, err := tx.Query(ctx, `SELECT m.id, m.code, m.name, m.status, m.joined_at,
				CASE WHEN fs.member_id IS NULL THEN coalesce(m.sponsor_id, 0) ELSE coalesce(fs.from_parent_id, 0) END,
				CASE WHEN fp.member_id IS NULL THEN coalesce(m.placement_parent_id, 0) ELSE coalesce(fp.from_parent_id, 0) END,
				CASE WHEN fp.member_id IS NULL THEN coalesce(m.placement_side, '') ELSE coalesce(fp.from_side, '') END
			FROM members m
			LEFT JOIN (SELECT DISTINCT ON (member_id) member_id, from_parent_id FROM member_moves
			           WHERE tree = 'sponsor' ORDER BY member_id, moved_at, id) fs ON fs.member_id = m.id
			LEFT JOIN (SELECT DISTINCT ON (member_id) member_id, from_parent_id, from_side FROM member_moves
			           WHERE tree = 'placement' ORDER BY member_id, moved_at, id) fp ON fp.member_id = m.id
			ORDER BY m.id`)
		if err != nil {
			return err
		}
		var (
			id, sponsor, parent int64
			code, name, status  string
			side                string
			joined              time.Time
		)
		_, err = pgx.ForEachRow(rows, []any{&id, &code, &name, &status, &joined, &sponsor, &parent, &side}, func() error {
			s.Members = append(s.Members, network.Member{
				ID: network.MemberID(id), Code: code, Name: name, Status: network.Status(status),
				Joined: joined, Sponsor: network.MemberID(sponsor), Parent: network.MemberID(parent),
				Side: sideOf(nilIfEmpty(side)),
			})
			if progress != nil && len(s.Members)%100_000 == 0 {
				progress(len(s.Members))
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("read members: %w", err)
		}
		rows, err = tx.Query(ctx, `SELECT member_id, tree, coalesce(to_parent_id, 0), to_side, moved_at FROM member_moves ORDER BY moved_at, id`)
		if err != nil {
			return err
		}
		var tree string
		var toSide *string
		_, err = pgx.ForEachRow(rows, []any{&id, &tree, &parent, &toSide, &joined}, func() error {
			t, _ := network.ParseTree(tree)
			ev := network.Event{At: joined, Kind: network.EventMoved, Tree: t, Member: network.Member{ID: network.MemberID(id)}}
			if t == network.Sponsor {
				ev.Member.Sponsor = network.MemberID(parent)
			} else {
				ev.Member.Parent, ev.Member.Side = network.MemberID(parent), sideOf(toSide)
			}
			s.Moves = append(s.Moves, ev)
			return nil
		})
		return err
	})
	return s, err
}

func nilIfEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// Link is one member's parent in one tree at some time.
type Link struct {
	ID     int64
	Parent int64 // 0 = root
	Side   network.Side
}

// LinksAsOf returns, for every member who had joined by asOf, its parent in
// the tree as it stood at asOf: moves made after asOf are undone by taking
// the "from" of the first of them.
func LinksAsOf(ctx context.Context, q ledger.Querier, tree network.Tree, asOf time.Time) ([]Link, error) {
	cur := "m.sponsor_id, NULL::char(1)"
	if tree == network.Placement {
		cur = "m.placement_parent_id, m.placement_side"
	}
	// cur is one of two constants, never input.
	rows, err := q.Query(ctx, `SELECT m.id,
			coalesce(CASE WHEN mv.member_id IS NULL THEN cur.parent ELSE mv.from_parent_id END, 0),
			CASE WHEN mv.member_id IS NULL THEN cur.side ELSE mv.from_side END
		FROM members m
		CROSS JOIN LATERAL (SELECT `+cur+`) AS cur(parent, side)
		LEFT JOIN LATERAL (SELECT member_id, from_parent_id, from_side FROM member_moves x
			WHERE x.member_id = m.id AND x.tree = $2 AND x.moved_at > $1 ORDER BY x.moved_at, x.id LIMIT 1) mv ON true
		WHERE m.joined_at <= $1
		ORDER BY m.id`, asOf, tree.String())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Link, error) {
		var l Link
		var side *string
		err := r.Scan(&l.ID, &l.Parent, &side)
		l.Side = sideOf(side)
		return l, err
	})
}
