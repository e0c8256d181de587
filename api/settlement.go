package api

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger"
	"downline/ledger/member"
	"downline/ledger/user"
	"downline/settle/period"
)

// settlementRoutes: plans, runs (started as background jobs), approval,
// manual adjustments, payouts with their bank files, bonus lines and
// member statements. Finance runs, adjusts, approves and pays (never the
// same user twice on one period: four eyes, kept by settle/period); admins
// read; members read their own statement and lines of approved runs.
func (s *Server) settlementRoutes() []Route {
	finance := roles(user.Finance)
	readers := roles(user.Admin, user.Finance)
	own := roles(user.Admin, user.Finance, user.Member)
	self := Scope{MemberSelf, "code"}
	linesQuery := []Param{cursorParam, {"limit", "integer", "page size (1 to 1000, default 100)"}}
	return []Route{
		{Method: POST, Path: "/plans", Tag: "settlement", Summary: "Upload a compensation plan (YAML or JSON) as the next version of its name, in force from a date",
			Roles: finance, Status: 201, Request: planRequest{}, Response: PlanView{}, Handle: s.uploadPlan},
		{Method: GET, Path: "/plans", Tag: "settlement", Summary: "Every stored plan version, by effective date", Roles: readers,
			Response: []PlanView{}, Handle: s.listPlans},
		{Method: GET, Path: "/plans/{id}", Tag: "settlement", Summary: "One plan version with its document", Roles: readers,
			Response: PlanView{}, Handle: s.getPlan},
		{Method: POST, Path: "/periods/{period}/run", Tag: "settlement",
			Summary: "Start the run of a period (YYYY-MM or YYYY-Www, defined on first use), or re-run its draft: a background job (202; poll /run-jobs/{id})",
			Roles:   finance, Idem: KeyOptional, Status: http.StatusAccepted,
			Query:   []Param{{"wait", "integer", "seconds to wait for the job to finish before answering (0 to 120, default 0)"}},
			Request: runRequest{}, Response: RunJob{}, Handle: s.startRun},
		{Method: GET, Path: "/run-jobs/{id}", Tag: "settlement", Summary: "A run job: running (with its stage), succeeded (with the run) or failed (with why)",
			Roles: readers, Response: RunJob{}, Handle: s.getRunJob},
		{Method: GET, Path: "/periods", Tag: "settlement",
			Summary: "The periods, newest first, with their status (open, draft, approved or paid), plan and run; first the months ended since the last period, open",
			Roles:   readers, Query: []Param{{"tz", "string", "zone of the calendar months not defined yet (default: the company's)"}},
			Response: []PeriodView{}, Handle: s.listPeriods},
		{Method: GET, Path: "/runs", Tag: "settlement", Summary: "Every run, by period", Roles: readers, Response: []RunView{}, Handle: s.listRuns},
		{Method: GET, Path: "/periods/{period}/run", Tag: "settlement", Summary: "A period's run with its totals and manual adjustments",
			Roles: readers, Response: RunView{}, Handle: s.getRun},
		{Method: GET, Path: "/periods/{period}/breakdown", Tag: "settlement",
			Summary: "A run's totals per bonus and per rank beside the previous period's run, and the members whose earnings changed most",
			Roles:   readers, Query: []Param{{"movers", "integer", "how many members to list (0 to 100, default 10)"}},
			Response: BreakdownView{}, Handle: s.getBreakdown},
		{Method: POST, Path: "/periods/{period}/approve", Tag: "settlement",
			Summary: "Approve a draft run with a reason (four eyes: not by whoever ran it or entered an adjustment); posts it to the journal",
			Roles:   finance, Idem: KeyRequired, Request: approveRequest{}, Response: RunView{}, Handle: s.approveRun},
		{Method: GET, Path: "/periods/{period}/adjustments", Tag: "settlement", Summary: "A period's manual adjustments",
			Roles: readers, Response: []AdjustmentView{}, Handle: s.listAdjustments},
		{Method: POST, Path: "/periods/{period}/adjustments", Tag: "settlement",
			Summary: "Enter a manual adjustment of a member's bonus (taken in when another finance user approves the period)",
			Roles:   finance, Idem: KeyRequired, Status: 201, Request: adjustRequest{}, Response: AdjustmentView{}, Handle: s.adjust},
		{Method: POST, Path: "/periods/{period}/pay", Tag: "settlement",
			Summary: "Pay an approved run: a payout batch (bonus payable against bank); balances below the minimum carry to a later period",
			Roles:   finance, Idem: KeyRequired, Status: 201, Request: payRequest{}, Response: PayoutView{}, Handle: s.pay},
		{Method: GET, Path: "/periods/{period}/payout", Tag: "settlement", Summary: "A period's payout batch", Roles: readers,
			Response: PayoutView{}, Handle: s.getPayout},
		{Method: GET, Path: "/periods/{period}/payout.csv", Tag: "settlement", Summary: "The bank file of a payout as CSV (paid rows first, then carried)",
			Roles: readers, Produces: csvType, Audit: true, Handle: s.payoutFile(csvType)},
		{Method: GET, Path: "/periods/{period}/payout.xlsx", Tag: "settlement", Summary: "The bank file of a payout as an XLSX spreadsheet",
			Roles: readers, Produces: xlsxType, Audit: true, Handle: s.payoutFile(xlsxType)},
		{Method: GET, Path: "/periods/{period}/lines", Tag: "settlement", Summary: "One page of a run's bonus lines, in bonuses.csv order",
			Roles: readers, Query: append([]Param{{"member", "string", "only this member's lines"}}, linesQuery...),
			Response: LinePage{}, Handle: s.runLines},
		{Method: GET, Path: "/members/{code}/bonus-lines/{period}", Tag: "settlement", Summary: "One page of a member's bonus lines of a period (members: approved periods)",
			Roles: own, Scope: self, Query: linesQuery, Response: LinePage{}, Handle: s.memberLines},
		{Method: GET, Path: "/members/{code}/statements", Tag: "settlement",
			Summary: "The periods a member has a statement of (approved or paid runs), newest first, with each statement's total",
			Roles:   own, Scope: self, Response: []StatementEntryView{}, Handle: s.memberStatements},
		{Method: GET, Path: "/members/{code}/statements/{period}", Tag: "settlement",
			Summary: "A member's bonus statement of a period: every line with its source, level and explanation (members: approved periods)",
			Roles:   own, Scope: self, Query: []Param{{"lang", "string", "zh-CN or en (default: the member's language)"}},
			Response: StatementView{}, Handle: s.memberStatement},
	}
}

const (
	csvType  = "text/csv; charset=utf-8"
	xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
)

// PlanView is a stored plan version.
type PlanView struct {
	ID            int64     `json:"id"`
	Name          string    `json:"name"`
	Version       int       `json:"version"`
	EffectiveFrom time.Time `json:"effective_from"`
	SHA256        string    `json:"sha256"`
	UploadedBy    string    `json:"uploaded_by"`
	UploadedAt    time.Time `json:"uploaded_at"`
	Document      string    `json:"document,omitempty"`
}

func planView(p period.StoredPlan, withDoc bool) PlanView {
	v := PlanView{ID: p.ID, Name: p.Name, Version: p.Version, EffectiveFrom: p.EffectiveFrom, SHA256: p.SHA256,
		UploadedBy: p.UploadedBy, UploadedAt: p.UploadedAt}
	if withDoc {
		v.Document = p.Document
	}
	return v
}

type planRequest struct {
	// Document is the plan, YAML or JSON, as text.
	Document string `json:"document" maxlen:"262144"`
	// Effective: in force for periods starting at or after this date
	// (YYYY-MM-DD, YYYY-MM-DD HH:MM or RFC 3339).
	Effective string `json:"effective"`
	TZ        string `json:"tz,omitempty"`
}

func (s *Server) uploadPlan(c *call) (any, error) {
	var req planRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	loc, err := zone(req.TZ)
	if err != nil {
		return nil, err
	}
	if req.Effective == "" {
		return nil, errStatus(http.StatusUnprocessableEntity, "effective: the date from which the plan is in force is required (YYYY-MM-DD)")
	}
	eff, err := ledger.ParseWhen("effective", req.Effective, loc)
	if err != nil {
		return nil, errStatus(http.StatusUnprocessableEntity, err.Error())
	}
	var sp period.StoredPlan
	err = s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		sp, err = period.UploadPlan(c.ctx(), tx, []byte(req.Document), eff, c.who.By())
		return err
	})
	if errors.Is(err, ledger.ErrInvalid) {
		return nil, errStatus(http.StatusUnprocessableEntity, "document: "+strings.TrimPrefix(err.Error(), ledger.ErrInvalid.Error()+": "))
	}
	if err != nil {
		return nil, err
	}
	c.Set("audit.detail", fmt.Sprintf("plan %s version %d in force from %s", sp.Name, sp.Version, sp.EffectiveFrom.Format(time.RFC3339)))
	return planView(sp, false), nil
}

func (s *Server) listPlans(c *call) (any, error) {
	ps, err := period.ListPlans(c.ctx(), s.DB.Pool)
	out := make([]PlanView, len(ps))
	for i, p := range ps {
		out[i] = planView(p, false)
	}
	return out, err
}

func (s *Server) getPlan(c *call) (any, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, err404("no stored plan %q", c.Param("id"))
	}
	p, err := period.GetPlan(c.ctx(), s.DB.Pool, id)
	if err != nil {
		return nil, wrap("read plan", err)
	}
	return planView(p, true), nil
}

// zone is the time zone a request names, by default the company's
// (ledger.CompanyZone): where dates without a zone (effective dates, period
// boundaries) are read.
func zone(name string) (*time.Location, error) {
	if name == "" {
		return ledger.CompanyZone()
	}
	loc, err := ledger.LoadZone(name)
	if err != nil {
		return nil, errStatus(http.StatusUnprocessableEntity, fmt.Sprintf("tz %q: not a time zone; use an IANA name such as Asia/Shanghai or UTC", name))
	}
	return loc, nil
}

// RunView is a period's run with its totals. Money is in two-decimal
// strings; volumes (BV) are exact decimals.
type RunView struct {
	Period      string          `json:"period"`
	StartsAt    time.Time       `json:"starts_at"`
	CutoffAt    time.Time       `json:"cutoff_at"`
	TimeZone    string          `json:"time_zone,omitempty"` // of the boundaries
	Status      string          `json:"status"`              // draft, approved or paid
	Attempt     int             `json:"attempt"`
	PlanID      int64           `json:"plan_id"`
	RunBy       string          `json:"run_by"`
	RunAt       time.Time       `json:"run_at"`
	Members     int64           `json:"members"`
	Active      int64           `json:"active"`
	Lines       int64           `json:"lines"`
	TotalBV     decimal.Decimal `json:"total_bv"`
	BeforeCap   Money           `json:"before_cap"`
	BonusTotal  Money           `json:"bonus_total"`
	Clawbacks   Money           `json:"clawback_total"`
	LinesSHA256 string          `json:"lines_sha256"`
	ReadMS      int             `json:"read_ms"`
	ComputeMS   int             `json:"compute_ms"`
	WriteMS     int             `json:"write_ms"`
	ApprovedBy  string          `json:"approved_by,omitempty"`
	ApprovedAt  *time.Time      `json:"approved_at,omitempty"`
	Reason      string          `json:"approve_reason,omitempty"`
	PaidBy      string          `json:"paid_by,omitempty"`
	PaidAt      *time.Time      `json:"paid_at,omitempty"`
	// Manual sums up the manual adjustments (one run only, not in lists).
	Manual *ManualSummary `json:"manual_adjustments,omitempty"`
}

// ManualSummary counts and sums a period's manual adjustments.
type ManualSummary struct {
	Count int   `json:"count"`
	Total Money `json:"total"`
}

func runView(r period.Run) RunView {
	return RunView{Period: r.Period.Code, StartsAt: r.Period.StartsAt, CutoffAt: r.Period.CutoffAt, TimeZone: r.Period.TimeZone, Status: r.Status, Attempt: r.Attempt,
		PlanID: r.PlanID, RunBy: r.RunBy, RunAt: r.RunAt, Members: r.Members, Active: r.Active, Lines: r.Lines, TotalBV: r.TotalBV,
		BeforeCap: money(r.BeforeCap), BonusTotal: money(r.BonusTotal), Clawbacks: money(r.AdjustTotal), LinesSHA256: r.LinesSHA256,
		ReadMS: r.ReadMS, ComputeMS: r.ComputeMS, WriteMS: r.WriteMS, ApprovedBy: r.ApprovedBy, ApprovedAt: r.ApprovedAt,
		Reason: r.Reason, PaidBy: r.PaidBy, PaidAt: r.PaidAt}
}

func (s *Server) listRuns(c *call) (any, error) {
	rs, err := period.ListRuns(c.ctx(), s.DB.Pool)
	out := make([]RunView, len(rs))
	for i, r := range rs {
		out[i] = runView(r)
	}
	return out, err
}

func (s *Server) getRun(c *call) (any, error) {
	code := c.Param("period")
	r, err := period.GetRun(c.ctx(), s.DB.Pool, code)
	if err != nil {
		return nil, wrap("read run", err)
	}
	as, err := period.ManualAdjustments(c.ctx(), s.DB.Pool, code)
	if err != nil {
		return nil, wrap("list adjustments", err)
	}
	v := runView(r)
	v.Manual = &ManualSummary{Count: len(as)}
	total := decimal.Zero
	for _, a := range as {
		total = total.Add(a.Amount)
	}
	v.Manual.Total = money(total)
	return v, nil
}

type approveRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) approveRun(c *call) (any, error) {
	var req approveRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	code := c.Param("period")
	c.Set("audit.detail", "approve "+code+": "+req.Reason)
	// The key is claimed in the approval's own transaction: a retry after a
	// lost answer gets the approval, and a failed one leaves the key free.
	r, err := period.ApproveOnce(c.ctx(), s.DB, c.key, code, c.who.By(), req.Reason)
	if err != nil {
		return nil, wrap("approve run", err)
	}
	return runView(r), nil
}

// AdjustmentView is a manual adjustment.
type AdjustmentView struct {
	ID        int64     `json:"id"`
	Period    string    `json:"period"`
	Member    string    `json:"member"`
	Amount    Money     `json:"amount"`
	Reason    string    `json:"reason"`
	EnteredBy string    `json:"entered_by"`
	EnteredAt time.Time `json:"entered_at"`
}

func adjustmentView(a period.ManualAdjustment) AdjustmentView {
	return AdjustmentView{ID: a.ID, Period: a.Period, Member: a.Member, Amount: money(a.Amount), Reason: a.Reason,
		EnteredBy: a.EnteredBy, EnteredAt: a.EnteredAt}
}

type adjustRequest struct {
	Member string          `json:"member"`
	Amount decimal.Decimal `json:"amount"`
	Reason string          `json:"reason"`
}

func (s *Server) adjust(c *call) (any, error) {
	var req adjustRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	code := c.Param("period")
	c.Set("audit.detail", fmt.Sprintf("adjust %s of %s by %s: %s", req.Member, code, req.Amount, req.Reason))
	a, err := period.AdjustOnce(c.ctx(), s.DB, c.key, code, req.Member, req.Amount, req.Reason, c.who.By())
	if err != nil {
		return nil, wrap("enter adjustment", err)
	}
	return adjustmentView(a), nil
}

func (s *Server) listAdjustments(c *call) (any, error) {
	as, err := period.ManualAdjustments(c.ctx(), s.DB.Pool, c.Param("period"))
	out := make([]AdjustmentView, len(as))
	for i, a := range as {
		out[i] = adjustmentView(a)
	}
	return out, err
}

type payRequest struct {
	// MinPayout: balances below it are not paid but carried (default 0).
	MinPayout decimal.Decimal `json:"min_payout"`
}

// PayoutView is a payout batch, with where its bank files are.
type PayoutView struct {
	Period       string    `json:"period"`
	Currency     string    `json:"currency"`
	MinPayout    Money     `json:"min_payout"`
	PaidTotal    Money     `json:"paid_total"`
	PaidCount    int64     `json:"paid_count"`
	CarriedTotal Money     `json:"carried_total"`
	CarriedCount int64     `json:"carried_count"`
	PaidBy       string    `json:"paid_by"`
	PaidAt       time.Time `json:"paid_at"`
	CSV          string    `json:"csv"`
	XLSX         string    `json:"xlsx"`
}

func payoutView(p period.Payout) PayoutView {
	base := "/api/v1/periods/" + p.Period + "/payout"
	return PayoutView{Period: p.Period, Currency: p.Currency, MinPayout: money(p.MinPayout), PaidTotal: money(p.PaidTotal),
		PaidCount: p.PaidCount, CarriedTotal: money(p.CarriedTotal), CarriedCount: p.CarriedCount, PaidBy: p.PaidBy, PaidAt: p.PaidAt,
		CSV: base + ".csv", XLSX: base + ".xlsx"}
}

func (s *Server) pay(c *call) (any, error) {
	var req payRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	code := c.Param("period")
	c.Set("audit.detail", fmt.Sprintf("pay %s, minimum %s", code, req.MinPayout.StringFixed(2)))
	// As with approval, the key is claimed in the payout's transaction.
	p, err := period.PayOnce(c.ctx(), s.DB, c.key, code, req.MinPayout, c.who.By())
	if err != nil {
		return nil, wrap("pay run", err)
	}
	return payoutView(p), nil
}

func (s *Server) getPayout(c *call) (any, error) {
	p, _, err := period.GetPayout(c.ctx(), s.DB.Pool, c.Param("period"))
	if err != nil {
		return nil, wrap("read payout", err)
	}
	return payoutView(p), nil
}

func (s *Server) payoutFile(contentType string) func(c *call) (any, error) {
	write, ext := period.WritePayoutCSV, "csv"
	if contentType == xlsxType {
		write, ext = period.WritePayoutXLSX, "xlsx"
	}
	return func(c *call) (any, error) {
		p, items, err := period.GetPayout(c.ctx(), s.DB.Pool, c.Param("period"))
		if err != nil {
			return nil, wrap("read payout", err)
		}
		c.Set("audit.detail", fmt.Sprintf("bank file of %s: %d rows", p.Period, len(items)))
		return download{ContentType: contentType, Filename: "payout-" + p.Period + "." + ext,
			Write: func(w io.Writer) error { return write(w, p, items) }}, nil
	}
}

// LineView is one bonus line.
type LineView struct {
	Member    string `json:"member"`
	Bonus     string `json:"bonus"`
	Source    string `json:"source,omitempty"`
	Level     int    `json:"level"`
	Amount    Money  `json:"amount"`
	BeforeCap Money  `json:"before_cap"`
}

// LinePage is one page of bonus lines.
type LinePage struct {
	Period string     `json:"period"`
	Status string     `json:"status"`
	Items  []LineView `json:"items"`
	Next   string     `json:"next,omitempty"`
}

func (s *Server) runLines(c *call) (any, error) { return s.linesPage(c, c.Query("member")) }

func (s *Server) memberLines(c *call) (any, error) { return s.linesPage(c, c.Param("code")) }

func (s *Server) linesPage(c *call, member string) (any, error) {
	limit, err := intQuery(c, "limit", 100, 1, 1000)
	if err != nil {
		return nil, err
	}
	q := period.LineQuery{Member: member, Limit: limit}
	if cur := c.Query("cursor"); cur != "" {
		k, err := decodeLineCursor(cur)
		if err != nil {
			return nil, err
		}
		q.After = &k
	}
	code := c.Param("period")
	ls, r, err := period.Lines(c.ctx(), s.DB.Pool, code, q)
	if err != nil {
		return nil, wrap("read run lines", err)
	}
	if err := memberSees(c, code, r.Status); err != nil {
		return nil, err
	}
	p := LinePage{Period: code, Status: r.Status, Items: make([]LineView, len(ls))}
	for i, l := range ls {
		p.Items[i] = LineView{Member: l.Member, Bonus: l.Bonus, Source: l.Source, Level: l.Level, Amount: money(l.Amount), BeforeCap: money(l.BeforeCap)}
	}
	if len(ls) == limit {
		p.Next = encodeLineCursor(ls[len(ls)-1].Key())
	}
	return p, nil
}

// Line cursors are opaque to clients: the last line's sort key.
func encodeLineCursor(k period.LineKey) string {
	b, _ := json.Marshal([]any{k.Member, k.Bonus, k.Source, k.Level})
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeLineCursor(s string) (period.LineKey, error) {
	bad := errStatus(http.StatusBadRequest, "cursor must be the next value of the previous page")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return period.LineKey{}, bad
	}
	var k period.LineKey
	raw := []any{&k.Member, &k.Bonus, &k.Source, &k.Level}
	if err := json.Unmarshal(b, &raw); err != nil || len(raw) != 4 {
		return period.LineKey{}, bad
	}
	for _, v := range []string{k.Member, k.Bonus, k.Source} {
		if checkString("cursor", v) != nil {
			return period.LineKey{}, bad
		}
	}
	return k, nil
}

// memberSees keeps drafts from members: a draft changes with every re-run
// and may never be paid as it stands. Members see approved and paid runs.
func memberSees(c *call, code, status string) error {
	if c.role() == user.Member && status == period.Draft {
		return fmt.Errorf("%w: period %q has no approved settlement yet", ledger.ErrNotFound, code)
	}
	return nil
}

// StatementView is a member's bonus statement of a period.
type StatementView struct {
	Period   string          `json:"period"`
	StartsAt time.Time       `json:"starts_at"`
	CutoffAt time.Time       `json:"cutoff_at"`
	TimeZone string          `json:"time_zone,omitempty"` // of the boundaries: the company's
	Status   string          `json:"status"`
	Plan     string          `json:"plan"`
	Member   string          `json:"member"`
	Name     string          `json:"name"`
	Lang     string          `json:"lang"`
	Currency string          `json:"currency"`
	Summary  string          `json:"summary"` // rank, activity and volumes, in Lang
	Lines    []StatementLine `json:"lines"`
	Total    Money           `json:"total"`
	// Text is the whole statement laid out for reading or printing.
	Text string `json:"text"`
}

// StatementLine is one line of a statement: a bonus, a clawback or a manual adjustment.
type StatementLine struct {
	Bonus       string `json:"bonus"`
	Amount      Money  `json:"amount"`
	Source      string `json:"source,omitempty"`
	Level       int    `json:"level,omitempty"`
	Explanation string `json:"explanation"`
}

func (s *Server) memberStatement(c *call) (any, error) {
	code := c.Param("period")
	st, err := period.MemberStatement(c.ctx(), s.DB.Pool, code, c.Param("code"), c.Query("lang"))
	if err != nil {
		return nil, wrap("build statement", err)
	}
	if err := memberSees(c, code, st.Status); err != nil {
		return nil, err
	}
	v := StatementView{Period: st.Period.Code, StartsAt: st.Period.StartsAt, CutoffAt: st.Period.CutoffAt, TimeZone: st.Period.TimeZone, Status: st.Status, Plan: st.Plan,
		Member: st.Member, Name: st.Name, Lang: st.Lang, Currency: st.Curr, Summary: st.Summary, Total: money(st.Total), Text: st.Text(),
		Lines: make([]StatementLine, len(st.Lines))}
	for i, l := range st.Lines {
		v.Lines[i] = StatementLine{Bonus: l.Bonus, Amount: money(l.Amount), Source: l.Source, Level: l.Level, Explanation: l.Explanation}
	}
	return v, nil
}

// StatementEntryView is one period in a member's list of statements.
type StatementEntryView struct {
	Period   string    `json:"period"`
	Kind     string    `json:"kind"` // month or week
	StartsAt time.Time `json:"starts_at"`
	CutoffAt time.Time `json:"cutoff_at"`
	// TimeZone is the zone the period's boundaries were computed in (the
	// company's), where its calendar month or week is read.
	TimeZone string `json:"time_zone,omitempty"`
	Status   string `json:"status"` // approved or paid
	Lines    int64  `json:"lines"`
	Total    Money  `json:"total"`
}

func (s *Server) memberStatements(c *call) (any, error) {
	code := c.Param("code")
	if _, err := member.Get(c.ctx(), s.DB.Pool, code); err != nil {
		return nil, wrap("read member", err)
	}
	es, err := period.MemberStatements(c.ctx(), s.DB.Pool, code)
	if err != nil {
		return nil, wrap("list statements", err)
	}
	out := make([]StatementEntryView, len(es))
	for i, e := range es {
		out[i] = StatementEntryView{Period: e.Period.Code, Kind: e.Period.Kind, StartsAt: e.Period.StartsAt, CutoffAt: e.Period.CutoffAt,
			TimeZone: e.Period.TimeZone, Status: e.Status, Lines: e.Lines, Total: money(e.Total)}
	}
	return out, nil
}

// BreakdownView is a run's totals per bonus and per rank, each beside the
// baseline's: the run of the period before, when it has one.
type BreakdownView struct {
	Run      RunView          `json:"run"`
	Baseline *RunView         `json:"baseline,omitempty"`
	Bonuses  []BonusTotalView `json:"bonuses"`
	Ranks    []RankTotalView  `json:"ranks"`
	Movers   []MoverView      `json:"movers"`
}

// BonusTotalView is one bonus's total in the run and in the baseline.
type BonusTotalView struct {
	Bonus    string `json:"bonus"`
	Amount   Money  `json:"amount"`
	Baseline Money  `json:"baseline"`
}

// RankTotalView counts the members at a rank and sums their earnings.
type RankTotalView struct {
	Rank            string `json:"rank"`
	Members         int64  `json:"members"`
	Amount          Money  `json:"amount"`
	BaselineMembers int64  `json:"baseline_members"`
	BaselineAmount  Money  `json:"baseline_amount"`
}

// MoverView is a member whose earnings changed from the baseline.
type MoverView struct {
	Member   string `json:"member"`
	Rank     string `json:"rank,omitempty"`
	Amount   Money  `json:"amount"`
	Baseline Money  `json:"baseline"`
	Change   Money  `json:"change"`
}

func (s *Server) getBreakdown(c *call) (any, error) {
	n, err := intQuery(c, "movers", 10, 0, 100)
	if err != nil {
		return nil, err
	}
	b, err := period.GetBreakdown(c.ctx(), s.DB.Pool, c.Param("period"), n)
	if err != nil {
		return nil, wrap("read breakdown", err)
	}
	v := BreakdownView{Run: runView(b.Run), Bonuses: make([]BonusTotalView, len(b.Bonuses)), Ranks: make([]RankTotalView, len(b.Ranks)),
		Movers: make([]MoverView, len(b.Movers))}
	if b.Baseline != nil {
		bv := runView(*b.Baseline)
		v.Baseline = &bv
	}
	for i, t := range b.Bonuses {
		v.Bonuses[i] = BonusTotalView{Bonus: t.Bonus, Amount: money(t.Amount), Baseline: money(t.Baseline)}
	}
	for i, t := range b.Ranks {
		v.Ranks[i] = RankTotalView{Rank: t.Rank, Members: t.Members, Amount: money(t.Amount), BaselineMembers: t.BaselineMembers,
			BaselineAmount: money(t.BaselineAmount)}
	}
	for i, mv := range b.Movers {
		v.Movers[i] = MoverView{Member: mv.Member, Rank: mv.Rank, Amount: money(mv.Amount), Baseline: money(mv.Baseline),
			Change: money(mv.Amount.Sub(mv.Baseline))}
	}
	return v, nil
}

// PeriodView is a period with where its settlement stands.
type PeriodView struct {
	Period   string    `json:"period"`
	Kind     string    `json:"kind"`
	StartsAt time.Time `json:"starts_at"`
	CutoffAt time.Time `json:"cutoff_at"`
	TimeZone string    `json:"time_zone,omitempty"`
	// Defined: the period exists (it was run, or defined by a run's start);
	// an open month not defined yet is defined by its first run.
	Defined bool      `json:"defined"`
	Status  string    `json:"status"` // open, draft, approved or paid
	Plan    *PlanView `json:"plan,omitempty"`
	Run     *RunView  `json:"run,omitempty"`
}

func (s *Server) listPeriods(c *call) (any, error) {
	loc, err := zone(c.Query("tz"))
	if err != nil {
		return nil, err
	}
	ps, err := period.Periods(c.ctx(), s.DB.Pool, clock.Now(c.ctx()), loc)
	if err != nil {
		return nil, wrap("list periods", err)
	}
	out := make([]PeriodView, len(ps))
	for i, p := range ps {
		out[i] = PeriodView{Period: p.Period.Code, Kind: p.Period.Kind, StartsAt: p.Period.StartsAt, CutoffAt: p.Period.CutoffAt,
			TimeZone: p.Period.TimeZone, Defined: p.Defined, Status: p.Status}
		if p.Plan != nil {
			pv := planView(*p.Plan, false)
			out[i].Plan = &pv
		}
		if p.Run != nil {
			rv := runView(*p.Run)
			out[i].Run = &rv
		}
	}
	return out, nil
}
