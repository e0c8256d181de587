package api

import (
	"strconv"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/clock"
	"downline/ledger/catalog"
	"downline/ledger/order"
	"downline/ledger/user"
)

// staffGoodsRoutes are the catalogue editor's and the warehouse's returns
// routes of the staff console.
func (s *Server) staffGoodsRoutes() []Route {
	return []Route{
		{Method: POST, Path: "/products/{sku}", Tag: "catalogue", Summary: "Edit a product's texts, prices, PV/BV and images: a new revision (orders keep their own prices)",
			Roles: adminOnly, Request: productEditRequest{}, Response: catalog.Product{}, Handle: s.editProduct},
		{Method: GET, Path: "/products/{sku}/revisions", Tag: "catalogue", Summary: "A product's versions, the one in force first",
			Roles: adminOnly, Response: []catalog.Revision{}, Handle: s.productRevisions},
		{Method: GET, Path: "/products/{sku}/lots", Tag: "catalogue", Summary: "A product's lots, the first to expire first",
			Roles: staff, Response: []catalog.Lot{}, Handle: s.productLots},
		{Method: GET, Path: "/returns", Tag: "returns", Summary: "Returns taken, newest first (agencies: of the orders they sold or bought)",
			Roles: roles(user.Admin, user.Warehouse, user.Agency), Query: []Param{cursorParam, limitParam}, Response: ReturnPage{}, Handle: s.listReturns},
		{Method: GET, Path: "/orders/{no}/returnable", Tag: "returns", Summary: "What of a shipped order can still come back, lot by lot, and until when",
			Roles: roles(user.Admin, user.Warehouse, user.Agency), Scope: Scope{OrderRes, "no"}, Response: order.Returnable{}, Handle: s.returnable},
	}
}

type productEditRequest struct {
	// Revision is the revision the edit was made on (GET /products/{sku}).
	Revision      int             `json:"revision"`
	NameZH        string          `json:"name_zh"`
	NameEN        string          `json:"name_en"`
	DescriptionZH string          `json:"description_zh"`
	DescriptionEN string          `json:"description_en"`
	Images        []string        `json:"images"`
	RetailPrice   decimal.Decimal `json:"retail_price"`
	MemberPrice   decimal.Decimal `json:"member_price"`
	AgencyPrice   decimal.Decimal `json:"agency_price"`
	UnitCost      decimal.Decimal `json:"unit_cost"`
	PV            decimal.Decimal `json:"pv"`
	BV            decimal.Decimal `json:"bv"`
	StarterKit    bool            `json:"starter_kit"`
}

func (s *Server) editProduct(c *call) (any, error) {
	var req productEditRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	var p catalog.Product
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		p, err = catalog.Update(c.ctx(), tx, catalog.Edit{SKU: c.Param("sku"), Revision: req.Revision, NameZH: req.NameZH, NameEN: req.NameEN,
			DescriptionZH: req.DescriptionZH, DescriptionEN: req.DescriptionEN, Images: req.Images, RetailPrice: req.RetailPrice,
			MemberPrice: req.MemberPrice, AgencyPrice: req.AgencyPrice, UnitCost: req.UnitCost, PV: req.PV, BV: req.BV,
			StarterKit: req.StarterKit, By: c.who.By()})
		return err
	})
	return p, wrap("edit product", err)
}

func (s *Server) productRevisions(c *call) (any, error) {
	rs, err := catalog.Revisions(c.ctx(), s.DB.Pool, c.Param("sku"))
	return rs, wrap("read product revisions", err)
}

func (s *Server) productLots(c *call) (any, error) {
	ls, err := catalog.Lots(c.ctx(), s.DB.Pool, c.Param("sku"))
	return ls, wrap("read lots", err)
}

// ReturnPage is one page of returns, newest first.
type ReturnPage struct {
	Items []order.ReturnEntry `json:"items"`
	Next  string              `json:"next,omitempty"`
}

func (s *Server) listReturns(c *call) (any, error) {
	f := order.ReturnFilter{}
	var err error
	if f.Limit, err = intQuery(c, "limit", 50, 1, 500); err != nil {
		return nil, err
	}
	if f.Before, err = cursorQuery(c); err != nil {
		return nil, err
	}
	if c.role() == user.Agency {
		f.Agency = c.who.User.Agency
	}
	items, err := order.Returns(c.ctx(), s.DB.Pool, f)
	if err != nil {
		return nil, wrap("list returns", err)
	}
	p := ReturnPage{Items: items}
	if len(items) == f.Limit {
		p.Next = strconv.FormatInt(items[len(items)-1].ID, 10)
	}
	return p, nil
}

func (s *Server) returnable(c *call) (any, error) {
	r, err := order.ReturnableOf(c.ctx(), s.DB.Pool, c.Param("no"), clock.Now(c.ctx()))
	return r, wrap("read what can be returned", err)
}
