package api

import (
	"context"
	"sync"
	"time"

	"downline/ledger"
	"downline/ledger/user"
)

// sessionTTLCache remembers looked-up sessions briefly, sparing the ledger a
// query on every request. Signing out, disabling a user or changing a
// password in this process forgets at once; another process sharing the
// database sees such a change within sessionCacheFor.
const sessionCacheFor = 5 * time.Second

type sessionCache struct {
	mu sync.Mutex
	m  map[string]cachedSession
}

type cachedSession struct {
	s     user.Session
	until time.Time
}

func (sc *sessionCache) lookup(ctx context.Context, q ledger.Querier, token string) (user.Session, error) {
	now := time.Now()
	key := string(user.TokenHash(token))
	sc.mu.Lock()
	c, ok := sc.m[key]
	sc.mu.Unlock()
	if ok && now.Before(c.until) && now.Before(c.s.ExpiresAt) {
		return c.s, nil
	}
	s, err := user.Lookup(ctx, q, token)
	if err != nil {
		return s, err
	}
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if sc.m == nil || len(sc.m) > 50_000 {
		sc.m = map[string]cachedSession{}
	}
	sc.m[key] = cachedSession{s: s, until: now.Add(sessionCacheFor)}
	return s, nil
}

// forget drops one session, or every session when token is "".
func (sc *sessionCache) forget(token string) {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	if token == "" {
		sc.m = nil
		return
	}
	delete(sc.m, string(user.TokenHash(token)))
}
