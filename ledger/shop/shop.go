// Package shop keeps the online shop's records: customers who signed up
// with a phone number proved by a texted code (codes stored hashed,
// expiring, single-use, with limited tries and rate-limited sending),
// carts kept by a cookie, checkout into a shop order with a delivery
// address and the member who referred the customer, the payment
// provider's sessions, order tracking and return requests.
//
// Texting the codes and talking to a payment provider are the business of
// the package above it (downline/shop); this one only stores and checks.
// Every business time is read from the clock of the context (package
// clock).
package shop

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"downline/ledger"
)

// Error is a refusal a person can act on: the field it concerns (empty:
// the whole request), a code the pages translate into the visitor's
// language, the wait for a rate limit, and the message in English.
type Error struct {
	Field string
	Code  string
	Wait  time.Duration
	Msg   string
	kind  error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.kind }

// Seconds is the wait in whole seconds, rounded up.
func (e *Error) Seconds() int {
	s := int(e.Wait / time.Second)
	if e.Wait%time.Second != 0 {
		s++
	}
	return s
}

func invalid(field, code, format string, args ...any) *Error {
	return &Error{Field: field, Code: code, Msg: fmt.Sprintf(format, args...), kind: ledger.ErrInvalid}
}

// Errors are several refusals at once (a form with more than one wrong field).
type Errors []*Error

func (es Errors) Error() string {
	msgs := make([]string, len(es))
	for i, e := range es {
		msgs[i] = e.Msg
	}
	return strings.Join(msgs, "; ")
}
func (es Errors) Unwrap() error { return ledger.ErrInvalid }

// Of is the refusal of field, or nil.
func (es Errors) Of(field string) *Error {
	for _, e := range es {
		if e.Field == field {
			return e
		}
	}
	return nil
}

// NormalisePhone reads a mobile number: E.164 (+8613800138000, spaces and
// dashes allowed) or a mainland China mobile of 11 digits starting with 1,
// which gets +86.
func NormalisePhone(s string) (string, bool) {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case r == ' ' || r == '-':
		default:
			return "", false
		}
	}
	p := b.String()
	if len(p) == 11 && p[0] == '1' {
		p = "+86" + p
	}
	if !strings.HasPrefix(p, "+") || len(p) < 8 || len(p) > 16 || p[1] == '0' {
		return "", false
	}
	return p, true
}

// LoginOf is the login of the customer account of a phone number.
func LoginOf(phone string) string { return "c" + strings.TrimPrefix(phone, "+") }

func waitMsg(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	if s < 120 {
		return strconv.Itoa(s) + " seconds"
	}
	return strconv.Itoa((s+59)/60) + " minutes"
}
