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
	n, err := newRecruit(ctx, tx, r)
	if err != nil {
		return Member{}, err
	}
	explicit := r.Placement != "" || n.side != network.NoSide
	if err := n.findSponsor(ctx, tx, r, explicit); err != nil {
		return Member{}, err
	}
	if err := n.checkCodeFree(ctx, tx); err != nil {
		return Member{}, err
	}

	var id int64
	switch {
	case n.sponsor == nil:
		if id, err = n.insert(ctx, tx, nil, network.NoSide); err != nil {
			err = n.insertError(err)
		}
	case explicit:
		id, err = n.placeAt(ctx, tx, r)
	default:
		id, err = n.autoPlace(ctx, tx, r)
	}
	if err != nil {
		return Member{}, err
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

// recruit is a registration checked field by field, with its code assigned,
// on its way into the members table.
type recruit struct {
	code, name, phone, lang string
	joined                  time.Time
	side                    network.Side // an explicit slot's side
	sponsor                 *int64       // nil for a root
}

// newRecruit checks the fields of r that need no other member, and takes the
// next CNnnnnnnn code when r has none.
func newRecruit(ctx context.Context, tx pgx.Tx, r Registration) (*recruit, error) {
	name, err := validateName(r.Name)
	if err != nil {
		return nil, err
	}
	if err := validatePhone(r.Phone); err != nil {
		return nil, err
	}
	lang := r.Lang
	if lang == "" {
		lang = "zh-CN"
	}
	if lang != "zh-CN" && lang != "en" {
		return nil, fmt.Errorf("%w: language %q must be zh-CN or en", ledger.ErrInvalid, r.Lang)
	}
	code := strings.TrimSpace(r.Code)
	if code == "" {
		var n int64
		if err := tx.QueryRow(ctx, `SELECT nextval('member_code_seq')`).Scan(&n); err != nil {
			return nil, err
		}
		code = fmt.Sprintf("CN%08d", n)
	} else if err := validateCode(code); err != nil {
		return nil, err
	}
	side, err := ParseSide(r.Side)
	if err != nil {
		return nil, err
	}
	joined := r.JoinedAt
	if joined.IsZero() {
		joined = clock.Now(ctx)
	}
	return &recruit{code: code, name: name, phone: r.Phone, lang: lang, joined: joined, side: side}, nil
}

// findSponsor sets the sponsor r names, who must not be terminated; a root
// (no sponsor) cannot be placed.
func (n *recruit) findSponsor(ctx context.Context, tx pgx.Tx, r Registration, explicit bool) error {
	if r.Sponsor == "" {
		if explicit || r.Under != "" {
			return fmt.Errorf("%w: a member without a sponsor is a root and cannot be placed under anyone", ledger.ErrInvalid)
		}
		return nil
	}
	sp, err := lookup(ctx, tx, "sponsor", r.Sponsor)
	if err != nil {
		return err
	}
	if sp.status == string(network.Terminated) {
		return fmt.Errorf("%w: sponsor %q is terminated and cannot sponsor new members", ledger.ErrInvalid, r.Sponsor)
	}
	n.sponsor = &sp.id
	return nil
}

func (n *recruit) checkCodeFree(ctx context.Context, q ledger.Querier) error {
	var dup bool
	if err := q.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM members WHERE code = $1)`, n.code).Scan(&dup); err != nil {
		return err
	}
	if dup {
		return fmt.Errorf("%w: member code %q is already taken", ledger.ErrConflict, n.code)
	}
	return nil
}

// insert adds the member under parent on side (nil and NoSide for a root)
// and returns its id.
func (n *recruit) insert(ctx context.Context, q ledger.Querier, parent *int64, side network.Side) (int64, error) {
	var id int64
	err := q.QueryRow(ctx, `INSERT INTO members (code, name, phone, lang, joined_at, sponsor_id, placement_parent_id, placement_side)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		n.code, n.name, n.phone, n.lang, n.joined, n.sponsor, parent, sideSQL(side)).Scan(&id)
	return id, err
}

// placeAt inserts the member in the explicit slot r names, which must be
// free and in the sponsor's placement downline, and returns its id.
func (n *recruit) placeAt(ctx context.Context, tx pgx.Tx, r Registration) (int64, error) {
	if r.Placement == "" || n.side == network.NoSide {
		return 0, fmt.Errorf("%w: an explicit placement needs both the parent's code and a side (L or R)", ledger.ErrInvalid)
	}
	p, err := lookup(ctx, tx, "placement parent", r.Placement)
	if err != nil {
		return 0, err
	}
	if ok, err := inPlacementDownline(ctx, tx, *n.sponsor, p.id); err != nil {
		return 0, err
	} else if !ok {
		return 0, fmt.Errorf("%w: placement parent %q is outside sponsor %q's placement downline", ledger.ErrInvalid, r.Placement, r.Sponsor)
	}
	if taken, err := slotTaken(ctx, tx, p.id, n.side); err != nil {
		return 0, err
	} else if taken {
		return 0, slotTakenError(r.Placement, n.side)
	}
	id, err := n.insert(ctx, tx, &p.id, n.side)
	if c, ok := ledger.IsUniqueViolation(err); ok && c == "members_placement_slot_key" {
		return 0, slotTakenError(r.Placement, n.side)
	} else if err != nil {
		return 0, n.insertError(err)
	}
	return id, nil
}

// autoPlace inserts the member in the slot r.Auto (default balanced) finds
// under r.Under (default the sponsor).
func (n *recruit) autoPlace(ctx context.Context, tx pgx.Tx, r Registration) (int64, error) {
	under, how := r.Under, r.Auto
	if under == "" {
		under = r.Sponsor
	}
	if how == "" {
		how = network.Balanced
	}
	u, err := lookup(ctx, tx, "placement parent", under)
	if err != nil {
		return 0, err
	}
	if ok, err := inPlacementDownline(ctx, tx, *n.sponsor, u.id); err != nil {
		return 0, err
	} else if !ok {
		return 0, fmt.Errorf("%w: %q is outside sponsor %q's placement downline", ledger.ErrInvalid, under, r.Sponsor)
	}
	// A concurrent registration may take the chosen slot between the
	// search and the insert: try again from a savepoint.
	for attempt := 0; ; attempt++ {
		slot, err := FindSlot(ctx, tx, u.id, how)
		if err != nil {
			return 0, err
		}
		p := int64(slot.Parent)
		id, err := savepoint(ctx, tx, func(tx pgx.Tx) (int64, error) {
			return n.insert(ctx, tx, &p, slot.Side)
		})
		if c, ok := ledger.IsUniqueViolation(err); ok && c == "members_placement_slot_key" && attempt < maxPlacementRetries {
			continue
		}
		if err != nil {
			return 0, n.insertError(err)
		}
		return id, nil
	}
}

// insertError is the error Register returns for a failed insert: a conflict
// for a code or slot taken meanwhile.
func (n *recruit) insertError(err error) error {
	if c, ok := ledger.IsUniqueViolation(err); ok {
		switch c {
		case "members_code_key":
			return fmt.Errorf("%w: member code %q is already taken", ledger.ErrConflict, n.code)
		case "members_placement_slot_key":
			return fmt.Errorf("%w: the chosen placement slot was taken by another registration; try again", ledger.ErrConflict)
		}
	}
	return fmt.Errorf("register %s: %w", n.code, err)
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
