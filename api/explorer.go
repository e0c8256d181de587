package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"downline/api/explorer"
	"downline/clock"
	"downline/ledger"
	"downline/network"
	"downline/settle/period"
)

// The genealogy explorer's reads: what a tree view needs to draw a node and
// its collapsed children in one call each, answered from the in-memory
// figures of the period (package api/explorer), not by walking subtrees.

// ExplorerNode is a member in a tree with the figures a node shows for a
// period.
type ExplorerNode struct {
	NodeView
	// Spillover: placed under someone other than its sponsor.
	Spillover bool `json:"spillover"`
	// Team counts the members below it in this tree (itself excluded);
	// Active how many of them are active.
	Team   int64 `json:"team"`
	Active int64 `json:"active"`
	// PV is its personal volume in the period: orders confirmed in it (not
	// cancelled) less returns confirmed in it; GV adds everyone below it.
	PV Volume `json:"pv"`
	GV Volume `json:"gv"`
	// LeftGV and RightGV are the GV of its left and right placement
	// subtrees (zero in the sponsor tree).
	LeftGV  Volume `json:"left_gv"`
	RightGV Volume `json:"right_gv"`
	// CarryLeft and CarryRight are the binary carry into the period.
	CarryLeft  Volume `json:"carry_left"`
	CarryRight Volume `json:"carry_right"`
	// Rank is the period's rank from its approved run, else the rank held;
	// RankIndex its place in the plan's ranks ("" and -1: none).
	Rank      string `json:"rank"`
	RankIndex int    `json:"rank_index"`
	// New: joined within the period.
	New bool `json:"new"`
}

// ExplorerHead is what every explorer answer starts with.
type ExplorerHead struct {
	Tree     string    `json:"tree"`
	Member   string    `json:"member"`
	Period   string    `json:"period"`
	StartsAt time.Time `json:"starts_at"`
	EndsAt   time.Time `json:"ends_at"` // exclusive
	// AsOf is the cut-off the trees are shown at; null for now.
	AsOf *time.Time `json:"as_of"`
	// Ranks are the plan's ranks, lowest first.
	Ranks []string `json:"ranks"`
}

// ChildrenView is a member's direct children in one tree, for a period.
type ChildrenView struct {
	ExplorerHead
	Items []ExplorerNode `json:"items"`
	// Next is the cursor of the following page, "" after the last.
	Next string `json:"next"`
}

// NodeFigures is one member with its figures.
type NodeFigures struct {
	ExplorerHead
	Node ExplorerNode `json:"node"`
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
// path (its number in the index), a tree and a period's figures.
type explorerQuery struct {
	tree   network.Tree
	x      *explorer.Index
	member int32
}

// figures is the cache of the explorer's indexes, made on first use.
func (s *Server) figures() *explorer.Cache {
	s.explorerOnce.Do(func() {
		if s.Explorer == nil {
			s.Explorer = &explorer.Cache{}
		}
		if s.Explorer.Source.DB == nil {
			s.Explorer.Source = explorer.Source{DB: s.DB, Graph: s.Graph}
		}
	})
	return s.Explorer
}

// explorerQuery resolves the tree, the period and the member of the path;
// a member absent from the period's trees (joined after its end) is not
// found, as one that does not exist.
func (s *Server) explorerQuery(c *call, withTree bool) (q explorerQuery, err error) {
	if withTree {
		if q.tree, err = explorerTree(c); err != nil {
			return q, err
		}
	}
	code, from, to, err := explorerPeriod(c)
	if err != nil {
		return q, err
	}
	m, err := s.graphMember(c)
	if err != nil {
		return q, err
	}
	if q.x, err = s.figures().Get(c.ctx(), code, from, to, clock.Now(c.ctx())); err != nil {
		return q, wrap("compute the period's figures", err)
	}
	i, ok := q.x.Lookup(m.ID)
	if !ok {
		return q, memberNotFound(m.Code)
	}
	q.member = i
	return q, nil
}

func (q explorerQuery) head() ExplorerHead {
	x := q.x
	h := ExplorerHead{Tree: q.tree.String(), Member: x.Node(q.tree, q.member).Code, Period: x.Period, StartsAt: x.From, EndsAt: x.To, Ranks: x.Ranks}
	if !x.AsOf.IsZero() {
		at := x.AsOf
		h.AsOf = &at
	}
	if h.Ranks == nil {
		h.Ranks = []string{}
	}
	return h
}

// nodeView is member i as a tree page shows it, its depth counted from root.
func nodeView(x *explorer.Index, t network.Tree, root, i int32) NodeView {
	n := x.Node(t, i)
	return nodeViewOf(n, n.Depth-x.Node(t, root).Depth)
}

func nodeViewOf(n explorer.Node, depth int) NodeView {
	return NodeView{Code: n.Code, Name: n.Name, Status: string(n.Status), JoinedAt: n.Joined, Depth: depth,
		Side: n.Side.String(), Sponsor: n.Sponsor, Parent: n.Parent}
}

// explorerNode is member i's figures, depth levels below the member asked about.
func explorerNode(x *explorer.Index, t network.Tree, i int32, depth int) ExplorerNode {
	n := x.Node(t, i)
	return ExplorerNode{NodeView: nodeViewOf(n, depth), Spillover: n.Spillover,
		Team: n.Team, Active: n.Active, PV: Volume(n.PV), GV: Volume(n.GV), LeftGV: Volume(n.LeftGV), RightGV: Volume(n.RightGV),
		CarryLeft: Volume(n.CarryLeft), CarryRight: Volume(n.CarryRight), Rank: n.Rank, RankIndex: n.RankIndex, New: n.New}
}

// MarshalJSON writes the node field by field: a page of a thousand
// children is written without reflection.
func (n ExplorerNode) MarshalJSON() ([]byte, error) { return n.appendJSON(make([]byte, 0, 384)), nil }

func (n ExplorerNode) appendJSON(b []byte) []byte {
	b = append(b, `{"code":`...)
	b = appendJSONString(b, n.Code)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, n.Name)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, n.Status)
	b = append(b, `,"joined_at":"`...)
	b = n.JoinedAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","depth":`...)
	b = strconv.AppendInt(b, int64(n.Depth), 10)
	for _, f := range [...]struct{ key, val string }{{`,"side":`, n.Side}, {`,"sponsor":`, n.Sponsor}, {`,"parent":`, n.Parent}} {
		if f.val != "" {
			b = append(b, f.key...)
			b = appendJSONString(b, f.val)
		}
	}
	b = append(b, `,"spillover":`...)
	b = strconv.AppendBool(b, n.Spillover)
	b = append(b, `,"team":`...)
	b = strconv.AppendInt(b, n.Team, 10)
	b = append(b, `,"active":`...)
	b = strconv.AppendInt(b, n.Active, 10)
	for _, f := range [...]struct {
		key string
		val Volume
	}{{`,"pv":`, n.PV}, {`,"gv":`, n.GV}, {`,"left_gv":`, n.LeftGV}, {`,"right_gv":`, n.RightGV}, {`,"carry_left":`, n.CarryLeft}, {`,"carry_right":`, n.CarryRight}} {
		b = append(b, f.key...)
		b = f.val.appendJSON(b)
	}
	b = append(b, `,"rank":`...)
	b = appendJSONString(b, n.Rank)
	b = append(b, `,"rank_index":`...)
	b = strconv.AppendInt(b, int64(n.RankIndex), 10)
	b = append(b, `,"new":`...)
	b = strconv.AppendBool(b, n.New)
	return append(b, '}')
}

// appendJSON writes the page with its nodes as they write themselves, not
// through encoding/json, which would check every node's text again.
func (v ChildrenView) appendJSON(b []byte) ([]byte, error) {
	head, err := json.Marshal(wire(v.ExplorerHead))
	if err != nil {
		return nil, err
	}
	b = append(b, head[:len(head)-1]...)
	b = append(b, `,"items":[`...)
	for i, it := range v.Items {
		if i > 0 {
			b = append(b, ',')
		}
		b = it.appendJSON(b)
	}
	b = append(b, `],"next":`...)
	b = appendJSONString(b, v.Next)
	return append(b, '}'), nil
}

// appendJSONString appends s as a JSON string.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// children answers a page of a member's direct children with their figures.
func (s *Server) children(c *call) (any, error) {
	limit, err := intQuery(c, "limit", 200, 1, 1000)
	if err != nil {
		return nil, err
	}
	offset := 0
	if cur := c.Query("cursor"); cur != "" {
		if offset, err = strconv.Atoi(cur); err != nil || offset < 0 {
			return nil, errStatus(http.StatusUnprocessableEntity, fmt.Sprintf("cursor %q: pass the next value of the previous page", cur))
		}
	}
	q, err := s.explorerQuery(c, true)
	if err != nil {
		return nil, err
	}
	kids := q.x.Children(q.tree, q.member)
	page := func() ChildrenView {
		out := ChildrenView{ExplorerHead: q.head(), Items: []ExplorerNode{}}
		end := min(offset+limit, len(kids))
		for _, k := range kids[min(offset, len(kids)):end] {
			out.Items = append(out.Items, explorerNode(q.x, q.tree, k, 1))
		}
		if end < len(kids) {
			out.Next = strconv.Itoa(end)
		}
		return out
	}
	if len(kids) < widePage {
		return page(), nil
	}
	// A wide frontline's page is the same until the figures change: it is
	// written once per index.
	type pageKey struct {
		tree                  network.Tree
		member, offset, limit int32
	}
	return q.x.Memo(pageKey{q.tree, q.member, int32(offset), int32(limit)}, func() (any, error) {
		b, err := page().appendJSON(nil)
		return encoded(b), err
	})
}

// widePage is the number of children from which a page is kept written.
const widePage = 32

// encoded is an answer already written.
type encoded []byte

func (e encoded) appendJSON(b []byte) ([]byte, error) { return append(b, e...), nil }

// node answers the member itself with its figures: the explorer's root.
func (s *Server) node(c *call) (any, error) {
	q, err := s.explorerQuery(c, true)
	if err != nil {
		return nil, err
	}
	return NodeFigures{ExplorerHead: q.head(), Node: explorerNode(q.x, q.tree, q.member, 0)}, nil
}

// PerformanceView is a member's figures for a period, from the ledger and
// one tree: its own PV, the group volume of each frontline leg, its rank
// and how far it is from the next.
type PerformanceView struct {
	ExplorerHead
	PV Volume `json:"pv"`
	// GV is the member's PV plus every leg's.
	GV         Volume      `json:"gv"`
	Team       int64       `json:"team"`
	Active     int64       `json:"active"`
	Legs       []LegVolume `json:"legs"`
	Rank       string      `json:"rank"`
	RankIndex  int         `json:"rank_index"`
	CarryLeft  Volume      `json:"carry_left"`
	CarryRight Volume      `json:"carry_right"`
	LeftGV     Volume      `json:"left_gv"`
	RightGV    Volume      `json:"right_gv"`
	// NextRank is null at the top rank (or without a plan).
	NextRank *NextRank `json:"next_rank"`
}

// LegVolume is one frontline leg with its group volume in the period, and
// that volume as the next rank's leg cap counts it.
type LegVolume struct {
	LegView
	GV      Volume          `json:"gv"`
	Counted decimal.Decimal `json:"counted"`
}

// NextRank is the progress to the rank above the one held, by the plan's
// rank tests (docs/compensation-plan.md, Ranks).
type NextRank struct {
	Name string    `json:"name"`
	PV   Need      `json:"pv"`
	QGV  QGVNeed   `json:"qgv"`
	Legs *LegsNeed `json:"legs"`
	// Missing names the tests not passed yet: pv, qgv, legs.
	Missing []string `json:"missing"`
}

// Need is a requirement and what the member has.
type Need struct {
	Need decimal.Decimal `json:"need"`
	Have decimal.Decimal `json:"have"`
}

// QGVNeed is the qualifying GV needed and had; Cap is the most one leg
// counts for (null: no cap).
type QGVNeed struct {
	Need decimal.Decimal  `json:"need"`
	Have decimal.Decimal  `json:"have"`
	Cap  *decimal.Decimal `json:"cap"`
}

// LegsNeed is the number of frontline legs needed holding a member of Rank
// or higher, and how many do.
type LegsNeed struct {
	Need int    `json:"need"`
	Rank string `json:"rank"`
	Have int    `json:"have"`
}

func (s *Server) performance(c *call) (any, error) {
	q, err := s.explorerQuery(c, true)
	if err != nil {
		return nil, err
	}
	x, me := q.x, q.x.Node(q.tree, q.member)
	out := PerformanceView{ExplorerHead: q.head(), PV: Volume(me.PV), GV: Volume(me.GV), Team: me.Team, Active: me.Active, Legs: []LegVolume{},
		Rank: me.Rank, RankIndex: me.RankIndex, CarryLeft: Volume(me.CarryLeft), CarryRight: Volume(me.CarryRight),
		LeftGV: Volume(me.LeftGV), RightGV: Volume(me.RightGV)}
	p := x.NextRank(q.member)
	if p != nil {
		out.NextRank = &NextRank{Name: p.Name, PV: Need{Need: p.PVNeed, Have: p.PVHave},
			QGV: QGVNeed{Need: p.QGVNeed, Have: p.QGVHave, Cap: p.Cap}, Missing: p.Missing}
		if p.Legs != nil {
			out.NextRank.Legs = &LegsNeed{Need: p.Legs.Need, Rank: p.Legs.Rank, Have: p.Legs.Have}
		}
	}
	for _, k := range x.Children(q.tree, q.member) {
		n := x.Node(q.tree, k)
		total, active := n.Team+1, n.Active
		if n.Status == network.Active {
			active++
		}
		leg := LegVolume{LegView: LegView{Head: n.Code, Total: total, Active: active}, GV: Volume(n.GV), Counted: n.GV.Decimal()}
		if q.tree == network.Placement {
			leg.Side = n.Side.String()
		}
		if p != nil {
			leg.Counted = explorer.Counted(n.GV.Decimal(), p.Cap)
		}
		out.Legs = append(out.Legs, leg)
	}
	return out, nil
}

// SearchHit is a member found below another, with the path down to it.
type SearchHit struct {
	Node NodeView `json:"node"`
	// Path is the codes from the member searched under down to the match.
	Path []string `json:"path"`
}

// SearchResult is what a search found.
type SearchResult struct {
	Items []SearchHit `json:"items"`
}

func (s *Server) searchTeam(c *call) (any, error) {
	text := strings.TrimSpace(c.Query("q"))
	if text == "" {
		return nil, errStatus(http.StatusUnprocessableEntity, "q: type at least one character of a code or a name")
	}
	limit, err := intQuery(c, "limit", 20, 1, 100)
	if err != nil {
		return nil, err
	}
	q, err := s.explorerQuery(c, true)
	if err != nil {
		return nil, err
	}
	out := SearchResult{Items: []SearchHit{}}
	for _, i := range q.x.Search(q.tree, q.member, text, limit) {
		out.Items = append(out.Items, SearchHit{Node: nodeView(q.x, q.tree, q.member, i), Path: codes(q.x, q.tree, q.x.Path(q.tree, q.member, i))})
	}
	return out, nil
}

func codes(x *explorer.Index, t network.Tree, path []int32) []string {
	out := make([]string, len(path))
	for k, i := range path {
		out[k] = x.Node(t, i).Code
	}
	return out
}

// LegEndView is the bottom of a member's outer left or right leg.
type LegEndView struct {
	Side string   `json:"side"`
	Node NodeView `json:"node"`
	Path []string `json:"path"`
}

func (s *Server) legEnd(c *call) (any, error) {
	side := map[string]network.Side{"L": network.Left, "R": network.Right}[c.Query("side")]
	if side == network.NoSide {
		return nil, errStatus(http.StatusUnprocessableEntity, fmt.Sprintf("side %q: must be L or R", c.Query("side")))
	}
	q, err := s.explorerQuery(c, false)
	if err != nil {
		return nil, err
	}
	q.tree = network.Placement
	path := q.x.LegEnd(q.member, side)
	return LegEndView{Side: side.String(), Node: nodeView(q.x, q.tree, q.member, path[len(path)-1]), Path: codes(q.x, q.tree, path)}, nil
}

// NewMember is a member who joined in the period, with its PV.
type NewMember struct {
	NodeView
	PV Volume `json:"pv"`
}

// NewMembersView lists the newest members of a sponsor team.
type NewMembersView struct {
	Period string      `json:"period"`
	Items  []NewMember `json:"items"`
}

func (s *Server) newMembers(c *call) (any, error) {
	limit, err := intQuery(c, "limit", 20, 1, 100)
	if err != nil {
		return nil, err
	}
	q, err := s.explorerQuery(c, false)
	if err != nil {
		return nil, err
	}
	out := NewMembersView{Period: q.x.Period, Items: []NewMember{}}
	for _, i := range q.x.NewMembers(q.member, limit) {
		out.Items = append(out.Items, NewMember{NodeView: nodeView(q.x, network.Sponsor, q.member, i), PV: Volume(q.x.Node(network.Sponsor, i).PV)})
	}
	return out, nil
}
