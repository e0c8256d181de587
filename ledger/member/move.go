package member

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
	"downline/network"
)

// MoveRequest moves a member, with the whole subtree below it, to a new
// sponsor (Tree = Sponsor) or a new placement slot (Tree = Placement).
type MoveRequest struct {
	Member string // code of the member to move
	Tree   network.Tree
	To     string // code of the new sponsor or placement parent
	Side   string // L or R, placement only
	By     string // who moves it (recorded)
	Reason string
	At     time.Time // defaults to now
}

// moveLock serialises moves: two moves that are each acyclic on their own
// could together close a cycle if they ran concurrently.
const moveLock = 7_400_003

// Move applies m in tx and records it in member_moves and the outbox.
//
// Errors: ledger.ErrInvalid for an unknown member or target, a move under the
// member's own downline (a cycle), or a missing side; ledger.ErrConflict for a
// taken slot.
func Move(ctx context.Context, tx pgx.Tx, m MoveRequest) (Member, error) {
	if strings.TrimSpace(m.By) == "" {
		return Member{}, fmt.Errorf("%w: a move must say who made it", ledger.ErrInvalid)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, moveLock); err != nil {
		return Member{}, err
	}
	cur, err := Get(ctx, tx, m.Member)
	if err != nil {
		return Member{}, fmt.Errorf("%w: member to move %q does not exist", ledger.ErrInvalid, m.Member)
	}
	to, err := lookup(ctx, tx, "move target", m.To)
	if err != nil {
		return Member{}, err
	}
	at := m.At
	if at.IsZero() {
		at = clock.Now(ctx)
	}
	parentCol := "sponsor_id"
	if m.Tree == network.Placement {
		parentCol = "placement_parent_id"
	}
	cycle, err := inDownline(ctx, tx, parentCol, cur.ID, to.id)
	if err != nil {
		return Member{}, err
	}
	if cycle {
		return Member{}, fmt.Errorf("%w: cannot move %q under %q: %q is %q itself or in its own %s downline",
			ledger.ErrInvalid, m.Member, m.To, m.To, m.Member, m.Tree)
	}

	var fromParent int64
	var fromSide, toSide network.Side
	switch m.Tree {
	case network.Sponsor:
		if m.Side != "" {
			return Member{}, fmt.Errorf("%w: a sponsor move takes no side", ledger.ErrInvalid)
		}
		if cur.SponsorID == to.id {
			return Member{}, fmt.Errorf("%w: %q is already sponsored by %q", ledger.ErrInvalid, m.Member, m.To)
		}
		fromParent = cur.SponsorID
		if _, err := tx.Exec(ctx, `UPDATE members SET sponsor_id = $2 WHERE id = $1`, cur.ID, to.id); err != nil {
			return Member{}, err
		}
	case network.Placement:
		toSide, err = ParseSide(m.Side)
		if err != nil {
			return Member{}, err
		}
		if toSide == network.NoSide {
			return Member{}, fmt.Errorf("%w: a placement move needs a side (L or R)", ledger.ErrInvalid)
		}
		if taken, err := slotTaken(ctx, tx, to.id, toSide); err != nil {
			return Member{}, err
		} else if taken {
			return Member{}, slotTakenError(m.To, toSide)
		}
		fromParent, fromSide = cur.ParentID, cur.Side
		_, err := tx.Exec(ctx, `UPDATE members SET placement_parent_id = $2, placement_side = $3 WHERE id = $1`,
			cur.ID, to.id, toSide.String())
		if c, ok := ledger.IsUniqueViolation(err); ok && c == "members_placement_slot_key" {
			return Member{}, slotTakenError(m.To, toSide)
		}
		if err != nil {
			return Member{}, err
		}
	default:
		return Member{}, fmt.Errorf("%w: unknown tree %d", ledger.ErrInvalid, m.Tree)
	}
	var from any
	if fromParent != 0 {
		from = fromParent
	}
	if _, err := tx.Exec(ctx, `INSERT INTO member_moves (member_id, tree, from_parent_id, from_side, to_parent_id, to_side, moved_at, moved_by, reason)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		cur.ID, m.Tree.String(), from, sideSQL(fromSide), to.id, sideSQL(toSide), at, m.By, m.Reason); err != nil {
		return Member{}, err
	}
	moved, err := GetByID(ctx, tx, cur.ID)
	if err != nil {
		return Member{}, err
	}
	p := EventPayload{ID: moved.ID, Code: moved.Code, Tree: m.Tree.String(), At: at, By: m.By}
	if m.Tree == network.Sponsor {
		p.Sponsor = to.id
	} else {
		p.Parent, p.Side = to.id, toSide.String()
	}
	if _, err := ledger.AppendOutbox(ctx, tx, EventMoved, moved.Code, p); err != nil {
		return Member{}, err
	}
	return moved, nil
}

// SetStatus changes a member's status, records the change and writes an event.
// Errors: ledger.ErrNotFound, ledger.ErrInvalid.
func SetStatus(ctx context.Context, tx pgx.Tx, code string, status network.Status, by, reason string) (Member, error) {
	switch status {
	case network.Active, network.Suspended, network.Terminated:
	default:
		return Member{}, fmt.Errorf("%w: status %q must be active, suspended or terminated", ledger.ErrInvalid, status)
	}
	cur, err := Get(ctx, tx, code)
	if err != nil {
		return Member{}, err
	}
	if cur.Status == status {
		return cur, nil
	}
	if _, err := tx.Exec(ctx, `UPDATE members SET status = $2 WHERE id = $1`, cur.ID, string(status)); err != nil {
		return Member{}, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO member_status_changes (member_id, from_status, to_status, changed_by, reason) VALUES ($1, $2, $3, $4, $5)`,
		cur.ID, string(cur.Status), string(status), by, reason); err != nil {
		return Member{}, err
	}
	cur.Status = status
	if _, err := ledger.AppendOutbox(ctx, tx, EventStatus, cur.Code,
		EventPayload{ID: cur.ID, Code: cur.Code, Status: string(status), At: clock.Now(ctx), By: by}); err != nil {
		return Member{}, err
	}
	return cur, nil
}

// MoveRecord is one row of a member's move history.
type MoveRecord struct {
	Tree       network.Tree
	FromParent string
	FromSide   network.Side
	ToParent   string
	ToSide     network.Side
	At         time.Time
	By         string
	Reason     string
}

// Moves lists a member's moves, oldest first.
func Moves(ctx context.Context, q ledger.Querier, code string) ([]MoveRecord, error) {
	rows, err := q.Query(ctx, `SELECT mv.tree, coalesce(f.code, ''), mv.from_side, coalesce(t.code, ''), mv.to_side, mv.moved_at, mv.moved_by, mv.reason
		FROM member_moves mv JOIN members m ON m.id = mv.member_id
		LEFT JOIN members f ON f.id = mv.from_parent_id LEFT JOIN members t ON t.id = mv.to_parent_id
		WHERE m.code = $1 ORDER BY mv.moved_at, mv.id`, code)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (MoveRecord, error) {
		var rec MoveRecord
		var tree string
		var fs, ts *string
		err := r.Scan(&tree, &rec.FromParent, &fs, &rec.ToParent, &ts, &rec.At, &rec.By, &rec.Reason)
		rec.Tree, _ = network.ParseTree(tree)
		rec.FromSide, rec.ToSide = sideOf(fs), sideOf(ts)
		return rec, err
	})
}
