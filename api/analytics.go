package api

import (
	"io"
	"strings"
	"unicode"

	"downline/analytics"
	"downline/ledger/user"
)

// analyticsRoutes are HQ's questions about the business, answered from the
// graph store: HQ-wide, so only analysts and admins ask them.
func (s *Server) analyticsRoutes() []Route {
	return []Route{
		{Method: GET, Path: "/analytics/lots/{sku}/{batch}/trace", Tag: "analytics",
			Summary: "Where a lot went: the warehouses and agencies it passed through and the members and customers who received it (a recall list), with quantities, dates and what each holds now",
			Roles:   roles(user.Admin, user.Analyst), Response: analytics.Trace{}, Handle: s.lotTrace,
			Query: []Param{{"flows", "integer", "add the lot's flows, who sent how much to whom, with the edges of this many recipients (the biggest), the others folded into one recipient with an empty id; 0 for every edge (about one a sale)"},
				{"limit", "integer", "the length of the recall list's first page, 1 to 1000 (default 100); the trace's next is the cursor of the page after"}}},
		{Method: GET, Path: "/analytics/lots/{sku}/{batch}/recall", Tag: "analytics",
			Summary: "A page of a lot's recall list: the members and customers who received it, those still holding some first, each part in the order the lot reached them",
			Roles:   roles(user.Admin, user.Analyst), Response: analytics.RecallPage{}, Handle: s.lotRecall,
			Query: []Param{{"cursor", "string", "the next of the trace or of the page before; none for the first page"},
				{"limit", "integer", "the page's length, 1 to 1000 (default 100)"}}},
		{Method: GET, Path: "/analytics/lots/{sku}/{batch}/recall.csv", Tag: "analytics",
			Summary: "A lot's whole recall list as CSV, streamed (UTF-8 with a byte-order mark; kind, holder, name, received, sent_on, holds, moves, first, last), for a bulk SMS or a recall",
			Roles:   roles(user.Admin, user.Analyst), Audit: true, Produces: csvType, Handle: s.lotRecallCSV},
	}
}

func (s *Server) lotRecall(c *call) (any, error) {
	cs, err := s.circulation(c)
	if err != nil {
		return nil, err
	}
	limit, err := intParam(c, "limit", analytics.DefaultRecallLimit, 1, 1000)
	if err != nil {
		return nil, err
	}
	page, err := analytics.LotRecall(c.ctx(), cs, analytics.MemberNames(s.Graph), c.Param("sku"), c.Param("batch"), c.Query("cursor"), limit)
	return page, wrap("recall list", err)
}

// lotRecallCSV looks the lot up before answering, so an unknown lot
// answers a problem; once rows flow, a failure cuts the connection.
func (s *Server) lotRecallCSV(c *call) (any, error) {
	cs, err := s.circulation(c)
	if err != nil {
		return nil, err
	}
	sku, batch := c.Param("sku"), c.Param("batch")
	if _, err := analytics.LotRecall(c.ctx(), cs, nil, sku, batch, "", 1); err != nil {
		return nil, wrap("recall list", err)
	}
	return stream{ContentType: csvType, Filename: "recall-" + fileSafe(sku) + "-" + fileSafe(batch) + ".csv", Write: func(w io.Writer) error {
		return analytics.WriteRecallCSV(c.ctx(), cs, analytics.MemberNames(s.Graph), sku, batch, w)
	}}, nil
}

// fileSafe keeps letters, digits, '-', '_' and '.' of s for a file name.
func fileSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, s)
}

func (s *Server) lotTrace(c *call) (any, error) {
	cs, err := s.circulation(c)
	if err != nil {
		return nil, err
	}
	ctx := c.ctx()
	limit, err := intParam(c, "limit", analytics.DefaultRecallLimit, 1, 1000)
	if err != nil {
		return nil, err
	}
	tr, err := analytics.LotTraceLimit(ctx, cs, analytics.MemberNames(s.Graph), c.Param("sku"), c.Param("batch"), limit)
	if v := c.Query("flows"); err == nil && v != "" {
		top, perr := intParam(c, "flows", 0, 0, 100_000)
		if perr != nil {
			return nil, perr
		}
		err = analytics.WithFlows(ctx, cs, &tr, top)
	}
	return tr, wrap("trace lot", err)
}
