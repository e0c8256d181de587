package api

import (
	"downline/analytics"
	"downline/analytics/export"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/jackc/pgx/v5/pgconn"

	"downline/graphstore"
	"downline/ledger"
	"downline/ledger/order"
)

// Problem is an RFC 9457 problem detail, the body of every error answer.
type Problem struct {
	Type      string `json:"type"`
	Title     string `json:"title"`
	Status    int    `json:"status"`
	Detail    string `json:"detail"`
	Instance  string `json:"instance,omitempty"`
	RequestID string `json:"request_id,omitempty"`
}

// httpError is an error that already knows its status: malformed requests,
// missing credentials, refused roles.
type httpError struct {
	status int
	msg    string
}

func (e *httpError) Error() string { return e.msg }

func errStatus(status int, msg string) error { return &httpError{status: status, msg: msg} }

// sentinels maps the domain's sentinel errors to a status, in one table.
// Order matters: the first match wins.
var sentinels = []struct {
	err    error
	status int
}{
	{ledger.ErrNotFound, http.StatusNotFound},
	{graphstore.ErrNotFound, http.StatusNotFound},
	{graphstore.ErrNotInTeam, http.StatusNotFound},
	{ledger.ErrIdempotencyConflict, http.StatusConflict},
	// The caller gave up on an order: not entered, or entered if its batch
	// commits; either way a retry under the same key answers it.
	{order.ErrNotEntered, http.StatusServiceUnavailable},
	{order.ErrMaybeEntered, http.StatusServiceUnavailable},
	{ledger.ErrInsufficientStock, http.StatusConflict},
	{ledger.ErrConflict, http.StatusConflict},
	{graphstore.ErrNoFreeSlot, http.StatusConflict},
	{ledger.ErrForbidden, http.StatusForbidden},
	{ledger.ErrInvalid, http.StatusUnprocessableEntity},
	{graphstore.ErrInvalid, http.StatusUnprocessableEntity},
	{graphstore.ErrBadCursor, http.StatusBadRequest},
	{analytics.ErrNotFound, http.StatusNotFound},
	{analytics.ErrInvalid, http.StatusUnprocessableEntity},
	{export.ErrNotFound, http.StatusNotFound},
	{export.ErrInvalid, http.StatusUnprocessableEntity},
}

// opError is an error wrapped with the operation that failed: the log shows
// the operation, the person sees the error it wraps (see statusOf).
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

// wrap says which operation err comes from (nil stays nil).
func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	return &opError{op: op, err: err}
}

// statusOf decides the status of err and the message a person sees: the
// domain's own words, without the operations the API wrapped them in.
func statusOf(err error) (int, string) {
	for {
		oe, ok := err.(*opError)
		if !ok {
			break
		}
		err = oe.err
	}
	var he *httpError
	if errors.As(err, &he) {
		return he.status, he.msg
	}
	for _, s := range sentinels {
		if errors.Is(err, s.err) {
			return s.status, strings.TrimPrefix(err.Error(), s.err.Error()+": ")
		}
	}
	if dbUnavailable(err) {
		return http.StatusServiceUnavailable, "the database is unavailable; try again shortly"
	}
	// Constraint and data errors the domain did not catch are still the
	// request's fault, never the server's. Their text stays in the log:
	// Postgres puts row values in it ("Key (phone)=(+86...) already exists").
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch {
		case pe.Code == "23505":
			return http.StatusConflict, "this clashes with an existing record" + offending(pe)
		case strings.HasPrefix(pe.Code, "23"):
			return http.StatusUnprocessableEntity, "the request breaks a rule of the ledger" + offending(pe)
		case strings.HasPrefix(pe.Code, "22"):
			return http.StatusUnprocessableEntity, "a value is out of range or malformed" + offending(pe)
		}
	}
	return http.StatusInternalServerError, "the server failed to answer; try again, and report the request id if it persists"
}

// offending names the column or constraint a Postgres error is about, which
// is all of it a client sees: its message and detail may hold row values.
func offending(pe *pgconn.PgError) string {
	switch {
	case pe.ColumnName != "":
		return " (column " + pe.ColumnName + ")"
	case pe.ConstraintName != "":
		return " (constraint " + pe.ConstraintName + ")"
	}
	return ""
}

// dbUnavailable: the database cannot be reached, refuses connections or went
// away. That is no fault of the request, and no sign that what it asks for
// does not exist.
func dbUnavailable(err error) bool {
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		return true
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		// connection_exception, admin_shutdown, crash_shutdown,
		// cannot_connect_now, too_many_connections
		return strings.HasPrefix(pe.Code, "08") || pe.Code == "57P01" || pe.Code == "57P02" || pe.Code == "57P03" || pe.Code == "53300"
	}
	var ne net.Error
	return errors.As(err, &ne)
}

var titles = map[int]string{
	400: "Bad request", 401: "Sign-in required", 403: "Not allowed", 404: "Not found", 405: "Method not allowed",
	409: "Conflict", 413: "Request too large", 415: "Unsupported media type", 422: "Invalid request",
	428: "Precondition required", 429: "Too many attempts", 500: "Internal error", 503: "Unavailable",
}

func problemType(status int) string {
	t := strings.ToLower(strings.ReplaceAll(titles[status], " ", "-"))
	if t == "" {
		t = "error"
	}
	return "urn:downline:problem:" + t
}

// writeProblem answers err as application/problem+json.
func writeProblem(c *gin.Context, err error) {
	status, msg := statusOf(err)
	var pe *pgconn.PgError
	switch {
	case status >= 500:
		slog.Error("request failed", "method", c.Request.Method, "path", c.Request.URL.Path, "request_id", requestID(c), "err", err)
	case errors.As(err, &pe):
		slog.Warn("request refused by the database", "method", c.Request.Method, "path", c.Request.URL.Path, "request_id", requestID(c), "err", err, "detail", pe.Detail)
	}
	writeProblemStatus(c, status, msg)
}

func writeProblemStatus(c *gin.Context, status int, msg string) {
	title := titles[status]
	if title == "" {
		title = http.StatusText(status)
	}
	if status == http.StatusUnauthorized {
		c.Header("WWW-Authenticate", `Bearer realm="downline"`)
	}
	c.Header("Content-Type", "application/problem+json")
	c.Header("Cache-Control", "no-store")
	c.AbortWithStatusJSON(status, Problem{Type: problemType(status), Title: title, Status: status, Detail: msg,
		Instance: c.Request.URL.Path, RequestID: requestID(c)})
}
