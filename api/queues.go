package api

import (
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/order"
	"downline/ledger/user"
)

// paymentRoutes are the staff's work queues: finance's confirmation queue
// (the recorded payments, decisions on many at once, and how long payments
// wait) and the warehouse's ship queue.
func (s *Server) paymentRoutes() []Route {
	money := roles(user.Admin, user.Finance)
	statusParam := Param{"status", "string", "recorded (default: oldest first), confirmed or rejected (newest first)"}
	return []Route{
		{Method: GET, Path: "/payments", Tag: "payments", Summary: "Payments by status: the confirmation queue, oldest first",
			Roles: money, Query: []Param{statusParam, cursorParam, {"limit", "integer", "page size (default 50, at most 500)"}},
			Response: PaymentPage{}, Handle: s.paymentQueue},
		{Method: GET, Path: "/payments.csv", Tag: "payments", Summary: "Every payment of a status as CSV (what the queue lists)",
			Roles: money, Query: []Param{statusParam}, Produces: csvType, Handle: s.paymentQueueCSV},
		{Method: POST, Path: "/payments/confirm", Tag: "payments", Summary: "Confirm many recorded payments; each one's result is reported",
			Roles: money, Idem: KeyRequired, Request: bulkDecisionRequest{}, Response: BulkDecisionView{}, Handle: s.decideMany(true)},
		{Method: POST, Path: "/payments/reject", Tag: "payments", Summary: "Reject many recorded payments with one reason; each one's result is reported",
			Roles: money, Idem: KeyRequired, Request: bulkDecisionRequest{}, Response: BulkDecisionView{}, Handle: s.decideMany(false)},
		{Method: GET, Path: "/payments/confirmation-times", Tag: "payments", Summary: "Time from recording to confirmation: median and p90 per day in the company's zone",
			Roles: money, Query: []Param{{"days", "integer", "the last this many days, today included (default 14, at most 366)"}},
			Response: ConfirmationTimesView{}, Handle: s.confirmationTimes},
		{Method: GET, Path: "/ship-queue", Tag: "shipments", Summary: "Confirmed orders of HQ's warehouses to ship, oldest first, with their reserved lots",
			Roles: roles(user.Admin, user.Warehouse), Query: []Param{cursorParam, {"limit", "integer", "page size (default 50, at most 500)"}},
			Response: ShipPage{}, Handle: s.shipQueue},
	}
}

// PaymentPage is one page of payments.
type PaymentPage struct {
	Items []order.QueuedPayment `json:"items"`
	Next  string                `json:"next,omitempty"`
}

func (s *Server) queueFilter(c *call) (order.QueueFilter, error) {
	f := order.QueueFilter{Status: order.PaymentStatus(c.Query("status"))}
	switch f.Status {
	case "", order.Recorded, order.PaymentAccepted, order.Rejected:
	default:
		return f, errStatus(http.StatusBadRequest, "status must be recorded, confirmed or rejected")
	}
	return f, nil
}

func (s *Server) paymentQueue(c *call) (any, error) {
	f, err := s.queueFilter(c)
	if err != nil {
		return nil, err
	}
	if f.Limit, err = intQuery(c, "limit", 50, 1, 500); err != nil {
		return nil, err
	}
	if f.After, err = cursorQuery(c); err != nil {
		return nil, err
	}
	items, err := order.PaymentQueue(c.ctx(), s.DB.Pool, f)
	if err != nil {
		return nil, wrap("list payments", err)
	}
	p := PaymentPage{Items: items}
	if len(items) == f.Limit {
		p.Next = strconv.FormatInt(items[len(items)-1].ID, 10)
	}
	return p, nil
}

// maxExport is the most payments one CSV holds.
const maxExport = 100_000

func (s *Server) paymentQueueCSV(c *call) (any, error) {
	f, err := s.queueFilter(c)
	if err != nil {
		return nil, err
	}
	f.Limit = 500
	var all []order.QueuedPayment
	for len(all) < maxExport {
		page, err := order.PaymentQueue(c.ctx(), s.DB.Pool, f)
		if err != nil {
			return nil, wrap("list payments", err)
		}
		all = append(all, page...)
		if len(page) < f.Limit {
			break
		}
		f.After = page[len(page)-1].ID
	}
	name := string(f.Status)
	if name == "" {
		name = string(order.Recorded)
	}
	now := clock.Now(c.ctx())
	return download{ContentType: csvType, Filename: "payments-" + name + ".csv", Write: func(w io.Writer) error {
		return writePaymentsCSV(w, all, now)
	}}, nil
}

// writePaymentsCSV writes one row per payment; waited is the seconds from
// recording to the decision, or to now for a payment still waiting.
func writePaymentsCSV(w io.Writer, ps []order.QueuedPayment, now time.Time) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"payment", "order", "member", "member_name", "buyer", "method", "amount", "reference",
		"status", "recorded_at", "decided_at", "decided_by", "reason", "waited_seconds"})
	for _, p := range ps {
		decided, until := "", now
		if p.DecidedAt != nil {
			decided, until = p.DecidedAt.UTC().Format(time.RFC3339), *p.DecidedAt
		}
		_ = cw.Write([]string{p.No, p.Order, p.Member, cell(p.MemberName), cell(p.Buyer), string(p.Method), p.Amount.StringFixed(2),
			cell(p.Reference), string(p.Status), p.RecordedAt.UTC().Format(time.RFC3339), decided, p.DecidedBy, cell(p.Reason),
			strconv.FormatInt(int64(until.Sub(p.RecordedAt)/time.Second), 10)})
	}
	cw.Flush()
	return cw.Error()
}

// cell is free text (a name, a reference a member typed) as a CSV cell
// that a spreadsheet shows as text: a leading =, +, -, @, tab or carriage
// return would make it a formula.
func cell(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

type bulkDecisionRequest struct {
	Payments []string `json:"payments"`
	Reason   string   `json:"reason,omitempty"`
}

// BulkDecisionView reports what became of each payment, in the order asked.
type BulkDecisionView struct {
	Results []BulkResult `json:"results"`
	Decided int          `json:"decided"`
	Refused int          `json:"refused"`
}

// BulkResult is one payment's outcome: the payment as decided, or the
// status and message a single decision on it would have answered.
type BulkResult struct {
	Payment string         `json:"payment"`
	OK      bool           `json:"ok"`
	Result  *order.Payment `json:"result,omitempty"`
	Status  int            `json:"status"`
	Detail  string         `json:"detail,omitempty"`
}

func (s *Server) decideMany(confirm bool) func(c *call) (any, error) {
	return func(c *call) (any, error) {
		var req bulkDecisionRequest
		if err := c.bind(&req); err != nil {
			return nil, err
		}
		out, err := order.DecideMany(c.ctx(), s.DB, order.BulkDecision{Key: c.key, Confirm: confirm, Payments: req.Payments,
			Reason: req.Reason, By: c.who.By()})
		if err != nil {
			return nil, wrap("decide payments", err)
		}
		v := BulkDecisionView{Results: make([]BulkResult, len(out))}
		for i, o := range out {
			r := BulkResult{Payment: o.Payment, OK: o.Err == nil, Result: o.Result, Status: http.StatusOK}
			if o.Err != nil {
				r.Status, r.Detail = statusOf(o.Err)
				v.Refused++
			} else {
				v.Decided++
			}
			v.Results[i] = r
		}
		return v, nil
	}
}

// ConfirmationTimesView is how long payments waited for confirmation, per
// day of the company's zone, oldest day first.
type ConfirmationTimesView struct {
	TimeZone string            `json:"time_zone"`
	Days     []order.DayFigure `json:"days"`
}

func (s *Server) confirmationTimes(c *call) (any, error) {
	days, err := intQuery(c, "days", 14, 1, 366)
	if err != nil {
		return nil, err
	}
	zone, err := ledger.CompanyZone()
	if err != nil {
		return nil, err
	}
	figs, err := order.ConfirmationTimes(c.ctx(), s.DB.Pool, days, clock.Now(c.ctx()), zone)
	if err != nil {
		return nil, wrap("confirmation times", err)
	}
	return ConfirmationTimesView{TimeZone: zone.String(), Days: figs}, nil
}

// ShipPage is one page of confirmed orders to ship, oldest first.
type ShipPage struct {
	Items []order.ToShip `json:"items"`
	Next  string         `json:"next,omitempty"`
}

// shipQueue lists the confirmed orders of HQ's warehouses (agencies ship
// their own sales).
func (s *Server) shipQueue(c *call) (any, error) {
	f := order.ShipFilter{HQ: true}
	var err error
	if f.Limit, err = intQuery(c, "limit", 50, 1, 500); err != nil {
		return nil, err
	}
	if f.After, err = cursorQuery(c); err != nil {
		return nil, err
	}
	items, err := order.ShipQueue(c.ctx(), s.DB.Pool, f)
	if err != nil {
		return nil, wrap("list orders to ship", err)
	}
	p := ShipPage{Items: items}
	if len(items) == f.Limit {
		p.Next = strconv.FormatInt(items[len(items)-1].ID, 10)
	}
	return p, nil
}

// cursorQuery reads the cursor of a keyset page: an id, 0 for the first page.
func cursorQuery(c *call) (int64, error) {
	cur := c.Query("cursor")
	if cur == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(cur, 10, 64)
	if err != nil || n <= 0 {
		return 0, errStatus(http.StatusBadRequest, "cursor must be the next value of the previous page")
	}
	return n, nil
}
