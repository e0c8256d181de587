package api

import (
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"downline/ledger"
	"downline/ledger/journal"
	"downline/ledger/user"
)

// journalQuery is the journal's filter, shared by the list and its CSV.
var journalQuery = []Param{
	{"account", "string", "only entries with a line on this account"},
	{"holder", "string", "and this holder (agency or member code)"},
	{"kind", "string", "only entries of this kind (payment.confirmed, shipment, reversal, ...)"},
	{"ref", "string", "only entries whose reference contains this text"},
	{"from", "string", "posted on or after this day (YYYY-MM-DD, company zone)"},
	{"to", "string", "posted on or before this day (YYYY-MM-DD, company zone)"},
}

var asOfParam = Param{"as_of", "string", "balances at the end of this day (YYYY-MM-DD, company zone; default: now)"}

// journalBookRoutes are finance's views of the books beyond the journal's
// list: its CSV, the kinds of entry, and each account's holders and lines.
func (s *Server) journalBookRoutes() []Route {
	money := roles(user.Admin, user.Finance)
	return []Route{
		{Method: GET, Path: "/journal.csv", Tag: "books", Summary: "The journal entries the filter selects as CSV, one row per line, newest entry first",
			Roles: money, Query: journalQuery, Produces: csvType, Handle: s.journalCSV},
		{Method: GET, Path: "/journal-kinds", Tag: "books", Summary: "The kinds of entry the journal holds", Roles: money,
			Response: []string{}, Handle: s.journalKinds},
		{Method: GET, Path: "/accounts/{code}/holders", Tag: "books", Summary: "The holders of a per-holder account with their balances, by code",
			Roles: money, Query: []Param{asOfParam, {"cursor", "string", "the next value of the previous page (a holder code)"}, limitParam},
			Response: HolderPage{}, Handle: s.accountHolders},
		{Method: GET, Path: "/accounts/{code}/lines", Tag: "books", Summary: "An account's journal lines with their entries, newest first",
			Roles: money, Query: []Param{{"holder", "string", "only this holder's lines"}, asOfParam, cursorParam, limitParam},
			Response: AccountLinePage{}, Handle: s.accountLines},
	}
}

// dayStart reads query parameter name, a day in the company zone, as the
// moment it begins; with next, the moment the day after begins.
func dayStart(c *call, name string, next bool) (time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return time.Time{}, nil
	}
	loc, err := ledger.CompanyZone()
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.ParseInLocation(time.DateOnly, v, loc)
	if err != nil {
		return time.Time{}, errStatus(http.StatusBadRequest, name+" must be a date like 2026-01-31")
	}
	if next {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

func (s *Server) journalFilter(c *call) (journal.Filter, error) {
	f := journal.Filter{Account: journal.Account(c.Query("account")), Holder: c.Query("holder"), Kind: c.Query("kind"), Ref: c.Query("ref")}
	var err error
	if f.From, err = dayStart(c, "from", false); err != nil {
		return f, err
	}
	if f.To, err = dayStart(c, "to", true); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) {
		return f, errStatus(http.StatusBadRequest, "from must be on or before to")
	}
	if f.Holder != "" && f.Account == "" {
		return f, errStatus(http.StatusBadRequest, "holder needs an account")
	}
	return f, nil
}

// maxJournalExport is the most entries one journal CSV holds.
const maxJournalExport = 50_000

func (s *Server) journalCSV(c *call) (any, error) {
	f, err := s.journalFilter(c)
	if err != nil {
		return nil, err
	}
	f.Limit = 500
	var entries []journal.Entry
	for len(entries) < maxJournalExport {
		page, err := journal.Find(c.ctx(), s.DB.Pool, f)
		if err != nil {
			return nil, wrap("list journal entries", err)
		}
		for _, e := range page {
			full, err := journal.Get(c.ctx(), s.DB.Pool, e.ID)
			if err != nil {
				return nil, wrap("read journal entry", err)
			}
			entries = append(entries, full)
		}
		if len(page) < f.Limit {
			break
		}
		f.Before = page[len(page)-1].ID
	}
	loc, err := ledger.CompanyZone()
	if err != nil {
		return nil, err
	}
	return download{ContentType: csvType, Filename: "journal.csv", Write: func(w io.Writer) error {
		return writeJournalCSV(w, entries, loc)
	}}, nil
}

// writeJournalCSV writes one row per line: its entry, the account, the
// holder and the amount as a debit or a credit.
func writeJournalCSV(w io.Writer, es []journal.Entry, loc *time.Location) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"entry", "posted_at", "kind", "ref", "memo", "posted_by", "reverses", "reversed_by", "account", "holder", "debit", "credit"})
	id := func(n int64) string {
		if n == 0 {
			return ""
		}
		return strconv.FormatInt(n, 10)
	}
	for _, e := range es {
		for _, l := range e.Lines {
			dr, cr := l.Amount.StringFixed(2), ""
			if l.Amount.IsNegative() {
				dr, cr = "", l.Amount.Neg().StringFixed(2)
			}
			_ = cw.Write([]string{id(e.ID), e.PostedAt.In(loc).Format(time.RFC3339), cell(e.Kind), cell(e.Ref), cell(e.Memo), cell(e.By),
				id(e.Reverses), id(e.ReversedBy), string(l.Account), cell(l.Holder), dr, cr})
		}
	}
	cw.Flush()
	return cw.Error()
}

func (s *Server) journalKinds(c *call) (any, error) {
	ks, err := journal.Kinds(c.ctx(), s.DB.Pool)
	if err != nil {
		return nil, wrap("list journal kinds", err)
	}
	if ks == nil {
		ks = []string{}
	}
	return ks, nil
}

// account reads {code} as an account of the chart.
func (s *Server) account(c *call) (journal.AccountBalance, error) {
	accts, err := journal.Totals(c.ctx(), s.DB.Pool, time.Time{})
	if err != nil {
		return journal.AccountBalance{}, wrap("list accounts", err)
	}
	for _, a := range accts {
		if string(a.Account) == c.Param("code") {
			return a, nil
		}
	}
	return journal.AccountBalance{}, err404("account %q", c.Param("code"))
}

// HolderPage is one page of an account's holders.
type HolderPage struct {
	Account string                  `json:"account"`
	AsOf    string                  `json:"as_of,omitempty"`
	Items   []journal.HolderBalance `json:"items"`
	Next    string                  `json:"next,omitempty"`
}

func (s *Server) accountHolders(c *call) (any, error) {
	a, err := s.account(c)
	if err != nil {
		return nil, err
	}
	if !a.PerHolder {
		return nil, errStatus(http.StatusBadRequest, "account "+string(a.Account)+" is not kept per holder")
	}
	limit, err := intQuery(c, "limit", 100, 1, 1000)
	if err != nil {
		return nil, err
	}
	before, err := dayStart(c, "as_of", true)
	if err != nil {
		return nil, err
	}
	hs, err := journal.Holders(c.ctx(), s.DB.Pool, a.Account, before, c.Query("cursor"), limit)
	if err != nil {
		return nil, wrap("list holders", err)
	}
	p := HolderPage{Account: string(a.Account), AsOf: c.Query("as_of"), Items: hs}
	if p.Items == nil {
		p.Items = []journal.HolderBalance{}
	}
	if len(hs) == limit {
		p.Next = hs[len(hs)-1].Holder
	}
	return p, nil
}

// AccountLinePage is one page of an account's lines, newest first.
type AccountLinePage struct {
	Account string                `json:"account"`
	Holder  string                `json:"holder,omitempty"`
	Items   []journal.AccountLine `json:"items"`
	Next    string                `json:"next,omitempty"`
}

func (s *Server) accountLines(c *call) (any, error) {
	a, err := s.account(c)
	if err != nil {
		return nil, err
	}
	limit, err := intQuery(c, "limit", 50, 1, 500)
	if err != nil {
		return nil, err
	}
	before, err := dayStart(c, "as_of", true)
	if err != nil {
		return nil, err
	}
	cur, err := cursorQuery(c)
	if err != nil {
		return nil, err
	}
	ls, err := journal.LinesOf(c.ctx(), s.DB.Pool, a.Account, c.Query("holder"), before, cur, limit)
	if err != nil {
		return nil, wrap("list account lines", err)
	}
	p := AccountLinePage{Account: string(a.Account), Holder: c.Query("holder"), Items: ls}
	if p.Items == nil {
		p.Items = []journal.AccountLine{}
	}
	if len(ls) == limit {
		p.Next = strconv.FormatInt(ls[len(ls)-1].Line, 10)
	}
	return p, nil
}

// BalanceLine is the balance of one account: over every holder of a
// per-holder account, or of the one holder asked for.
type BalanceLine struct {
	Account   string          `json:"account"`
	Name      string          `json:"name"`
	Type      string          `json:"type"`
	PerHolder bool            `json:"per_holder,omitempty"`
	Holders   int             `json:"holders,omitempty"`
	Holder    string          `json:"holder,omitempty"`
	Balance   decimal.Decimal `json:"balance"`
}

func (s *Server) balances(c *call) (any, error) {
	before, err := dayStart(c, "as_of", true)
	if err != nil {
		return nil, err
	}
	accts, err := journal.Totals(c.ctx(), s.DB.Pool, before)
	if err != nil {
		return nil, wrap("list accounts", err)
	}
	holder := c.Query("holder")
	out := []BalanceLine{}
	for _, a := range accts {
		if q := c.Query("account"); q != "" && q != string(a.Account) {
			continue
		}
		l := BalanceLine{Account: string(a.Account), Name: a.Name, Type: a.Type, PerHolder: a.PerHolder, Holders: a.Holders, Balance: a.Balance}
		if holder != "" {
			if !a.PerHolder {
				continue
			}
			b, err := journal.Balance(c.ctx(), s.DB.Pool, a.Account, holder, before)
			if err != nil {
				return nil, wrap("read balance", err)
			}
			l.Holder, l.Holders, l.Balance = holder, 0, b
		}
		out = append(out, l)
	}
	return out, nil
}
