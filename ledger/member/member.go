// Package member keeps members and their sponsor and placement links in the
// ledger: registration with validation and auto-placement, moves of whole
// subtrees with their history, status changes, and the trees as of a past
// time. Every change writes an outbox event in the same transaction.
package member

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/network"
)

// Member is a member as the ledger holds it.
type Member struct {
	ID       int64
	Code     string
	Name     string
	Phone    string
	Lang     string
	Status   network.Status
	JoinedAt time.Time
	// SponsorID and SponsorCode are zero for a root of the sponsor tree.
	SponsorID   int64
	SponsorCode string
	// ParentID, ParentCode and Side are zero for a root of the placement tree.
	ParentID   int64
	ParentCode string
	Side       network.Side
}

// Graph returns the member as the graph stores see it.
func (m Member) Graph() network.Member {
	return network.Member{
		ID: network.MemberID(m.ID), Code: m.Code, Name: m.Name, Status: m.Status,
		Joined: m.JoinedAt, Sponsor: network.MemberID(m.SponsorID),
		Parent: network.MemberID(m.ParentID), Side: m.Side,
	}
}

// Outbox event kinds written by this package.
const (
	EventRegistered = string(network.EventRegistered)
	EventMoved      = string(network.EventMoved)
	EventStatus     = string(network.EventStatus)
)

var (
	codeRE  = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{2,31}$`)
	phoneRE = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
)

// ParseSide reads "L" or "R" (either case); "" is NoSide.
func ParseSide(s string) (network.Side, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "":
		return network.NoSide, nil
	case "L":
		return network.Left, nil
	case "R":
		return network.Right, nil
	}
	return 0, fmt.Errorf("%w: side %q must be L or R", ledger.ErrInvalid, s)
}

func sideSQL(s network.Side) any {
	if s == network.NoSide {
		return nil
	}
	return s.String()
}

func sideOf(s *string) network.Side {
	if s == nil {
		return network.NoSide
	}
	if *s == "L" {
		return network.Left
	}
	return network.Right
}

func validateCode(code string) error {
	if !codeRE.MatchString(code) {
		return fmt.Errorf("%w: member code %q must be 3 to 32 capital letters, digits or dashes (e.g. CN0001234)", ledger.ErrInvalid, code)
	}
	return nil
}

func validatePhone(phone string) error {
	if !phoneRE.MatchString(phone) {
		return fmt.Errorf("%w: phone %q must be in international E.164 form, e.g. +8613800138000", ledger.ErrInvalid, phone)
	}
	return nil
}

func validateName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if !utf8.ValidString(name) {
		return "", fmt.Errorf("%w: name is not valid UTF-8", ledger.ErrInvalid)
	}
	if name == "" {
		return "", fmt.Errorf("%w: name is required", ledger.ErrInvalid)
	}
	if n := utf8.RuneCountInString(name); n > 100 {
		return "", fmt.Errorf("%w: name has %d characters, at most 100 allowed", ledger.ErrInvalid, n)
	}
	return name, nil
}

const selectMember = `SELECT m.id, m.code, m.name, m.phone, m.lang, m.status, m.joined_at,
	coalesce(m.sponsor_id, 0), coalesce(s.code, ''), coalesce(m.placement_parent_id, 0), coalesce(p.code, ''), m.placement_side
	FROM members m LEFT JOIN members s ON s.id = m.sponsor_id LEFT JOIN members p ON p.id = m.placement_parent_id`

func scanMember(row pgx.Row) (Member, error) {
	var m Member
	var status string
	var side *string
	err := row.Scan(&m.ID, &m.Code, &m.Name, &m.Phone, &m.Lang, &status, &m.JoinedAt,
		&m.SponsorID, &m.SponsorCode, &m.ParentID, &m.ParentCode, &side)
	m.Status = network.Status(status)
	m.Side = sideOf(side)
	return m, err
}

// Get returns the member with the given code. Errors: ledger.ErrNotFound.
func Get(ctx context.Context, q ledger.Querier, code string) (Member, error) {
	m, err := scanMember(q.QueryRow(ctx, selectMember+` WHERE m.code = $1`, code))
	if errors.Is(err, pgx.ErrNoRows) {
		return Member{}, fmt.Errorf("%w: no member with code %q", ledger.ErrNotFound, code)
	}
	return m, err
}

// GetByID returns the member with the given id. Errors: ledger.ErrNotFound.
func GetByID(ctx context.Context, q ledger.Querier, id int64) (Member, error) {
	m, err := scanMember(q.QueryRow(ctx, selectMember+` WHERE m.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Member{}, fmt.Errorf("%w: no member with id %d", ledger.ErrNotFound, id)
	}
	return m, err
}

// GetByPhone returns the member with the given phone, if exactly one has it.
// Errors: ledger.ErrNotFound.
func GetByPhone(ctx context.Context, q ledger.Querier, phone string) (Member, error) {
	rows, err := q.Query(ctx, selectMember+` WHERE m.phone = $1 ORDER BY m.id LIMIT 2`, phone)
	if err != nil {
		return Member{}, err
	}
	ms, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Member, error) { return scanMember(r) })
	if err != nil {
		return Member{}, err
	}
	if len(ms) != 1 {
		return Member{}, fmt.Errorf("%w: no single member with phone %q", ledger.ErrNotFound, phone)
	}
	return ms[0], nil
}

type ref struct {
	id     int64
	status string
}

func lookup(ctx context.Context, q ledger.Querier, role, code string) (ref, error) {
	var r ref
	err := q.QueryRow(ctx, `SELECT id, status FROM members WHERE code = $1`, code).Scan(&r.id, &r.status)
	if errors.Is(err, pgx.ErrNoRows) {
		return r, fmt.Errorf("%w: %s %q does not exist", ledger.ErrInvalid, role, code)
	}
	return r, err
}

// inPlacementDownline reports whether member is ancestor itself or below it
// in the placement tree, walking up from member (O(depth), no recursion in Go).
func inPlacementDownline(ctx context.Context, q ledger.Querier, ancestor, member int64) (bool, error) {
	return inDownline(ctx, q, "placement_parent_id", ancestor, member)
}

func inDownline(ctx context.Context, q ledger.Querier, parentCol string, ancestor, member int64) (bool, error) {
	if ancestor == member {
		return true, nil
	}
	// parentCol is one of two constants, never input.
	sql := `WITH RECURSIVE up(id) AS (
		SELECT ` + parentCol + ` FROM members WHERE id = $2
		UNION ALL
		SELECT m.` + parentCol + ` FROM members m JOIN up ON m.id = up.id
		WHERE up.id <> $1 AND m.` + parentCol + ` IS NOT NULL)
	SELECT EXISTS (SELECT 1 FROM up WHERE id = $1)`
	var ok bool
	err := q.QueryRow(ctx, sql, ancestor, member).Scan(&ok)
	return ok, err
}
