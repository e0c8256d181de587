package api

import (
	"encoding/csv"
	"io"
	"net/http"
	"strconv"
	"time"

	"downline/ledger/stock"
	"downline/ledger/user"
)

// stockQuery is the stock list's filter; paged adds its cursor and size.
func stockQuery(paged bool) []Param {
	ps := []Param{
		{"product", "string", "a SKU's start or part of a product's name"},
		{"lot", "string", "a lot number's start"},
		{"expires_before", "string", "only lots expiring before this day (YYYY-MM-DD)"},
		{"sort", "string", "expiry (default: first expiry first) or sku"},
	}
	if paged {
		ps = append(ps, Param{"cursor", "string", "the next value of the previous page (a lot id)"}, Param{"limit", "integer", "page size (default 100, at most 500)"})
	}
	return ps
}

// stockListRoutes are the stock list's export.
func (s *Server) stockListRoutes() []Route {
	return []Route{
		{Method: GET, Path: "/warehouses/{code}/stock.csv", Tag: "stock", Summary: "What a warehouse holds as CSV, as the stock list filters and orders it",
			Roles: roles(user.Admin, user.Finance, user.Warehouse, user.Agency), Scope: Scope{WarehouseRes, "code"}, Query: stockQuery(false),
			Produces: csvType, Handle: s.warehouseStockCSV},
	}
}

// BalanceView is a warehouse's holding of one lot.
type BalanceView struct {
	Lot       int64      `json:"lot"`
	SKU       string     `json:"sku"`
	Batch     string     `json:"batch"`
	ExpiresOn *time.Time `json:"expires_on,omitempty"`
	OnHand    int64      `json:"on_hand"`
	Reserved  int64      `json:"reserved"`
	Available int64      `json:"available"`
}

// StockPage is one page of a warehouse's holdings.
type StockPage struct {
	Warehouse string        `json:"warehouse"`
	Items     []BalanceView `json:"items"`
	Next      string        `json:"next,omitempty"`
}

func (s *Server) stockFilter(c *call) (stock.ListFilter, error) {
	f := stock.ListFilter{Warehouse: c.Param("code"), Product: c.Query("product"), Batch: c.Query("lot")}
	if _, err := stock.GetWarehouse(c.ctx(), s.DB.Pool, f.Warehouse); err != nil {
		return f, err
	}
	switch c.Query("sort") {
	case "", "expiry":
	case "sku":
		f.BySKU = true
	default:
		return f, errStatus(http.StatusBadRequest, "sort must be expiry or sku")
	}
	if v := c.Query("expires_before"); v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return f, errStatus(http.StatusBadRequest, "expires_before must be a date like 2026-01-31")
		}
		f.ExpiresBefore = d
	}
	return f, nil
}

func balanceViews(bs []stock.Balance) []BalanceView {
	out := make([]BalanceView, len(bs))
	for i, b := range bs {
		out[i] = BalanceView{Lot: b.LotID, SKU: b.SKU, Batch: b.Batch, OnHand: b.OnHand, Reserved: b.Reserved, Available: b.Available()}
		if !b.ExpiresOn.IsZero() {
			e := b.ExpiresOn
			out[i].ExpiresOn = &e
		}
	}
	return out
}

func (s *Server) warehouseStock(c *call) (any, error) {
	f, err := s.stockFilter(c)
	if err != nil {
		return nil, err
	}
	if f.Limit, err = intQuery(c, "limit", 100, 1, 500); err != nil {
		return nil, err
	}
	if f.AfterLot, err = cursorQuery(c); err != nil {
		return nil, err
	}
	bs, err := stock.List(c.ctx(), s.DB.Pool, f)
	if err != nil {
		return nil, wrap("read stock balances", err)
	}
	p := StockPage{Warehouse: f.Warehouse, Items: balanceViews(bs)}
	if len(bs) == f.Limit {
		p.Next = strconv.FormatInt(bs[len(bs)-1].LotID, 10)
	}
	return p, nil
}

// maxStockExport is the most lots one stock CSV holds.
const maxStockExport = 100_000

func (s *Server) warehouseStockCSV(c *call) (any, error) {
	f, err := s.stockFilter(c)
	if err != nil {
		return nil, err
	}
	f.Limit = 1000
	var all []stock.Balance
	for len(all) < maxStockExport {
		page, err := stock.List(c.ctx(), s.DB.Pool, f)
		if err != nil {
			return nil, wrap("read stock balances", err)
		}
		all = append(all, page...)
		if len(page) < f.Limit {
			break
		}
		f.AfterLot = page[len(page)-1].LotID
	}
	return download{ContentType: csvType, Filename: "stock-" + f.Warehouse + ".csv", Write: func(w io.Writer) error {
		cw := csv.NewWriter(w)
		_ = cw.Write([]string{"warehouse", "sku", "lot", "expires_on", "on_hand", "reserved", "available"})
		for _, b := range all {
			exp := ""
			if !b.ExpiresOn.IsZero() {
				exp = b.ExpiresOn.Format(time.DateOnly)
			}
			_ = cw.Write([]string{b.Warehouse, b.SKU, cell(b.Batch), exp, strconv.FormatInt(b.OnHand, 10),
				strconv.FormatInt(b.Reserved, 10), strconv.FormatInt(b.Available(), 10)})
		}
		cw.Flush()
		return cw.Error()
	}}, nil
}
