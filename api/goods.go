package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
	"downline/ledger/catalog"
	"downline/ledger/stock"
	"downline/ledger/user"
)

// ProductPage is one page of the catalogue, by SKU.
type ProductPage struct {
	Items []catalog.Product `json:"items"`
	Next  string            `json:"next,omitempty"`
}

func (s *Server) listProducts(c *call) (any, error) {
	limit, err := intQuery(c, "limit", 100, 1, 500)
	if err != nil {
		return nil, err
	}
	// The public and members see what can be ordered; staff see drafts too.
	activeOnly := c.who == nil || !isStaff(c.role())
	ps, err := catalog.List(c.ctx(), s.DB.Pool, c.Query("cursor"), limit, activeOnly)
	if err != nil {
		return nil, wrap("list products", err)
	}
	p := ProductPage{Items: ps}
	if len(ps) == limit {
		p.Next = ps[len(ps)-1].SKU
	}
	if !isStaff(c.role()) {
		for i := range p.Items {
			p.Items[i].UnitCost = decimal.Zero // HQ's cost is not for the public
		}
	}
	return p, nil
}

func (s *Server) getProduct(c *call) (any, error) {
	p, err := catalog.Get(c.ctx(), s.DB.Pool, c.Param("sku"))
	if err != nil {
		return nil, wrap("read product", err)
	}
	if !isStaff(c.role()) {
		if p.Status != catalog.Active {
			return nil, err404("unknown SKU %q", p.SKU)
		}
		p.UnitCost = decimal.Zero
	}
	return p, nil
}

type productRequest struct {
	SKU           string          `json:"sku"`
	NameZH        string          `json:"name_zh"`
	NameEN        string          `json:"name_en"`
	DescriptionZH string          `json:"description_zh,omitempty"`
	DescriptionEN string          `json:"description_en,omitempty"`
	Images        []string        `json:"images,omitempty"`
	RetailPrice   decimal.Decimal `json:"retail_price"`
	MemberPrice   decimal.Decimal `json:"member_price"`
	AgencyPrice   decimal.Decimal `json:"agency_price,omitempty"`
	UnitCost      decimal.Decimal `json:"unit_cost"`
	PV            decimal.Decimal `json:"pv"`
	BV            decimal.Decimal `json:"bv"`
	Status        string          `json:"status,omitempty"`
	LaunchDate    string          `json:"launch_date,omitempty"` // YYYY-MM-DD
	// StarterKit: offered first for the registration order of a new member.
	StarterKit bool `json:"starter_kit,omitempty"`
}

func parseDate(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return time.Time{}, errStatus(http.StatusUnprocessableEntity, name+" must be a date like 2026-01-31")
	}
	return t, nil
}

func (s *Server) createProduct(c *call) (any, error) {
	var req productRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	launch, err := parseDate("launch_date", req.LaunchDate)
	if err != nil {
		return nil, err
	}
	var p catalog.Product
	err = s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		p, err = catalog.CreateProduct(c.ctx(), tx, catalog.Product{SKU: req.SKU, NameZH: req.NameZH, NameEN: req.NameEN,
			DescriptionZH: req.DescriptionZH, DescriptionEN: req.DescriptionEN, Images: req.Images, RetailPrice: req.RetailPrice,
			MemberPrice: req.MemberPrice, AgencyPrice: req.AgencyPrice, UnitCost: req.UnitCost, PV: req.PV, BV: req.BV,
			Status: catalog.Status(req.Status), LaunchDate: launch, StarterKit: req.StarterKit})
		return err
	})
	return p, wrap("create product", err)
}

type productStatusRequest struct {
	Status string `json:"status"`
}

func (s *Server) setProductStatus(c *call) (any, error) {
	var req productStatusRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) error {
		return catalog.SetStatus(c.ctx(), tx, c.Param("sku"), catalog.Status(req.Status))
	})
	if err != nil {
		return nil, wrap("set product status", err)
	}
	return catalog.Get(c.ctx(), s.DB.Pool, c.Param("sku"))
}

type lotRequest struct {
	Batch      string `json:"batch"`
	ProducedOn string `json:"produced_on"`
	ExpiresOn  string `json:"expires_on,omitempty"`
}

func (s *Server) createLot(c *call) (any, error) {
	var req lotRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	prod, err := parseDate("produced_on", req.ProducedOn)
	if err != nil {
		return nil, err
	}
	exp, err := parseDate("expires_on", req.ExpiresOn)
	if err != nil {
		return nil, err
	}
	var l catalog.Lot
	err = s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		l, err = catalog.CreateLot(c.ctx(), tx, catalog.Lot{SKU: c.Param("sku"), Batch: req.Batch, ProducedOn: prod, ExpiresOn: exp})
		return err
	})
	return l, wrap("create lot", err)
}

func (s *Server) listWarehouses(c *call) (any, error) { return stock.Warehouses(c.ctx(), s.DB.Pool) }

type warehouseRequest struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

func (s *Server) createWarehouse(c *call) (any, error) {
	var req warehouseRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	var w stock.Warehouse
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		w, err = stock.CreateWarehouse(c.ctx(), tx, req.Code, req.Name, 0)
		return err
	})
	return w, wrap("create warehouse", err)
}

type receiptRequest struct {
	SKU   string `json:"sku"`
	Batch string `json:"batch"`
	Qty   int64  `json:"qty"`
	// ProducedOn and ExpiresOn, when given, record a new lot in the same
	// transaction as its receipt (a retry under the same key finds the lot
	// recorded with the same dates and answers the first receipt).
	ProducedOn string `json:"produced_on,omitempty"`
	ExpiresOn  string `json:"expires_on,omitempty"`
}

func (s *Server) receive(c *call) (any, error) {
	var req receiptRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	var lot *catalog.Lot
	if req.ProducedOn != "" || req.ExpiresOn != "" {
		prod, err := parseDate("produced_on", req.ProducedOn)
		if err != nil {
			return nil, err
		}
		exp, err := parseDate("expires_on", req.ExpiresOn)
		if err != nil {
			return nil, err
		}
		lot = &catalog.Lot{SKU: req.SKU, Batch: req.Batch, ProducedOn: prod, ExpiresOn: exp}
	}
	var out stock.Received
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) (err error) {
		if lot != nil {
			if err := newLot(c.ctx(), tx, *lot); err != nil {
				return err
			}
		}
		out, err = stock.Receive(c.ctx(), tx, stock.Receipt{Key: c.key, Warehouse: c.Param("code"), SKU: req.SKU, Batch: req.Batch, Qty: req.Qty, By: c.who.By()})
		return err
	})
	return out, wrap("receive stock", err)
}

// newLot records l unless the same lot (batch and dates) is recorded
// already; another lot under its batch number is a conflict.
func newLot(ctx context.Context, tx pgx.Tx, l catalog.Lot) error {
	had, err := catalog.GetLot(ctx, tx, l.SKU, l.Batch)
	if errors.Is(err, ledger.ErrNotFound) {
		_, err = catalog.CreateLot(ctx, tx, l)
		return err
	}
	if err != nil {
		return err
	}
	if !had.ProducedOn.Equal(l.ProducedOn) || !had.ExpiresOn.Equal(l.ExpiresOn) {
		return fmt.Errorf("%w: %s already has a lot with batch number %s, with other dates", ledger.ErrConflict, l.SKU, l.Batch)
	}
	return nil
}

type thresholdRequest struct {
	SKU          string `json:"sku"`
	MinAvailable int64  `json:"min_available"`
}

func (s *Server) setThreshold(c *call) (any, error) {
	var req thresholdRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	err := s.DB.Transact(c.ctx(), pgx.ReadCommitted, func(tx pgx.Tx) error {
		return stock.SetThreshold(c.ctx(), tx, c.Param("code"), req.SKU, req.MinAvailable)
	})
	if err != nil {
		return nil, wrap("set stock threshold", err)
	}
	return req, nil
}

func (s *Server) warnings(c *call) (any, error) {
	ws, err := stock.Warnings(c.ctx(), s.DB.Pool)
	if err != nil {
		return nil, wrap("read stock warnings", err)
	}
	if c.role() == user.Agency {
		own := ws[:0]
		for _, w := range ws {
			if s.permit(c, WarehouseRes, w.Warehouse) == nil {
				own = append(own, w)
			}
		}
		ws = own
	}
	return ws, nil
}
