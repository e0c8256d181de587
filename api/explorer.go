package api

import (
	"fmt"
	"net/http"
	"time"

	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/graphstore"
	"downline/ledger"
	"downline/ledger/order"
	"downline/network"
	"downline/settle/period"
)

// The genealogy explorer's reads: what a tree view needs to draw a node and
// its collapsed children in one call each.

// ChildView is a direct child in a tree with what a collapsed node shows:
// the size of the team below it, how many of them are active, and its own
// PV in the period.
type ChildView struct {
	NodeView
	// Spillover: placed under someone other than its sponsor.
	Spillover bool `json:"spillover"`
	// Team counts the members below the child in this tree (itself
	// excluded); Active how many of them are active.
	Team   int64 `json:"team"`
	Active int64 `json:"active"`
	// PV is the child's personal volume in the period: orders confirmed in
	// it (not cancelled) less returns confirmed in it.
	PV decimal.Decimal `json:"pv"`
}

// ChildrenView is a member's direct children in one tree, for a period.
type ChildrenView struct {
	Tree     string      `json:"tree"`
	Member   string      `json:"member"`
	Period   string      `json:"period"`
	StartsAt time.Time   `json:"starts_at"`
	EndsAt   time.Time   `json:"ends_at"` // exclusive
	Items    []ChildView `json:"items"`
}

// explorerTree reads the tree parameter (default sponsor); an unknown one
// is 422, naming the parameter.
func explorerTree(c *call) (network.Tree, error) {
	t, err := network.ParseTree(c.Query("tree"))
	if err != nil {
		return 0, errStatus(http.StatusUnprocessableEntity, fmt.Sprintf("tree %q: must be sponsor or placement", c.Query("tree")))
	}
	return t, nil
}

// explorerPeriod reads the period parameter, a month YYYY-MM (or an ISO
// week YYYY-Www) in the company's zone; by default the month the clock
// reads now.
func explorerPeriod(c *call) (code string, from, to time.Time, err error) {
	loc, err := ledger.CompanyZone()
	if err != nil {
		return "", from, to, wrap("read the company's time zone", err)
	}
	code = c.Query("period")
	if code == "" {
		code = clock.Now(c.ctx()).In(loc).Format("2006-01")
	}
	if _, from, to, err = period.ParseCode(code, loc); err != nil {
		return "", from, to, errStatus(http.StatusUnprocessableEntity,
			fmt.Sprintf("period %q: want a month YYYY-MM or an ISO week YYYY-Www", code))
	}
	return code, from, to, nil
}

// explorerQuery is what the explorer's reads are asked: a member of the
// path, a tree and a period.
type explorerQuery struct {
	tree     network.Tree
	period   string
	from, to time.Time
	member   network.Member
}

func (s *Server) explorerQuery(c *call) (q explorerQuery, err error) {
	if q.tree, err = explorerTree(c); err != nil {
		return q, err
	}
	if q.period, q.from, q.to, err = explorerPeriod(c); err != nil {
		return q, err
	}
	q.member, err = s.graphMember(c)
	return q, err
}

// children answers a member's direct children with their team counts (one
// graph-store call for all of them) and their PV (one ledger query).
func (s *Server) children(c *call) (any, error) {
	q, err := s.explorerQuery(c)
	if err != nil {
		return nil, err
	}
	tree, code, from, to, m := q.tree, q.period, q.from, q.to, q.member
	ns, err := s.Graph.Frontline(c.ctx(), tree, m.ID)
	if err != nil {
		return nil, wrap("read frontline", err)
	}
	team, err := s.Graph.Team(c.ctx(), tree, m.ID)
	if err != nil {
		return nil, wrap("read team", err)
	}
	legs := make(map[network.MemberID]graphstore.LegCount, len(team.Legs))
	for _, l := range team.Legs {
		legs[l.Head] = l
	}
	ids := make([]int64, len(ns))
	for i, n := range ns {
		ids[i] = int64(n.ID)
	}
	pv, err := order.MembersPV(c.ctx(), s.DB.Pool, ids, from, to)
	if err != nil {
		return nil, wrap("read the children's volumes", err)
	}
	out := ChildrenView{Tree: tree.String(), Member: m.Code, Period: code, StartsAt: from, EndsAt: to, Items: []ChildView{}}
	for i, v := range s.nodeViews(c.ctx(), ns) {
		n := ns[i]
		out.Items = append(out.Items, childView(v, n.Member, legs[n.ID], pv[int64(n.ID)]))
	}
	return out, nil
}

// childView is a child with its leg's counts, which include the child itself.
func childView(v NodeView, n network.Member, leg graphstore.LegCount, pv decimal.Decimal) ChildView {
	active := leg.Active
	if n.Status == network.Active && active > 0 {
		active--
	}
	team := leg.Total - 1
	if team < 0 {
		team = 0
	}
	return ChildView{NodeView: v, Spillover: n.Parent != 0 && n.Parent != n.Sponsor, Team: team, Active: active, PV: pv}
}

// PerformanceView is a member's figures for a period, computed now from the
// ledger and one tree: its own PV, and the group volume (the PV of everyone
// in it) of each frontline leg.
type PerformanceView struct {
	Tree     string          `json:"tree"`
	Member   string          `json:"member"`
	Period   string          `json:"period"`
	StartsAt time.Time       `json:"starts_at"`
	EndsAt   time.Time       `json:"ends_at"` // exclusive
	PV       decimal.Decimal `json:"pv"`
	// GV is the member's PV plus every leg's.
	GV     decimal.Decimal `json:"gv"`
	Team   int64           `json:"team"`
	Active int64           `json:"active"`
	Legs   []LegVolume     `json:"legs"`
}

// LegVolume is one frontline leg with its group volume in the period.
type LegVolume struct {
	LegView
	GV decimal.Decimal `json:"gv"`
}

func (s *Server) performance(c *call) (any, error) {
	q, err := s.explorerQuery(c)
	if err != nil {
		return nil, err
	}
	tree, code, from, to, m := q.tree, q.period, q.from, q.to, q.member
	team, err := s.Graph.Team(c.ctx(), tree, m.ID)
	if err != nil {
		return nil, wrap("read team", err)
	}
	own, legGV, err := s.legVolumes(c, tree, m.ID, from, to)
	if err != nil {
		return nil, err
	}
	out := PerformanceView{Tree: tree.String(), Member: m.Code, Period: code, StartsAt: from, EndsAt: to, PV: own, GV: own,
		Team: team.Total, Active: team.Active, Legs: []LegVolume{}}
	for _, l := range team.Legs {
		head, err := s.Graph.Member(c.ctx(), l.Head)
		if err != nil {
			return nil, wrap("read member from the graph store", err)
		}
		gv := legGV[l.Head]
		out.GV = out.GV.Add(gv)
		out.Legs = append(out.Legs, LegVolume{LegView: LegView{Head: head.Code, Side: l.Side.String(), Total: l.Total, Active: l.Active}, GV: gv})
	}
	return out, nil
}

// legVolumes sums the period's PV of member and of each of its frontline
// legs (by the leg's head). The team is read from the graph store a page at
// a time, breadth first so that a parent comes before its children; the
// PVs of all of it in one query.
func (s *Server) legVolumes(c *call, tree network.Tree, member network.MemberID, from, to time.Time) (decimal.Decimal, map[network.MemberID]decimal.Decimal, error) {
	headOf := map[network.MemberID]network.MemberID{}
	ids := []int64{int64(member)}
	q := graphstore.DownlineQuery{Limit: graphstore.MaxLimit}
	for {
		p, err := s.Graph.Downline(c.ctx(), tree, member, q)
		if err != nil {
			return decimal.Zero, nil, wrap("read downline", err)
		}
		for _, n := range p.Nodes {
			headOf[n.ID] = n.ID
			if n.Depth > 1 {
				headOf[n.ID] = headOf[parentIn(tree, n.Member)]
			}
			ids = append(ids, int64(n.ID))
		}
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	pv, err := order.MembersPV(c.ctx(), s.DB.Pool, ids, from, to)
	if err != nil {
		return decimal.Zero, nil, wrap("read the team's volumes", err)
	}
	legs := map[network.MemberID]decimal.Decimal{}
	for id, v := range pv {
		if head, ok := headOf[network.MemberID(id)]; ok {
			legs[head] = legs[head].Add(v)
		}
	}
	return pv[int64(member)], legs, nil
}

// parentIn is m's parent in tree.
func parentIn(tree network.Tree, m network.Member) network.MemberID {
	if tree == network.Placement {
		return m.Parent
	}
	return m.Sponsor
}
