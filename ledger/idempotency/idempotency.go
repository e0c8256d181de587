// Package idempotency makes money and stock operations safe to retry: each
// runs under a caller-chosen key, a replay with the same request returns the
// stored result of the first run, and a different request under the same key
// is refused with ledger.ErrIdempotencyConflict.
package idempotency

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"downline/ledger"
)

// MaxKeyLen is the longest key accepted.
const MaxKeyLen = 200

// Do runs fn in tx under key, unless key was used before: then it returns the
// stored result of that first run when op and req are the same, and
// ledger.ErrIdempotencyConflict when they differ. The result is stored in tx,
// so it commits or rolls back with the work; a failed operation leaves no
// trace and may be retried with the same key.
//
// A concurrent request with the same key waits on the key's row until the
// first one finishes, then reads its result back (under READ COMMITTED; a
// stricter isolation level yields a serialization failure that
// ledger.DB.Transact retries).
func Do[T any](ctx context.Context, tx pgx.Tx, key, op string, req any, fn func() (T, error)) (T, error) {
	return DoBatch(ctx, tx, key, op, req, nil, func(*Run) (T, error) { return fn() })
}

// Run is a claimed run of an operation, handed to the work of DoBatch.
type Run struct {
	key    string
	op     string
	stored bool
}

// QueueResult queues in b the statement that stores v as the result of the
// run, so that the result travels to the database with the operation's last
// writes instead of in a round trip of its own. v is marshalled now: it must
// be the value the work returns.
func (r *Run) QueueResult(b *pgx.Batch, v any) error {
	result, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: store result: %w", r.op, err)
	}
	b.Queue(`UPDATE idempotency_keys SET result = $2 WHERE key = $1`, r.key, result)
	r.stored = true
	return nil
}

// DoBatch is Do for operations that start with reads: the claim of the key
// goes to the database in one round trip with the statements queued in
// first (nil for none), claim first, so a concurrent run under the same key
// still waits on the claim before any of them runs. Their callbacks run
// before fn and must not fail: they should keep what they read, or the
// error, for fn to act on, because on a replay fn does not run and the
// reads are discarded. fn may store the result itself with Run.QueueResult;
// otherwise DoBatch stores what fn returns.
func DoBatch[T any](ctx context.Context, tx pgx.Tx, key, op string, req any, first *pgx.Batch, fn func(*Run) (T, error)) (T, error) {
	var zero T
	key, hash, err := keyAndHash(key, op, req)
	if err != nil {
		return zero, err
	}

	claimed := false
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO idempotency_keys (key, op, request_hash) VALUES ($1, $2, $3)
		ON CONFLICT (key) DO NOTHING`, key, op, hash).Exec(func(tag pgconn.CommandTag) error {
		claimed = tag.RowsAffected() == 1
		return nil
	})
	if first != nil {
		b.QueuedQueries = append(b.QueuedQueries, first.QueuedQueries...)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return zero, fmt.Errorf("%s: claim idempotency key: %w", op, err)
	}
	if !claimed {
		return replay[T](ctx, tx, key, op, hash)
	}
	run := &Run{key: key, op: op}
	out, err := fn(run)
	if err != nil {
		return zero, err
	}
	if run.stored {
		return out, nil
	}
	result, err := json.Marshal(out)
	if err != nil {
		return zero, fmt.Errorf("%s: store result: %w", op, err)
	}
	if _, err := tx.Exec(ctx, `UPDATE idempotency_keys SET result = $2 WHERE key = $1`, key, result); err != nil {
		return zero, fmt.Errorf("%s: store result: %w", op, err)
	}
	return out, nil
}

// keyAndHash checks key and hashes op with req.
func keyAndHash(key, op string, req any) (string, []byte, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return "", nil, fmt.Errorf("%w: %s needs an idempotency key (any unique string the caller keeps for retries)", ledger.ErrInvalid, op)
	}
	if len(key) > MaxKeyLen {
		return "", nil, fmt.Errorf("%w: idempotency key is %d bytes long, at most %d allowed", ledger.ErrInvalid, len(key), MaxKeyLen)
	}
	body, err := json.Marshal(req)
	if err != nil {
		return "", nil, fmt.Errorf("%s: hash request: %w", op, err)
	}
	h := sha256.New()
	h.Write([]byte(op))
	h.Write([]byte{0})
	h.Write(body)
	return key, h.Sum(nil), nil
}

func replay[T any](ctx context.Context, tx pgx.Tx, key, op string, hash []byte) (T, error) {
	var zero T
	var prev stored
	err := tx.QueryRow(ctx, `SELECT op, request_hash, result FROM idempotency_keys WHERE key = $1`, key).
		Scan(&prev.op, &prev.hash, &prev.result)
	if err != nil {
		return zero, fmt.Errorf("%s: read idempotency key %q: %w", op, key, err)
	}
	return decode[T](key, op, hash, prev)
}

// stored is the row of a key used before.
type stored struct {
	op     string
	hash   []byte
	result []byte
}

// decode returns the result stored under key when op and hash are those of
// its first run, and the conflict otherwise.
func decode[T any](key, op string, hash []byte, prev stored) (T, error) {
	var zero T
	if prev.op != op || !bytes.Equal(prev.hash, hash) {
		return zero, fmt.Errorf("%w: key %q was first used for a different %s request; use a new key for a new request",
			ledger.ErrIdempotencyConflict, key, prev.op)
	}
	if prev.result == nil {
		return zero, fmt.Errorf("%w: key %q is already in use by this transaction", ledger.ErrConflict, key)
	}
	var out T
	if err := json.Unmarshal(prev.result, &out); err != nil {
		return zero, fmt.Errorf("%s: decode stored result of key %q: %w", op, key, err)
	}
	return out, nil
}
