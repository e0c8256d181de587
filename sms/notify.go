package sms

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
	"downline/ledger/member"
	"downline/ledger/order"
	"downline/ledger/stock"
)

// Settlement events, written by the settlement runs (settle/period) when a
// run is approved or paid and when members advance in rank. One event may
// carry many members (a run writes its members in chunks).
const (
	EventSettlementApproved = "settlement.approved"
	EventSettlementPaid     = "settlement.paid"
	EventRankAdvanced       = "member.rank_advanced"
)

// SettlementEvent is the payload of settlement.approved and settlement.paid:
//
//	{"period": "2026-05", "run": 12, "members": [{"code": "CN01234567", "amount": "1280.00"}, ...]}
//
// amount is the member's total bonus of the run (decimal string, 2 places).
type SettlementEvent struct {
	Period  string             `json:"period"`
	Run     int64              `json:"run,omitempty"`
	Members []SettlementMember `json:"members"`
}

// SettlementMember is one member's amount in a SettlementEvent.
type SettlementMember struct {
	Code   string          `json:"code"`
	Amount decimal.Decimal `json:"amount"`
}

// RankEvent is the payload of member.rank_advanced, written when a run is
// approved for the members whose rank rose since the previous approved run:
//
//	{"period": "2026-05", "run": 12, "members": [{"code": "CN01234567", "rank": "Gold", "previous": "Silver"}, ...]}
//
// previous is absent when the member held no rank before.
type RankEvent struct {
	Period  string        `json:"period"`
	Run     int64         `json:"run,omitempty"`
	Members []RankAdvance `json:"members"`
}

// RankAdvance is one member's new rank in a RankEvent.
type RankAdvance struct {
	Code     string `json:"code"`
	Rank     string `json:"rank"`
	Previous string `json:"previous,omitempty"`
}

// ConsumerName is the notifier's name among the outbox consumers.
const ConsumerName = "sms"

// Notifier turns ledger events into messages: it reads the outbox in seq
// order and queues each event's messages and its own position in one
// transaction, so an event is turned into messages exactly once (the
// dedupe keys make even a replay harmless).
//
// It never texts about the past. Its first start on a ledger records the
// outbox head of that moment (Start): what happened before SMS was turned on
// (a demo's or an imported company's history) is never texted, and later
// starts resume from the stored position. An event older than Horizon when
// the notifier reaches it (after an outage, say) is skipped, and the skip
// is recorded (sms_skipped_events, Status) and logged.
type Notifier struct {
	DB *ledger.DB
	// Sender, when set, is woken after messages are queued.
	Sender *Sender
	Batch  int           // events per transaction (default 500)
	Idle   time.Duration // wait when nothing is new (default 1s)
	// Horizon is the age beyond which an event is not texted (default
	// DefaultHorizon); the age is the clock's time less the event's own
	// time in the outbox.
	Horizon time.Duration
	Log     *slog.Logger
	// Now is the clock for the horizon, the start and product launches
	// (default time.Now).
	Now func() time.Time

	started atomic.Bool
}

// DefaultHorizon is how old an event may be and still be texted.
const DefaultHorizon = 24 * time.Hour

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now()
	}
	return time.Now()
}

func (n *Notifier) log() *slog.Logger {
	if n.Log != nil {
		return n.Log
	}
	return slog.Default()
}

func (n *Notifier) horizon() time.Duration {
	if n.Horizon > 0 {
		return n.Horizon
	}
	return DefaultHorizon
}

// NotifierStart is where the notifier started on a ledger: the outbox head
// when SMS was first turned on. Events up to Seq are never texted.
type NotifierStart struct {
	Seq int64     `json:"seq"`
	At  time.Time `json:"at"`
}

// Start records where the notifier starts, on its first start on this
// ledger: the outbox head at this moment. Later calls (and later starts of
// the server) change nothing: the notifier resumes from its stored position.
// It reports whether this call was the first start.
func (n *Notifier) Start(ctx context.Context) (NotifierStart, bool, error) {
	var st NotifierStart
	first := false
	err := n.DB.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
		// Under the outbox lock's ordering every event up to the highest
		// committed seq is committed, and any later one gets a higher seq.
		err := tx.QueryRow(ctx, `INSERT INTO outbox_consumers (name, seq) SELECT $1, coalesce(max(seq), 0) FROM outbox
			ON CONFLICT (name) DO NOTHING RETURNING seq`, ConsumerName).Scan(&st.Seq)
		if err == pgx.ErrNoRows {
			// Started before: its position stands. (A ledger whose notifier
			// started before starts were recorded has no start row.)
			err = tx.QueryRow(ctx, `SELECT seq, started_at FROM sms_notifier_start`).Scan(&st.Seq, &st.At)
			if err == pgx.ErrNoRows {
				return nil
			}
			return err
		}
		if err != nil {
			return err
		}
		first, st.At = true, n.now()
		_, err = tx.Exec(ctx, `INSERT INTO sms_notifier_start (seq, started_at) VALUES ($1, $2)
			ON CONFLICT (one) DO UPDATE SET seq = EXCLUDED.seq, started_at = EXCLUDED.started_at`, st.Seq, st.At)
		return err
	})
	if err != nil {
		return st, false, fmt.Errorf("start the SMS notifier: %w", err)
	}
	n.started.Store(true)
	if first {
		n.log().Info("SMS notifier: first start on this ledger: it texts the events written from now on, none of the outbox up to its head", "outbox_head", st.Seq)
	}
	return st, first, nil
}

// CatchUp queues the messages of every event not yet handled, of the
// products launched today not yet announced, and of the portal's
// new-product announcements gone public and not yet texted. It returns how many messages
// it queued. The first call starts the notifier (Start) if nothing has.
func (n *Notifier) CatchUp(ctx context.Context) (int, error) {
	if !n.started.Load() {
		if _, _, err := n.Start(ctx); err != nil {
			return 0, err
		}
	}
	batch := n.Batch
	if batch <= 0 {
		batch = 500
	}
	queued := 0
	for {
		pos, err := n.DB.ConsumerPosition(ctx, ConsumerName)
		if err != nil {
			return queued, err
		}
		evs, err := n.DB.ReadOutbox(ctx, pos, batch)
		if err != nil {
			return queued, err
		}
		if len(evs) == 0 {
			break
		}
		tpl, err := LoadTemplates(ctx, n.DB.Pool)
		if err != nil {
			return queued, err
		}
		now := n.now()
		skip := skipped{kinds: map[string]int{}}
		var msgs []Outgoing
		for _, e := range evs {
			if now.Sub(e.At) > n.horizon() {
				skip.add(e)
				continue
			}
			ms, err := n.messagesFor(ctx, tpl, e)
			if err != nil {
				return queued, fmt.Errorf("outbox event %d (%s): %w", e.Seq, e.Kind, err)
			}
			msgs = append(msgs, ms...)
		}
		last := evs[len(evs)-1].Seq
		moved := false
		err = n.DB.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
			var at int64
			// The position row is locked: two notifiers never queue the same batch.
			err := tx.QueryRow(ctx, `SELECT seq FROM outbox_consumers WHERE name = $1 FOR UPDATE`, ConsumerName).Scan(&at)
			if err != nil {
				return err
			}
			if at != pos {
				return nil // another notifier got there first
			}
			k, err := Enqueue(ctx, tx, msgs)
			if err != nil {
				return err
			}
			if err := skip.record(ctx, tx, n.horizon(), now); err != nil {
				return err
			}
			queued, moved = queued+k, true
			_, err = tx.Exec(ctx, `UPDATE outbox_consumers SET seq = $2, updated_at = now() WHERE name = $1`, ConsumerName, last)
			return err
		})
		if err != nil {
			return queued, err
		}
		if moved && skip.events > 0 {
			n.log().Warn("SMS notifier: events older than the horizon were not texted", "events", skip.events,
				"first_seq", skip.first, "last_seq", skip.last, "oldest", skip.oldest, "newest", skip.newest, "horizon", n.horizon())
		}
	}
	k, err := n.announceLaunches(ctx)
	queued += k
	if err == nil {
		k, err = n.announceContent(ctx)
		queued += k
	}
	if queued > 0 && n.Sender != nil {
		n.Sender.Kick()
	}
	return queued, err
}

// skipped is what one batch of events skipped as older than the horizon.
type skipped struct {
	events         int
	first, last    int64
	kinds          map[string]int
	oldest, newest time.Time
}

func (s *skipped) add(e ledger.OutboxEvent) {
	if s.events == 0 {
		s.first, s.oldest, s.newest = e.Seq, e.At, e.At
	}
	s.events++
	s.last = e.Seq
	s.kinds[e.Kind]++
	if e.At.Before(s.oldest) {
		s.oldest = e.At
	}
	if e.At.After(s.newest) {
		s.newest = e.At
	}
}

// record stores the skip for the operators (see Status).
func (s *skipped) record(ctx context.Context, tx pgx.Tx, horizon time.Duration, at time.Time) error {
	if s.events == 0 {
		return nil
	}
	kinds, err := json.Marshal(s.kinds)
	if err != nil {
		return err
	}
	_, err = tx.Exec(ctx, `INSERT INTO sms_skipped_events (first_seq, last_seq, events, kinds, oldest_at, newest_at, horizon, skipped_at)
		VALUES ($1, $2, $3, $4, $5, $6, make_interval(secs => $7), $8)`, s.first, s.last, s.events, kinds, s.oldest, s.newest, horizon.Seconds(), at)
	if err != nil {
		return fmt.Errorf("record %d events skipped: %w", s.events, err)
	}
	return nil
}

// Run catches up again and again until ctx ends.
func (n *Notifier) Run(ctx context.Context) error {
	idle := n.Idle
	if idle <= 0 {
		idle = time.Second
	}
	for {
		if _, err := n.CatchUp(ctx); err != nil && ctx.Err() == nil {
			n.log().Warn("sms notifications: will retry", "err", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(idle):
		}
	}
}

// Skip is one batch of events the notifier did not text because they were
// older than the horizon when it reached them.
type Skip struct {
	FirstSeq int64          `json:"first_seq"`
	LastSeq  int64          `json:"last_seq"`
	Events   int            `json:"events"`
	Kinds    map[string]int `json:"kinds"`
	Oldest   time.Time      `json:"oldest_at"`
	Newest   time.Time      `json:"newest_at"`
	Horizon  string         `json:"horizon"`
	At       time.Time      `json:"skipped_at"`
}

// NotifierStatus is where the notifier is, for the operators.
type NotifierStatus struct {
	// Start is where it started on this ledger; nil when it has not (SMS
	// was never on) or started before starts were recorded.
	Start    *NotifierStart `json:"start,omitempty"`
	Position int64          `json:"position"` // the last outbox event handled
	Head     int64          `json:"head"`     // the last outbox event written
	Skipped  int64          `json:"skipped"`  // events skipped as older than the horizon, in all
	Skips    []Skip         `json:"skips"`    // the latest skips, newest first (at most 20)
}

// Status reads where the notifier started, where it is and what it skipped.
func Status(ctx context.Context, db *ledger.DB) (NotifierStatus, error) {
	var s NotifierStatus
	var st NotifierStart
	err := db.Pool.QueryRow(ctx, `SELECT seq, started_at FROM sms_notifier_start`).Scan(&st.Seq, &st.At)
	switch {
	case err == nil:
		s.Start = &st
	case err != pgx.ErrNoRows:
		return s, err
	}
	if s.Position, err = db.ConsumerPosition(ctx, ConsumerName); err != nil {
		return s, err
	}
	if s.Head, err = db.OutboxHead(ctx); err != nil {
		return s, err
	}
	if err := db.Pool.QueryRow(ctx, `SELECT coalesce(sum(events), 0) FROM sms_skipped_events`).Scan(&s.Skipped); err != nil {
		return s, err
	}
	rows, err := db.Pool.Query(ctx, `SELECT first_seq, last_seq, events, kinds, oldest_at, newest_at, horizon::text, skipped_at
		FROM sms_skipped_events ORDER BY id DESC LIMIT 20`)
	if err != nil {
		return s, err
	}
	s.Skips, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (Skip, error) {
		var k Skip
		err := r.Scan(&k.FirstSeq, &k.LastSeq, &k.Events, &k.Kinds, &k.Oldest, &k.Newest, &k.Horizon, &k.At)
		return k, err
	})
	if s.Skips == nil {
		s.Skips = []Skip{}
	}
	return s, err
}

// recipient is who gets a message, and in which language.
type recipient struct {
	phone, lang, name, code string
}

func (n *Notifier) messagesFor(ctx context.Context, tpl *Templates, e ledger.OutboxEvent) ([]Outgoing, error) {
	var out []Outgoing
	add := func(role string, r recipient, kind string, essential bool, vars map[string]string) {
		if r.phone == "" {
			return
		}
		vars["name"] = r.name
		if _, ok := vars["code"]; !ok {
			vars["code"] = r.code
		}
		out = append(out, Outgoing{Key: "ev:" + strconv.FormatInt(e.Seq, 10) + ":" + role + ":" + r.phone, Kind: kind,
			To: r.phone, Lang: r.lang, Body: tpl.Render(kind, r.lang, vars), Essential: essential})
	}
	switch e.Kind {
	case member.EventRegistered:
		var p member.EventPayload
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return nil, err
		}
		add("member", recipient{p.Phone, p.Lang, p.Name, p.Code}, TplWelcome, false, map[string]string{"code": p.Code})
		if p.Sponsor != 0 {
			sp, err := member.GetByID(ctx, n.DB.Pool, p.Sponsor)
			if err != nil {
				return nil, err
			}
			add("sponsor", recipient{sp.Phone, sp.Lang, sp.Name, sp.Code}, TplSponsorNewMember, false,
				map[string]string{"member_name": p.Name, "member_code": p.Code})
		}
	case order.EventPaymentConfirmed, order.EventShipped, order.EventReturned:
		var p order.OrderEvent
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return nil, err
		}
		r, err := n.buyer(ctx, p)
		if err != nil {
			return nil, err
		}
		vars := map[string]string{"order": p.Order, "payment": p.Payment, "amount": p.Amount.StringFixed(2),
			"tracking": p.Tracking, "return": p.Return}
		kind := map[string]string{order.EventPaymentConfirmed: TplPaymentConfirmed, order.EventShipped: TplShipped,
			order.EventReturned: TplReturnReceived}[e.Kind]
		add("buyer", r, kind, true, vars)
	case EventSettlementApproved, EventSettlementPaid:
		var p SettlementEvent
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return nil, err
		}
		codes := make([]string, len(p.Members))
		for i, m := range p.Members {
			codes[i] = m.Code
		}
		rs, err := n.members(ctx, codes)
		if err != nil {
			return nil, err
		}
		kind, essential := TplSettlementApproved, false
		if e.Kind == EventSettlementPaid {
			kind, essential = TplSettlementPaid, true
		}
		for _, m := range p.Members {
			if m.Amount.IsPositive() {
				add("member", rs[m.Code], kind, essential, map[string]string{"period": p.Period, "amount": m.Amount.StringFixed(2)})
			}
		}
	case EventRankAdvanced:
		var p RankEvent
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return nil, err
		}
		codes := make([]string, len(p.Members))
		for i, m := range p.Members {
			codes[i] = m.Code
		}
		rs, err := n.members(ctx, codes)
		if err != nil {
			return nil, err
		}
		for _, m := range p.Members {
			add("member", rs[m.Code], TplRankAdvanced, false, map[string]string{"period": p.Period, "rank": m.Rank})
		}
	case stock.EventLowStock:
		var p stock.LowStock
		if err := json.Unmarshal(e.Payload, &p); err != nil {
			return nil, err
		}
		rs, err := n.staffOf(ctx, p.Warehouse)
		if err != nil {
			return nil, err
		}
		for i, r := range rs {
			add("staff"+strconv.Itoa(i), r, TplStockLow, true, map[string]string{"warehouse": p.Warehouse, "sku": p.SKU,
				"available": strconv.FormatInt(p.Available, 10), "threshold": strconv.FormatInt(p.Threshold, 10)})
		}
	}
	return out, nil
}

// buyer is who bought an order: the member, the shop customer, or the agency.
func (n *Notifier) buyer(ctx context.Context, p order.OrderEvent) (recipient, error) {
	switch {
	case p.Member != "":
		rs, err := n.members(ctx, []string{p.Member})
		return rs[p.Member], err
	case p.Customer != "":
		return recipient{phone: p.Customer, lang: "zh-CN"}, nil
	case p.Agency != "":
		var r recipient
		err := n.DB.Pool.QueryRow(ctx, `SELECT phone, name, code FROM agencies WHERE code = $1`, p.Agency).Scan(&r.phone, &r.name, &r.code)
		if err == pgx.ErrNoRows {
			return recipient{}, nil
		}
		r.lang = "zh-CN"
		if !validPhone(r.phone) {
			r.phone = ""
		}
		return r, err
	}
	return recipient{}, nil
}

// members reads the phones of members by code.
func (n *Notifier) members(ctx context.Context, codes []string) (map[string]recipient, error) {
	rows, err := n.DB.Pool.Query(ctx, `SELECT code, phone, lang, name FROM members WHERE code = ANY($1) AND status <> 'terminated'`, codes)
	if err != nil {
		return nil, err
	}
	out := make(map[string]recipient, len(codes))
	var r recipient
	_, err = pgx.ForEachRow(rows, []any{&r.code, &r.phone, &r.lang, &r.name}, func() error {
		out[r.code] = r
		return nil
	})
	return out, err
}

// staffOf lists who hears of low stock in a warehouse: for an agency's
// warehouse its phone and its staff's; for HQ's, admins and warehouse staff.
func (n *Notifier) staffOf(ctx context.Context, warehouse string) ([]recipient, error) {
	rows, err := n.DB.Pool.Query(ctx, `
		WITH w AS (SELECT agency_id FROM warehouses WHERE code = $1)
		SELECT a.phone, 'zh-CN', a.name FROM agencies a, w WHERE a.id = w.agency_id AND a.phone <> ''
		UNION
		SELECT p.phone, p.lang, u.login FROM sms_staff_phones p JOIN users u ON u.id = p.user_id, w
		WHERE u.status = 'active' AND (u.agency_id = w.agency_id OR (w.agency_id IS NULL AND u.role IN ('admin', 'warehouse')))
		ORDER BY 1`, warehouse)
	if err != nil {
		return nil, err
	}
	var out []recipient
	var r recipient
	_, err = pgx.ForEachRow(rows, []any{&r.phone, &r.lang, &r.name}, func() error {
		if validPhone(r.phone) {
			out = append(out, r)
		}
		return nil
	})
	return out, err
}

// SetStaffPhone records the phone (and language) at which staff user login
// hears of low stock. Errors: ledger.ErrNotFound, ledger.ErrInvalid.
func SetStaffPhone(ctx context.Context, q ledger.Querier, login, phone, lang string) error {
	if !validPhone(phone) {
		return fmt.Errorf("%w: phone %q must be in E.164 form, e.g. +8613800138000", ledger.ErrInvalid, phone)
	}
	if lang != "en" {
		lang = "zh-CN"
	}
	tag, err := q.Exec(ctx, `INSERT INTO sms_staff_phones (user_id, phone, lang) SELECT id, $2, $3 FROM users WHERE login = $1
		ON CONFLICT (user_id) DO UPDATE SET phone = EXCLUDED.phone, lang = EXCLUDED.lang`, login, phone, lang)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: no user %q", ledger.ErrNotFound, login)
	}
	return nil
}
