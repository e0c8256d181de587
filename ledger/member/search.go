package member

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/network"
)

// Search lists members whose code starts with q, whose name contains it
// (any case) or whose phone matches it, by id after the cursor. The phone
// is compared in its normalised form: spaces, dashes, dots and brackets are
// dropped and a leading 00 reads as +, so "138 0013-8000" finds
// +8613800138000; a number with its + matches from the start, a national
// one anywhere in the stored E.164 number.
func Search(ctx context.Context, q ledger.Querier, query string, after int64, limit int) ([]Member, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, fmt.Errorf("%w: q must name a code, part of a name or a phone number", ledger.ErrInvalid)
	}
	like := escapeLike(query)
	// One index-friendly select per way of matching (trigram indexes,
	// migration 0490), joined: an OR of the three would read every row.
	args := []any{after, limit, strings.ToUpper(like) + "%", "%" + like + "%"}
	match := `SELECT id FROM members WHERE code LIKE $3 UNION SELECT id FROM members WHERE name ILIKE $4`
	if p, ok := NormalisePhone(query); ok {
		if strings.HasPrefix(p, "+") {
			args = append(args, escapeLike(p)+"%")
		} else {
			args = append(args, "%"+p+"%")
		}
		match += ` UNION SELECT id FROM members WHERE phone LIKE $5`
	}
	rows, err := q.Query(ctx, `WITH found AS MATERIALIZED (`+match+`)
		`+selectMember+` JOIN found f ON f.id = m.id WHERE m.id > $1 ORDER BY m.id LIMIT $2`, args...)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Member, error) { return scanMember(r) })
}

// NormalisePhone reads q as a phone number or a part of one: at least four
// digits, optionally after + or 00, with spaces, dashes, dots and brackets
// between them. It answers the digits with a leading + when the number is
// international.
func NormalisePhone(q string) (string, bool) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(q) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-' || r == '.' || r == '(' || r == ')' || unicode.IsSpace(r):
		default:
			return "", false
		}
	}
	p := b.String()
	if strings.HasPrefix(p, "00") {
		p = "+" + p[2:]
	}
	if n := len(strings.TrimPrefix(p, "+")); n < 4 || n > 15 {
		return "", false
	}
	return p, true
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Ancestor is one member above another in a tree.
type Ancestor struct {
	Code string
	Name string
}

// MovePreview is what a move would do, computed without doing it.
type MovePreview struct {
	Member  Member // as it would be after the move
	Tree    network.Tree
	Subtree int64 // the member and everyone below it in that tree, who move with it
	// FromParent and FromSide are where it hangs now.
	FromParent string
	FromSide   network.Side
	// Upline is the new line of ancestors in the moved tree, nearest first.
	Upline []Ancestor
}

var errPreviewed = errors.New("move previewed")

// PreviewMove runs m in a transaction it then rolls back, so the preview
// checks exactly what Move checks (cycles, taken slots, unknown codes).
func PreviewMove(ctx context.Context, db *ledger.DB, m MoveRequest) (MovePreview, error) {
	var p MovePreview
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		cur, err := Get(ctx, tx, m.Member)
		if err != nil {
			return fmt.Errorf("%w: member to move %q does not exist", ledger.ErrInvalid, m.Member)
		}
		moved, err := Move(ctx, tx, m)
		if err != nil {
			return err
		}
		p = MovePreview{Member: moved, Tree: m.Tree, FromParent: cur.SponsorCode}
		parentCol := "sponsor_id"
		if m.Tree == network.Placement {
			parentCol = "placement_parent_id"
			p.FromParent, p.FromSide = cur.ParentCode, cur.Side
		}
		if err := tx.QueryRow(ctx, `WITH RECURSIVE d(id) AS (
				SELECT $1::bigint
				UNION ALL
				SELECT m.id FROM members m JOIN d ON m.`+parentCol+` = d.id)
			SELECT count(*) FROM d`, cur.ID).Scan(&p.Subtree); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `WITH RECURSIVE u(id, depth) AS (
				SELECT `+parentCol+`, 1 FROM members WHERE id = $1
				UNION ALL
				SELECT m.`+parentCol+`, u.depth + 1 FROM members m JOIN u ON m.id = u.id WHERE m.`+parentCol+` IS NOT NULL)
			SELECT m.code, m.name FROM u JOIN members m ON m.id = u.id ORDER BY u.depth`, cur.ID)
		if err != nil {
			return err
		}
		if p.Upline, err = pgx.CollectRows(rows, pgx.RowToStructByPos[Ancestor]); err != nil {
			return err
		}
		return errPreviewed
	})
	if errors.Is(err, errPreviewed) {
		err = nil
	}
	return p, err
}
