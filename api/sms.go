package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/shopspring/decimal"

	"downline/sms"
)

// SMS is what the API needs of the SMS part: the Twilio webhooks (mounted at
// /sms/inbound and /sms/status, outside /api/v1: Twilio signs them instead
// of signing in) and the price per segment for bulk previews.
type SMS struct {
	Webhooks        *sms.Webhooks
	PricePerSegment decimal.Decimal
}

// mountSMS adds the webhooks, when SMS is configured.
func (s *Server) mountSMS(r *gin.Engine) {
	if s.SMS == nil || s.SMS.Webhooks == nil {
		return
	}
	r.POST("/sms/inbound", gin.WrapF(s.SMS.Webhooks.Inbound))
	r.POST("/sms/status", gin.WrapF(s.SMS.Webhooks.Status))
}

func (s *Server) smsRoutes() []Route {
	return []Route{
		{Method: GET, Path: "/sms/messages", Tag: "sms", Summary: "The SMS message log, newest first", Roles: adminOnly,
			Query: []Param{{"state", "string", "queued, sending, retry, sent, failed, unknown or suppressed (comma-separated)"},
				{"to", "string", "one phone number (E.164)"}, {"bulk", "integer", "one bulk message"}, cursorParam, limitParam},
			Response: MessagePage{}, Handle: s.smsMessages},
		{Method: GET, Path: "/sms/failures", Tag: "sms", Summary: "Messages that failed or whose sending outcome is unknown, newest first",
			Roles: adminOnly, Query: []Param{cursorParam, limitParam}, Response: MessagePage{}, Handle: s.smsFailures},
		{Method: POST, Path: "/sms/messages/{id}/resend", Tag: "sms", Summary: "Queue a failed or unknown message again (an unknown one may arrive twice)",
			Roles: adminOnly, Status: 204, Handle: s.smsResend},
		{Method: GET, Path: "/sms/opt-outs", Tag: "sms", Summary: "Numbers that texted STOP (or another opt-out word)", Roles: adminOnly,
			Query: []Param{cursorParam, limitParam}, Response: []sms.OptOut{}, Handle: s.smsOptOuts},
		{Method: GET, Path: "/sms/templates", Tag: "sms", Summary: "The message templates in zh-CN and en with their segment counts",
			Roles: adminOnly, Response: []sms.TemplateView{}, Handle: s.smsTemplates},
		{Method: POST, Path: "/sms/templates", Tag: "sms", Summary: "Edit a template (an empty body restores the built-in text); answers its segment count",
			Roles: adminOnly, Request: templateRequest{}, Response: sms.TemplateView{}, Handle: s.smsSetTemplate},
		{Method: POST, Path: "/sms/bulk/preview", Tag: "sms", Summary: "Recipients, segments and cost of a bulk message, without sending it",
			Roles: adminOnly, Request: sms.Bulk{}, Response: sms.Preview{}, Handle: s.smsPreview},
		{Method: POST, Path: "/sms/bulk", Tag: "sms", Summary: "Queue a bulk message to a segment (sent at the configured rate); a retry under the same Idempotency-Key queues it once",
			Roles: adminOnly, Idem: KeyOptional, Status: 201, Request: sms.Bulk{}, Response: bulkQueued{}, Handle: s.smsQueueBulk},
		{Method: GET, Path: "/sms/bulk/{id}", Tag: "sms", Summary: "Progress of a bulk message", Roles: adminOnly,
			Response: sms.Progress{}, Handle: s.smsBulkProgress},
		{Method: GET, Path: "/sms/notifier", Tag: "sms", Summary: "Where the notifier started (no event before is texted), where it is, and the events it skipped as older than the horizon",
			Roles: adminOnly, Response: sms.NotifierStatus{}, Handle: s.smsNotifier},
	}
}

// MessagePage is one page of SMS messages, newest first.
type MessagePage struct {
	Items []sms.Message `json:"items"`
	Next  string        `json:"next,omitempty"`
}

func (s *Server) listMessages(c *call, f sms.Filter) (any, error) {
	limit, err := intQuery(c, "limit", 100, 1, 1000)
	if err != nil {
		return nil, err
	}
	f.Limit = limit
	if cur := c.Query("cursor"); cur != "" {
		if f.Before, err = strconv.ParseInt(cur, 10, 64); err != nil || f.Before <= 0 {
			return nil, errStatus(http.StatusBadRequest, "cursor must be the next value of the previous page")
		}
	}
	ms, err := sms.List(c.ctx(), s.DB.Pool, f)
	if err != nil {
		return nil, wrap("list SMS messages", err)
	}
	p := MessagePage{Items: ms}
	if p.Items == nil {
		p.Items = []sms.Message{}
	}
	if len(ms) == limit {
		p.Next = strconv.FormatInt(ms[len(ms)-1].ID, 10)
	}
	return p, nil
}

func (s *Server) smsMessages(c *call) (any, error) {
	f := sms.Filter{To: c.Query("to")}
	if v := c.Query("state"); v != "" {
		for _, st := range strings.Split(v, ",") {
			switch st := sms.State(strings.TrimSpace(st)); st {
			case sms.Queued, sms.Sending, sms.Retrying, sms.Sent, sms.Failed, sms.Uncertain, sms.Suppressed:
				f.States = append(f.States, st)
			default:
				return nil, errStatus(http.StatusBadRequest, "state "+string(st)+" must be queued, sending, retry, sent, failed, unknown or suppressed")
			}
		}
	}
	if v := c.Query("bulk"); v != "" {
		var err error
		if f.Bulk, err = strconv.ParseInt(v, 10, 64); err != nil || f.Bulk <= 0 {
			return nil, errStatus(http.StatusBadRequest, "bulk must be a bulk message id")
		}
	}
	return s.listMessages(c, f)
}

func (s *Server) smsFailures(c *call) (any, error) {
	return s.listMessages(c, sms.Filter{States: []sms.State{sms.Failed, sms.Uncertain}})
}

func (s *Server) smsResend(c *call) (any, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, errStatus(http.StatusNotFound, "no such message")
	}
	return nil, sms.Resend(c.ctx(), s.DB.Pool, id)
}

func (s *Server) smsOptOuts(c *call) (any, error) {
	limit, err := intQuery(c, "limit", 100, 1, 1000)
	if err != nil {
		return nil, err
	}
	return sms.OptOuts(c.ctx(), s.DB.Pool, c.Query("cursor"), limit)
}

func (s *Server) smsTemplates(c *call) (any, error) {
	t, err := sms.LoadTemplates(c.ctx(), s.DB.Pool)
	if err != nil {
		return nil, wrap("load SMS templates", err)
	}
	return t.View(), nil
}

type templateRequest struct {
	Kind string `json:"kind"`
	Lang string `json:"lang"`
	Body string `json:"body"`
}

func (s *Server) smsSetTemplate(c *call) (any, error) {
	var req templateRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	return sms.SetTemplate(c.ctx(), s.DB.Pool, req.Kind, req.Lang, req.Body, c.who.By())
}

func (s *Server) price() decimal.Decimal {
	if s.SMS != nil && !s.SMS.PricePerSegment.IsZero() {
		return s.SMS.PricePerSegment
	}
	return sms.Config{}.Defaults().PricePerSegment
}

func (s *Server) smsPreview(c *call) (any, error) {
	var b sms.Bulk
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	return sms.PreviewBulk(c.ctx(), s.DB.Pool, b, s.price())
}

type bulkQueued struct {
	ID      int64       `json:"id"`
	Preview sms.Preview `json:"preview"`
}

func (s *Server) smsQueueBulk(c *call) (any, error) {
	var b sms.Bulk
	if err := c.bind(&b); err != nil {
		return nil, err
	}
	b.By, b.Key = c.who.By(), c.key
	id, p, err := sms.QueueBulk(c.ctx(), s.DB, b, s.price())
	if err != nil {
		return nil, wrap("queue bulk SMS", err)
	}
	c.Set("audit.detail", "bulk SMS "+strconv.FormatInt(id, 10)+" to "+strconv.Itoa(p.Recipients))
	return bulkQueued{ID: id, Preview: p}, nil
}

func (s *Server) smsBulkProgress(c *call) (any, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		return nil, errStatus(http.StatusNotFound, "no such bulk message")
	}
	return sms.BulkProgress(c.ctx(), s.DB.Pool, id)
}

func (s *Server) smsNotifier(c *call) (any, error) {
	return sms.Status(c.ctx(), s.DB)
}
