package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"downline/ledger/idempotency"
	"downline/ledger/user"
)

// Principal is the authenticated caller.
type Principal struct {
	User  user.User
	Token string
	// ViaCookie: the token came from the session cookie, so writes need the CSRF header.
	ViaCookie bool
}

// By is how the caller is recorded in the ledger's "entered by" fields.
func (p *Principal) By() string { return "user:" + p.User.Login }

// call is one request to a route, as its handler sees it.
type call struct {
	*gin.Context
	s     *Server
	route *Route
	who   *Principal // nil: anonymous
	key   string     // Idempotency-Key
}

func (c *call) ctx() context.Context { return c.Request.Context() }

// role is the caller's role, "" when anonymous.
func (c *call) role() user.Role {
	if c.who == nil {
		return ""
	}
	return c.who.User.Role
}

// bind decodes the body into req and applies the route's body scope rule.
func (c *call) bind(req any) error {
	if err := decodeJSON(c.Context, req); err != nil {
		return err
	}
	if c.route.Body != nil {
		return c.route.Body(c, req)
	}
	return nil
}

const (
	sessionCookie = "downline_session"
	csrfCookie    = "downline_csrf"
	csrfHeader    = "X-CSRF-Token"
	// maxKey leaves room for the per-user prefix within the ledger's limit.
	maxKey = idempotency.MaxKeyLen - 40
)

// csrfToken derives the double-submit token of a session: only someone who
// can read the session token (or the CSRF cookie, same-origin script) has it.
func csrfToken(session string) string {
	h := sha256.Sum256([]byte("downline csrf\x00" + session))
	return hex.EncodeToString(h[:16])
}

// guard is the one place where a request is authenticated and authorized:
// everything a handler runs has passed it.
func (s *Server) guard(rt *Route) gin.HandlerFunc {
	action := rt.Method + " /api/v1" + rt.Path
	return func(g *gin.Context) {
		started := time.Now()
		c := &call{Context: g, s: s, route: rt}
		status := func() int { return g.Writer.Status() }
		defer func() {
			s.observe(action, status(), time.Since(started))
			if (rt.Method != http.MethodGet || rt.Audit) && privileged(c) {
				s.audit(c, action, status())
			}
		}()
		if err := s.admit(c); err != nil {
			writeProblem(g, err)
			return
		}
		out, err := rt.Handle(c)
		if err != nil {
			writeProblem(g, err)
			return
		}
		code := rt.Status
		if code == 0 {
			code = http.StatusOK
		}
		if d, ok := out.(download); ok {
			d.send(g, code)
			return
		}
		if f, ok := out.(served); ok {
			f.serve(g, code)
			return
		}
		if out == nil {
			g.Status(http.StatusNoContent)
			return
		}
		g.Header("Cache-Control", "no-store")
		if e, ok := out.(encoder); ok {
			b, err := e.appendJSON(make([]byte, 0, 4096))
			if err != nil {
				writeProblem(g, err)
				return
			}
			g.Data(code, "application/json; charset=utf-8", b)
			return
		}
		g.JSON(code, wire(out))
	}
}

// served is an answer that writes its own response (an image with its
// caching headers).
type served interface {
	serve(g *gin.Context, code int)
}

// encoder is an answer that writes its own JSON, in the API's conventions,
// for pages too hot for reflection.
type encoder interface {
	appendJSON(b []byte) ([]byte, error)
}

// admit runs the checks in order: well-formed parameters, who is calling,
// whether the role may call the route, CSRF for cookie writes, whether the
// caller may see the resource the path names, the idempotency key.
func (s *Server) admit(c *call) error {
	rt := c.route
	for _, p := range c.Params {
		if err := checkString("path parameter "+p.Key, p.Value); err != nil {
			return errStatus(http.StatusBadRequest, err.Error())
		}
	}
	for k, vs := range c.Request.URL.Query() {
		for _, v := range vs {
			if err := checkString("query parameter "+k, v); err != nil {
				return errStatus(http.StatusBadRequest, err.Error())
			}
		}
	}
	who, err := s.authenticate(c.Context)
	if err != nil && !rt.Public {
		return err
	}
	c.who = who
	if !rt.Public {
		if who == nil {
			return errStatus(http.StatusUnauthorized, "sign in first: POST /api/v1/auth/login, then send Authorization: Bearer TOKEN")
		}
		if !rt.allows(who.User.Role) {
			return errStatus(http.StatusForbidden, fmt.Sprintf("the %s role may not %s %s", who.User.Role, rt.Method, "/api/v1"+rt.Path))
		}
	}
	if who != nil && who.ViaCookie && rt.Method != http.MethodGet {
		got := c.GetHeader(csrfHeader)
		if subtle.ConstantTimeCompare([]byte(got), []byte(csrfToken(who.Token))) != 1 {
			return errStatus(http.StatusForbidden, "a write signed in by cookie needs the "+csrfHeader+" header set to the value of the "+csrfCookie+" cookie")
		}
	}
	if rt.Scope.Kind != NoResource {
		if err := s.permit(c, rt.Scope.Kind, c.Param(rt.Scope.Param)); err != nil {
			return err
		}
	}
	key := strings.TrimSpace(c.GetHeader("Idempotency-Key"))
	switch {
	case len(key) > maxKey:
		return errStatus(http.StatusBadRequest, fmt.Sprintf("the Idempotency-Key is %d bytes long; at most %d are accepted", len(key), maxKey))
	case key == "" && rt.Idem == KeyRequired:
		return errStatus(http.StatusBadRequest, "this request moves money or stock: send an Idempotency-Key header (any unique string, reused only to retry the same request)")
	}
	if key != "" {
		// Keys are per caller: one user cannot replay (and read) another's result.
		key = "api:" + strconv.FormatInt(c.principalID(), 10) + ":" + key
	}
	c.key = key
	return nil
}

func (c *call) principalID() int64 {
	if c.who == nil {
		return 0
	}
	return c.who.User.ID
}

// authenticate finds the session of the bearer token or the session cookie.
// No credentials: nil, nil.
func (s *Server) authenticate(g *gin.Context) (*Principal, error) {
	token, viaCookie := "", false
	if h := g.GetHeader("Authorization"); h != "" {
		scheme, t, ok := strings.Cut(h, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(t) == "" {
			return nil, errStatus(http.StatusUnauthorized, "the Authorization header must be \"Bearer TOKEN\"")
		}
		token = strings.TrimSpace(t)
	} else if ck, err := g.Cookie(sessionCookie); err == nil && ck != "" {
		token, viaCookie = ck, true
	}
	if token == "" {
		return nil, nil
	}
	if len(token) > 128 {
		return nil, errStatus(http.StatusUnauthorized, "the session token is not valid; sign in again")
	}
	sess, err := s.sessions.lookup(g.Request.Context(), s.DB.Pool, token)
	if errors.Is(err, user.ErrNoSession) {
		return nil, errStatus(http.StatusUnauthorized, "the session has expired or was signed out; sign in again")
	}
	if err != nil {
		return nil, err
	}
	return &Principal{User: sess.User, Token: token, ViaCookie: viaCookie}, nil
}

// privileged: writes by staff and agencies, and every sign-in attempt, go to
// the audit log. What members and customers do is recorded in the ledger
// itself (who entered each order, under which key).
func privileged(c *call) bool {
	if c.route.Path == "/auth/login" {
		return true
	}
	switch c.role() {
	case user.Member, user.Customer:
		return false
	}
	return true
}

func (s *Server) audit(c *call, action string, status int) {
	r := user.AuditRecord{Action: action, Target: c.Request.URL.Path, Status: status, IP: c.ClientIP()}
	if c.who != nil {
		r.Actor, r.Role = c.who.User.Login, string(c.who.User.Role)
	}
	if k := c.GetHeader("Idempotency-Key"); len(k) <= maxKey {
		r.IdemKey = k
	}
	if d, ok := c.Get("audit.detail"); ok {
		r.Detail, _ = d.(string)
	}
	// The request may be cancelled by now; the record must still be written.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(c.Request.Context()), 5*time.Second)
	defer cancel()
	if err := user.Audit(ctx, s.DB.Pool, r); err != nil {
		slog.Error("audit log", "action", action, "err", err)
	}
}

func requestID(g *gin.Context) string {
	if v, ok := g.Get("request_id"); ok {
		return v.(string)
	}
	return ""
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
