package api

import (
	"net/http"
	"strconv"

	"downline/ledger/member"
	"downline/network"
)

// MemberPage is one page of members, by id.
type MemberPage struct {
	Items []MemberView `json:"items"`
	Next  string       `json:"next,omitempty"`
}

// searchMembers is the staff's member search over the whole company.
func (s *Server) searchMembers(c *call) (any, error) {
	limit, err := intQuery(c, "limit", 50, 1, 200)
	if err != nil {
		return nil, err
	}
	var after int64
	if cur := c.Query("cursor"); cur != "" {
		if after, err = strconv.ParseInt(cur, 10, 64); err != nil || after < 0 {
			return nil, errStatus(http.StatusBadRequest, "cursor must be the next value of the previous page")
		}
	}
	ms, err := member.Search(c.ctx(), s.DB.Pool, c.Query("q"), after, limit)
	if err != nil {
		return nil, wrap("search members", err)
	}
	p := MemberPage{Items: make([]MemberView, len(ms))}
	for i, m := range ms {
		p.Items[i] = memberView(m)
	}
	if len(ms) == limit {
		p.Next = strconv.FormatInt(ms[len(ms)-1].ID, 10)
	}
	return p, nil
}

// MovePreviewView is what a move would do: the size of the subtree that
// moves with the member, where it hangs now and its new upline.
type MovePreviewView struct {
	Member     MemberView     `json:"member"`
	Tree       string         `json:"tree"`
	Subtree    int64          `json:"subtree"`
	FromParent string         `json:"from_parent,omitempty"`
	FromSide   string         `json:"from_side,omitempty"`
	Upline     []AncestorView `json:"upline"`
}

// AncestorView is one member of a new upline.
type AncestorView struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func (s *Server) previewMove(c *call) (any, error) {
	tree, err := network.ParseTree(c.Query("tree"))
	if err != nil || c.Query("tree") == "" {
		return nil, errStatus(http.StatusUnprocessableEntity, "tree must be sponsor or placement")
	}
	p, err := member.PreviewMove(c.ctx(), s.DB, member.MoveRequest{Member: c.Param("code"), Tree: tree, To: c.Query("to"),
		Side: c.Query("side"), By: c.who.By(), Reason: "preview"})
	if err != nil {
		return nil, wrap("preview move", err)
	}
	v := MovePreviewView{Member: memberView(p.Member), Tree: p.Tree.String(), Subtree: p.Subtree, FromParent: p.FromParent,
		FromSide: p.FromSide.String(), Upline: []AncestorView{}}
	for _, a := range p.Upline {
		v.Upline = append(v.Upline, AncestorView{Code: a.Code, Name: a.Name})
	}
	return v, nil
}
