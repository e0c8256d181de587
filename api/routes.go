package api

import (
	"net/http"

	"downline/ledger/agency"
	"downline/ledger/catalog"
	"downline/ledger/journal"
	"downline/ledger/order"
	"downline/ledger/stock"
	"downline/ledger/user"
)

const (
	GET  = http.MethodGet
	POST = http.MethodPost
)

var (
	treeParam   = Param{"tree", "string", "sponsor (default) or placement"}
	cursorParam = Param{"cursor", "string", "the next value of the previous page"}
	limitParam  = Param{"limit", "integer", "page size"}
	periodParam = Param{"period", "string", "YYYY-MM or YYYY-Www in the company's time zone (default: the current month)"}
)

// Routes is the route table of /api/v1 (settlementRoutes is in settlement.go).
func (s *Server) Routes() []Route {
	var rs []Route
	for _, group := range [][]Route{
		s.authRoutes(), s.memberRoutes(), s.goodsRoutes(), s.orderRoutes(), s.paymentRoutes(),
		s.agencyRoutes(), s.bookRoutes(), s.journalBookRoutes(), s.userRoutes(), s.settlementRoutes(), s.smsRoutes(),
		s.analyticsRoutes(), s.contentRoutes(), s.mediaRoutes(), s.stockListRoutes(), s.staffGoodsRoutes(), s.exportRoutes(),
		s.circulationRoutes(), s.teamStatsRoutes(), s.deskRoutes(), s.shopRoutes(), s.creditRoutes(),
	} {
		rs = append(rs, group...)
	}
	return rs
}

func (s *Server) authRoutes() []Route {
	return []Route{
		{Method: POST, Path: "/auth/login", Tag: "auth", Summary: "Sign in: a bearer token and a session cookie", Public: true, Roles: everyone,
			Request: loginRequest{}, Response: loginResponse{}, Handle: s.login},
		{Method: POST, Path: "/auth/logout", Tag: "auth", Summary: "Sign out: revoke this session", Roles: everyone, Status: 204, Handle: s.logout},
		{Method: GET, Path: "/auth/me", Tag: "auth", Summary: "The signed-in user", Roles: everyone, Response: user.User{}, Handle: s.me},
		{Method: POST, Path: "/auth/password", Tag: "auth", Summary: "Change one's own password (ends every session)", Roles: everyone,
			Request: ownPasswordRequest{}, Status: 204, Handle: s.changeOwnPassword},
		{Method: GET, Path: "/openapi.json", Tag: "meta", Summary: "This API's OpenAPI 3 document", Public: true, Roles: everyone, Handle: s.openAPIHandler},
	}
}

func (s *Server) memberRoutes() []Route {
	readers := roles(user.Admin, user.Finance, user.Member)
	team := Scope{MemberTeam, "code"}
	own := Scope{MemberSelf, "code"}
	return []Route{
		{Method: GET, Path: "/members", Tag: "members", Summary: "Search every member by a code's start, part of a name or a phone number (normalised), by id",
			Roles: roles(user.Admin, user.Finance), Query: []Param{{"q", "string", "a code's start, part of a name, or a phone number or part of one (spaces, dashes, brackets ignored)"},
				cursorParam, {"limit", "integer", "page size (default 50, at most 200)"}},
			Response: MemberPage{}, Handle: s.searchMembers},
		{Method: POST, Path: "/members", Tag: "members", Summary: "Register a member (auto-placed unless a slot is given), optionally with its registration order",
			Roles: roles(user.Admin, user.Agency, user.Member), Body: registerScope, Idem: KeyOptional, Status: 201,
			Request: registerRequest{}, Response: registered{}, Handle: s.registerMember},
		{Method: GET, Path: "/members/{code}", Tag: "members", Summary: "A member's profile", Roles: readers, Scope: team,
			Response: MemberView{}, Handle: s.getMember},
		{Method: GET, Path: "/members/{code}/upline", Tag: "network", Summary: "Ancestors, nearest first (members see them up to themselves)",
			Roles: readers, Scope: team, Query: []Param{treeParam, {"levels", "integer", "at most this many (0: all)"}},
			Response: DownlinePage{}, Handle: s.upline},
		{Method: GET, Path: "/members/{code}/frontline", Tag: "network", Summary: "Direct children", Roles: readers, Scope: team,
			Query: []Param{treeParam}, Response: DownlinePage{}, Handle: s.frontline},
		{Method: GET, Path: "/members/{code}/children", Tag: "network", Summary: "Direct children with their figures for a period (team, active, PV, GV, left/right GV, carry, rank)",
			Roles: readers, Scope: team, Query: []Param{treeParam, periodParam, {"limit", "integer", "page size (default 200, at most 1000)"}, cursorParam},
			Response: ChildrenView{}, Handle: s.children},
		{Method: GET, Path: "/members/{code}/node", Tag: "network", Summary: "A member with its figures for a period: the explorer's root",
			Roles: readers, Scope: team, Query: []Param{treeParam, periodParam}, Response: NodeFigures{}, Handle: s.node},
		{Method: GET, Path: "/members/{code}/performance", Tag: "network", Summary: "PV, group volume per leg, rank and progress to the next rank in a period",
			Roles: readers, Scope: team, Query: []Param{treeParam, periodParam}, Response: PerformanceView{}, Handle: s.performance},
		{Method: GET, Path: "/members/{code}/search", Tag: "network", Summary: "Members of the team whose code starts with q or whose name contains it, with the path to each",
			Roles: readers, Scope: team, Query: []Param{{"q", "string", "a code's start or part of a name (at least one character)"}, treeParam,
				{"limit", "integer", "at most this many (default 20, at most 100)"}},
			Response: SearchResult{}, Handle: s.searchTeam},
		{Method: GET, Path: "/members/{code}/leg-end", Tag: "network", Summary: "The bottom of the outer left or right placement leg, with the path to it",
			Roles: readers, Scope: team, Query: []Param{{"side", "string", "L or R"}, periodParam}, Response: LegEndView{}, Handle: s.legEnd},
		{Method: GET, Path: "/members/{code}/new-members", Tag: "network", Summary: "Members of the sponsor team who joined in the period, newest first",
			Roles: readers, Scope: team, Query: []Param{periodParam, {"limit", "integer", "at most this many (default 20, at most 100)"}},
			Response: NewMembersView{}, Handle: s.newMembers},
		{Method: GET, Path: "/members/{code}/downline", Tag: "network", Summary: "One page of the downline, breadth first",
			Roles: readers, Scope: team, Query: []Param{treeParam, {"depth", "integer", "deepest level (0: all)"}, cursorParam, limitParam},
			Response: DownlinePage{}, Handle: s.downline},
		{Method: GET, Path: "/members/{code}/team", Tag: "network", Summary: "Team totals and legs", Roles: readers, Scope: team,
			Query: []Param{treeParam}, Response: TeamView{}, Handle: s.team},
		{Method: GET, Path: "/members/{code}/free-slots", Tag: "network", Summary: "Free placement slots, breadth first", Roles: readers, Scope: team,
			Query: []Param{limitParam}, Response: []SlotView{}, Handle: s.freeSlots},
		{Method: GET, Path: "/members/{code}/moves", Tag: "network", Summary: "A member's move history", Roles: readers, Scope: team,
			Handle: s.memberMoves},
		{Method: POST, Path: "/members/{code}/move", Tag: "network", Summary: "Move a member with its subtree to a new sponsor or placement slot",
			Roles: adminOnly, Request: moveRequest{}, Response: MemberView{}, Handle: s.moveMember},
		{Method: GET, Path: "/members/{code}/move-preview", Tag: "network", Summary: "What a move would do, without doing it: the subtree that moves, the new upline",
			Roles: adminOnly, Query: []Param{{"tree", "string", "sponsor or placement"}, {"to", "string", "the new sponsor or placement parent"}, {"side", "string", "L or R (placement only)"}},
			Response: MovePreviewView{}, Handle: s.previewMove},
		{Method: POST, Path: "/members/{code}/status", Tag: "members", Summary: "Activate, suspend or terminate a member",
			Roles: adminOnly, Request: statusRequest{}, Response: MemberView{}, Handle: s.setMemberStatus},
		{Method: GET, Path: "/members/{code}/orders", Tag: "orders", Summary: "A member's own orders, newest first", Roles: readers, Scope: own,
			Query: []Param{{"status", "string", "only orders in this status"}, cursorParam, limitParam}, Response: OrderPage{}, Handle: s.memberOrders},
		{Method: GET, Path: "/members/{code}/wallet", Tag: "books", Summary: "A member's wallet and bonus payable", Roles: readers, Scope: own,
			Response: Wallet{}, Handle: s.wallet},
	}
}

func (s *Server) goodsRoutes() []Route {
	wh := Scope{WarehouseRes, "code"}
	stockKeepers := roles(user.Admin, user.Warehouse)
	return []Route{
		{Method: GET, Path: "/products", Tag: "catalogue", Summary: "The catalogue by SKU (staff also see drafts)", Public: true, Roles: everyone,
			Query: []Param{cursorParam, limitParam}, Response: ProductPage{}, Handle: s.listProducts},
		{Method: GET, Path: "/products/{sku}", Tag: "catalogue", Summary: "One product", Public: true, Roles: everyone,
			Response: catalog.Product{}, Handle: s.getProduct},
		{Method: POST, Path: "/products", Tag: "catalogue", Summary: "Add a product", Roles: adminOnly, Status: 201,
			Request: productRequest{}, Response: catalog.Product{}, Handle: s.createProduct},
		{Method: POST, Path: "/products/{sku}/status", Tag: "catalogue", Summary: "Set a product's status (draft, active, discontinued)",
			Roles: adminOnly, Request: productStatusRequest{}, Response: catalog.Product{}, Handle: s.setProductStatus},
		{Method: POST, Path: "/products/{sku}/lots", Tag: "catalogue", Summary: "Record a production lot", Roles: stockKeepers, Status: 201,
			Request: lotRequest{}, Response: catalog.Lot{}, Handle: s.createLot},
		{Method: GET, Path: "/warehouses", Tag: "stock", Summary: "Every warehouse", Roles: staff, Response: []stock.Warehouse{}, Handle: s.listWarehouses},
		{Method: POST, Path: "/warehouses", Tag: "stock", Summary: "Add an HQ warehouse", Roles: adminOnly, Status: 201,
			Request: warehouseRequest{}, Response: stock.Warehouse{}, Handle: s.createWarehouse},
		{Method: GET, Path: "/warehouses/{code}/stock", Tag: "stock", Summary: "What a warehouse holds, by SKU and lot: one page, first expiry first",
			Roles: roles(user.Admin, user.Finance, user.Warehouse, user.Agency), Scope: wh, Query: stockQuery(true), Response: StockPage{}, Handle: s.warehouseStock},
		{Method: POST, Path: "/warehouses/{code}/receipts", Tag: "stock", Summary: "Receive produced goods of a lot into an HQ warehouse",
			Roles: stockKeepers, Idem: KeyRequired, Status: 201, Request: receiptRequest{}, Response: stock.Received{}, Handle: s.receive},
		{Method: POST, Path: "/warehouses/{code}/thresholds", Tag: "stock", Summary: "Set the low-stock threshold of a SKU",
			Roles: roles(user.Admin, user.Warehouse, user.Agency), Scope: wh, Request: thresholdRequest{}, Response: thresholdRequest{}, Handle: s.setThreshold},
		{Method: GET, Path: "/stock/warnings", Tag: "stock", Summary: "Products below their threshold (agencies: their own)",
			Roles: roles(user.Admin, user.Finance, user.Warehouse, user.Agency), Response: []stock.LowStock{}, Handle: s.warnings},
	}
}

func (s *Server) orderRoutes() []Route {
	ord := Scope{OrderRes, "no"}
	pay := Scope{PaymentRes, "no"}
	shippers := roles(user.Admin, user.Warehouse, user.Agency)
	listQuery := []Param{{"status", "string", "only orders in this status"}, cursorParam, limitParam}
	return []Route{
		{Method: POST, Path: "/orders", Tag: "orders", Summary: "Place an order (members: repeat; customers: shop; agencies: their sales or their purchases from HQ)",
			Roles: roles(user.Admin, user.Agency, user.Member, user.Customer), Body: orderScope, Idem: KeyRequired, Status: 201,
			Request: orderRequest{}, Response: order.Order{}, Handle: s.placeOrder},
		{Method: POST, Path: "/counter-sales", Tag: "orders", Summary: "Enter an order paid in full at the desk: placed, paid and confirmed at once (finance; agencies for their own sales)",
			Roles: roles(user.Admin, user.Finance, user.Agency), Body: counterSaleScope, Idem: KeyRequired, Status: 201,
			Request: counterSaleRequest{}, Response: order.PaidOrder{}, Handle: s.counterSale},
		{Method: GET, Path: "/orders", Tag: "orders", Summary: "Every order, newest first", Roles: staff, Query: listQuery,
			Response: OrderPage{}, Handle: s.allOrders},
		{Method: GET, Path: "/orders/{no}", Tag: "orders", Summary: "One order with lines and reservations", Roles: everyone, Scope: ord,
			Response: order.Order{}, Handle: s.getOrder},
		{Method: GET, Path: "/orders/{no}/payments", Tag: "payments", Summary: "An order's payments", Roles: everyone, Scope: ord,
			Response: []order.Payment{}, Handle: s.orderPayments},
		{Method: POST, Path: "/orders/{no}/payments", Tag: "payments", Summary: "Record a payment (finance confirms it)",
			Roles: roles(user.Admin, user.Finance, user.Agency, user.Member, user.Customer), Scope: ord, Body: paymentScope,
			Idem: KeyRequired, Status: 201, Request: paymentRequest{}, Response: order.Payment{}, Handle: s.recordPayment},
		{Method: POST, Path: "/payments/{no}/confirm", Tag: "payments", Summary: "Confirm a recorded payment: the money is booked",
			Roles: roles(user.Admin, user.Finance), Scope: pay, Idem: KeyRequired, Request: decisionRequest{}, Response: order.Payment{},
			Handle: s.decidePayment(true)},
		{Method: POST, Path: "/payments/{no}/reject", Tag: "payments", Summary: "Reject a recorded payment (with a reason)",
			Roles: roles(user.Admin, user.Finance), Scope: pay, Idem: KeyRequired, Request: decisionRequest{}, Response: order.Payment{},
			Handle: s.decidePayment(false)},
		{Method: POST, Path: "/orders/{no}/shipments", Tag: "shipments", Summary: "Ship a confirmed order (lots first-expiry-first unless picked)",
			Roles: shippers, Scope: ord, Idem: KeyRequired, Status: 201, Request: shipRequest{}, Response: order.Shipment{}, Handle: s.ship},
		{Method: POST, Path: "/orders/{no}/deliver", Tag: "shipments", Summary: "Record delivery of a shipped order",
			Roles: shippers, Scope: ord, Idem: KeyRequired, Request: changeRequest{}, Response: order.Order{}, Handle: s.changeOrder(true)},
		{Method: POST, Path: "/orders/{no}/cancel", Tag: "orders", Summary: "Cancel a placed or paid order (refunds confirmed payments)",
			Roles: roles(user.Admin, user.Finance, user.Agency), Scope: ord, Idem: KeyRequired, Request: changeRequest{}, Response: order.Order{},
			Handle: s.changeOrder(false)},
		{Method: POST, Path: "/orders/{no}/returns", Tag: "returns", Summary: "Take a return of shipped goods (refund, reversed volumes)",
			Roles: shippers, Scope: ord, Idem: KeyRequired, Status: 201, Request: returnRequest{}, Response: order.Return{}, Handle: s.createReturn},
	}
}

func (s *Server) agencyRoutes() []Route {
	ag := Scope{AgencyRes, "code"}
	money := roles(user.Admin, user.Finance)
	return []Route{
		{Method: GET, Path: "/agencies", Tag: "agencies", Summary: "Every agency", Roles: staff, Response: []agency.Agency{}, Handle: s.listAgencies},
		{Method: POST, Path: "/agencies", Tag: "agencies", Summary: "Add an agency with its warehouse", Roles: adminOnly, Status: 201,
			Request: agencyRequest{}, Response: agency.Agency{}, Handle: s.createAgency},
		{Method: GET, Path: "/agencies/{code}", Tag: "agencies", Summary: "One agency", Roles: roles(user.Admin, user.Finance, user.Warehouse, user.Agency),
			Scope: ag, Response: agency.Agency{}, Handle: s.getAgency},
		{Method: GET, Path: "/agencies/{code}/orders", Tag: "agencies", Summary: "Orders an agency sells or buys, newest first",
			Roles: roles(user.Admin, user.Finance, user.Warehouse, user.Agency), Scope: ag,
			Query: []Param{{"status", "string", "only orders in this status"}, cursorParam, limitParam}, Response: OrderPage{}, Handle: s.agencyOrders},
		{Method: POST, Path: "/agencies/{code}/payments", Tag: "agencies", Summary: "Book an account payment between HQ and the agency",
			Roles: money, Idem: KeyRequired, Status: 201, Request: accountPaymentRequest{}, Response: journal.Entry{}, Handle: s.payAgencyAccount},
		{Method: GET, Path: "/agencies/{code}/statement", Tag: "agencies", Summary: "The goods-payment statement of a period, computed now",
			Roles: roles(user.Admin, user.Finance, user.Agency), Scope: ag,
			Query: []Param{{"from", "string", "YYYY-MM-DD"}, {"to", "string", "YYYY-MM-DD, exclusive"}}, Response: agency.Statement{}, Handle: s.agencyStatementDraft},
		{Method: GET, Path: "/agencies/{code}/statements", Tag: "agencies", Summary: "Issued statements, newest period first",
			Roles: roles(user.Admin, user.Finance, user.Agency), Scope: ag, Response: []agency.Statement{}, Handle: s.agencyStatements},
		{Method: POST, Path: "/agencies/{code}/statements", Tag: "agencies", Summary: "Issue the statement of an ended period",
			Roles: money, Status: 201, Request: issueRequest{}, Response: agency.Statement{}, Handle: s.issueStatement},
		{Method: GET, Path: "/agencies/{code}/statements/{id}", Tag: "agencies", Summary: "One issued statement",
			Roles: roles(user.Admin, user.Finance, user.Agency), Scope: ag, Response: agency.Statement{}, Handle: s.getStatement},
		{Method: POST, Path: "/agencies/{code}/statements/{id}/confirm", Tag: "agencies", Summary: "Confirm a statement (finance for HQ, agency staff for the agency)",
			Roles: roles(user.Admin, user.Finance, user.Agency), Scope: ag, Response: agency.Statement{}, Handle: s.confirmStatement},
	}
}

func (s *Server) bookRoutes() []Route {
	money := roles(user.Admin, user.Finance)
	return []Route{
		{Method: GET, Path: "/journal", Tag: "books", Summary: "Journal entries, newest first", Roles: money,
			Query:    append(journalQuery[:len(journalQuery):len(journalQuery)], cursorParam, limitParam),
			Response: EntryPage{}, Handle: s.listJournal},
		{Method: GET, Path: "/journal/{id}", Tag: "books", Summary: "One journal entry with its lines", Roles: money, Response: journal.Entry{}, Handle: s.getEntry},
		{Method: POST, Path: "/journal/{id}/reverse", Tag: "books", Summary: "Post the entry that reverses another", Roles: money, Idem: KeyRequired, Status: 201,
			Request: reverseRequest{}, Response: journal.Entry{}, Handle: s.reverseEntry},
		{Method: GET, Path: "/balances", Tag: "books", Summary: "Account balances (per holder for per-holder accounts)", Roles: money,
			Query: []Param{{"account", "string", "one account"}, {"holder", "string", "agency or member code"}, asOfParam}, Response: []BalanceLine{}, Handle: s.balances},
		{Method: GET, Path: "/audit", Tag: "users", Summary: "The audit log of privileged actions, newest first", Roles: adminOnly,
			Query: []Param{cursorParam, limitParam}, Response: AuditPage{}, Handle: s.auditLog},
	}
}

func (s *Server) userRoutes() []Route {
	return []Route{
		{Method: GET, Path: "/users", Tag: "users", Summary: "Every user", Roles: adminOnly, Query: []Param{cursorParam, limitParam},
			Response: UserPage{}, Handle: s.listUsers},
		{Method: POST, Path: "/users", Tag: "users", Summary: "Add a user with a role", Roles: adminOnly, Status: 201,
			Request: userRequest{}, Response: user.User{}, Handle: s.createUser},
		{Method: GET, Path: "/users/{login}", Tag: "users", Summary: "One user", Roles: adminOnly, Response: user.User{}, Handle: s.getUser},
		{Method: POST, Path: "/users/{login}/status", Tag: "users", Summary: "Enable or disable a user (disabling signs it out)", Roles: adminOnly,
			Request: userStatusRequest{}, Response: user.User{}, Handle: s.setUserStatus},
		{Method: POST, Path: "/users/{login}/password", Tag: "users", Summary: "Set a user's password (signs it out)", Roles: adminOnly,
			Request: passwordRequest{}, Status: 204, Handle: s.setUserPassword},
	}
}
