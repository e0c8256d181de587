package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
	"downline/ledger/agency"
	"downline/ledger/user"
)

func (s *Server) listAgencies(c *call) (any, error) { return agency.List(c.ctx(), s.DB.Pool) }

func (s *Server) getAgency(c *call) (any, error) {
	return agency.Get(c.ctx(), s.DB.Pool, c.Param("code"))
}

type agencyRequest struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Phone     string `json:"phone,omitempty"`
	Warehouse string `json:"warehouse,omitempty"`
}

func (s *Server) createAgency(c *call) (any, error) {
	var req agencyRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	var a agency.Agency
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		a, err = agency.Create(c.ctx(), tx, req.Code, req.Name, req.Phone, req.Warehouse)
		return err
	})
	return a, wrap("create agency", err)
}

type accountPaymentRequest struct {
	Amount    decimal.Decimal `json:"amount"`
	Reference string          `json:"reference,omitempty"`
}

func (s *Server) payAgencyAccount(c *call) (any, error) {
	var req accountPaymentRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	var out any
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) error {
		e, err := agency.PayAccount(c.ctx(), tx, agency.AccountPayment{Key: c.key, Agency: c.Param("code"), Amount: req.Amount, Reference: req.Reference, By: c.who.By()})
		out = e
		return err
	})
	return out, wrap("record agency payment", err)
}

func dateRange(c *call) (time.Time, time.Time, error) {
	from, err := parseDate("from", c.Query("from"))
	if err != nil {
		return from, from, errStatus(http.StatusBadRequest, err.Error())
	}
	to, err := parseDate("to", c.Query("to"))
	if err != nil {
		return from, to, errStatus(http.StatusBadRequest, err.Error())
	}
	if from.IsZero() || to.IsZero() {
		return from, to, errStatus(http.StatusBadRequest, "give the period as from=YYYY-MM-DD&to=YYYY-MM-DD (to is exclusive)")
	}
	return from, to, nil
}

func (s *Server) agencyStatementDraft(c *call) (any, error) {
	from, to, err := dateRange(c)
	if err != nil {
		return nil, err
	}
	return agency.Compute(c.ctx(), s.DB.Pool, c.Param("code"), from, to)
}

func (s *Server) agencyStatements(c *call) (any, error) {
	if _, err := agency.Get(c.ctx(), s.DB.Pool, c.Param("code")); err != nil {
		return nil, err
	}
	return agency.Statements(c.ctx(), s.DB.Pool, c.Param("code"))
}

type issueRequest struct {
	From string `json:"from"`
	To   string `json:"to"`
}

func (s *Server) issueStatement(c *call) (any, error) {
	var req issueRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	from, err := parseDate("from", req.From)
	if err != nil {
		return nil, err
	}
	to, err := parseDate("to", req.To)
	if err != nil {
		return nil, err
	}
	var st agency.Statement
	err = s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		st, err = agency.Issue(c.ctx(), tx, c.Param("code"), from, to, c.who.By())
		return err
	})
	return st, wrap("issue agency statement", err)
}

// statementOf reads statement {id} of agency {code}; one of another agency is not found.
func (s *Server) statementOf(c *call) (agency.Statement, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return agency.Statement{}, err404("unknown statement %q", c.Param("id"))
	}
	st, err := agency.GetStatement(c.ctx(), s.DB.Pool, id)
	if errors.Is(err, ledger.ErrNotFound) {
		return st, err404("unknown statement %q", c.Param("id"))
	}
	if err != nil {
		return st, err
	}
	if st.Agency != c.Param("code") {
		return st, err404("unknown statement %q", c.Param("id"))
	}
	return st, nil
}

func (s *Server) getStatement(c *call) (any, error) { return s.statementOf(c) }

// confirmStatement: HQ's side is confirmed by finance or admin, the agency's by its staff.
func (s *Server) confirmStatement(c *call) (any, error) {
	var req struct{}
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	st, err := s.statementOf(c)
	if err != nil {
		return nil, err
	}
	side := agency.HQ
	if c.role() == user.Agency {
		side = agency.AgencySide
	}
	err = s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		st, err = agency.Confirm(c.ctx(), tx, st.ID, side, c.who.By())
		return err
	})
	return st, wrap("confirm agency statement", err)
}
