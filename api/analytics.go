package api

import (
	"downline/analytics"
	"downline/graphstore"
	"downline/ledger/user"
)

// analyticsRoutes are HQ's questions about the business, answered from the
// graph store: HQ-wide, so only analysts and admins ask them.
func (s *Server) analyticsRoutes() []Route {
	return []Route{
		{Method: GET, Path: "/analytics/lots/{sku}/{batch}/trace", Tag: "analytics",
			Summary: "Where a lot went: the warehouses and agencies it passed through and the members and customers who received it (a recall list), with quantities, dates and what each holds now",
			Roles:   roles(user.Admin, user.Analyst), Response: analytics.Trace{}, Handle: s.lotTrace,
			Query: []Param{{"flows", "integer", "add the lot's flows, who sent how much to whom, with the edges of this many recipients (the biggest), the others folded into one recipient with an empty id; 0 for every edge (about one a sale)"}}},
	}
}

func (s *Server) lotTrace(c *call) (any, error) {
	cs, ok := s.Graph.(graphstore.Circulation)
	if !ok {
		return nil, errStatus(503, "the graph store in use does not trace circulation")
	}
	ctx := c.ctx()
	if s.Feed != nil {
		// The latest movements first: a recall cannot wait for the next poll.
		_, _ = s.Feed.CatchUp(ctx)
	}
	tr, err := analytics.LotTrace(ctx, cs, analytics.MemberNames(s.Graph), c.Param("sku"), c.Param("batch"))
	if v := c.Query("flows"); err == nil && v != "" {
		top, perr := intParam(c, "flows", 0, 0, 100_000)
		if perr != nil {
			return nil, perr
		}
		err = analytics.WithFlows(ctx, cs, &tr, top)
	}
	return tr, wrap("trace lot", err)
}
