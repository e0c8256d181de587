package sms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
	"downline/ledger/idempotency"
	"downline/settle/period"
)

var phoneRE = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)

func validPhone(p string) bool { return phoneRE.MatchString(p) }

// Segment selects the active members a bulk message goes to; empty fields
// select everyone. Numbers that opted out are left out.
type Segment struct {
	// Region is a phone number prefix in E.164 form ("+86", "+852"):
	// members have no address, so the number is what tells where they are.
	Region string `json:"region,omitempty"`
	// Agency: members who bought through this agency (its code).
	Agency string `json:"agency,omitempty"`
	// Team: this member (code) and everyone in its sponsor downline.
	Team string `json:"team,omitempty"`
	// ActiveDays: members with a confirmed order in the last n days;
	// InactiveDays: members without one.
	ActiveDays   int `json:"active_days,omitempty"`
	InactiveDays int `json:"inactive_days,omitempty"`
	// Lang: only members reading zh-CN or en.
	Lang string `json:"lang,omitempty"`
	// Rank: members holding this rank in the latest approved (or paid)
	// settlement run; the name must be a rank of that run's plan.
	Rank string `json:"rank,omitempty"`
	// LotSKU and LotBatch: members to whom goods of this lot were shipped
	// (a lot's recall list made a message), both or neither.
	LotSKU   string `json:"lot_sku,omitempty"`
	LotBatch string `json:"lot_batch,omitempty"`
}

// where builds the SQL condition on members m selecting s; q reads the
// settlement run a rank segment refers to.
func (s Segment) where(ctx context.Context, q ledger.Querier) (string, []any, error) {
	conds := []string{`m.status = 'active'`}
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if s.Rank != "" {
		run, err := rankRun(ctx, q, s.Rank)
		if err != nil {
			return "", nil, err
		}
		conds = append(conds, `m.code IN (SELECT member FROM settle_run_members WHERE run_id = `+arg(run)+` AND rank = `+arg(s.Rank)+`)`)
	}
	if s.Region != "" {
		if !regexp.MustCompile(`^\+[0-9]{1,8}$`).MatchString(s.Region) {
			return "", nil, fmt.Errorf("%w: region %q must be a phone prefix such as +86 or +852", ledger.ErrInvalid, s.Region)
		}
		conds = append(conds, `m.phone LIKE `+arg(s.Region)+` || '%'`)
	}
	if s.Agency != "" {
		conds = append(conds, `EXISTS (SELECT 1 FROM orders o JOIN agencies a ON a.id = o.seller_agency_id
			WHERE o.member_id = m.id AND a.code = `+arg(s.Agency)+` AND o.status <> 'cancelled')`)
	}
	if s.Team != "" {
		conds = append(conds, `m.id IN (WITH RECURSIVE t AS (SELECT id FROM members WHERE code = `+arg(s.Team)+`
			UNION ALL SELECT c.id FROM members c JOIN t ON c.sponsor_id = t.id) SELECT id FROM t)`)
	}
	if (s.LotSKU == "") != (s.LotBatch == "") {
		return "", nil, fmt.Errorf("%w: a lot is named by its product and its batch (lot_sku and lot_batch)", ledger.ErrInvalid)
	}
	if s.LotSKU != "" {
		conds = append(conds, `m.id IN (SELECT o.member_id FROM shipment_lots sl JOIN orders o ON o.id = sl.order_id
			JOIN lots l ON l.id = sl.lot_id JOIN products p ON p.id = l.product_id
			WHERE p.sku = `+arg(s.LotSKU)+` AND l.batch = `+arg(s.LotBatch)+` AND o.member_id IS NOT NULL)`)
	}
	if s.ActiveDays < 0 || s.InactiveDays < 0 {
		return "", nil, fmt.Errorf("%w: activity days must not be negative", ledger.ErrInvalid)
	}
	if s.ActiveDays > 0 {
		conds = append(conds, `EXISTS (SELECT 1 FROM orders o WHERE o.member_id = m.id AND o.status <> 'cancelled'
			AND o.confirmed_at >= now() - make_interval(days => `+arg(s.ActiveDays)+`))`)
	}
	if s.InactiveDays > 0 {
		conds = append(conds, `NOT EXISTS (SELECT 1 FROM orders o WHERE o.member_id = m.id AND o.status <> 'cancelled'
			AND o.confirmed_at >= now() - make_interval(days => `+arg(s.InactiveDays)+`))`)
	}
	switch s.Lang {
	case "":
	case "zh-CN", "en":
		conds = append(conds, `m.lang = `+arg(s.Lang))
	default:
		return "", nil, fmt.Errorf("%w: language %q must be zh-CN or en", ledger.ErrInvalid, s.Lang)
	}
	return strings.Join(conds, " AND "), args, nil
}

// Bulk is a message HQ sends to a segment, in both languages (one may be
// empty: the other is used).
type Bulk struct {
	Segment Segment `json:"segment"`
	BodyZH  string  `json:"body_zh"`
	BodyEN  string  `json:"body_en"`
	By      string  `json:"-"`
	// Key, when given, is the Idempotency-Key of the send: the same key
	// with the same message answers the bulk queued first instead of
	// queuing it again.
	Key string `json:"-"`
}

// queuedBulk is what QueueBulk answers, kept under its key.
type queuedBulk struct {
	ID      int64   `json:"id"`
	Preview Preview `json:"preview"`
}

func (b *Bulk) bodies() error {
	b.BodyZH, b.BodyEN = strings.TrimSpace(b.BodyZH), strings.TrimSpace(b.BodyEN)
	if b.BodyZH == "" && b.BodyEN == "" {
		return fmt.Errorf("%w: a bulk message needs a text (body_zh, body_en or both)", ledger.ErrInvalid)
	}
	if b.BodyZH == "" {
		b.BodyZH = b.BodyEN
	}
	if b.BodyEN == "" {
		b.BodyEN = b.BodyZH
	}
	return nil
}

// Preview is what a bulk message would cost before it is queued.
type Preview struct {
	Recipients int             `json:"recipients"`
	ByLang     map[string]int  `json:"by_lang"`
	OptedOut   int             `json:"opted_out"` // members in the segment who opted out (not counted)
	SegmentsZH Segments        `json:"segments_zh"`
	SegmentsEN Segments        `json:"segments_en"`
	Segments   int64           `json:"segments"` // in all
	Cost       decimal.Decimal `json:"cost_estimate"`
	PerSegment decimal.Decimal `json:"price_per_segment"`
}

// PreviewBulk counts the recipients of b and estimates its cost at
// pricePerSegment. Errors: ledger.ErrInvalid.
func PreviewBulk(ctx context.Context, q ledger.Querier, b Bulk, pricePerSegment decimal.Decimal) (Preview, error) {
	if err := b.bodies(); err != nil {
		return Preview{}, err
	}
	where, args, err := b.Segment.where(ctx, q)
	if err != nil {
		return Preview{}, err
	}
	p := Preview{ByLang: map[string]int{"zh-CN": 0, "en": 0}, SegmentsZH: Count(b.BodyZH), SegmentsEN: Count(b.BodyEN), PerSegment: pricePerSegment}
	rows, err := q.Query(ctx, `SELECT m.lang, EXISTS (SELECT 1 FROM sms_opt_outs o WHERE o.phone = m.phone), count(DISTINCT m.phone)
		FROM members m WHERE `+where+` GROUP BY 1, 2`, args...)
	if err != nil {
		return Preview{}, fmt.Errorf("preview bulk: %w", err)
	}
	var lang string
	var out bool
	var n int
	_, err = pgx.ForEachRow(rows, []any{&lang, &out, &n}, func() error {
		if out {
			p.OptedOut += n
			return nil
		}
		p.ByLang[lang] += n
		p.Recipients += n
		return nil
	})
	if err != nil {
		return Preview{}, err
	}
	p.Segments = int64(p.ByLang["zh-CN"]*p.SegmentsZH.Count + p.ByLang["en"]*p.SegmentsEN.Count)
	p.Cost = pricePerSegment.Mul(decimal.NewFromInt(p.Segments)).Round(4)
	return p, nil
}

// QueueBulk stores b and queues one message per recipient, all in one
// transaction, and returns its id with the preview it was queued on.
func QueueBulk(ctx context.Context, db *ledger.DB, b Bulk, pricePerSegment decimal.Decimal) (int64, Preview, error) {
	if strings.TrimSpace(b.By) == "" {
		return 0, Preview{}, fmt.Errorf("%w: a bulk message must say who sent it", ledger.ErrInvalid)
	}
	var q queuedBulk
	err := db.Transact(ctx, pgx.RepeatableRead, func(tx pgx.Tx) error {
		queue := func() (queuedBulk, error) { return queueBulk(ctx, tx, b, pricePerSegment) }
		var err error
		if b.Key == "" {
			q, err = queue()
		} else {
			q, err = idempotency.Do(ctx, tx, b.Key, "sms.bulk", b, queue)
		}
		return err
	})
	return q.ID, q.Preview, err
}

func queueBulk(ctx context.Context, tx pgx.Tx, b Bulk, pricePerSegment decimal.Decimal) (queuedBulk, error) {
	p, err := PreviewBulk(ctx, tx, b, pricePerSegment)
	if err != nil {
		return queuedBulk{}, err
	}
	if p.Recipients == 0 {
		return queuedBulk{}, fmt.Errorf("%w: the segment has no one to send to", ledger.ErrInvalid)
	}
	seg, _ := json.Marshal(b.Segment)
	var id int64
	if err := tx.QueryRow(ctx, `INSERT INTO sms_bulks (segment, body_zh, body_en, recipients, segments, cost_estimate, created_by)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, seg, b.BodyZH, b.BodyEN, p.Recipients, p.Segments, p.Cost, b.By).Scan(&id); err != nil {
		return queuedBulk{}, err
	}
	if _, err := queueSegment(ctx, tx, b.Segment, KindBulk, "bulk:"+strconv.FormatInt(id, 10), b.BodyZH, b.BodyEN, false, id); err != nil {
		return queuedBulk{}, err
	}
	return queuedBulk{ID: id, Preview: p}, nil
}

// queueSegment queues a message to every member of s (one per phone) in one
// statement; keyPrefix + ":" + phone is each message's dedupe key.
func queueSegment(ctx context.Context, tx pgx.Tx, s Segment, kind, keyPrefix, bodyZH, bodyEN string, essential bool, bulk int64) (int, error) {
	where, args, err := s.where(ctx, tx)
	if err != nil {
		return 0, err
	}
	n := len(args)
	args = append(args, kind, keyPrefix+":", bodyZH, bodyEN, Count(bodyZH).Count, Count(bodyEN).Count, essential, nullID(bulk), int16(PriorityOf(kind)))
	p := func(i int) string { return "$" + strconv.Itoa(n+i) }
	tag, err := tx.Exec(ctx, `INSERT INTO sms_messages (dedupe_key, kind, to_phone, lang, body, segments, essential, bulk_id, priority, state)
		SELECT DISTINCT ON (m.phone) `+p(2)+`::text || m.phone, `+p(1)+`::text, m.phone, m.lang,
			CASE m.lang WHEN 'en' THEN `+p(4)+`::text ELSE `+p(3)+`::text END, CASE m.lang WHEN 'en' THEN `+p(6)+`::int ELSE `+p(5)+`::int END,
			`+p(7)+`::bool, `+p(8)+`::bigint, `+p(9)+`::smallint,
			CASE WHEN NOT `+p(7)+`::bool AND EXISTS (SELECT 1 FROM sms_opt_outs o WHERE o.phone = m.phone) THEN 'suppressed' ELSE 'queued' END
		FROM members m WHERE `+where+` ORDER BY m.phone, m.id
		ON CONFLICT (dedupe_key) DO NOTHING`, args...)
	if err != nil {
		return 0, fmt.Errorf("queue messages to a segment: %w", err)
	}
	return int(tag.RowsAffected()), nil
}

// rankRun is the run whose ranks a rank segment selects by: the latest
// approved one, whose plan must have the rank.
func rankRun(ctx context.Context, q ledger.Querier, rank string) (int64, error) {
	run, err := period.LatestApproved(ctx, q)
	if errors.Is(err, ledger.ErrNotFound) {
		return 0, fmt.Errorf("%w: rank %q: no settlement run has been approved yet, so no member holds a rank", ledger.ErrInvalid, rank)
	}
	if err != nil {
		return 0, err
	}
	names, err := period.RankNames(ctx, q, run)
	if err != nil {
		return 0, err
	}
	if !slices.Contains(names, rank) {
		return 0, fmt.Errorf("%w: rank %q is not a rank of the plan of period %s, the latest approved (its ranks: %s)",
			ledger.ErrInvalid, rank, run.Period.Code, strings.Join(names, ", "))
	}
	return run.ID, nil
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// Progress is how far a bulk message has got.
type Progress struct {
	Bulk       int64           `json:"bulk"`
	Recipients int             `json:"recipients"`
	ByState    map[State]int   `json:"by_state"`
	Done       int             `json:"done"` // sent, failed, unknown or suppressed
	Percent    float64         `json:"percent"`
	Cost       decimal.Decimal `json:"cost_estimate"`
	CreatedBy  string          `json:"created_by"`
	CreatedAt  time.Time       `json:"created_at"`
}

// BulkProgress reads the progress of bulk id. Errors: ledger.ErrNotFound.
func BulkProgress(ctx context.Context, q ledger.Querier, id int64) (Progress, error) {
	p := Progress{Bulk: id, ByState: map[State]int{}}
	err := q.QueryRow(ctx, `SELECT recipients, cost_estimate, created_by, created_at FROM sms_bulks WHERE id = $1`, id).
		Scan(&p.Recipients, &p.Cost, &p.CreatedBy, &p.CreatedAt)
	if err == pgx.ErrNoRows {
		return p, fmt.Errorf("%w: no bulk message %d", ledger.ErrNotFound, id)
	}
	if err != nil {
		return p, err
	}
	rows, err := q.Query(ctx, `SELECT state, count(*) FROM sms_messages WHERE bulk_id = $1 GROUP BY state`, id)
	if err != nil {
		return p, err
	}
	var st State
	var n int
	_, err = pgx.ForEachRow(rows, []any{&st, &n}, func() error {
		p.ByState[st] = n
		switch st {
		case Sent, Failed, Uncertain, Suppressed:
			p.Done += n
		}
		return nil
	})
	total := 0
	for _, n := range p.ByState {
		total += n
	}
	if total > 0 {
		p.Percent = float64(p.Done*1000/total) / 10
	}
	return p, err
}

// announceLaunches queues, once per product, a message to every active
// member about the products launched today.
func (n *Notifier) announceLaunches(ctx context.Context) (int, error) {
	today := n.now().Format(time.DateOnly)
	rows, err := n.DB.Pool.Query(ctx, `SELECT p.id, p.sku, p.name_zh, p.name_en, p.member_price FROM products p
		WHERE p.status = 'active' AND p.launch_date = $1::date
		AND NOT EXISTS (SELECT 1 FROM sms_launches l WHERE l.product_id = p.id) ORDER BY p.id`, today)
	if err != nil {
		return 0, err
	}
	type launch struct {
		id                  int64
		sku, nameZH, nameEN string
		price               decimal.Decimal
	}
	var ls []launch
	var l launch
	if _, err := pgx.ForEachRow(rows, []any{&l.id, &l.sku, &l.nameZH, &l.nameEN, &l.price}, func() error {
		ls = append(ls, l)
		return nil
	}); err != nil || len(ls) == 0 {
		return 0, err
	}
	tpl, err := LoadTemplates(ctx, n.DB.Pool)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, l := range ls {
		err := n.DB.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `INSERT INTO sms_launches (product_id) VALUES ($1) ON CONFLICT DO NOTHING`, l.id)
			if err != nil || tag.RowsAffected() == 0 {
				return err
			}
			vars := map[string]string{"sku": l.sku, "price": l.price.StringFixed(2)}
			vars["product"] = l.nameZH
			zh := tpl.Render(TplProductLaunched, "zh-CN", vars)
			vars["product"] = l.nameEN
			en := tpl.Render(TplProductLaunched, "en", vars)
			k, err := queueSegment(ctx, tx, Segment{}, TplProductLaunched, "launch:"+l.sku, zh, en, false, 0)
			total += k
			return err
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
