package sms

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/twilio/twilio-go"
	twclient "github.com/twilio/twilio-go/client"
	openapi "github.com/twilio/twilio-go/rest/api/v2010"
)

// Client sends one message through Twilio's Messages API with the real
// twilio-go client. Only the transport is ours: it sends the requests
// twilio-go builds for https://api.twilio.com to Config.APIURL instead.
type Client struct {
	rest *twilio.RestClient
	cfg  Config
}

// NewClient builds a client from cfg.
func NewClient(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	base, _ := url.Parse(cfg.APIURL)
	hc := &http.Client{
		Timeout:   cfg.Timeout,
		Transport: &rebase{base: base, next: http.DefaultTransport},
		// Twilio answers; it does not redirect. A redirect is not followed.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	tc := &twclient.Client{Credentials: twclient.NewCredentials(cfg.AccountSID, cfg.AuthToken), HTTPClient: hc}
	tc.SetAccountSid(cfg.AccountSID)
	return &Client{rest: twilio.NewRestClientWithParams(twilio.ClientParams{Client: tc}), cfg: cfg}, nil
}

// rebase rewrites the scheme and host (and prefixes the path) of every
// request to base.
type rebase struct {
	base *url.URL
	next http.RoundTripper
}

func (r *rebase) RoundTrip(req *http.Request) (*http.Response, error) {
	if r.base.Host == "api.twilio.com" && r.base.Scheme == "https" && r.base.Path == "" {
		return r.next.RoundTrip(req)
	}
	out := req.Clone(req.Context())
	out.URL.Scheme, out.URL.Host = r.base.Scheme, r.base.Host
	out.URL.Path = strings.TrimRight(r.base.Path, "/") + req.URL.Path
	out.Host = r.base.Host
	return r.next.RoundTrip(out)
}

// Accepted is Twilio's answer to an accepted message.
type Accepted struct {
	SID    string
	Status string
}

// Send asks Twilio to send body to phone. statusCallback, when not empty,
// is where Twilio reports delivery. A failure is a *SendError.
func (c *Client) Send(to, body, statusCallback string) (Accepted, error) {
	p := &openapi.CreateMessageParams{}
	p.SetTo(to)
	p.SetBody(body)
	if c.cfg.MessagingService != "" {
		p.SetMessagingServiceSid(c.cfg.MessagingService)
	} else {
		p.SetFrom(c.cfg.From)
	}
	if statusCallback != "" {
		p.SetStatusCallback(statusCallback)
	}
	m, err := c.rest.Api.CreateMessage(p)
	if err != nil {
		return Accepted{}, classify(err)
	}
	var s Accepted
	if m.Sid != nil {
		s.SID = *m.Sid
	}
	if m.Status != nil {
		s.Status = *m.Status
	}
	if s.SID == "" {
		// Accepted but unidentifiable: it may well go out, so it is not retried.
		return s, &SendError{Outcome: Unknown, Err: errors.New("Twilio answered without a message SID")}
	}
	return s, nil
}

// Outcome is what a failed send means for the message.
type Outcome uint8

const (
	// Retry: Twilio refused for now (429, 5xx) or was never reached; the
	// message was not sent and may be sent again.
	Retry Outcome = iota + 1
	// Permanent: Twilio refused the message (400, 401, 403, 404, ...); a
	// retry would be refused again.
	Permanent
	// Unknown: the request may have reached Twilio (a timeout, a broken
	// connection); the message may have been sent, so it is never resent
	// without a person deciding to.
	Unknown
)

func (o Outcome) String() string {
	return [...]string{"", "retry", "permanent", "unknown"}[o]
}

// SendError is a failed send.
type SendError struct {
	Outcome Outcome
	Status  int // HTTP status, when Twilio answered
	Code    int // Twilio's error code, when it gave one
	Err     error
}

func (e *SendError) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("twilio: HTTP %d (code %d): %v", e.Status, e.Code, e.Err)
	}
	return "twilio: " + e.Err.Error()
}

func (e *SendError) Unwrap() error { return e.Err }

var httpCodeRE = regexp.MustCompile(`HTTP error code: (\d{3})`)

func classify(err error) *SendError {
	var rest *twclient.TwilioRestError
	if errors.As(err, &rest) {
		return byStatus(rest.Status, rest.Code, errors.New(rest.Message))
	}
	// An error answer twilio-go could not decode (an HTML page from a proxy, say).
	if m := httpCodeRE.FindStringSubmatch(err.Error()); m != nil {
		st, _ := strconv.Atoi(m[1])
		return byStatus(st, 0, err)
	}
	// Never connected: nothing was sent.
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return &SendError{Outcome: Retry, Err: err}
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return &SendError{Outcome: Retry, Err: err}
	}
	return &SendError{Outcome: Unknown, Err: err}
}

func byStatus(status, code int, err error) *SendError {
	e := &SendError{Status: status, Code: code, Err: err, Outcome: Permanent}
	if status == http.StatusTooManyRequests || status >= 500 {
		e.Outcome = Retry
	}
	return e
}
