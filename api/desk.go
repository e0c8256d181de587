package api

import (
	"net/http"
	"strconv"

	"github.com/jackc/pgx/v5"

	"downline/ledger/desk"
	"downline/ledger/member"
	"downline/ledger/user"
)

// deskRoutes are the service desk's: members and customers open tickets
// and follow their own; HQ (admins) works the board of every ticket.
func (s *Server) deskRoutes() []Route {
	owners := roles(user.Member, user.Customer)
	all := roles(user.Admin, user.Member, user.Customer)
	return []Route{
		{Method: POST, Path: "/tickets", Tag: "desk", Summary: "Open a ticket: a complaint or request, about an order of one's own if any (a retry under the same Idempotency-Key opens it once)",
			Roles: owners, Idem: KeyOptional, Status: 201, Request: desk.NewTicket{}, Response: desk.Ticket{}, Handle: s.openTicket},
		{Method: GET, Path: "/tickets", Tag: "desk", Summary: "Tickets, a page at a time (HQ: every ticket; members and customers: their own)",
			Roles: all, Query: []Param{
				{"state", "string", "open, assigned, waiting, escalated (not closed) or closed"},
				{"category", "string", "complaint, quality, delivery, bonus, account or other"},
				{"assignee", "string", "the staff login a ticket is assigned to"},
				{"overdue", "boolean", "true: only tickets past their due time, not closed"},
				{"q", "string", "a ticket number, a member code or words of the subject"},
				{"sort", "string", "due (default: the overdue first, closed last), newest or oldest"},
				cursorParam, {"limit", "integer", "page size (default 50, at most 200)"},
			}, Response: desk.Page{}, Handle: s.listTickets},
		{Method: GET, Path: "/tickets/{id}", Tag: "desk", Summary: "A ticket with its history (members and customers: their own, without HQ's internal notes)",
			Roles: all, Response: desk.Ticket{}, Handle: s.getTicket},
		{Method: POST, Path: "/tickets/{id}/replies", Tag: "desk", Summary: "Reply (HQ's reply is texted to the member; the owner's reply reopens a closed ticket)",
			Roles: all, Status: 201, Request: replyRequest{}, Response: desk.Ticket{}, Handle: s.replyTicket},
		{Method: POST, Path: "/tickets/{id}/assign", Tag: "desk", Summary: "Assign a ticket to an HQ user",
			Roles: adminOnly, Request: assignRequest{}, Response: desk.Ticket{}, Handle: s.assignTicket},
		{Method: POST, Path: "/tickets/{id}/notes", Tag: "desk", Summary: "Add an internal note (never shown to the member)",
			Roles: adminOnly, Status: 201, Request: textRequest{}, Response: desk.Ticket{}, Handle: s.noteTicket},
		{Method: POST, Path: "/tickets/{id}/escalate", Tag: "desk", Summary: "Escalate a ticket, with a reason",
			Roles: adminOnly, Request: reasonRequest{}, Response: desk.Ticket{}, Handle: s.escalateTicket},
		{Method: POST, Path: "/tickets/{id}/close", Tag: "desk", Summary: "Close a ticket with its resolution (the member reads it)",
			Roles: adminOnly, Request: resolutionRequest{}, Response: desk.Ticket{}, Handle: s.closeTicket},
		{Method: POST, Path: "/tickets/{id}/reopen", Tag: "desk", Summary: "Reopen a closed ticket: due again its category's SLA from now",
			Roles: all, Response: desk.Ticket{}, Handle: s.reopenTicket},
		{Method: GET, Path: "/ticket-categories", Tag: "desk", Summary: "The ticket categories with their SLA (hours HQ has to deal with a ticket)",
			Roles: all, Response: []desk.SLA{}, Handle: s.ticketCategories},
		{Method: POST, Path: "/ticket-categories/{category}", Tag: "desk", Summary: "Set a category's SLA in hours (tickets opened from now on are due accordingly)",
			Roles: adminOnly, Request: slaRequest{}, Response: desk.SLA{}, Handle: s.setTicketSLA},
	}
}

type textRequest struct {
	Text string `json:"text"`
}

type replyRequest struct {
	Text string `json:"text"`
	// Photos are ids of images uploaded with POST /media.
	Photos []string `json:"photos,omitempty"`
}

type assignRequest struct {
	Assignee string `json:"assignee"`
}

type reasonRequest struct {
	Reason string `json:"reason"`
}

type resolutionRequest struct {
	Resolution string `json:"resolution"`
}

type slaRequest struct {
	Hours int `json:"hours"`
}

// owner is the caller as a ticket owner; zero for HQ.
func (c *call) owner() desk.Owner {
	switch c.role() {
	case user.Member:
		return desk.Owner{Member: c.who.User.MemberID}
	case user.Customer:
		return desk.Owner{Customer: c.who.User.ID}
	}
	return desk.Owner{}
}

func ticketID(c *call) (int64, error) {
	id, ok := desk.ParseNo(c.Param("id"))
	if !ok {
		return 0, err404("no ticket %s", c.Param("id"))
	}
	return id, nil
}

// visible checks the caller may see ticket id: HQ sees every one, an owner
// its own; another's reads as missing.
func (s *Server) visible(c *call, id int64) error {
	o := c.owner()
	if o == (desk.Owner{}) {
		return nil
	}
	_, err := desk.GetFor(c.ctx(), s.DB.Pool, id, o)
	return wrap("read ticket", err)
}

// ticketAnswer is the ticket as the caller may see it after a change.
func (s *Server) ticketAnswer(c *call, id int64) (any, error) {
	o := c.owner()
	if o == (desk.Owner{}) {
		t, err := desk.Get(c.ctx(), s.DB.Pool, id, true)
		return t, wrap("read ticket", err)
	}
	t, err := desk.GetFor(c.ctx(), s.DB.Pool, id, o)
	return t, wrap("read ticket", err)
}

func (s *Server) openTicket(c *call) (any, error) {
	var req desk.NewTicket
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	o := c.owner()
	lang := "zh-CN"
	if o.Member != 0 {
		m, err := member.GetByID(c.ctx(), s.DB.Pool, o.Member)
		if err != nil {
			return nil, wrap("read member", err)
		}
		lang = m.Lang
	}
	var t desk.Ticket
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		t, err = desk.Open(c.ctx(), tx, o, req, desk.Source{By: c.who.By(), Channel: "web", Lang: lang, Key: c.key})
		return err
	})
	if err != nil {
		return nil, wrap("open ticket", err)
	}
	return s.ticketAnswer(c, t.ID)
}

func (s *Server) listTickets(c *call) (any, error) {
	limit, err := intQuery(c, "limit", 50, 1, 200)
	if err != nil {
		return nil, err
	}
	f := desk.Filter{Owner: c.owner(), State: c.Query("state"), Category: desk.Category(c.Query("category")),
		Assignee: c.Query("assignee"), Query: c.Query("q"), Sort: desk.Sort(c.Query("sort")), Cursor: c.Query("cursor"), Limit: limit}
	switch v := c.Query("overdue"); v {
	case "", "false":
	case "true":
		f.Overdue = true
	default:
		return nil, errStatus(http.StatusBadRequest, "overdue must be true or false, not "+strconv.Quote(v))
	}
	p, err := desk.List(c.ctx(), s.DB.Pool, f)
	return p, wrap("list tickets", err)
}

func (s *Server) getTicket(c *call) (any, error) {
	id, err := ticketID(c)
	if err != nil {
		return nil, err
	}
	return s.ticketAnswer(c, id)
}

// ticketWrite runs fn on a ticket the caller may see, in a transaction,
// and answers the ticket as the caller sees it.
func (s *Server) ticketWrite(c *call, req any, op string, fn func(tx pgx.Tx, id int64) error) (any, error) {
	id, err := ticketID(c)
	if err != nil {
		return nil, err
	}
	if err := s.visible(c, id); err != nil {
		return nil, err
	}
	if req != nil {
		if err := c.bind(req); err != nil {
			return nil, err
		}
	}
	if err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) error { return fn(tx, id) }); err != nil {
		return nil, wrap(op, err)
	}
	return s.ticketAnswer(c, id)
}

func (s *Server) replyTicket(c *call) (any, error) {
	var req replyRequest
	return s.ticketWrite(c, &req, "reply to ticket", func(tx pgx.Tx, id int64) error {
		_, err := desk.Reply(c.ctx(), tx, id, req.Text, c.who.By(), c.owner() == desk.Owner{}, req.Photos...)
		return err
	})
}

func (s *Server) assignTicket(c *call) (any, error) {
	var req assignRequest
	return s.ticketWrite(c, &req, "assign ticket", func(tx pgx.Tx, id int64) error {
		_, err := desk.Assign(c.ctx(), tx, id, req.Assignee, c.who.By())
		return err
	})
}

func (s *Server) noteTicket(c *call) (any, error) {
	var req textRequest
	return s.ticketWrite(c, &req, "add a note", func(tx pgx.Tx, id int64) error {
		_, err := desk.AddNote(c.ctx(), tx, id, req.Text, c.who.By())
		return err
	})
}

func (s *Server) escalateTicket(c *call) (any, error) {
	var req reasonRequest
	return s.ticketWrite(c, &req, "escalate ticket", func(tx pgx.Tx, id int64) error {
		_, err := desk.Escalate(c.ctx(), tx, id, req.Reason, c.who.By())
		return err
	})
}

func (s *Server) closeTicket(c *call) (any, error) {
	var req resolutionRequest
	return s.ticketWrite(c, &req, "close ticket", func(tx pgx.Tx, id int64) error {
		_, err := desk.Close(c.ctx(), tx, id, req.Resolution, c.who.By())
		return err
	})
}

func (s *Server) reopenTicket(c *call) (any, error) {
	return s.ticketWrite(c, nil, "reopen ticket", func(tx pgx.Tx, id int64) error {
		_, err := desk.Reopen(c.ctx(), tx, id, c.who.By(), c.owner() == desk.Owner{})
		return err
	})
}

func (s *Server) ticketCategories(c *call) (any, error) {
	l, err := desk.SLAs(c.ctx(), s.DB.Pool)
	return l, wrap("list ticket categories", err)
}

func (s *Server) setTicketSLA(c *call) (any, error) {
	var req slaRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	v, err := desk.SetSLA(c.ctx(), s.DB.Pool, desk.Category(c.Param("category")), req.Hours, c.who.By())
	return v, wrap("set SLA", err)
}
