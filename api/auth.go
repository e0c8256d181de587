package api

import (
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"downline/ledger/user"
)

// SessionTTL is how long a session lasts.
const SessionTTL = 12 * time.Hour

type loginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

type loginResponse struct {
	Token     string    `json:"token"`
	CSRFToken string    `json:"csrf_token"`
	ExpiresAt time.Time `json:"expires_at"`
	User      user.User `json:"user"`
}

func (s *Server) login(c *call) (any, error) {
	var req loginRequest
	if err := c.bind(&req); err != nil {
		return nil, err
	}
	if req.Login == "" || req.Password == "" {
		return nil, errStatus(http.StatusUnprocessableEntity, "send both login and password")
	}
	key := req.Login + "\x00" + c.ClientIP()
	if wait := s.throttle.wait(key, time.Now()); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		c.Header("Retry-After", strconv.Itoa(secs))
		return nil, errStatus(http.StatusTooManyRequests, fmt.Sprintf("too many failed sign-ins for %q from this address; try again in %d seconds", req.Login, secs))
	}
	u, err := user.Authenticate(c.ctx(), s.DB.Pool, req.Login, req.Password)
	if errors.Is(err, user.ErrBadCredentials) {
		s.throttle.fail(key, time.Now())
		c.Set("audit.detail", "failed sign-in for "+req.Login)
		return nil, errStatus(http.StatusUnauthorized, "wrong login or password")
	}
	if err != nil {
		return nil, err
	}
	s.throttle.reset(key)
	token, exp, err := user.StartSession(c.ctx(), s.DB.Pool, u, SessionTTL, c.Request.UserAgent(), c.ClientIP())
	if err != nil {
		return nil, wrap("start session", err)
	}
	c.Set("audit.detail", "signed in as "+u.Login)
	csrf := csrfToken(token)
	maxAge := int(SessionTTL.Seconds())
	http.SetCookie(c.Writer, &http.Cookie{Name: sessionCookie, Value: token, Path: "/", MaxAge: maxAge,
		Secure: true, HttpOnly: true, SameSite: http.SameSiteLaxMode})
	http.SetCookie(c.Writer, &http.Cookie{Name: csrfCookie, Value: csrf, Path: "/", MaxAge: maxAge,
		Secure: true, HttpOnly: false, SameSite: http.SameSiteLaxMode})
	return loginResponse{Token: token, CSRFToken: csrf, ExpiresAt: exp, User: u}, nil
}

func (s *Server) logout(c *call) (any, error) {
	if err := user.Revoke(c.ctx(), s.DB.Pool, c.who.Token); err != nil {
		return nil, err
	}
	s.sessions.forget(c.who.Token)
	for _, n := range []string{sessionCookie, csrfCookie} {
		http.SetCookie(c.Writer, &http.Cookie{Name: n, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: n == sessionCookie, SameSite: http.SameSiteLaxMode})
	}
	return nil, nil
}

func (s *Server) me(c *call) (any, error) { return c.who.User, nil }

// throttle slows repeated failed sign-ins per login and address: after
// freeFailures, each further failure doubles the wait, up to maxWait.
type throttle struct {
	mu sync.Mutex
	m  map[string]*failures
}

type failures struct {
	n     int
	until time.Time
	last  time.Time
}

const (
	freeFailures = 5
	maxWait      = 15 * time.Minute
)

func (t *throttle) wait(key string, now time.Time) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f := t.m[key]; f != nil && now.Before(f.until) {
		return f.until.Sub(now)
	}
	return 0
}

func (t *throttle) fail(key string, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[string]*failures{}
	}
	if len(t.m) > 100_000 { // forget the stale ones rather than grow without bound
		for k, f := range t.m {
			if now.Sub(f.last) > maxWait {
				delete(t.m, k)
			}
		}
	}
	f := t.m[key]
	if f == nil || now.Sub(f.last) > 24*time.Hour {
		f = &failures{}
		t.m[key] = f
	}
	f.n++
	f.last = now
	if f.n >= freeFailures {
		wait := time.Second << min(f.n-freeFailures, 20)
		f.until = now.Add(min(wait, maxWait))
	}
}

func (t *throttle) reset(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.m, key)
}
