// Package desk keeps the service desk: complaints and requests that members
// and shop customers open on the web or by text, and HQ's handling of them.
//
// A ticket has a category, the order it is about (if any), its text and its
// owner (a member or a customer's account). It lives open → assigned →
// waiting (for the member, after HQ replied) → closed with a resolution, and
// may be escalated and reopened on the way. Every step is an event appended
// to its history and never changed or removed (the database refuses it);
// the ticket's row keeps only where it is now, for the board.
//
// Each category has an SLA, the time HQ has to deal with a ticket: the
// ticket is due that long after it was opened (or reopened), and is overdue
// once the clock (package clock) passes its due time while it is not
// closed. EscalateOverdue escalates overdue tickets, each once.
//
// HQ's replies are written to the outbox (EventReplied) so the owner hears
// of them by text; internal notes are never shown to the owner.
package desk

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/media"
)

// Category is what a ticket is about.
type Category string

const (
	Complaint Category = "complaint"
	Quality   Category = "quality"  // product quality
	Delivery  Category = "delivery" // delivery of an order
	Bonus     Category = "bonus"    // a bonus question
	Account   Category = "account"
	Other     Category = "other"
)

// Categories lists every category.
var Categories = []Category{Complaint, Quality, Delivery, Bonus, Account, Other}

func (c Category) valid() bool {
	for _, x := range Categories {
		if c == x {
			return true
		}
	}
	return false
}

// State is where a ticket is.
type State string

const (
	StateOpen     State = "open"
	StateAssigned State = "assigned"
	StateWaiting  State = "waiting" // HQ replied: waiting for the member
	StateClosed   State = "closed"
)

// Kind is what an event did.
type Kind string

const (
	KindOpened    Kind = "opened"
	KindAssigned  Kind = "assigned"
	KindReplied   Kind = "replied"
	KindNote      Kind = "note" // internal: never shown to the owner
	KindEscalated Kind = "escalated"
	KindClosed    Kind = "closed" // its body is the resolution
	KindReopened  Kind = "reopened"
)

// EventReplied is the outbox event of a reply from HQ (payload ReplyEvent).
const EventReplied = "ticket.replied"

// ReplyEvent is the payload of EventReplied: whom to tell, in which
// language, of which ticket. Phone is "" when the owner has none on file.
type ReplyEvent struct {
	Ticket string `json:"ticket"`
	Event  int64  `json:"event"`
	Phone  string `json:"phone,omitempty"`
	Lang   string `json:"lang"`
	Text   string `json:"text"`
}

// Limits, in characters.
const (
	MaxText    = 4000
	subjectLen = 80
)

// Ticket is a ticket as it is now.
type Ticket struct {
	ID        int64    `json:"id"`
	No        string   `json:"no"`
	Category  Category `json:"category"`
	Order     string   `json:"order,omitempty"`
	Subject   string   `json:"subject"`
	Channel   string   `json:"channel"`
	State     State    `json:"state"`
	Escalated bool     `json:"escalated"`
	// Overdue: not closed and past its due time by the clock.
	Overdue  bool   `json:"overdue"`
	Assignee string `json:"assignee,omitempty"`
	// Member (code and name) or Customer (login) owns the ticket.
	Member     string     `json:"member,omitempty"`
	MemberName string     `json:"member_name,omitempty"`
	Customer   string     `json:"customer,omitempty"`
	Lang       string     `json:"lang"`
	OpenedAt   time.Time  `json:"opened_at"`
	DueAt      time.Time  `json:"due_at"`
	ClosedAt   *time.Time `json:"closed_at,omitempty"`
	// Events is the history, oldest first (Get only).
	Events []Event `json:"events,omitempty"`

	memberID, customerID int64
	phone                string
}

// Event is one step of a ticket's history.
type Event struct {
	ID       int64     `json:"id"`
	Kind     Kind      `json:"kind"`
	Body     string    `json:"body,omitempty"`
	Photos   []string  `json:"photos,omitempty"` // image ids, served at /media/{id}
	Assignee string    `json:"assignee,omitempty"`
	By       string    `json:"by"`
	ByStaff  bool      `json:"by_staff"`
	At       time.Time `json:"at"`
}

// FormatNo is a ticket's number as people see it: T and six or more digits.
func FormatNo(id int64) string { return fmt.Sprintf("T%06d", id) }

// ParseNo reads a ticket number (T000042) or a bare id (42).
func ParseNo(s string) (int64, bool) {
	s = strings.TrimPrefix(strings.TrimPrefix(strings.TrimSpace(s), "T"), "t")
	id, err := strconv.ParseInt(s, 10, 64)
	return id, err == nil && id > 0
}

func notFound(no string) error { return fmt.Errorf("%w: no ticket %s", ledger.ErrNotFound, no) }

// Owner is who a ticket belongs to: a member or a customer's account.
type Owner struct {
	Member   int64
	Customer int64
}

// NewTicket is what an owner asks.
type NewTicket struct {
	Category Category `json:"category"`
	Order    string   `json:"order,omitempty"`
	Text     string   `json:"text"`
	// Photos are ids of images in the media store (package media), at
	// most MaxPhotos.
	Photos []string `json:"photos,omitempty"`
}

// MaxPhotos is the most photos one opening or reply carries.
const MaxPhotos = 6

// checkPhotos refuses more than MaxPhotos, malformed ids, repeats and
// images the media store does not hold.
func checkPhotos(ctx context.Context, tx pgx.Tx, photos []string) error {
	if len(photos) > MaxPhotos {
		return fmt.Errorf("%w: photos: %d given; at most %d are taken", ledger.ErrInvalid, len(photos), MaxPhotos)
	}
	seen := map[string]bool{}
	for _, p := range photos {
		if !media.ValidID(p) {
			return fmt.Errorf("%w: photos: %q is not an image id (upload it with POST /api/v1/media)", ledger.ErrInvalid, p)
		}
		if seen[p] {
			return fmt.Errorf("%w: photos: %s is given twice", ledger.ErrInvalid, p)
		}
		seen[p] = true
	}
	if len(photos) == 0 {
		return nil
	}
	var held int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM media WHERE sha256 = ANY($1)`, photos).Scan(&held); err != nil {
		return err
	}
	if held != len(photos) {
		return fmt.Errorf("%w: photos: %d of the images are not stored; upload them first", ledger.ErrInvalid, len(photos)-held)
	}
	return nil
}

// addPhotos attaches photos, in order, to event ev.
func addPhotos(ctx context.Context, tx pgx.Tx, ev int64, photos []string) error {
	for i, p := range photos {
		if _, err := tx.Exec(ctx, `INSERT INTO ticket_photos (event_id, n, sha256) VALUES ($1, $2, $3)`, ev, i+1, p); err != nil {
			return err
		}
	}
	return nil
}

// Source is how a ticket came: who opened it (a login, or "sms:+86..."),
// by which channel, from which phone, in which language, and the
// idempotency key of the request (a retry with the same key opens nothing
// new).
type Source struct {
	By      string
	Channel string // web or sms
	Phone   string
	Lang    string
	Key     string
}

func checkText(field, s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("%w: %s: write what it is about", ledger.ErrInvalid, field)
	}
	if n := utf8.RuneCountInString(s); n > MaxText {
		return "", fmt.Errorf("%w: %s is %d characters long; at most %d are accepted", ledger.ErrInvalid, field, n, MaxText)
	}
	return s, nil
}

func subjectOf(text string) string {
	line, _, _ := strings.Cut(text, "\n")
	line = strings.TrimSpace(line)
	if utf8.RuneCountInString(line) > subjectLen {
		r := []rune(line)
		line = string(r[:subjectLen-1]) + "…"
	}
	return line
}

// Open opens a ticket for owner o.
//
// Errors: ledger.ErrInvalid for an unknown category, an empty or too long
// text, or an order that is not the owner's.
func Open(ctx context.Context, tx pgx.Tx, o Owner, n NewTicket, src Source) (Ticket, error) {
	if (o.Member == 0) == (o.Customer == 0) {
		return Ticket{}, fmt.Errorf("%w: a ticket belongs to one member or one customer", ledger.ErrInvalid)
	}
	if !n.Category.valid() {
		return Ticket{}, fmt.Errorf("%w: category %q must be one of complaint, quality, delivery, bonus, account, other", ledger.ErrInvalid, n.Category)
	}
	text, err := checkText("text", n.Text)
	if err != nil {
		return Ticket{}, err
	}
	if err := checkPhotos(ctx, tx, n.Photos); err != nil {
		return Ticket{}, err
	}
	if src.Key != "" {
		var id int64
		err := tx.QueryRow(ctx, `SELECT id FROM tickets WHERE opened_by = $1 AND open_key = $2`, src.By, src.Key).Scan(&id)
		if err == nil {
			return Get(ctx, tx, id, true)
		}
		if !errors.Is(err, pgx.ErrNoRows) {
			return Ticket{}, err
		}
	}
	n.Order = strings.ToUpper(strings.TrimSpace(n.Order))
	if n.Order != "" {
		var ok bool
		err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM orders o WHERE o.order_no = $1 AND
			(o.member_id = $2 OR o.entered_by = (SELECT 'user:' || login FROM users WHERE id = $3)))`,
			n.Order, o.Member, o.Customer).Scan(&ok)
		if err != nil {
			return Ticket{}, err
		}
		if !ok {
			return Ticket{}, fmt.Errorf("%w: order %q is not one of yours", ledger.ErrInvalid, n.Order)
		}
	}
	lang := src.Lang
	if lang != "en" {
		lang = "zh-CN"
	}
	channel := src.Channel
	if channel != "sms" {
		channel = "web"
	}
	now := clock.Now(ctx)
	var id int64
	err = tx.QueryRow(ctx, `INSERT INTO tickets (category, member_id, customer_id, order_no, subject, channel, phone, lang,
			opened_by, open_key, opened_at, due_at)
		SELECT $1, NULLIF($2, 0::bigint), NULLIF($3, 0::bigint), NULLIF($4, ''), $5, $6, $7, $8, $9, NULLIF($10, ''), $11, $11::timestamptz + sla
		FROM desk_categories WHERE category = $1 RETURNING id`,
		n.Category, o.Member, o.Customer, n.Order, subjectOf(text), channel, src.Phone, lang, src.By, src.Key, now).Scan(&id)
	if err != nil {
		return Ticket{}, fmt.Errorf("open a ticket: %w", err)
	}
	if err := appendEvent(ctx, tx, id, Event{Kind: KindOpened, Body: text, By: src.By, Photos: n.Photos}, now); err != nil {
		return Ticket{}, err
	}
	return Get(ctx, tx, id, true)
}

func appendEvent(ctx context.Context, tx pgx.Tx, id int64, e Event, at time.Time) error {
	_, err := insertEvent(ctx, tx, id, e, at)
	return err
}

// insertEvent appends e with its photos and returns its id.
func insertEvent(ctx context.Context, tx pgx.Tx, id int64, e Event, at time.Time) (int64, error) {
	var ev int64
	err := tx.QueryRow(ctx, `INSERT INTO ticket_events (ticket_id, kind, body, assignee, by, by_staff, at)
		VALUES ($1, $2, $3, NULLIF($4, ''), $5, $6, $7) RETURNING id`, id, e.Kind, e.Body, e.Assignee, e.By, e.ByStaff, at).Scan(&ev)
	if err != nil {
		return 0, err
	}
	return ev, addPhotos(ctx, tx, ev, e.Photos)
}

const ticketCols = `t.id, t.category, coalesce(t.order_no, ''), t.subject, t.channel, t.state, t.escalated,
	coalesce(t.assignee, ''), coalesce(m.code, ''), coalesce(m.name, ''), coalesce(u.login, ''), t.lang,
	t.opened_at, t.due_at, t.closed_at, coalesce(t.member_id, 0), coalesce(t.customer_id, 0), t.phone`

const ticketFrom = ` FROM tickets t LEFT JOIN members m ON m.id = t.member_id LEFT JOIN users u ON u.id = t.customer_id`

// scanTicket reads ticketCols and then extra.
func scanTicket(row pgx.Row, now time.Time, extra ...any) (Ticket, error) {
	var t Ticket
	err := row.Scan(append([]any{&t.ID, &t.Category, &t.Order, &t.Subject, &t.Channel, &t.State, &t.Escalated,
		&t.Assignee, &t.Member, &t.MemberName, &t.Customer, &t.Lang,
		&t.OpenedAt, &t.DueAt, &t.ClosedAt, &t.memberID, &t.customerID, &t.phone}, extra...)...)
	t.No = FormatNo(t.ID)
	t.Overdue = t.State != StateClosed && now.After(t.DueAt)
	return t, err
}

// Owns reports whether o owns the ticket.
func (t Ticket) Owns(o Owner) bool {
	return (o.Member != 0 && o.Member == t.memberID) || (o.Customer != 0 && o.Customer == t.customerID)
}

// Get returns a ticket with its history; staff false leaves out internal
// notes (the owner's view).
func Get(ctx context.Context, q ledger.Querier, id int64, staff bool) (Ticket, error) {
	t, err := scanTicket(q.QueryRow(ctx, `SELECT `+ticketCols+ticketFrom+` WHERE t.id = $1`, id), clock.Now(ctx))
	if errors.Is(err, pgx.ErrNoRows) {
		return Ticket{}, notFound(FormatNo(id))
	}
	if err != nil {
		return Ticket{}, err
	}
	rows, err := q.Query(ctx, `SELECT e.id, e.kind, e.body, coalesce(e.assignee, ''), e.by, e.by_staff, e.at,
			(SELECT array_agg(p.sha256 ORDER BY p.n) FROM ticket_photos p WHERE p.event_id = e.id)
		FROM ticket_events e WHERE e.ticket_id = $1 AND ($2 OR e.kind <> 'note') ORDER BY e.id`, id, staff)
	if err != nil {
		return Ticket{}, err
	}
	t.Events, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Event, error) {
		var e Event
		return e, r.Scan(&e.ID, &e.Kind, &e.Body, &e.Assignee, &e.By, &e.ByStaff, &e.At, &e.Photos)
	})
	return t, err
}

// GetFor returns ticket id as owner o sees it: ledger.ErrNotFound, with the
// very message of a missing ticket, when it is not o's.
func GetFor(ctx context.Context, q ledger.Querier, id int64, o Owner) (Ticket, error) {
	t, err := Get(ctx, q, id, false)
	if err == nil && !t.Owns(o) {
		return Ticket{}, notFound(FormatNo(id))
	}
	return t, err
}

func lock(ctx context.Context, tx pgx.Tx, id int64) (Ticket, error) {
	var x int64
	err := tx.QueryRow(ctx, `SELECT id FROM tickets WHERE id = $1 FOR UPDATE`, id).Scan(&x)
	if errors.Is(err, pgx.ErrNoRows) {
		return Ticket{}, notFound(FormatNo(id))
	}
	if err != nil {
		return Ticket{}, err
	}
	return Get(ctx, tx, id, true)
}

func set(ctx context.Context, tx pgx.Tx, id int64, sql string, args ...any) error {
	_, err := tx.Exec(ctx, `UPDATE tickets SET `+sql+` WHERE id = $1`, append([]any{id}, args...)...)
	return err
}

// Assign gives the ticket to staff login to; a closed ticket is not assigned.
func Assign(ctx context.Context, tx pgx.Tx, id int64, to, by string) (Ticket, error) {
	t, err := lock(ctx, tx, id)
	if err != nil {
		return Ticket{}, err
	}
	to = strings.TrimSpace(to)
	if to == "" {
		return Ticket{}, fmt.Errorf("%w: assignee: name the staff login to assign the ticket to", ledger.ErrInvalid)
	}
	var ok bool
	if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM users WHERE login = $1 AND status = 'active'
		AND role IN ('admin', 'finance', 'warehouse'))`, to).Scan(&ok); err != nil {
		return Ticket{}, err
	}
	if !ok {
		return Ticket{}, fmt.Errorf("%w: assignee %q is not an active HQ user", ledger.ErrInvalid, to)
	}
	if t.State == StateClosed {
		return Ticket{}, fmt.Errorf("%w: ticket %s is closed; reopen it first", ledger.ErrConflict, t.No)
	}
	state := t.State
	if state == StateOpen {
		state = StateAssigned
	}
	if err := set(ctx, tx, id, `assignee = $2, state = $3`, to, state); err != nil {
		return Ticket{}, err
	}
	if err := appendEvent(ctx, tx, id, Event{Kind: KindAssigned, Assignee: to, By: by, ByStaff: true}, clock.Now(ctx)); err != nil {
		return Ticket{}, err
	}
	return Get(ctx, tx, id, true)
}

// Reply adds a reply, with photos if any. From HQ (staff true) it waits
// for the member and is written to the outbox so the owner gets it by
// text; from the owner it goes back to HQ, reopening a closed ticket.
func Reply(ctx context.Context, tx pgx.Tx, id int64, text, by string, staff bool, photos ...string) (Ticket, error) {
	t, err := lock(ctx, tx, id)
	if err != nil {
		return Ticket{}, err
	}
	if text, err = checkText("text", text); err != nil {
		return Ticket{}, err
	}
	if err := checkPhotos(ctx, tx, photos); err != nil {
		return Ticket{}, err
	}
	now := clock.Now(ctx)
	if staff {
		if t.State == StateClosed {
			return Ticket{}, fmt.Errorf("%w: ticket %s is closed; reopen it to reply", ledger.ErrConflict, t.No)
		}
		if err := set(ctx, tx, id, `state = 'waiting'`); err != nil {
			return Ticket{}, err
		}
	} else {
		if t.State == StateClosed {
			if err := reopen(ctx, tx, t, by, false, now); err != nil {
				return Ticket{}, err
			}
		} else if err := set(ctx, tx, id, `state = $2`, backToHQ(t)); err != nil {
			return Ticket{}, err
		}
	}
	ev, err := insertEvent(ctx, tx, id, Event{Kind: KindReplied, Body: text, By: by, ByStaff: staff, Photos: photos}, now)
	if err != nil {
		return Ticket{}, err
	}
	if staff {
		phone, err := ownerPhone(ctx, tx, t)
		if err != nil {
			return Ticket{}, err
		}
		if _, err := ledger.AppendOutbox(ctx, tx, EventReplied, t.No, ReplyEvent{Ticket: t.No, Event: ev, Phone: phone, Lang: t.Lang, Text: text}); err != nil {
			return Ticket{}, err
		}
	}
	return Get(ctx, tx, id, true)
}

// backToHQ is the state of a ticket the owner has written to.
func backToHQ(t Ticket) State {
	if t.Assignee != "" {
		return StateAssigned
	}
	return StateOpen
}

// ownerPhone is where the owner hears of replies: a member's phone on file
// now (it may have changed since) or a shop customer's verified one, else
// the number a texted ticket came from.
func ownerPhone(ctx context.Context, tx pgx.Tx, t Ticket) (string, error) {
	var phone string
	var err error
	switch {
	case t.memberID != 0:
		err = tx.QueryRow(ctx, `SELECT phone FROM members WHERE id = $1 AND status <> 'terminated'`, t.memberID).Scan(&phone)
	case t.customerID != 0: // a shop customer's verified phone
		err = tx.QueryRow(ctx, `SELECT c.phone FROM shop_customers c JOIN users u ON u.id = c.user_id
			WHERE c.user_id = $1 AND u.status = 'active'`, t.customerID).Scan(&phone)
	}
	if err != nil && !errors.Is(err, pgx.ErrNoRows) {
		return "", err
	}
	if phone != "" {
		return phone, nil
	}
	return t.phone, nil
}

// AddNote adds an internal note, which the owner never sees.
func AddNote(ctx context.Context, tx pgx.Tx, id int64, text, by string) (Ticket, error) {
	if _, err := lock(ctx, tx, id); err != nil {
		return Ticket{}, err
	}
	text, err := checkText("text", text)
	if err != nil {
		return Ticket{}, err
	}
	if err := appendEvent(ctx, tx, id, Event{Kind: KindNote, Body: text, By: by, ByStaff: true}, clock.Now(ctx)); err != nil {
		return Ticket{}, err
	}
	return Get(ctx, tx, id, true)
}

// Escalate marks the ticket escalated, with a reason. An escalated or
// closed ticket is not escalated again.
func Escalate(ctx context.Context, tx pgx.Tx, id int64, reason, by string) (Ticket, error) {
	t, err := lock(ctx, tx, id)
	if err != nil {
		return Ticket{}, err
	}
	if reason, err = checkText("reason", reason); err != nil {
		return Ticket{}, err
	}
	switch {
	case t.State == StateClosed:
		return Ticket{}, fmt.Errorf("%w: ticket %s is closed", ledger.ErrConflict, t.No)
	case t.Escalated:
		return Ticket{}, fmt.Errorf("%w: ticket %s is already escalated", ledger.ErrConflict, t.No)
	}
	if err := escalate(ctx, tx, id, reason, by, clock.Now(ctx)); err != nil {
		return Ticket{}, err
	}
	return Get(ctx, tx, id, true)
}

func escalate(ctx context.Context, tx pgx.Tx, id int64, reason, by string, now time.Time) error {
	if err := set(ctx, tx, id, `escalated = true`); err != nil {
		return err
	}
	return appendEvent(ctx, tx, id, Event{Kind: KindEscalated, Body: reason, By: by, ByStaff: true}, now)
}

// Close closes the ticket with its resolution, which the owner reads.
func Close(ctx context.Context, tx pgx.Tx, id int64, resolution, by string) (Ticket, error) {
	t, err := lock(ctx, tx, id)
	if err != nil {
		return Ticket{}, err
	}
	if resolution, err = checkText("resolution", resolution); err != nil {
		return Ticket{}, err
	}
	if t.State == StateClosed {
		return Ticket{}, fmt.Errorf("%w: ticket %s is already closed", ledger.ErrConflict, t.No)
	}
	now := clock.Now(ctx)
	if err := set(ctx, tx, id, `state = 'closed', closed_at = $2`, now); err != nil {
		return Ticket{}, err
	}
	if err := appendEvent(ctx, tx, id, Event{Kind: KindClosed, Body: resolution, By: by, ByStaff: true}, now); err != nil {
		return Ticket{}, err
	}
	return Get(ctx, tx, id, true)
}

// Reopen opens a closed ticket again; it is due again its category's SLA
// from now.
func Reopen(ctx context.Context, tx pgx.Tx, id int64, by string, staff bool) (Ticket, error) {
	t, err := lock(ctx, tx, id)
	if err != nil {
		return Ticket{}, err
	}
	if t.State != StateClosed {
		return Ticket{}, fmt.Errorf("%w: ticket %s is not closed", ledger.ErrConflict, t.No)
	}
	if err := reopen(ctx, tx, t, by, staff, clock.Now(ctx)); err != nil {
		return Ticket{}, err
	}
	return Get(ctx, tx, id, true)
}

func reopen(ctx context.Context, tx pgx.Tx, t Ticket, by string, staff bool, now time.Time) error {
	err := set(ctx, tx, t.ID, `state = $2, closed_at = NULL, escalated = false,
		due_at = $3::timestamptz + (SELECT sla FROM desk_categories WHERE category = tickets.category)`, backToHQ(t), now)
	if err != nil {
		return err
	}
	return appendEvent(ctx, tx, t.ID, Event{Kind: KindReopened, By: by, ByStaff: staff}, now)
}

// SLABy is who escalates overdue tickets in the background.
const SLABy = "system:sla"

// EscalateOverdue escalates every ticket overdue by the clock and not yet
// escalated, and returns their numbers. Running it again escalates nothing
// more.
func EscalateOverdue(ctx context.Context, tx pgx.Tx) ([]string, error) {
	now := clock.Now(ctx)
	rows, err := tx.Query(ctx, `SELECT id, due_at FROM tickets WHERE state <> 'closed' AND NOT escalated AND due_at < $1
		ORDER BY due_at, id FOR UPDATE SKIP LOCKED`, now)
	if err != nil {
		return nil, err
	}
	type due struct {
		id int64
		at time.Time
	}
	ds, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (due, error) {
		var d due
		return d, r.Scan(&d.id, &d.at)
	})
	if err != nil {
		return nil, err
	}
	out := []string{}
	for _, d := range ds {
		reason := "overdue since " + d.at.UTC().Format(time.RFC3339)
		if err := escalate(ctx, tx, d.id, reason, SLABy, now); err != nil {
			return nil, err
		}
		out = append(out, FormatNo(d.id))
	}
	return out, nil
}

// SLA is a category's time to deal with a ticket.
type SLA struct {
	Category  Category  `json:"category"`
	Hours     float64   `json:"hours"`
	UpdatedBy string    `json:"updated_by"`
	UpdatedAt time.Time `json:"updated_at"`
}

// SLAs lists the categories with their SLA.
func SLAs(ctx context.Context, q ledger.Querier) ([]SLA, error) {
	rows, err := q.Query(ctx, `SELECT category, extract(epoch FROM sla) / 3600, updated_by, updated_at FROM desk_categories
		ORDER BY array_position(ARRAY['complaint', 'quality', 'delivery', 'bonus', 'account', 'other'], category)`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (SLA, error) {
		var s SLA
		return s, r.Scan(&s.Category, &s.Hours, &s.UpdatedBy, &s.UpdatedAt)
	})
}

// SetSLA sets a category's SLA, in whole hours (1 to 2160); tickets opened
// or reopened from then on are due accordingly.
func SetSLA(ctx context.Context, q ledger.Querier, c Category, hours int, by string) (SLA, error) {
	if !c.valid() {
		return SLA{}, fmt.Errorf("%w: category %q must be one of complaint, quality, delivery, bonus, account, other", ledger.ErrInvalid, c)
	}
	if hours < 1 || hours > 2160 {
		return SLA{}, fmt.Errorf("%w: hours %d must be between 1 and 2160 (90 days)", ledger.ErrInvalid, hours)
	}
	var s SLA
	err := q.QueryRow(ctx, `UPDATE desk_categories SET sla = make_interval(hours => $2), updated_by = $3, updated_at = now()
		WHERE category = $1 RETURNING category, extract(epoch FROM sla) / 3600, updated_by, updated_at`, c, hours, by).
		Scan(&s.Category, &s.Hours, &s.UpdatedBy, &s.UpdatedAt)
	return s, err
}
