package api

import (
	"strings"

	"downline/ledger/user"
)

// Route is one entry of the route table. The gin routes, the authorization
// middleware and the OpenAPI document are all generated from the table, so
// a route cannot be served without a role rule or be missing from the
// document.
type Route struct {
	Method  string
	Path    string // under /api/v1, OpenAPI style: /members/{code}
	Tag     string
	Summary string
	// Roles may call the route; Public routes take every caller, anonymous too.
	Roles  []user.Role
	Public bool
	// Scope limits agencies, members and customers to their own resources,
	// named by a path parameter; Body does the same for what a request body
	// names. Both answer 404 for what the caller may not see.
	Scope Scope
	Body  func(c *call, req any) error
	// Idem says whether an Idempotency-Key header is required.
	Idem Idem
	// Query documents the query parameters.
	Query []Param
	// Request and Response are example values of the body types, for the
	// OpenAPI document (nil: none).
	Request, Response any
	// Upload names the multipart/form-data field of a route that takes a
	// file instead of JSON.
	Upload string
	// Status is the success status (default 200).
	Status int
	// Produces is the content type of a route that answers a file (a
	// download) instead of JSON; its handler returns a download.
	Produces string
	// Audit records even a read in the audit log (bank files, say); writes
	// by staff always are.
	Audit  bool
	Handle func(c *call) (any, error)
}

// Idem is whether a route takes an Idempotency-Key.
type Idem uint8

const (
	NoKey       Idem = iota
	KeyRequired      // moves money or stock: a retry must not move it twice
	KeyOptional      // honoured when given (required when the body asks for money or stock to move)
)

// Param is a documented query parameter.
type Param struct {
	Name, Type, Description string
}

// Scope is the path-based rule of a route: which kind of resource the path
// parameter Param names.
type Scope struct {
	Kind  Resource
	Param string
}

// Resource is something a caller may or may not see.
type Resource uint8

const (
	NoResource Resource = iota
	// MemberTeam: a member, visible to staff and to members it belongs to
	// (themself or anyone in their downline, either tree).
	MemberTeam
	// MemberSelf: a member's own money and orders: staff and the member itself.
	MemberSelf
	// OrderRes: an order, visible to staff, its buying member, its buying or
	// selling agency, and the customer account that entered it.
	OrderRes
	// PaymentRes: a payment, visible as its order is.
	PaymentRes
	// AgencyRes: an agency, visible to staff and its own staff.
	AgencyRes
	// WarehouseRes: a warehouse, visible to staff and, for an agency's, its staff.
	WarehouseRes
)

// roles builds a role list from names, for a readable route table.
func roles(names ...user.Role) []user.Role { return names }

var (
	staff     = roles(user.Admin, user.Finance, user.Warehouse)
	everyone  = roles(user.Admin, user.Finance, user.Warehouse, user.Agency, user.Member, user.Customer, user.Analyst, user.Editor)
	adminOnly = roles(user.Admin)
)

func (r Route) allows(role user.Role) bool {
	for _, x := range r.Roles {
		if x == role {
			return true
		}
	}
	return false
}

// ginPath turns /members/{code} into /members/:code.
func ginPath(p string) string {
	var b strings.Builder
	for _, seg := range strings.Split(p, "/") {
		if seg == "" {
			continue
		}
		b.WriteByte('/')
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			b.WriteString(":" + seg[1:len(seg)-1])
		} else {
			b.WriteString(seg)
		}
	}
	return b.String()
}

// pathParams lists the {params} of an OpenAPI path.
func pathParams(p string) []string {
	var out []string
	for _, seg := range strings.Split(p, "/") {
		if strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}") {
			out = append(out, seg[1:len(seg)-1])
		}
	}
	return out
}
