package api

import (
	"errors"
	"fmt"

	"downline/ledger"
	"downline/ledger/member"
	"downline/ledger/order"
	"downline/ledger/stock"
	"downline/ledger/user"
	"downline/network"
)

// Scoping answers 404 with the very message a missing resource gets, so a
// caller cannot tell "exists but not yours" from "does not exist".
func memberNotFound(code string) error {
	return fmt.Errorf("%w: no member with code %q", ledger.ErrNotFound, code)
}
func orderNotFound(no string) error {
	return fmt.Errorf("%w: unknown order %q", ledger.ErrNotFound, no)
}
func paymentNotFound(no string) error {
	return fmt.Errorf("%w: unknown payment %q", ledger.ErrNotFound, no)
}
func agencyNotFound(code string) error {
	return fmt.Errorf("%w: unknown agency %q", ledger.ErrNotFound, code)
}
func warehouseNotFound(code string) error {
	return fmt.Errorf("%w: unknown warehouse %q", ledger.ErrNotFound, code)
}

func isStaff(r user.Role) bool { return r == user.Admin || r == user.Finance || r == user.Warehouse }

// permit decides whether the caller may see the resource of the given kind
// named key. Staff see everything their role reaches; the route table has
// already kept every other role off routes it may not call.
func (s *Server) permit(c *call, kind Resource, key string) error {
	if c.who == nil || isStaff(c.who.User.Role) {
		return nil
	}
	u := c.who.User
	ctx := c.ctx()
	switch kind {
	case MemberTeam:
		if u.Role == user.Analyst {
			// HQ-wide and read-only: the route table admits analysts only
			// to the questions they may ask of any member.
			return nil
		}
		if u.Role == user.Member {
			ok, err := s.inTeam(c, u.MemberID, key)
			if err != nil {
				return err
			}
			if !ok {
				return memberNotFound(key)
			}
			return nil
		}
		return memberNotFound(key)
	case MemberSelf:
		if u.Role == user.Member && key == u.Member {
			return nil
		}
		return memberNotFound(key)
	case OrderRes:
		p, err := order.PartiesOf(ctx, s.DB.Pool, key)
		if errors.Is(err, ledger.ErrNotFound) || (err == nil && !ownsOrder(u, p)) {
			return orderNotFound(key)
		}
		return err
	case PaymentRes:
		no, err := order.OrderOfPayment(ctx, s.DB.Pool, key)
		if errors.Is(err, ledger.ErrNotFound) {
			return paymentNotFound(key)
		}
		if err != nil {
			return err
		}
		p, err := order.PartiesOf(ctx, s.DB.Pool, no)
		if err != nil {
			return wrap("read order parties", err)
		}
		if !ownsOrder(u, p) {
			return paymentNotFound(key)
		}
		return nil
	case AgencyRes:
		if u.Role == user.Agency && key == u.Agency {
			return nil
		}
		return agencyNotFound(key)
	case WarehouseRes:
		if u.Role == user.Agency {
			w, err := stock.GetWarehouse(ctx, s.DB.Pool, key)
			if err != nil && !errors.Is(err, ledger.ErrNotFound) {
				return err
			}
			if err == nil && w.AgencyCode == u.Agency {
				return nil
			}
		}
		return warehouseNotFound(key)
	}
	return fmt.Errorf("no scope rule for resource kind %d", kind)
}

// ownsOrder: the member who buys, the agency that buys or sells, the account that entered it.
func ownsOrder(u user.User, p order.Parties) bool {
	switch u.Role {
	case user.Member:
		// A member's own orders, and those it entered for another, such as
		// the starter kit of a member it registered.
		return (p.Member != "" && p.Member == u.Member) || p.EnteredBy == "user:"+u.Login
	case user.Agency:
		return u.Agency != "" && (p.Seller == u.Agency || p.BuyerAgency == u.Agency)
	case user.Customer:
		return p.EnteredBy == "user:"+u.Login
	}
	return false
}

// inTeam reports whether code is the member me or in its downline in either
// tree. The graph store answers first; a "no" is checked against the ledger,
// which the store may trail by a moment after a registration or a move.
func (s *Server) inTeam(c *call, me int64, code string) (bool, error) {
	ctx := c.ctx()
	if s.Graph != nil {
		if m, err := s.Graph.MemberByCode(ctx, code); err == nil {
			if int64(m.ID) == me {
				return true, nil
			}
			for _, t := range []network.Tree{network.Sponsor, network.Placement} {
				if ok, err := s.Graph.IsInDownline(ctx, t, network.MemberID(me), m.ID); err == nil && ok {
					return true, nil
				}
			}
		}
	}
	m, err := member.Get(ctx, s.DB.Pool, code)
	if errors.Is(err, ledger.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, t := range []network.Tree{network.Sponsor, network.Placement} {
		if ok, err := member.InDownline(ctx, s.DB.Pool, t, me, m.ID); err != nil || ok {
			return ok, err
		}
	}
	return false, nil
}

// actOnMember: the caller may register under, or order for, member code.
// Members act within their own team; agencies serve every member.
func (s *Server) actOnMember(c *call, code string) error {
	switch c.role() {
	case user.Admin, user.Finance, user.Warehouse, user.Agency:
		return nil
	case user.Member:
		if code == "" {
			return nil
		}
		return s.permit(c, MemberTeam, code)
	}
	return memberNotFound(code)
}

// actAsAgency: the caller may act for agency code (sell its stock, buy for it).
func (s *Server) actAsAgency(c *call, code string) error {
	if code == "" || isStaff(c.role()) {
		return nil
	}
	if c.role() == user.Agency && code == c.who.User.Agency {
		return nil
	}
	return agencyNotFound(code)
}

func err404(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ledger.ErrNotFound}, args...)...)
}
