package sms

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"
	twclient "github.com/twilio/twilio-go/client"
	"github.com/twilio/twilio-go/twiml"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/desk"
	"downline/ledger/journal"
	"downline/ledger/member"
)

// Webhooks answer Twilio: inbound texts (POST /sms/inbound) and delivery
// status callbacks (POST /sms/status). Both refuse, with 403, a request
// whose X-Twilio-Signature does not validate against the URL Twilio called
// (PublicURL + path and query) and the auth token.
type Webhooks struct {
	DB        *ledger.DB
	AuthToken string
	PublicURL string
	Now       func() time.Time // default: the clock of the request's context (package clock)
	Log       *slog.Logger
}

// NewWebhooks builds the webhooks from cfg.
func NewWebhooks(db *ledger.DB, cfg Config) *Webhooks {
	cfg = cfg.withDefaults()
	return &Webhooks{DB: db, AuthToken: cfg.AuthToken, PublicURL: cfg.PublicURL}
}

func (w *Webhooks) log() *slog.Logger {
	if w.Log != nil {
		return w.Log
	}
	return slog.Default()
}

// verify parses the form and checks its signature.
func (w *Webhooks) verify(r *http.Request) bool {
	if w.AuthToken == "" || w.PublicURL == "" {
		return false // cannot check: refuse rather than trust
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		return false
	}
	sig := r.Header.Get("X-Twilio-Signature")
	if sig == "" {
		return false
	}
	params := make(map[string]string, len(r.PostForm))
	for k, v := range r.PostForm {
		if len(v) > 0 {
			params[k] = v[0]
		}
	}
	v := twclient.NewRequestValidator(w.AuthToken)
	return v.Validate(strings.TrimRight(w.PublicURL, "/")+r.URL.RequestURI(), params, sig)
}

func forbidden(rw http.ResponseWriter) {
	rw.Header().Set("Content-Type", "application/problem+json")
	rw.WriteHeader(http.StatusForbidden)
	_, _ = rw.Write([]byte(`{"type":"about:blank","title":"Forbidden","status":403,"detail":"the X-Twilio-Signature of this request does not validate"}`))
}

// Inbound answers a text with TwiML.
func (w *Webhooks) Inbound(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		rw.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if !w.verify(r) {
		forbidden(rw)
		return
	}
	from, body := r.PostForm.Get("From"), r.PostForm.Get("Body")
	now := clock.Now(r.Context())
	if w.Now != nil {
		now = w.Now()
	}
	reply, memberID, err := Answer(r.Context(), w.DB, r.PostForm.Get("MessageSid"), from, body, now)
	if err != nil {
		w.log().Error("sms inbound", "from", from, "err", err)
		rw.WriteHeader(http.StatusInternalServerError)
		return
	}
	_, err = w.DB.Pool.Exec(r.Context(), `INSERT INTO sms_inbound (twilio_sid, from_phone, body, member_id, reply) VALUES ($1, $2, $3, $4, $5)`,
		r.PostForm.Get("MessageSid"), from, body, nullID(memberID), reply)
	if err != nil {
		w.log().Warn("sms inbound log", "err", err)
	}
	xml, err := twiml.Messages([]twiml.Element{&twiml.MessagingMessage{Body: reply}})
	if err != nil {
		rw.WriteHeader(http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = rw.Write([]byte(xml))
}

// deliveryRank orders Twilio's statuses so a late callback does not undo a later one.
const deliveryRank = `CASE %s WHEN 'accepted' THEN 1 WHEN 'scheduled' THEN 1 WHEN 'queued' THEN 1 WHEN 'sending' THEN 2
	WHEN 'sent' THEN 3 WHEN 'delivered' THEN 4 WHEN 'undelivered' THEN 4 WHEN 'failed' THEN 4 WHEN 'read' THEN 5 ELSE 0 END`

// Status records a delivery status callback. A callback for a message of
// unknown outcome proves Twilio took it: it becomes sent.
func (w *Webhooks) Status(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		rw.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if !w.verify(r) {
		forbidden(rw)
		return
	}
	sid, status := r.PostForm.Get("MessageSid"), r.PostForm.Get("MessageStatus")
	id, _ := strconv.ParseInt(r.URL.Query().Get("m"), 10, 64)
	var code *int
	if c, err := strconv.Atoi(r.PostForm.Get("ErrorCode")); err == nil && c != 0 {
		code = &c
	}
	_, err := w.DB.Pool.Exec(r.Context(), `UPDATE sms_messages SET
			delivery = CASE WHEN `+fmt.Sprintf(deliveryRank, "$3::text")+` >= `+fmt.Sprintf(deliveryRank, "delivery")+` THEN $3 ELSE delivery END,
			error_code = coalesce($4, error_code),
			twilio_sid = coalesce(twilio_sid, $1),
			state = CASE WHEN state IN ('sending', 'unknown') THEN 'sent' ELSE state END,
			sent_at = coalesce(sent_at, now()), updated_at = now()
		WHERE (twilio_sid = $1) OR (id = $2 AND (twilio_sid IS NULL OR twilio_sid = $1))`, sid, id, status, code)
	if err != nil {
		w.log().Error("sms status", "sid", sid, "err", err)
		rw.WriteHeader(http.StatusInternalServerError)
		return
	}
	rw.WriteHeader(http.StatusNoContent)
}

// Opt-out and opt-in keywords: Twilio's standard ones and Chinese ones.
var (
	stopWords  = words("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT", "REVOKE", "TD", "退订")
	startWords = words("START", "YES", "UNSTOP", "订阅")
	helpWords  = words("HELP", "INFO", "帮助")
	balWords   = words("BAL", "BALANCE", "余额")
	pvWords    = words("PV", "业绩")
	orderWords = words("ORDER", "订单")
	// A complaint or request: TS or 投诉 and its text opens a ticket.
	ticketWords = words("TS", "投诉")
)

func words(ws ...string) map[string]bool {
	m := map[string]bool{}
	for _, w := range ws {
		m[w] = true
	}
	return m
}

// keyword splits a text into its upper-cased first word and the rest; a
// Chinese keyword may be followed directly by its argument (订单SO000000001).
func keyword(body string) (string, string) {
	body = strings.TrimSpace(body)
	for _, w := range []string{"余额", "业绩", "订单", "帮助", "退订", "订阅", "投诉"} {
		if rest, ok := strings.CutPrefix(body, w); ok {
			return w, strings.TrimSpace(rest)
		}
	}
	kw, rest, _ := strings.Cut(body, " ")
	return strings.ToUpper(strings.Trim(kw, ".!?。！？")), strings.TrimSpace(rest)
}

func guessLang(body string) string {
	for _, r := range body {
		if unicode.Is(unicode.Han, r) {
			return "zh-CN"
		}
	}
	return "en"
}

// Answer is the reply to a text from phone: opt-out and opt-in for any
// number, queries only for a number that belongs to exactly one member (an
// unknown number learns nothing, not even whether an order exists). A
// complaint (TS or 投诉 and its text) opens a ticket for that member, or for
// the shop customer whose verified phone it is, once
// per message id sid (Twilio retries a webhook with the same one). It
// returns the member answered (0: none).
func Answer(ctx context.Context, db *ledger.DB, sid, phone, body string, now time.Time) (string, int64, error) {
	tpl, err := LoadTemplates(ctx, db.Pool)
	if err != nil {
		return "", 0, err
	}
	kw, arg := keyword(body)
	m, err := member.GetByPhone(ctx, db.Pool, phone)
	known := err == nil && m.Status != "terminated"
	if err != nil && !errors.Is(err, ledger.ErrNotFound) {
		return "", 0, err
	}
	lang := guessLang(body)
	if known {
		lang = m.Lang
	} else {
		m = member.Member{}
	}
	switch {
	case stopWords[kw]:
		_, err := db.Pool.Exec(ctx, `INSERT INTO sms_opt_outs (phone, keyword) VALUES ($1, $2) ON CONFLICT (phone) DO NOTHING`, phone, kw)
		return tpl.Render(TplReplyStopped, lang, nil), m.ID, err
	case startWords[kw]:
		_, err := db.Pool.Exec(ctx, `DELETE FROM sms_opt_outs WHERE phone = $1`, phone)
		return tpl.Render(TplReplyStarted, lang, nil), m.ID, err
	case !known && ticketWords[kw]:
		// A shop customer's verified phone opens a ticket of theirs.
		customer, err := customerByPhone(ctx, db, phone)
		if err != nil || customer == 0 {
			return tpl.Render(TplReplyTicketUnknown, lang, nil), 0, err
		}
		s, err := openTicket(ctx, db, tpl, desk.Owner{Customer: customer}, lang, sid, phone, arg, kw)
		return s, 0, err
	case !known:
		return tpl.Render(TplReplyUnknownSender, lang, nil), 0, nil
	case ticketWords[kw]:
		s, err := openTicket(ctx, db, tpl, desk.Owner{Member: m.ID}, m.Lang, sid, phone, arg, kw)
		return s, m.ID, err
	case balWords[kw]:
		s, err := balance(ctx, db, tpl, m)
		return s, m.ID, err
	case pvWords[kw]:
		s, err := volume(ctx, db, tpl, m, now)
		return s, m.ID, err
	case orderWords[kw]:
		s, err := orderStatus(ctx, db, tpl, m, arg)
		return s, m.ID, err
	}
	return tpl.Render(TplReplyHelp, lang, nil), m.ID, nil
}

func balance(ctx context.Context, db *ledger.DB, tpl *Templates, m member.Member) (string, error) {
	// Liabilities are credits: what the company owes is the negation.
	w, err := journal.Balance(ctx, db.Pool, journal.MemberWallet, m.Code, time.Time{})
	if err != nil {
		return "", err
	}
	b, err := journal.Balance(ctx, db.Pool, journal.BonusPayable, m.Code, time.Time{})
	if err != nil {
		return "", err
	}
	// The last settlement: the newest settlement entry crediting the member's bonus.
	var ref string
	var amount decimal.Decimal
	var at time.Time
	last := tpl.Render(TplReplyLastNone, m.Lang, nil)
	err = db.Pool.QueryRow(ctx, `SELECT e.ref, -sum(l.amount), e.posted_at FROM journal_lines l JOIN journal_entries e ON e.id = l.entry_id
		WHERE l.account = $1 AND l.holder = $2 AND e.kind LIKE 'settlement%' AND l.amount < 0
		GROUP BY e.id ORDER BY e.id DESC LIMIT 1`, string(journal.BonusPayable), m.Code).Scan(&ref, &amount, &at)
	switch {
	case err == nil:
		period := strings.TrimPrefix(ref, "settle:")
		if period == "" || strings.Contains(period, " ") {
			period = at.Format("2006-01")
		}
		last = tpl.Render(TplReplyLast, m.Lang, map[string]string{"period": period, "amount": amount.StringFixed(2)})
	case err != pgx.ErrNoRows:
		return "", err
	}
	return tpl.Render(TplReplyBalance, m.Lang, map[string]string{"code": m.Code, "wallet": w.Neg().StringFixed(2),
		"bonus": b.Neg().StringFixed(2), "last": last}), nil
}

// volume answers with the member's own PV this calendar month in the
// company's time zone (where periods begin and end): orders confirmed in it
// less returns confirmed in it (as settlement counts them). GV and rank come
// from settlement, which has not run for this period.
func volume(ctx context.Context, db *ledger.DB, tpl *Templates, m member.Member, now time.Time) (string, error) {
	zone, err := ledger.CompanyZone()
	if err != nil {
		return "", err
	}
	now = now.In(zone)
	from := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, zone)
	to := from.AddDate(0, 1, 0)
	var pv decimal.Decimal
	err = db.Pool.QueryRow(ctx, `SELECT coalesce((SELECT sum(pv) FROM orders WHERE member_id = $1 AND kind IN ('registration', 'repeat')
			AND status <> 'cancelled' AND confirmed_at >= $2 AND confirmed_at < $3), 0)
		+ coalesce((SELECT sum(r.pv) FROM returns r JOIN orders o ON o.id = r.order_id WHERE o.member_id = $1
			AND r.confirmed_at >= $2 AND r.confirmed_at < $3), 0)`, m.ID, from, to).Scan(&pv)
	if err != nil {
		return "", err
	}
	return tpl.Render(TplReplyVolume, m.Lang, map[string]string{"code": m.Code, "period": from.Format("2006-01"), "pv": pv.StringFixed(2)}), nil
}

// customerByPhone is the account of the shop customer whose verified phone
// this is (0: none, or a disabled account).
func customerByPhone(ctx context.Context, db *ledger.DB, phone string) (int64, error) {
	var id int64
	err := db.Pool.QueryRow(ctx, `SELECT c.user_id FROM shop_customers c JOIN users u ON u.id = c.user_id
		WHERE c.phone = $1 AND u.status = 'active'`, phone).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return 0, nil
	}
	return id, err
}

// openTicket opens a ticket for its owner (a member or a shop customer)
// from a text, keyed by the text so that Twilio's retry of the same webhook
// opens nothing twice.
func openTicket(ctx context.Context, db *ledger.DB, tpl *Templates, owner desk.Owner, lang, sid, phone, text, kw string) (string, error) {
	if strings.TrimSpace(text) == "" {
		if kw == "投诉" {
			lang = "zh-CN"
		}
		return tpl.Render(TplReplyTicketEmpty, lang, nil), nil
	}
	var t desk.Ticket
	err := db.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		t, err = desk.Open(ctx, tx, owner, desk.NewTicket{Category: desk.Complaint, Text: text},
			desk.Source{By: "sms:" + phone, Channel: "sms", Phone: phone, Lang: lang, Key: sid})
		return err
	})
	if err != nil {
		return "", err
	}
	return tpl.Render(TplReplyTicketOpened, lang, map[string]string{"ticket": t.No}), nil
}

var orderStatusText = map[string][2]string{
	"placed": {"已下单，待付款", "placed, awaiting payment"}, "paid": {"已付款，待财务确认", "paid, awaiting confirmation"},
	"confirmed": {"已确认，待发货", "confirmed, awaiting shipment"}, "shipped": {"已发货", "shipped"},
	"delivered": {"已送达", "delivered"}, "cancelled": {"已取消", "cancelled"},
}

func orderStatus(ctx context.Context, db *ledger.DB, tpl *Templates, m member.Member, no string) (string, error) {
	no = strings.ToUpper(strings.TrimSpace(no))
	if no == "" {
		return tpl.Render(TplReplyHelp, m.Lang, nil), nil
	}
	var status, tracking string
	err := db.Pool.QueryRow(ctx, `SELECT o.status, coalesce(s.tracking_no, '') FROM orders o LEFT JOIN shipments s ON s.order_id = o.id
		WHERE o.order_no = $1 AND o.member_id = $2`, no, m.ID).Scan(&status, &tracking)
	if err == pgx.ErrNoRows {
		return tpl.Render(TplReplyOrderNotFound, m.Lang, map[string]string{"order": no}), nil
	}
	if err != nil {
		return "", err
	}
	i := langIndex(m.Lang)
	if tracking != "" {
		tracking = [2]string{"，快递单号 ", ", tracking "}[i] + tracking
	}
	return tpl.Render(TplReplyOrder, m.Lang, map[string]string{"order": no, "status": orderStatusText[status][i], "tracking": tracking}), nil
}
