// Package sms keeps members, agencies and staff informed by text message over
// Twilio (twilio-go) and answers their texted questions: notifications from
// the ledger's outbox, bulk messages to segments, a reliable at-most-once
// sender, and the inbound and status webhooks.
package sms

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"
)

// Config is how Downline reaches Twilio, from the environment (Env) or flags.
type Config struct {
	AccountSID string // TWILIO_ACCOUNT_SID
	AuthToken  string // TWILIO_AUTH_TOKEN
	// From is the sending number (TWILIO_FROM), or MessagingService the
	// messaging service SID (TWILIO_MESSAGING_SERVICE_SID); one is needed.
	From             string
	MessagingService string
	// APIURL is Twilio's REST base URL (TWILIO_API_URL, default
	// https://api.twilio.com); tests point it at smstest.
	APIURL string
	// PublicURL is where Twilio reaches this server (PUBLIC_URL): the status
	// callback URL and the URL Twilio signs inbound requests with.
	PublicURL string
	// Rate is the most messages sent per second (SMS_RATE, default 10).
	Rate float64
	// PricePerSegment is the cost estimate per segment (SMS_PRICE_PER_SEGMENT, default 0.05).
	PricePerSegment decimal.Decimal
	// Timeout bounds one HTTP call to Twilio (default 15s).
	Timeout time.Duration
	// Horizon is how old an event may be when the notifier reaches it and
	// still be texted (SMS_HORIZON, a duration such as 24h or 90m; default
	// DefaultHorizon). Older events are skipped and the skip recorded.
	Horizon time.Duration

	badHorizon string // SMS_HORIZON when it is not a duration
}

// DefaultAPIURL is Twilio's REST API.
const DefaultAPIURL = "https://api.twilio.com"

// Env reads the configuration from the environment. Enabled reports
// whether TWILIO_ACCOUNT_SID is set.
func Env() Config {
	c := Config{
		AccountSID:       os.Getenv("TWILIO_ACCOUNT_SID"),
		AuthToken:        os.Getenv("TWILIO_AUTH_TOKEN"),
		From:             os.Getenv("TWILIO_FROM"),
		MessagingService: os.Getenv("TWILIO_MESSAGING_SERVICE_SID"),
		APIURL:           os.Getenv("TWILIO_API_URL"),
		PublicURL:        os.Getenv("PUBLIC_URL"),
	}
	if v, err := strconv.ParseFloat(os.Getenv("SMS_RATE"), 64); err == nil {
		c.Rate = v
	}
	if v, err := decimal.NewFromString(os.Getenv("SMS_PRICE_PER_SEGMENT")); err == nil {
		c.PricePerSegment = v
	}
	if v := os.Getenv("SMS_HORIZON"); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			c.Horizon = d
		} else {
			c.badHorizon = v
		}
	}
	return c.withDefaults()
}

// Enabled reports whether SMS is configured at all: any of the Twilio
// account SID, auth token, sending number or messaging service is set.
func (c Config) Enabled() bool {
	return c.AccountSID != "" || c.AuthToken != "" || c.From != "" || c.MessagingService != ""
}

// Defaults fills what is not set with the defaults.
func (c Config) Defaults() Config { return c.withDefaults() }

func (c Config) withDefaults() Config {
	if c.APIURL == "" {
		c.APIURL = DefaultAPIURL
	}
	if c.Rate <= 0 {
		c.Rate = 10
	}
	if c.PricePerSegment.IsZero() {
		c.PricePerSegment = decimal.RequireFromString("0.05")
	}
	if c.Timeout <= 0 {
		c.Timeout = 15 * time.Second
	}
	if c.Horizon <= 0 {
		c.Horizon = DefaultHorizon
	}
	c.PublicURL = strings.TrimRight(c.PublicURL, "/")
	return c
}

var (
	accountSIDRE = regexp.MustCompile(`^AC[0-9a-fA-F]{32}$`)
	authTokenRE  = regexp.MustCompile(`^[A-Za-z0-9]{32}$`)
	serviceSIDRE = regexp.MustCompile(`^MG[0-9a-fA-F]{32}$`)
)

// Validate says, in words, what is missing or malformed. The credentials
// are checked for their form, which Twilio's are always in: a malformed one
// would make Twilio refuse every message. The auth token is never quoted.
func (c Config) Validate() error {
	var errs []error
	switch {
	case c.AccountSID == "":
		errs = append(errs, errors.New("TWILIO_ACCOUNT_SID is not set"))
	case !accountSIDRE.MatchString(c.AccountSID):
		errs = append(errs, fmt.Errorf("TWILIO_ACCOUNT_SID %q must be AC followed by 32 hexadecimal digits", c.AccountSID))
	}
	switch {
	case c.AuthToken == "":
		errs = append(errs, errors.New("TWILIO_AUTH_TOKEN is not set"))
	case !authTokenRE.MatchString(c.AuthToken):
		errs = append(errs, fmt.Errorf("TWILIO_AUTH_TOKEN must be 32 letters and digits (Twilio refuses other tokens with error 21224); "+
			"it has %d characters, %d of them neither a letter nor a digit", utf8.RuneCountInString(c.AuthToken), notAlnum(c.AuthToken)))
	}
	switch {
	case c.From == "" && c.MessagingService == "":
		errs = append(errs, errors.New("set TWILIO_FROM (a number) or TWILIO_MESSAGING_SERVICE_SID: messages need a sender"))
	case c.MessagingService != "" && !serviceSIDRE.MatchString(c.MessagingService):
		errs = append(errs, fmt.Errorf("TWILIO_MESSAGING_SERVICE_SID %q must be MG followed by 32 hexadecimal digits", c.MessagingService))
	}
	if u, err := url.Parse(c.APIURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("TWILIO_API_URL %q is not an http(s) URL", c.APIURL))
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || u.Host == "" {
			errs = append(errs, fmt.Errorf("PUBLIC_URL %q is not a URL", c.PublicURL))
		}
	}
	if c.badHorizon != "" {
		errs = append(errs, fmt.Errorf("SMS_HORIZON %q must be a positive duration such as 24h or 90m", c.badHorizon))
	}
	return errors.Join(errs...)
}

// notAlnum counts the characters of s that are not ASCII letters or digits.
func notAlnum(s string) int {
	n := 0
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			n++
		}
	}
	return n
}
