// Package smstest is a local HTTP server that speaks the part of Twilio's
// REST API Downline uses (POST /2010-04-01/Accounts/{sid}/Messages.json), for
// tests through the real twilio-go client. It records what it received and
// can be scripted to fail.
package smstest

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"
)

// Message is one message the server accepted (or refused).
type Message struct {
	SID            string
	To, From, Body string
	Service        string
	StatusCallback string
	At             time.Time
}

// Server is a fake Twilio.
type Server struct {
	*httptest.Server
	AccountSID, AuthToken string

	mu       sync.Mutex
	accepted []Message
	refused  []Message
	script   []int // statuses to answer next, in order (0: accept)
	failFor  map[string][]int
	delay    time.Duration
	requests int
	seq      int
}

// New starts a server for the given credentials; it stops when the test ends.
func New(t interface{ Cleanup(func()) }, accountSID, authToken string) *Server {
	s := &Server{AccountSID: accountSID, AuthToken: authToken, failFor: map[string][]int{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

// Fail makes the next requests answer these HTTP statuses (0 accepts), in order.
func (s *Server) Fail(statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.script = append(s.script, statuses...)
}

// FailTo makes the next requests to phone answer these statuses, in order.
func (s *Server) FailTo(phone string, statuses ...int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failFor[phone] = append(s.failFor[phone], statuses...)
}

// Delay makes every answer wait d (to test timeouts).
func (s *Server) Delay(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delay = d
}

// Messages returns the accepted messages in the order received.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.accepted...)
}

// To returns the bodies accepted for phone.
func (s *Server) To(phone string) []string {
	var out []string
	for _, m := range s.Messages() {
		if m.To == phone {
			out = append(out, m.Body)
		}
	}
	return out
}

// Requests is how many message requests arrived, accepted or not.
func (s *Server) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Reset forgets what was received.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accepted, s.refused, s.requests = nil, nil, 0
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	path := "/2010-04-01/Accounts/" + s.AccountSID + "/Messages.json"
	if r.URL.Path != path {
		if strings.HasPrefix(r.URL.Path, "/2010-04-01/Accounts/") {
			twilioError(w, http.StatusNotFound, 20404, "The requested resource "+r.URL.Path+" was not found")
			return
		}
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodPost {
		twilioError(w, http.StatusMethodNotAllowed, 20004, "Method not allowed")
		return
	}
	if u, p, ok := r.BasicAuth(); !ok || u != s.AccountSID || p != s.AuthToken {
		twilioError(w, http.StatusUnauthorized, 20003, "Authenticate")
		return
	}
	if err := r.ParseForm(); err != nil {
		twilioError(w, http.StatusBadRequest, 21100, "bad form: "+err.Error())
		return
	}
	m := Message{To: r.PostForm.Get("To"), From: r.PostForm.Get("From"), Body: r.PostForm.Get("Body"),
		Service: r.PostForm.Get("MessagingServiceSid"), StatusCallback: r.PostForm.Get("StatusCallback"), At: time.Now()}

	s.mu.Lock()
	s.requests++
	delay := s.delay
	status := 0
	if q := s.failFor[m.To]; len(q) > 0 {
		status, s.failFor[m.To] = q[0], q[1:]
	} else if len(s.script) > 0 {
		status, s.script = s.script[0], s.script[1:]
	}
	switch {
	case status != 0:
	case m.To == "":
		status = 400
	case m.Body == "":
		status = 400
	case m.From == "" && m.Service == "":
		status = 400
	}
	if status == 0 {
		s.seq++
		m.SID = fmt.Sprintf("SM%032x", s.seq)
		s.accepted = append(s.accepted, m)
	} else {
		s.refused = append(s.refused, m)
	}
	s.mu.Unlock()
	if delay > 0 {
		time.Sleep(delay)
	}

	switch {
	case status == 0:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"sid": m.SID, "account_sid": s.AccountSID, "to": m.To, "from": m.From, "body": m.Body,
			"messaging_service_sid": nilIfEmpty(m.Service),
			"status":                "queued", "num_segments": "1", "direction": "outbound-api", "api_version": "2010-04-01",
			"date_created": m.At.UTC().Format(time.RFC1123Z), "uri": path[:len(path)-5] + "/" + m.SID + ".json",
		})
	case status == 429:
		twilioError(w, status, 20429, "Too Many Requests")
	case status >= 500:
		twilioError(w, status, 20500, "Internal Server Error")
	case status == 400 && m.To == "":
		twilioError(w, status, 21604, "A 'To' phone number is required.")
	default:
		twilioError(w, status, 21211, "The 'To' number "+m.To+" is not a valid phone number.")
	}
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func twilioError(w http.ResponseWriter, status, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"code": code, "message": msg, "more_info": fmt.Sprintf("https://www.twilio.com/docs/errors/%d", code), "status": status,
	})
}

// Sign computes the X-Twilio-Signature Twilio sends with a webhook POST of
// form params to fullURL: base64(HMAC-SHA1(token, url + sorted key+value)).
func Sign(authToken, fullURL string, params url.Values) string {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString(fullURL)
	for _, k := range keys {
		for _, v := range params[k] {
			b.WriteString(k)
			b.WriteString(v)
		}
	}
	mac := hmac.New(sha1.New, []byte(authToken))
	mac.Write([]byte(b.String()))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}
