package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/graphstore"
	"downline/ledger/idempotency"
	"downline/ledger/member"
	"downline/ledger/order"
	"downline/ledger/user"
	"downline/network"
)

// MemberView is a member as the API shows it.
type MemberView struct {
	Code      string    `json:"code"`
	Name      string    `json:"name"`
	Phone     string    `json:"phone,omitempty"`
	Lang      string    `json:"lang,omitempty"`
	Status    string    `json:"status"`
	JoinedAt  time.Time `json:"joined_at"`
	Sponsor   string    `json:"sponsor,omitempty"`
	Placement string    `json:"placement,omitempty"`
	Side      string    `json:"side,omitempty"`
}

func memberView(m member.Member) MemberView {
	return MemberView{Code: m.Code, Name: m.Name, Phone: m.Phone, Lang: m.Lang, Status: string(m.Status), JoinedAt: m.JoinedAt,
		Sponsor: m.SponsorCode, Placement: m.ParentCode, Side: m.Side.String()}
}

// NodeView is a member in a tree page.
type NodeView struct {
	Code     string    `json:"code"`
	Name     string    `json:"name"`
	Status   string    `json:"status"`
	JoinedAt time.Time `json:"joined_at"`
	Depth    int       `json:"depth"`
	Side     string    `json:"side,omitempty"`
	Sponsor  string    `json:"sponsor,omitempty"`
	Parent   string    `json:"parent,omitempty"`
}

type registerRequest struct {
	Code      string `json:"code,omitempty"`
	Name      string `json:"name"`
	Phone     string `json:"phone"`
	Lang      string `json:"lang,omitempty"`
	Sponsor   string `json:"sponsor"`
	Placement string `json:"placement,omitempty"`
	Side      string `json:"side,omitempty"`
	// Auto is the placement strategy without an explicit slot: balanced
	// (default), leftmost, rightmost or weak-leg; Under where to start (default the sponsor).
	Auto  string `json:"auto,omitempty"`
	Under string `json:"under,omitempty"`
	// Order, when given, is the registration order placed with the member
	// in one transaction (needs an Idempotency-Key).
	Order *registrationOrder `json:"order,omitempty"`
}

type registrationOrder struct {
	Lines     []lineRequest `json:"lines"`
	Seller    string        `json:"seller,omitempty"`
	Warehouse string        `json:"warehouse,omitempty"`
	ShipTo    string        `json:"ship_to,omitempty"`
}

type lineRequest struct {
	SKU   string `json:"sku"`
	Qty   int64  `json:"qty"`
	Batch string `json:"batch,omitempty"`
}

func orderLines(ls []lineRequest) []order.LineRequest {
	out := make([]order.LineRequest, len(ls))
	for i, l := range ls {
		out[i] = order.LineRequest{SKU: l.SKU, Qty: l.Qty, Batch: l.Batch}
	}
	return out
}

type registered struct {
	Member MemberView   `json:"member"`
	Order  *order.Order `json:"order,omitempty"`
}

// registerScope: members register only under their own team; agencies sell
// only their own stock with a registration order.
func registerScope(c *call, req any) error {
	r := req.(*registerRequest)
	if c.role() != user.Admin && strings.TrimSpace(r.Sponsor) == "" {
		return errStatus(http.StatusUnprocessableEntity, "name the sponsor (a member code); only an admin registers a root member")
	}
	for _, code := range []string{r.Sponsor, r.Placement, r.Under} {
		if code == "" {
			continue
		}
		if err := c.s.actOnMember(c, code); err != nil {
			return err
		}
	}
	if r.Order != nil {
		seller := r.Order.Seller
		if c.role() == user.Agency && seller == "" {
			seller = c.who.User.Agency
			r.Order.Seller = seller
		}
		if err := c.s.actAsAgency(c, seller); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) registerMember(c *call) (any, error) {
	var req registerRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	reg := member.Registration{Code: req.Code, Name: req.Name, Phone: req.Phone, Lang: req.Lang, Sponsor: req.Sponsor,
		Placement: req.Placement, Side: req.Side, Auto: network.AutoPlace(req.Auto), Under: req.Under, By: c.who.By()}
	var out registered
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) error {
		if req.Order != nil {
			if c.key == "" {
				return errStatus(http.StatusBadRequest, "a registration with an order moves money and stock: send an Idempotency-Key header")
			}
			r, err := order.PlaceRegistration(c.ctx(), tx, order.RegistrationRequest{Key: c.key, Member: reg, Order: order.Request{
				Lines: orderLines(req.Order.Lines), Seller: req.Order.Seller, Warehouse: req.Order.Warehouse, ShipTo: req.Order.ShipTo, By: c.who.By()}})
			if err != nil {
				return err
			}
			out = registered{Member: memberView(r.Member), Order: &r.Order}
			return nil
		}
		if c.key != "" {
			m, err := idempotency.Do(c.ctx(), tx, c.key, "member.register", reg, func() (member.Member, error) {
				return member.Register(c.ctx(), tx, reg)
			})
			out.Member = memberView(m)
			return err
		}
		m, err := member.Register(c.ctx(), tx, reg)
		out.Member = memberView(m)
		return err
	})
	if err != nil {
		return nil, wrap("register member", err)
	}
	s.catchUp(c.ctx())
	return out, nil
}

// catchUp applies the outbox to the graph store now, so that a caller who
// registers or moves a member reads the change right away.
func (s *Server) catchUp(ctx context.Context) {
	if s.Feed != nil {
		_, _ = s.Feed.CatchUp(ctx)
	}
}

func (s *Server) getMember(c *call) (any, error) {
	m, err := member.Get(c.ctx(), s.DB.Pool, c.Param("code"))
	if err != nil {
		return nil, wrap("read member", err)
	}
	return memberView(m), nil
}

func treeOf(c *call) (network.Tree, error) {
	t, err := network.ParseTree(c.Query("tree"))
	if err != nil {
		return 0, errStatus(http.StatusBadRequest, "tree must be sponsor or placement")
	}
	return t, nil
}

func intQuery(c *call, name string, def, lo, hi int) (int, error) {
	v := c.Query(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, errStatus(http.StatusBadRequest, fmt.Sprintf("%s must be a whole number from %d to %d", name, lo, hi))
	}
	return n, nil
}

// graphMember finds the member of the path in the graph store, which trails
// the ledger by a moment: a member just registered is applied first.
func (s *Server) graphMember(c *call) (network.Member, error) {
	code := c.Param("code")
	m, err := s.Graph.MemberByCode(c.ctx(), code)
	if errors.Is(err, graphstore.ErrNotFound) {
		s.catchUp(c.ctx())
		m, err = s.Graph.MemberByCode(c.ctx(), code)
	}
	if errors.Is(err, graphstore.ErrNotFound) {
		return m, memberNotFound(code)
	}
	return m, err
}

func (s *Server) nodeViews(ctx context.Context, ns []graphstore.Node) []NodeView {
	codes := map[network.MemberID]string{}
	code := func(id network.MemberID) string {
		if id == 0 {
			return ""
		}
		if c, ok := codes[id]; ok {
			return c
		}
		m, err := s.Graph.Member(ctx, id)
		if err != nil {
			return ""
		}
		codes[id] = m.Code
		return m.Code
	}
	out := make([]NodeView, len(ns))
	for i, n := range ns {
		out[i] = NodeView{Code: n.Code, Name: n.Name, Status: string(n.Status), JoinedAt: n.Joined, Depth: n.Depth,
			Side: n.Side.String(), Sponsor: code(n.Sponsor), Parent: code(n.Parent)}
	}
	return out
}

// DownlinePage is one page of a downline.
type DownlinePage struct {
	Tree  string     `json:"tree"`
	Items []NodeView `json:"items"`
	Next  string     `json:"next,omitempty"`
}

func (s *Server) downline(c *call) (any, error) {
	tree, err := treeOf(c)
	if err != nil {
		return nil, err
	}
	depth, err := intQuery(c, "depth", 0, 0, 1_000_000)
	if err != nil {
		return nil, err
	}
	limit, err := intQuery(c, "limit", 100, 1, 1000)
	if err != nil {
		return nil, err
	}
	m, err := s.graphMember(c)
	if err != nil {
		return nil, err
	}
	p, err := s.Graph.Downline(c.ctx(), tree, m.ID, graphstore.DownlineQuery{MaxDepth: depth, Limit: limit, Cursor: c.Query("cursor")})
	if err != nil {
		return nil, wrap("read downline", err)
	}
	return DownlinePage{Tree: tree.String(), Items: s.nodeViews(c.ctx(), p.Nodes), Next: p.Next}, nil
}

func (s *Server) frontline(c *call) (any, error) {
	tree, err := treeOf(c)
	if err != nil {
		return nil, err
	}
	m, err := s.graphMember(c)
	if err != nil {
		return nil, err
	}
	ns, err := s.Graph.Frontline(c.ctx(), tree, m.ID)
	if err != nil {
		return nil, wrap("read frontline", err)
	}
	return DownlinePage{Tree: tree.String(), Items: s.nodeViews(c.ctx(), ns)}, nil
}

// upline lists the ancestors; a member sees them only up to itself, since
// whoever is above it is outside its team.
func (s *Server) upline(c *call) (any, error) {
	tree, err := treeOf(c)
	if err != nil {
		return nil, err
	}
	levels, err := intQuery(c, "levels", 0, 0, 1_000_000)
	if err != nil {
		return nil, err
	}
	m, err := s.graphMember(c)
	if err != nil {
		return nil, err
	}
	ns, err := s.Graph.Upline(c.ctx(), tree, m.ID, levels)
	if err != nil {
		return nil, wrap("read upline", err)
	}
	if c.role() == user.Member {
		ns = uptoSelf(ns, m.ID, network.MemberID(c.who.User.MemberID))
	}
	return DownlinePage{Tree: tree.String(), Items: s.nodeViews(c.ctx(), ns)}, nil
}

// TeamView is team totals with legs by member code.
type TeamView struct {
	Tree   string    `json:"tree"`
	Total  int64     `json:"total"`
	Active int64     `json:"active"`
	Depth  int       `json:"depth"`
	Legs   []LegView `json:"legs"`
}

// LegView is one frontline leg.
type LegView struct {
	Head   string `json:"head"`
	Side   string `json:"side,omitempty"`
	Total  int64  `json:"total"`
	Active int64  `json:"active"`
}

func (s *Server) team(c *call) (any, error) {
	tree, err := treeOf(c)
	if err != nil {
		return nil, err
	}
	m, err := s.graphMember(c)
	if err != nil {
		return nil, err
	}
	t, err := s.Graph.Team(c.ctx(), tree, m.ID)
	if err != nil {
		return nil, wrap("read team", err)
	}
	v := TeamView{Tree: tree.String(), Total: t.Total, Active: t.Active, Depth: t.Depth, Legs: []LegView{}}
	for _, l := range t.Legs {
		head, err := s.Graph.Member(c.ctx(), l.Head)
		if err != nil {
			return nil, wrap("read member from the graph store", err)
		}
		v.Legs = append(v.Legs, LegView{Head: head.Code, Side: l.Side.String(), Total: l.Total, Active: l.Active})
	}
	return v, nil
}

// SlotView is a free placement slot.
type SlotView struct {
	Parent string `json:"parent"`
	Side   string `json:"side"`
}

func (s *Server) freeSlots(c *call) (any, error) {
	limit, err := intQuery(c, "limit", 10, 1, 100)
	if err != nil {
		return nil, err
	}
	m, err := s.graphMember(c)
	if err != nil {
		return nil, err
	}
	slots, err := s.Graph.FreeSlots(c.ctx(), m.ID, limit)
	if err != nil {
		return nil, wrap("find free slots", err)
	}
	out := []SlotView{}
	for _, sl := range slots {
		p, err := s.Graph.Member(c.ctx(), sl.Parent)
		if err != nil {
			return nil, wrap("read member from the graph store", err)
		}
		out = append(out, SlotView{Parent: p.Code, Side: sl.Side.String()})
	}
	return out, nil
}

func (s *Server) memberMoves(c *call) (any, error) {
	if _, err := member.Get(c.ctx(), s.DB.Pool, c.Param("code")); err != nil {
		return nil, err
	}
	return member.Moves(c.ctx(), s.DB.Pool, c.Param("code"))
}

type moveRequest struct {
	Tree   string `json:"tree"`
	To     string `json:"to"`
	Side   string `json:"side,omitempty"`
	Reason string `json:"reason"`
}

func (s *Server) moveMember(c *call) (any, error) {
	var req moveRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	tree, err := network.ParseTree(req.Tree)
	if err != nil || req.Tree == "" {
		return nil, errStatus(http.StatusUnprocessableEntity, "tree must be sponsor or placement")
	}
	if strings.TrimSpace(req.Reason) == "" {
		return nil, errStatus(http.StatusUnprocessableEntity, "a move needs a reason, kept in the member's history")
	}
	var m member.Member
	err = s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		m, err = member.Move(c.ctx(), tx, member.MoveRequest{Member: c.Param("code"), Tree: tree, To: req.To, Side: req.Side, By: c.who.By(), Reason: req.Reason})
		return err
	})
	if err != nil {
		return nil, wrap("move member", err)
	}
	s.catchUp(c.ctx())
	return memberView(m), nil
}

type statusRequest struct {
	Status string `json:"status"`
	Reason string `json:"reason"`
}

func (s *Server) setMemberStatus(c *call) (any, error) {
	var req statusRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	var m member.Member
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		m, err = member.SetStatus(c.ctx(), tx, c.Param("code"), network.Status(req.Status), c.who.By(), req.Reason)
		return err
	})
	if err != nil {
		return nil, wrap("set member status", err)
	}
	s.catchUp(c.ctx())
	return memberView(m), nil
}

// uptoSelf keeps the ancestors of member up to and including me; nothing
// when me is not among them (or is the member itself).
func uptoSelf(ns []graphstore.Node, member, me network.MemberID) []graphstore.Node {
	if member == me {
		return ns[:0]
	}
	for i, n := range ns {
		if n.ID == me {
			return ns[:i+1]
		}
	}
	return ns[:0]
}
