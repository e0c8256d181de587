package shop

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger"
)

// The rules of sign-up codes.
const (
	CodeTTL         = 10 * time.Minute // a code is good this long
	MaxTries        = 5                // wrong tries before a code is dead
	ResendAfter     = time.Minute      // one code a minute per phone
	PhonePerHour    = 5                // codes per phone per hour
	ClientPerHour   = 20               // codes per client address per hour
	codeDigits      = 6
	rateWindowHours = time.Hour
)

// Issued is a code to text: the code itself (only the caller sees it) and
// when it expires.
type Issued struct {
	Phone     string
	Code      string
	ExpiresAt time.Time
}

// IssueCode makes a new sign-up code for phone, asked from client (an
// address), unless a rate limit says to wait: one code a minute and
// PhonePerHour an hour per phone, ClientPerHour an hour per client. The
// code is stored as a salted SHA-256 only. Run it in the transaction that
// texts the code, so that a code that could not be sent is not kept.
//
// Errors: *Error (ledger.ErrInvalid) for a malformed phone; *Error with a
// Wait (ledger.ErrConflict) when a limit is reached.
func IssueCode(ctx context.Context, tx pgx.Tx, phone, client string) (Issued, error) {
	p, ok := NormalisePhone(phone)
	if !ok {
		return Issued{}, invalid("phone", "phone_format", "phone %q must be a mobile number such as 13800138000 or +8613800138000", phone)
	}
	now := clock.Now(ctx)
	// One issuer at a time per phone and per client.
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('shop-code:' || $1)), pg_advisory_xact_lock(hashtext('shop-client:' || $2))`, p, client); err != nil {
		return Issued{}, err
	}
	if wait, err := phoneWait(ctx, tx, p, now); err != nil {
		return Issued{}, err
	} else if wait > 0 {
		return Issued{}, &Error{Field: "phone", Code: "wait_phone", Wait: wait, kind: ledger.ErrConflict,
			Msg: fmt.Sprintf("a code was sent to %s a moment ago; ask for another in %s", p, waitMsg(wait))}
	}
	var n int
	var oldest time.Time
	if err := tx.QueryRow(ctx, `SELECT count(*), coalesce(min(sent_at), $3) FROM shop_codes WHERE client = $1 AND sent_at > $2`,
		client, now.Add(-rateWindowHours), now).Scan(&n, &oldest); err != nil {
		return Issued{}, err
	}
	if n >= ClientPerHour {
		wait := oldest.Add(rateWindowHours).Sub(now)
		return Issued{}, &Error{Code: "wait_client", Wait: wait, kind: ledger.ErrConflict,
			Msg: fmt.Sprintf("too many codes were asked for from this address; try again in %s", waitMsg(wait))}
	}
	code, err := newCode()
	if err != nil {
		return Issued{}, err
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return Issued{}, err
	}
	exp := now.Add(CodeTTL)
	if _, err := tx.Exec(ctx, `INSERT INTO shop_codes (phone, client, salt, code_hash, sent_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
		p, client, salt, hashCode(salt, code), now, exp); err != nil {
		return Issued{}, fmt.Errorf("store sign-up code: %w", err)
	}
	return Issued{Phone: p, Code: code, ExpiresAt: exp}, nil
}

// phoneWait is how long phone must wait for its next code.
func phoneWait(ctx context.Context, tx pgx.Tx, phone string, now time.Time) (time.Duration, error) {
	rows, err := tx.Query(ctx, `SELECT sent_at FROM shop_codes WHERE phone = $1 AND sent_at > $2 ORDER BY sent_at DESC`, phone, now.Add(-rateWindowHours))
	if err != nil {
		return 0, err
	}
	sent, err := pgx.CollectRows(rows, pgx.RowTo[time.Time])
	if err != nil {
		return 0, err
	}
	var wait time.Duration
	if len(sent) > 0 {
		wait = sent[0].Add(ResendAfter).Sub(now)
	}
	if len(sent) >= PhonePerHour {
		wait = max(wait, sent[len(sent)-1].Add(rateWindowHours).Sub(now))
	}
	return max(wait, 0), nil
}

func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("%0*d", codeDigits, n.Int64()), nil
}

func hashCode(salt []byte, code string) []byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(code))
	return h.Sum(nil)
}

// useCode checks code against the latest code sent to phone and uses it
// up. A wrong code counts a try, which is written even though the answer
// is a refusal: the caller commits and reports the returned refusal
// (wrong) rather than rolling back; err is for failures.
func useCode(ctx context.Context, tx pgx.Tx, phone, code string) (wrong *Error, err error) {
	var id int64
	var salt, hash []byte
	var expires time.Time
	var used *time.Time
	var tries int
	err = tx.QueryRow(ctx, `SELECT id, salt, code_hash, expires_at, used_at, attempts FROM shop_codes
		WHERE phone = $1 ORDER BY sent_at DESC, id DESC LIMIT 1 FOR UPDATE`, phone).Scan(&id, &salt, &hash, &expires, &used, &tries)
	if errors.Is(err, pgx.ErrNoRows) {
		return invalid("code", "code_none", "no code was sent to %s: ask for one first", phone), nil
	}
	if err != nil {
		return nil, err
	}
	now := clock.Now(ctx)
	switch {
	case used != nil:
		return invalid("code", "code_used", "this code was used already: ask for a new one"), nil
	case tries >= MaxTries:
		return invalid("code", "code_locked", "too many wrong tries: ask for a new code"), nil
	case !now.Before(expires):
		return invalid("code", "code_expired", "the code expired at %s (codes last %d minutes): ask for a new one",
			expires.UTC().Format("15:04 UTC"), int(CodeTTL/time.Minute)), nil
	}
	if len(code) != codeDigits || subtle.ConstantTimeCompare(hashCode(salt, code), hash) != 1 || bytes.Equal(hash, nil) {
		tries++
		if _, err := tx.Exec(ctx, `UPDATE shop_codes SET attempts = attempts + 1 WHERE id = $1`, id); err != nil {
			return nil, err
		}
		if left := MaxTries - tries; left > 0 {
			return invalid("code", "code_wrong", "wrong code: %d tries left", left), nil
		}
		return invalid("code", "code_locked", "too many wrong tries: ask for a new code"), nil
	}
	_, err = tx.Exec(ctx, `UPDATE shop_codes SET used_at = $2 WHERE id = $1`, id, now)
	return nil, err
}
