package sms

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// State is where a message is. queued -> sending -> sent | retry | failed |
// unknown; retry -> sending again (same id) after a backoff. suppressed: the
// number opted out before a non-essential message went.
type State string

const (
	Queued     State = "queued"
	Sending    State = "sending"
	Retrying   State = "retry"
	Sent       State = "sent"
	Failed     State = "failed"
	Uncertain  State = "unknown"
	Suppressed State = "suppressed"
)

// Priority is the order in which the sender claims due messages: the
// highest first, so a time-critical text never waits behind a bulk send.
type Priority int16

const (
	// PriorityBulk: bulk messages to segments and product launches.
	PriorityBulk Priority = 0
	// PriorityNormal: other notifications (shipments, bonuses, ranks, stock).
	PriorityNormal Priority = 1
	// PriorityUrgent: texts a person is waiting for now: a new member's
	// welcome (with the member number), a payment confirmation.
	PriorityUrgent Priority = 2
)

// PriorityOf is the priority of a message of kind (a template, or "bulk").
func PriorityOf(kind string) Priority {
	switch kind {
	case TplWelcome, TplPaymentConfirmed:
		return PriorityUrgent
	case KindBulk, TplProductLaunched, TplProductAnnounced:
		return PriorityBulk
	}
	return PriorityNormal
}

// KindBulk is the kind of the messages of a bulk send.
const KindBulk = "bulk"

// Outgoing is a message to store and send.
type Outgoing struct {
	// Key makes queuing idempotent: a second message with the same key is
	// not stored (e.g. "ev:1234:+8613800000000").
	Key       string
	Kind      string // the template or "bulk"; it sets the priority (PriorityOf)
	To        string // E.164
	Lang      string
	Body      string
	Essential bool
	Bulk      int64
}

// Message is a stored message.
type Message struct {
	ID        int64      `json:"id"`
	Kind      string     `json:"kind"`
	To        string     `json:"to"`
	Lang      string     `json:"lang"`
	Body      string     `json:"body"`
	Segments  int        `json:"segments"`
	Essential bool       `json:"essential"`
	Priority  Priority   `json:"priority"`
	Bulk      int64      `json:"bulk,omitempty"`
	State     State      `json:"state"`
	Attempts  int        `json:"attempts"`
	TwilioSID string     `json:"twilio_sid,omitempty"`
	Delivery  string     `json:"delivery,omitempty"`
	ErrorCode int        `json:"error_code,omitempty"`
	Error     string     `json:"error,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	SentAt    *time.Time `json:"sent_at,omitempty"`
}

// Enqueue stores msgs to be sent and returns how many were new. A message
// to a number that opted out is stored as suppressed unless it is essential.
func Enqueue(ctx context.Context, q ledger.Querier, msgs []Outgoing) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	n := len(msgs)
	keys, kinds, tos, langs, bodies := make([]*string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	segs, ess, bulks, prios := make([]int32, n), make([]bool, n), make([]*int64, n), make([]int16, n)
	for i, m := range msgs {
		if m.Key != "" {
			keys[i] = &m.Key
		}
		lang := m.Lang
		if lang != "en" {
			lang = "zh-CN"
		}
		kinds[i], tos[i], langs[i], bodies[i] = m.Kind, m.To, lang, m.Body
		segs[i], ess[i], prios[i] = int32(Count(m.Body).Count), m.Essential, int16(PriorityOf(m.Kind))
		if m.Bulk != 0 {
			bulks[i] = &msgs[i].Bulk
		}
	}
	tag, err := q.Exec(ctx, `INSERT INTO sms_messages (dedupe_key, kind, to_phone, lang, body, segments, essential, bulk_id, priority, state)
		SELECT k, kind, t, l, b, s, e, bk, p,
			CASE WHEN NOT e AND EXISTS (SELECT 1 FROM sms_opt_outs o WHERE o.phone = t) THEN 'suppressed' ELSE 'queued' END
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bool[], $8::bigint[], $9::smallint[])
			AS x(k, kind, t, l, b, s, e, bk, p)
		ON CONFLICT (dedupe_key) DO NOTHING`, keys, kinds, tos, langs, bodies, segs, ess, bulks, prios)
	if err != nil {
		return 0, fmt.Errorf("queue %d messages: %w", n, err)
	}
	return int(tag.RowsAffected()), nil
}

const messageSelect = `SELECT id, kind, to_phone, lang, body, segments, essential, priority, coalesce(bulk_id, 0), state, attempts,
	coalesce(twilio_sid, ''), delivery, coalesce(error_code, 0), error, created_at, sent_at FROM sms_messages`

func scanMessage(r pgx.CollectableRow) (Message, error) {
	var m Message
	err := r.Scan(&m.ID, &m.Kind, &m.To, &m.Lang, &m.Body, &m.Segments, &m.Essential, &m.Priority, &m.Bulk, &m.State, &m.Attempts,
		&m.TwilioSID, &m.Delivery, &m.ErrorCode, &m.Error, &m.CreatedAt, &m.SentAt)
	return m, err
}

// Filter selects messages for the admin views, newest first.
type Filter struct {
	States []State // any of these (none: all)
	To     string
	Bulk   int64
	Before int64 // ids below this (0: from the newest)
	Limit  int   // default 100, at most 1000
}

// List returns the messages f selects, newest first.
func List(ctx context.Context, q ledger.Querier, f Filter) ([]Message, error) {
	if f.Limit <= 0 || f.Limit > 1000 {
		f.Limit = 100
	}
	states := make([]string, len(f.States))
	for i, s := range f.States {
		states[i] = string(s)
	}
	rows, err := q.Query(ctx, messageSelect+`
		WHERE (cardinality($1::text[]) = 0 OR state = ANY($1))
		  AND ($2 = '' OR to_phone = $2) AND ($3 = 0 OR bulk_id = $3) AND ($4 = 0 OR id < $4)
		ORDER BY id DESC LIMIT $5`, states, f.To, f.Bulk, f.Before, f.Limit)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, scanMessage)
}

// Get reads message id. Errors: ledger.ErrNotFound.
func Get(ctx context.Context, q ledger.Querier, id int64) (Message, error) {
	rows, err := q.Query(ctx, messageSelect+` WHERE id = $1`, id)
	if err != nil {
		return Message{}, err
	}
	m, err := pgx.CollectExactlyOneRow(rows, scanMessage)
	if err == pgx.ErrNoRows {
		return Message{}, fmt.Errorf("%w: no SMS message %d", ledger.ErrNotFound, id)
	}
	return m, err
}

// OptOut is a number that asked for no more messages.
type OptOut struct {
	Phone   string `json:"phone"`
	Keyword string `json:"keyword"`
	At      string `json:"at"` // RFC 3339, UTC
}

// OptOuts returns up to limit numbers that opted out, in order, after the
// number after (a page's cursor; "" from the first).
func OptOuts(ctx context.Context, q ledger.Querier, after string, limit int) ([]OptOut, error) {
	rows, err := q.Query(ctx, `SELECT phone, keyword, to_char(opted_out_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
		FROM sms_opt_outs WHERE phone > $1 ORDER BY phone LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list opt-outs: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (OptOut, error) {
		var o OptOut
		err := r.Scan(&o.Phone, &o.Keyword, &o.At)
		return o, err
	})
	if err != nil {
		return nil, fmt.Errorf("list opt-outs: %w", err)
	}
	if out == nil {
		out = []OptOut{}
	}
	return out, nil
}
