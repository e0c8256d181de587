package api

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"downline/analytics"
	"downline/clock"
	"downline/graphstore"
	"downline/ledger"
	"downline/ledger/agency"
	"downline/ledger/order"
	"downline/ledger/stock"
	"downline/ledger/user"
	"downline/projection"
)

// circulationRoutes are HQ's tracing questions beyond a lot's forward
// trace: where a holder's goods came from, what passed through an agency
// and whether it reconciles with the ledger, diversion, stock ageing, and
// everything downstream of a holder. Answered from the graph store; the
// ledger gives the order's buyer, the lots' expiry, the territories and
// the stock moves to reconcile with.
func (s *Server) circulationRoutes() []Route {
	hq := roles(user.Admin, user.Analyst)
	return []Route{
		{Method: GET, Path: "/analytics/lots", Tag: "analytics", Roles: hq,
			Summary:  "Lots in circulation, found by product code or batch",
			Query:    []Param{{"q", "string", "part of a SKU or a batch number, any case (empty: every lot)"}},
			Response: []lotFound{}, Handle: s.findLots},
		{Method: GET, Path: "/analytics/orders/{no}/lots", Tag: "analytics", Roles: hq,
			Summary:  "Back trace of an order: the lots it brought its buyer, from which agency, HQ warehouse and receipt",
			Response: analytics.BackTrace{}, Handle: s.orderBackTrace},
		{Method: GET, Path: "/analytics/members/{code}/lots", Tag: "analytics", Roles: hq,
			Summary:  "Back trace of a member: every lot the member received, from which agency, HQ warehouse and receipt",
			Response: analytics.BackTrace{}, Handle: s.memberBackTrace},
		{Method: GET, Path: "/analytics/holders/{kind}/{id}/lots", Tag: "analytics", Roles: hq,
			Summary:  "Back trace of a holder (warehouse, agency, member, customer): every lot it received and where from",
			Response: analytics.BackTrace{}, Handle: s.holderBackTrace},
		{Method: GET, Path: "/analytics/holders/{kind}/{id}/downstream", Tag: "analytics", Roles: hq,
			Summary:  "Everything that followed from what a holder sent on: its movements and every later movement of those lots from the holders they reached",
			Response: []graphstore.Movement{}, Handle: s.downstream},
		{Method: GET, Path: "/analytics/holders/{kind}/{id}/reconciliation", Tag: "analytics", Roles: hq,
			Summary: "What passed through a warehouse or agency in a period, per lot (opening + in − out = closing), against the ledger's stock moves",
			Query: []Param{{"from", "string", "the period's first day, YYYY-MM-DD in the company zone (default: the first of this month)"},
				{"to", "string", "the day after the period, YYYY-MM-DD (default: tomorrow)"}},
			Response: analytics.Reconciliation{}, Handle: s.reconcile},
		{Method: GET, Path: "/analytics/diversion", Tag: "analytics", Roles: hq,
			Summary: "Diversion (窜货): agencies' sales outside their territory, members loading inventory, returns through another channel",
			Query: []Param{{"months", "integer", "the window, in months up to today (default 3, 1 to 36)"},
				{"use", "integer", "personal use, units a month (default 20)"},
				{"factor", "integer", "flag members whose load exceeds this many times the allowance (default 2)"}},
			Response: analytics.Diversion{}, Handle: s.diversion},
		{Method: GET, Path: "/analytics/ageing", Tag: "analytics", Roles: hq,
			Summary:  "Stock ageing: what each warehouse and agency holds of each lot, days to expiry, days since it last sent any on",
			Query:    []Param{{"slow_days", "integer", "no outbound movement for this many days makes a slow mover (default 60)"}},
			Response: analytics.Ageing{}, Handle: s.ageing},
	}
}

// circulation is the graph store's circulation, caught up with the outbox.
func (s *Server) circulation(c *call) (graphstore.Circulation, error) {
	cs, ok := s.Graph.(graphstore.Circulation)
	if !ok {
		return nil, errStatus(http.StatusServiceUnavailable, "the graph store in use does not trace circulation")
	}
	if s.Feed != nil {
		_, _ = s.Feed.CatchUp(c.ctx())
	}
	return cs, nil
}

func (s *Server) findLots(c *call) (any, error) {
	cs, err := s.circulation(c)
	if err != nil {
		return nil, err
	}
	lots, err := cs.Lots(c.ctx())
	if err != nil {
		return nil, wrap("list lots", err)
	}
	q := strings.ToLower(strings.TrimSpace(c.Query("q")))
	out := []lotFound{}
	for _, l := range lots {
		if q == "" || strings.Contains(strings.ToLower(l.SKU), q) || strings.Contains(strings.ToLower(l.Batch), q) {
			out = append(out, lotFound{Lot: l.ID, SKU: l.SKU, Batch: l.Batch})
		}
	}
	return out, nil
}

// lotFound is a lot in circulation: the ledger's lot id, its product and batch.
type lotFound struct {
	Lot   string `json:"lot"`
	SKU   string `json:"sku"`
	Batch string `json:"batch"`
}

func (s *Server) orderBackTrace(c *call) (any, error) {
	cs, err := s.circulation(c)
	if err != nil {
		return nil, err
	}
	ctx := c.ctx()
	o, err := order.Get(ctx, s.DB.Pool, c.Param("no"))
	if err != nil {
		return nil, wrap("back trace order", err)
	}
	h, err := o.BuyerHolder(ctx, s.DB.Pool)
	if err != nil {
		return nil, wrap("back trace order", err)
	}
	bt, err := analytics.Back(ctx, cs, projection.HolderOf(h), o.No)
	return bt, wrap("back trace order", err)
}

func (s *Server) memberBackTrace(c *call) (any, error) {
	cs, err := s.circulation(c)
	if err != nil {
		return nil, err
	}
	bt, err := analytics.Back(c.ctx(), cs, graphstore.Holder{Kind: graphstore.MemberHolder, ID: c.Param("code")}, "")
	return bt, wrap("back trace member", err)
}

func (s *Server) pathHolder(c *call) (graphstore.Holder, error) {
	h, err := analytics.ParseHolder(c.Param("kind"), c.Param("id"))
	return h, wrap("read holder", err)
}

func (s *Server) holderBackTrace(c *call) (any, error) {
	cs, err := s.circulation(c)
	if err != nil {
		return nil, err
	}
	h, err := s.pathHolder(c)
	if err != nil {
		return nil, err
	}
	bt, err := analytics.Back(c.ctx(), cs, h, "")
	return bt, wrap("back trace holder", err)
}

func (s *Server) downstream(c *call) (any, error) {
	cs, err := s.circulation(c)
	if err != nil {
		return nil, err
	}
	h, err := s.pathHolder(c)
	if err != nil {
		return nil, err
	}
	moves, err := cs.Downstream(c.ctx(), h)
	if moves == nil {
		moves = []graphstore.Movement{}
	}
	return moves, wrap("walk downstream", err)
}

// companyDay reads a YYYY-MM-DD query parameter as midnight in the company
// zone; def when absent.
func companyDay(c *call, name string, def time.Time) (time.Time, error) {
	v := strings.TrimSpace(c.Query(name))
	if v == "" {
		return def, nil
	}
	zone, err := ledger.CompanyZone()
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.ParseInLocation(time.DateOnly, v, zone)
	if err != nil {
		return time.Time{}, errStatus(http.StatusUnprocessableEntity, name+" must be a date like 2026-01-31")
	}
	return t, nil
}

// intParam reads a whole-number query parameter within [lo, hi]; def when absent.
func intParam(c *call, name string, def, lo, hi int) (int, error) {
	v := strings.TrimSpace(c.Query(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, errStatus(http.StatusUnprocessableEntity, name+" must be a whole number from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi))
	}
	return n, nil
}

// today is the company's date now, midnight in the company zone.
func today(c *call) (time.Time, error) {
	zone, err := ledger.CompanyZone()
	if err != nil {
		return time.Time{}, err
	}
	now := clock.Now(c.ctx()).In(zone)
	return time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, zone), nil
}

func (s *Server) reconcile(c *call) (any, error) {
	cs, err := s.circulation(c)
	if err != nil {
		return nil, err
	}
	h, err := s.pathHolder(c)
	if err != nil {
		return nil, err
	}
	if h.Kind != graphstore.Warehouse && h.Kind != graphstore.Agency {
		return nil, errStatus(http.StatusUnprocessableEntity, "only a warehouse or an agency is reconciled")
	}
	day, err := today(c)
	if err != nil {
		return nil, err
	}
	from, err := companyDay(c, "from", time.Date(day.Year(), day.Month(), 1, 0, 0, 0, 0, day.Location()))
	if err != nil {
		return nil, err
	}
	to, err := companyDay(c, "to", day.AddDate(0, 0, 1))
	if err != nil {
		return nil, err
	}
	counts, err := stock.CountLots(c.ctx(), s.DB.Pool, h.ID, to)
	if err != nil {
		return nil, wrap("count stock moves", err)
	}
	ledgerSide := make([]analytics.LedgerStock, len(counts))
	for k, n := range counts {
		ledgerSide[k] = analytics.LedgerStock{Lot: strconv.FormatInt(n.Lot, 10), SKU: n.SKU, Batch: n.Batch, OnHand: n.OnHand}
	}
	r, err := analytics.Reconcile(c.ctx(), cs, h, from, to, ledgerSide)
	return r, wrap("reconcile", err)
}

func (s *Server) diversion(c *call) (any, error) {
	cs, err := s.circulation(c)
	if err != nil {
		return nil, err
	}
	months, err := intParam(c, "months", 3, 1, 36)
	if err != nil {
		return nil, err
	}
	use, err := intParam(c, "use", 20, 0, 1_000_000)
	if err != nil {
		return nil, err
	}
	factor, err := intParam(c, "factor", 2, 1, 1000)
	if err != nil {
		return nil, err
	}
	day, err := today(c)
	if err != nil {
		return nil, err
	}
	until := day.AddDate(0, 0, 1)
	ctx := c.ctx()
	var terr analytics.Territories
	if terr.Agencies, err = agency.Territories(ctx, s.DB.Pool); err != nil {
		return nil, wrap("read territories", err)
	}
	if terr.Members, err = agency.MemberRegions(ctx, s.DB.Pool); err != nil {
		return nil, wrap("read member regions", err)
	}
	d, err := analytics.Divert(ctx, cs, terr, analytics.DiversionParams{Since: until.AddDate(0, -months, 0), Until: until,
		Months: months, Use: int64(use), Factor: int64(factor)})
	return d, wrap("diversion", err)
}

func (s *Server) ageing(c *call) (any, error) {
	cs, err := s.circulation(c)
	if err != nil {
		return nil, err
	}
	slow, err := intParam(c, "slow_days", 60, 1, 3650)
	if err != nil {
		return nil, err
	}
	day, err := today(c)
	if err != nil {
		return nil, err
	}
	exp, err := stock.LotExpiries(c.ctx(), s.DB.Pool)
	if err != nil {
		return nil, wrap("read expiries", err)
	}
	a, err := analytics.StockAgeing(c.ctx(), cs, exp, day, slow)
	return a, wrap("stock ageing", err)
}
