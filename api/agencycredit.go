package api

import (
	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger/order"
	"downline/ledger/user"
)

// creditRoutes are the members' accounts at an agency: what members owe
// the agency that sold to them on credit (a counter sale with method
// "credit"), their payments and the agency's allowances.
func (s *Server) creditRoutes() []Route {
	ag := Scope{AgencyRes, "code"}
	who := roles(user.Admin, user.Finance, user.Agency)
	return []Route{
		{Method: GET, Path: "/agencies/{code}/credit", Tag: "agencies", Summary: "What members owe the agency for sales on credit, the largest debt first",
			Roles: who, Scope: ag, Query: []Param{{"settled", "boolean", "also the members who owe nothing any more"}},
			Response: []order.CreditBalance{}, Handle: s.creditBalances},
		{Method: GET, Path: "/agencies/{code}/credit/{member}", Tag: "agencies", Summary: "A member's account at the agency: sales on credit, payments and allowances, newest first",
			Roles: who, Scope: ag, Response: []order.CreditEntry{}, Handle: s.creditEntries},
		{Method: POST, Path: "/agencies/{code}/credit/payments", Tag: "agencies", Summary: "A member pays the agency what they owe (at most the debt)",
			Roles: who, Scope: ag, Idem: KeyRequired, Status: 201, Request: creditMoveRequest{}, Response: order.CreditEntry{}, Handle: s.creditPayment},
		{Method: POST, Path: "/agencies/{code}/credit/allowances", Tag: "agencies", Summary: "The agency forgives part of a member's debt, with a reason (a correction is a new entry)",
			Roles: who, Scope: ag, Idem: KeyRequired, Status: 201, Request: creditMoveRequest{}, Response: order.CreditEntry{}, Handle: s.creditAllowance},
	}
}

// creditMoveRequest is a payment (reference: the receipt) or an allowance
// (reference: the reason).
type creditMoveRequest struct {
	Member    string          `json:"member"`
	Amount    decimal.Decimal `json:"amount"`
	Reference string          `json:"reference,omitempty"`
}

func (s *Server) creditBalances(c *call) (any, error) {
	bs, err := order.CreditBalances(c.ctx(), s.DB.Pool, c.Param("code"), c.Query("settled") == "true")
	return bs, wrap("members' accounts", err)
}

func (s *Server) creditEntries(c *call) (any, error) {
	es, err := order.CreditEntries(c.ctx(), s.DB.Pool, c.Param("code"), c.Param("member"))
	return es, wrap("a member's account", err)
}

func (s *Server) creditPayment(c *call) (any, error)   { return s.moveCredit(c, order.CreditPayment) }
func (s *Server) creditAllowance(c *call) (any, error) { return s.moveCredit(c, order.CreditAllowance) }

func (s *Server) moveCredit(c *call, kind order.CreditKind) (any, error) {
	var req creditMoveRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	var out order.CreditEntry
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		out, err = order.MoveCredit(c.ctx(), tx, order.CreditMove{Key: c.key, Kind: kind, Agency: c.Param("code"), Member: req.Member,
			Amount: req.Amount, Reference: req.Reference, By: c.who.By()})
		return err
	})
	return out, wrap("record "+string(kind), err)
}
