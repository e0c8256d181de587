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

// Registration is a request to add a member to the network.
type Registration struct {
	// Code is the external member code; empty assigns the next CNnnnnnnn code.
	Code  string
	Name  string
	Phone string // E.164
	Lang  string // zh-CN (default) or en
	// Sponsor is the recruiting member's code; empty registers a root (HQ only).
	Sponsor string
	// Placement and Side give an explicit slot: the placement parent's code and L or R.
	Placement string
	Side      string
	// Without an explicit slot the member is auto-placed with Auto (default
	// balanced) under Under (default the sponsor).
	Auto  network.AutoPlace
	Under string
	// JoinedAt defaults to now.
	JoinedAt time.Time
	// By names who entered the registration (a user, an agency, HQ), for the event.
	By string
}

// maxPlacementRetries bounds how often an auto-placed registration looks for
// another slot after losing its slot to a concurrent registration.
const maxPlacementRetries = 5

// Register validates r and inserts the member with an outbox event, in tx.
//
// Errors (wrapped with what was wrong): ledger.ErrInvalid for a malformed
// field, an unknown sponsor or placement parent, or a placement outside the
// sponsor's own placement downline; ledger.ErrConflict for a taken code or slot.
func Register(ctx context.Context, tx pgx.Tx, r Registration) (Member, error) {
	name, err := validateName(r.Name)
	if err != nil {
		return Member{}, err
	}
	if err := validatePhone(r.Phone); err != nil {
		return Member{}, err
	}
	lang := r.Lang
	if lang == "" {
		lang = "zh-CN"
	}
	if lang != "zh-CN" && lang != "en" {
		return Member{}, fmt.Errorf("%w: language %q must be zh-CN or en", ledger.ErrInvalid, r.Lang)
	}
	code := strings.TrimSpace(r.Code)
	if code == "" {
		var n int64
		if err := tx.QueryRow(ctx, `SELECT nextval('member_code_seq')`).Scan(&n); err != nil {
			return Member{}, err
		}
		code = fmt.Sprintf("CN%08d", n)
	} else if err := validateCode(code); err != nil {
		return Member{}, err
	}
	side, err := ParseSide(r.Side)
	if err != nil {
		return Member{}, err
	}
	joined := r.JoinedAt
	if joined.IsZero() {
		joined = clock.Now(ctx)
	}

	var sponsorID, parentID *int64
	explicit := r.Placement != "" || side != network.NoSide
	if r.Sponsor == "" {
		if explicit || r.Under != "" {
			return Member{}, fmt.Errorf("%w: a member without a sponsor is a root and cannot be placed under anyone", ledger.ErrInvalid)
		}
	} else {
		sp, err := lookup(ctx, tx, "sponsor", r.Sponsor)
		if err != nil {
			return Member{}, err
		}
		if sp.status == string(network.Terminated) {
			return Member{}, fmt.Errorf("%w: sponsor %q is terminated and cannot sponsor new members", ledger.ErrInvalid, r.Sponsor)
		}
		sponsorID = &sp.id
	}

	var dup bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM members WHERE code = $1)`, code).Scan(&dup); err != nil {
		return Member{}, err
	}
	if dup {
		return Member{}, fmt.Errorf("%w: member code %q is already taken", ledger.ErrConflict, code)
	}

	insert := func(parent *int64, side network.Side) (int64, error) {
		var id int64
		err := tx.QueryRow(ctx, `INSERT INTO members (code, name, phone, lang, joined_at, sponsor_id, placement_parent_id, placement_side)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			code, name, r.Phone, lang, joined, sponsorID, parent, sideSQL(side)).Scan(&id)
		return id, err
	}

	var id int64
	switch {
	case sponsorID == nil:
		id, err = insert(nil, network.NoSide)
	case explicit:
		if r.Placement == "" || side == network.NoSide {
			return Member{}, fmt.Errorf("%w: an explicit placement needs both the parent's code and a side (L or R)", ledger.ErrInvalid)
		}
		p, err2 := lookup(ctx, tx, "placement parent", r.Placement)
		if err2 != nil {
			return Member{}, err2
		}
		if ok, err2 := inPlacementDownline(ctx, tx, *sponsorID, p.id); err2 != nil {
			return Member{}, err2
		} else if !ok {
			return Member{}, fmt.Errorf("%w: placement parent %q is outside sponsor %q's placement downline", ledger.ErrInvalid, r.Placement, r.Sponsor)
		}
		parentID = &p.id
		if taken, err2 := slotTaken(ctx, tx, p.id, side); err2 != nil {
			return Member{}, err2
		} else if taken {
			return Member{}, slotTakenError(r.Placement, side)
		}
		id, err = insert(parentID, side)
		if c, ok := ledger.IsUniqueViolation(err); ok && c == "members_placement_slot_key" {
			return Member{}, slotTakenError(r.Placement, side)
		}
	default:
		under, how := r.Under, r.Auto
		if under == "" {
			under = r.Sponsor
		}
		if how == "" {
			how = network.Balanced
		}
		u, err2 := lookup(ctx, tx, "placement parent", under)
		if err2 != nil {
			return Member{}, err2
		}
		if ok, err2 := inPlacementDownline(ctx, tx, *sponsorID, u.id); err2 != nil {
			return Member{}, err2
		} else if !ok {
			return Member{}, fmt.Errorf("%w: %q is outside sponsor %q's placement downline", ledger.ErrInvalid, under, r.Sponsor)
		}
		// A concurrent registration may take the chosen slot between the
		// search and the insert: try again from a savepoint.
		for attempt := 0; ; attempt++ {
			slot, err2 := FindSlot(ctx, tx, u.id, how)
			if err2 != nil {
				return Member{}, err2
			}
			p := int64(slot.Parent)
			id, err = savepoint(ctx, tx, func(tx pgx.Tx) (int64, error) {
				var id int64
				err := tx.QueryRow(ctx, `INSERT INTO members (code, name, phone, lang, joined_at, sponsor_id, placement_parent_id, placement_side)
					VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
					code, name, r.Phone, lang, joined, sponsorID, p, sideSQL(slot.Side)).Scan(&id)
				return id, err
			})
			if c, ok := ledger.IsUniqueViolation(err); ok && c == "members_placement_slot_key" && attempt < maxPlacementRetries {
				continue
			}
			break
		}
	}
	if err != nil {
		if c, ok := ledger.IsUniqueViolation(err); ok {
			switch c {
			case "members_code_key":
				return Member{}, fmt.Errorf("%w: member code %q is already taken", ledger.ErrConflict, code)
			case "members_placement_slot_key":
				return Member{}, fmt.Errorf("%w: the chosen placement slot was taken by another registration; try again", ledger.ErrConflict)
			}
		}
		return Member{}, fmt.Errorf("register %s: %w", code, err)
	}
	m, err := GetByID(ctx, tx, id)
	if err != nil {
		return Member{}, err
	}
	if _, err := ledger.AppendOutbox(ctx, tx, EventRegistered, m.Code, registeredPayload(m, r.By)); err != nil {
		return Member{}, err
	}
	return m, nil
}

func slotTakenError(parent string, side network.Side) error {
	return fmt.Errorf("%w: placement slot %s under %q is already taken", ledger.ErrConflict, side, parent)
}

func slotTaken(ctx context.Context, q ledger.Querier, parent int64, side network.Side) (bool, error) {
	var taken bool
	err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM members WHERE placement_parent_id = $1 AND placement_side = $2)`,
		parent, side.String()).Scan(&taken)
	return taken, err
}

func savepoint(ctx context.Context, tx pgx.Tx, fn func(pgx.Tx) (int64, error)) (int64, error) {
	sp, err := tx.Begin(ctx)
	if err != nil {
		return 0, err
	}
	id, err := fn(sp)
	if err != nil {
		_ = sp.Rollback(ctx)
		return 0, err
	}
	return id, sp.Commit(ctx)
}

// EventPayload is the JSON body of the member events in the outbox.
type EventPayload struct {
	ID      int64     `json:"id"`
	Code    string    `json:"code"`
	Name    string    `json:"name,omitempty"`
	Phone   string    `json:"phone,omitempty"`
	Lang    string    `json:"lang,omitempty"`
	Status  string    `json:"status,omitempty"`
	Joined  time.Time `json:"joined,omitzero"`
	Sponsor int64     `json:"sponsor,omitempty"`
	Parent  int64     `json:"parent,omitempty"`
	Side    string    `json:"side,omitempty"`
	Tree    string    `json:"tree,omitempty"`
	At      time.Time `json:"at,omitzero"`
	By      string    `json:"by,omitempty"`
}

func registeredPayload(m Member, by string) EventPayload {
	return EventPayload{ID: m.ID, Code: m.Code, Name: m.Name, Phone: m.Phone, Lang: m.Lang,
		Status: string(m.Status), Joined: m.JoinedAt, Sponsor: m.SponsorID, Parent: m.ParentID,
		Side: m.Side.String(), At: m.JoinedAt, By: by}
}
