package analytics

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"downline/graphstore"
)

// Diversion (窜货) is goods going where the company did not mean them to:
//
//   - sales outside the territory: an agency's sale to a member whose
//     region is not one the agency serves (both known);
//   - inventory loading: members who, over the window, received far more
//     than their own use. A member's load is the units received less the
//     units returned in the window; the allowance is the plan's personal
//     use (Use units a month) times the window's months plus what the
//     ledger records the member sold at retail. The ledger records no
//     retail sale by members (shop sales are HQ's), so the allowance is
//     personal use alone. A member is flagged when load > Factor × allowance.
//   - returns through another channel: goods a buyer (or an agency) sent
//     back to a holder that never sold that lot to it.
type Diversion struct {
	Params       DiversionParams `json:"params"`
	Territory    []DivertedSale  `json:"territory"`
	Loading      []Loading       `json:"loading"`
	CrossReturns []CrossReturn   `json:"cross_returns"`
}

// DiversionParams are the report's knobs.
type DiversionParams struct {
	Since  time.Time `json:"since"`  // the window's start (inclusive)
	Until  time.Time `json:"until"`  // its end (exclusive)
	Months int       `json:"months"` // the window in months, for the allowance
	Use    int64     `json:"use"`    // personal use, units a month
	Factor int64     `json:"factor"` // flagged above Factor × allowance
}

// Territories say which regions agencies serve and where members are.
type Territories struct {
	Agencies map[string][]string // agency warehouse code -> regions it serves
	Members  map[string]string   // member code -> region
}

// DivertedSale is one agency's sale to a member outside its territory.
type DivertedSale struct {
	Agency string    `json:"agency"` // its warehouse code
	Serves []string  `json:"serves"`
	Member string    `json:"member"`
	Region string    `json:"region"`
	SKU    string    `json:"sku"`
	Batch  string    `json:"batch"`
	Qty    int64     `json:"qty"`
	Order  string    `json:"order"`
	At     time.Time `json:"at"`
}

// Loading is one member whose purchases exceed their allowance.
type Loading struct {
	Member    string   `json:"member"`
	Received  int64    `json:"received"`
	Returned  int64    `json:"returned"`
	Load      int64    `json:"load"`
	Allowance int64    `json:"allowance"`
	Orders    []string `json:"orders"`
}

// CrossReturn is a return to a holder that never sold the lot to the returner.
type CrossReturn struct {
	From   Ref       `json:"from"`
	To     Ref       `json:"to"`
	SoldBy []Ref     `json:"sold_by"` // who did sell it the lot before
	SKU    string    `json:"sku"`
	Batch  string    `json:"batch"`
	Qty    int64     `json:"qty"`
	Order  string    `json:"order"`
	At     time.Time `json:"at"`
}

// Divert answers the three questions over every lot's path, the movements
// in [p.Since, p.Until). Errors: ErrInvalid (bad parameters).
func Divert(ctx context.Context, cs graphstore.Circulation, terr Territories, p DiversionParams) (Diversion, error) {
	switch {
	case !p.Until.After(p.Since):
		return Diversion{}, fmt.Errorf("%w: the window's end must come after its start", ErrInvalid)
	case p.Months < 1 || p.Months > 36:
		return Diversion{}, fmt.Errorf("%w: months %d must be 1 to 36", ErrInvalid, p.Months)
	case p.Use < 0:
		return Diversion{}, fmt.Errorf("%w: use %d must not be negative", ErrInvalid, p.Use)
	case p.Factor < 1:
		return Diversion{}, fmt.Errorf("%w: factor %d must be at least 1", ErrInvalid, p.Factor)
	}
	out := Diversion{Params: p, Territory: []DivertedSale{}, Loading: []Loading{}, CrossReturns: []CrossReturn{}}
	lots, err := cs.Lots(ctx)
	if err != nil {
		return Diversion{}, err
	}
	loads := map[string]*Loading{}
	for _, lot := range lots {
		path, err := cs.LotPath(ctx, lot.ID)
		if errors.Is(err, graphstore.ErrNotFound) {
			continue
		}
		if err != nil {
			return Diversion{}, err
		}
		// sold[buyer] lists who sold the lot to the buyer so far.
		sold := map[graphstore.Holder][]graphstore.Holder{}
		for _, m := range path {
			in := !m.At.Before(p.Since) && m.At.Before(p.Until)
			if isReturn(m) {
				if in && !slices.Contains(sold[m.From], m.To) {
					r := CrossReturn{From: refOf(m.From), To: refOf(m.To), SoldBy: []Ref{}, SKU: lot.SKU, Batch: lot.Batch, Qty: m.Qty, Order: m.Order, At: m.At}
					for _, s := range sold[m.From] {
						r.SoldBy = append(r.SoldBy, refOf(s))
					}
					out.CrossReturns = append(out.CrossReturns, r)
				}
				if in && m.From.Kind == graphstore.MemberHolder {
					load(loads, m.From.ID).Returned += m.Qty
				}
				continue
			}
			if !slices.Contains(sold[m.To], m.From) {
				sold[m.To] = append(sold[m.To], m.From)
			}
			if !in || m.To.Kind != graphstore.MemberHolder {
				continue
			}
			l := load(loads, m.To.ID)
			l.Received += m.Qty
			if m.Order != "" && !slices.Contains(l.Orders, m.Order) {
				l.Orders = append(l.Orders, m.Order)
			}
			if m.From.Kind != graphstore.Agency {
				continue
			}
			serves, region := terr.Agencies[m.From.ID], terr.Members[m.To.ID]
			if len(serves) > 0 && region != "" && !slices.Contains(serves, region) {
				out.Territory = append(out.Territory, DivertedSale{Agency: m.From.ID, Serves: serves, Member: m.To.ID, Region: region,
					SKU: lot.SKU, Batch: lot.Batch, Qty: m.Qty, Order: m.Order, At: m.At})
			}
		}
	}
	allowance := int64(p.Months) * p.Use
	for _, l := range loads {
		l.Load = l.Received - l.Returned
		l.Allowance = allowance
		if l.Load > p.Factor*allowance {
			out.Loading = append(out.Loading, *l)
		}
	}
	slices.SortFunc(out.Loading, func(a, b Loading) int { return cmp.Or(cmp.Compare(b.Load, a.Load), cmp.Compare(a.Member, b.Member)) })
	slices.SortStableFunc(out.Territory, func(a, b DivertedSale) int { return a.At.Compare(b.At) })
	slices.SortStableFunc(out.CrossReturns, func(a, b CrossReturn) int { return a.At.Compare(b.At) })
	return out, nil
}

func load(m map[string]*Loading, code string) *Loading {
	l := m[code]
	if l == nil {
		l = &Loading{Member: code, Orders: []string{}}
		m[code] = l
	}
	return l
}

// isReturn reports whether a movement sends goods back up the chain: a
// buyer's to a warehouse or an agency, an agency's to an HQ warehouse.
func isReturn(m graphstore.Movement) bool {
	switch m.From.Kind {
	case graphstore.MemberHolder, graphstore.Customer:
		return m.To.Kind == graphstore.Warehouse || m.To.Kind == graphstore.Agency
	case graphstore.Agency:
		return m.To.Kind == graphstore.Warehouse
	}
	return false
}
