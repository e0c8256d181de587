package user

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// Session is a signed-in user.
type Session struct {
	User      User
	ExpiresAt time.Time
}

// ErrNoSession: the token is unknown, expired or revoked.
var ErrNoSession = errors.New("no such session")

// NewToken returns a random 256-bit token, URL-safe.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// TokenHash is what is stored of a token.
func TokenHash(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// StartSession creates a session for u lasting ttl and returns its token.
func StartSession(ctx context.Context, q ledger.Querier, u User, ttl time.Duration, userAgent, ip string) (string, time.Time, error) {
	token := NewToken()
	exp := time.Now().Add(ttl)
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	_, err := q.Exec(ctx, `INSERT INTO sessions (token_hash, user_id, expires_at, user_agent, ip) VALUES ($1, $2, $3, $4, $5)`,
		TokenHash(token), u.ID, exp, userAgent, ip)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("start session for %s: %w", u.Login, err)
	}
	return token, exp, nil
}

// Lookup returns the live session of token, with its user (who must be active).
// Errors: ErrNoSession.
func Lookup(ctx context.Context, q ledger.Querier, token string) (Session, error) {
	var s Session
	var u User
	err := q.QueryRow(ctx, `SELECT u.id, u.login, u.role, coalesce(a.code, ''), coalesce(m.code, ''), u.status,
			coalesce(u.agency_id, 0), coalesce(u.member_id, 0), u.created_at, s.expires_at
		FROM sessions s JOIN users u ON u.id = s.user_id
		LEFT JOIN agencies a ON a.id = u.agency_id LEFT JOIN members m ON m.id = u.member_id
		WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND u.status = 'active'`, TokenHash(token)).
		Scan(&u.ID, &u.Login, &u.Role, &u.Agency, &u.Member, &u.Status, &u.AgencyID, &u.MemberID, &u.CreatedAt, &s.ExpiresAt)
	if errors.Is(err, pgx.ErrNoRows) {
		return Session{}, ErrNoSession
	}
	if err != nil {
		return Session{}, err
	}
	s.User = u
	return s, nil
}

// Revoke ends the session of token (a no-op for an unknown one).
func Revoke(ctx context.Context, q ledger.Querier, token string) error {
	_, err := q.Exec(ctx, `UPDATE sessions SET revoked_at = now() WHERE token_hash = $1 AND revoked_at IS NULL`, TokenHash(token))
	return err
}

// RevokeAll ends every session of a user.
func RevokeAll(ctx context.Context, q ledger.Querier, userID int64) error {
	_, err := q.Exec(ctx, `UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, userID)
	return err
}
