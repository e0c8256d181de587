package api

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger/journal"
	"downline/ledger/user"
)

// EntryPage is one page of journal entries, newest first.
type EntryPage struct {
	Items []journal.Listed `json:"items"`
	Next  string           `json:"next,omitempty"`
}

func beforeCursor(c *call) (int64, error) {
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

func (s *Server) listJournal(c *call) (any, error) {
	f, err := s.journalFilter(c)
	if err != nil {
		return nil, err
	}
	if f.Limit, err = intQuery(c, "limit", 50, 1, 500); err != nil {
		return nil, err
	}
	if f.Before, err = beforeCursor(c); err != nil {
		return nil, err
	}
	es, err := journal.Find(c.ctx(), s.DB.Pool, f)
	if err != nil {
		return nil, wrap("list journal entries", err)
	}
	p := EntryPage{Items: es}
	if p.Items == nil {
		p.Items = []journal.Listed{}
	}
	if len(es) == f.Limit {
		p.Next = strconv.FormatInt(es[len(es)-1].ID, 10)
	}
	return p, nil
}

func (s *Server) getEntry(c *call) (any, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, err404("journal entry %q", c.Param("id"))
	}
	return journal.Get(c.ctx(), s.DB.Pool, id)
}

type reverseRequest struct {
	Memo string `json:"memo"`
}

func (s *Server) reverseEntry(c *call) (any, error) {
	var req reverseRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return nil, err404("journal entry %q", c.Param("id"))
	}
	if strings.TrimSpace(req.Memo) == "" {
		return nil, errStatus(http.StatusUnprocessableEntity, "a reversal needs a memo saying why")
	}
	var e journal.Entry
	err = s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		e, err = journal.ReverseOnce(c.ctx(), tx, c.key, id, c.who.By(), req.Memo)
		return err
	})
	return e, wrap("reverse journal entry", err)
}

// Wallet is what a member has with the company.
type Wallet struct {
	Member       string          `json:"member"`
	Wallet       decimal.Decimal `json:"wallet"`
	BonusPayable decimal.Decimal `json:"bonus_payable"`
}

func (s *Server) wallet(c *call) (any, error) {
	code := c.Param("code")
	if _, err := s.getMember(c); err != nil {
		return nil, err
	}
	// Liabilities are credits (negative): what the company owes is the negation.
	w, err := journal.Balance(c.ctx(), s.DB.Pool, journal.MemberWallet, code, zeroTime)
	if err != nil {
		return nil, wrap("read balance", err)
	}
	b, err := journal.Balance(c.ctx(), s.DB.Pool, journal.BonusPayable, code, zeroTime)
	if err != nil {
		return nil, wrap("read balance", err)
	}
	return Wallet{Member: code, Wallet: w.Neg(), BonusPayable: b.Neg()}, nil
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Items []user.AuditRecord `json:"items"`
	Next  string             `json:"next,omitempty"`
}

func (s *Server) auditLog(c *call) (any, error) {
	limit, err := intQuery(c, "limit", 100, 1, 1000)
	if err != nil {
		return nil, err
	}
	before, err := beforeCursor(c)
	if err != nil {
		return nil, err
	}
	rs, err := user.AuditLog(c.ctx(), s.DB.Pool, before, limit)
	if err != nil {
		return nil, wrap("read audit log", err)
	}
	p := AuditPage{Items: rs}
	if len(rs) == limit {
		p.Next = strconv.FormatInt(rs[len(rs)-1].ID, 10)
	}
	return p, nil
}
