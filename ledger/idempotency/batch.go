package idempotency

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Claim is one operation of a batch that runs many operations in one
// transaction, each under its own key: QueueClaims claims every key in one
// statement, the operations that hold their key run, and Finish stores their
// results and withdraws the claims of the operations that were refused, so
// that those leave no trace, as a failed Do does.
type Claim struct {
	Key  string
	op   string
	hash []byte

	// claimed: this transaction holds the key, the operation runs.
	claimed bool
	prev    *stored
}

// NewClaim checks key and hashes op with req, as Do does.
//
// Errors: ledger.ErrInvalid for a missing or too long key.
func NewClaim(key, op string, req any) (*Claim, error) {
	key, hash, err := keyAndHash(key, op, req)
	if err != nil {
		return nil, err
	}
	return &Claim{Key: key, op: op, hash: hash}, nil
}

// Same reports whether c and d are the same operation on the same request.
func (c *Claim) Same(d *Claim) bool { return c.op == d.op && bytes.Equal(c.hash, d.hash) }

// Claimed reports whether the transaction holds c's key (after the batch of
// QueueClaims was read): the operation runs and its result must be stored
// or its claim withdrawn with Finish.
func (c *Claim) Claimed() bool { return c.claimed }

// Follow makes c, a request under the same key as leader in the same batch
// (and not claimed itself), replay what leader found stored.
func (c *Claim) Follow(leader *Claim) { c.prev = leader.prev }

// Replay returns the result stored under c's key by its first run, or
// ledger.ErrIdempotencyConflict when that run was a different request. Call
// it for a claim that was not Claimed.
func Replay[T any](c *Claim) (T, error) {
	if c.prev == nil {
		var zero T
		return zero, fmt.Errorf("%s: key %q was neither claimed nor found", c.op, c.Key)
	}
	return decode[T](c.Key, c.op, c.hash, *c.prev)
}

// QueueClaims queues in b the claim of the keys of cs, which must be
// distinct, and the read of the keys that were used before. Keys are claimed
// in key order, so two batches that share keys wait for each other instead
// of deadlocking; a key claimed by a transaction still running makes the
// claim wait for its outcome, as in Do.
func QueueClaims(b *pgx.Batch, cs []*Claim) {
	sorted := slices.Clone(cs)
	slices.SortFunc(sorted, func(x, y *Claim) int { return strings.Compare(x.Key, y.Key) })
	keys, ops, hashes := make([]string, len(sorted)), make([]string, len(sorted)), make([][]byte, len(sorted))
	byKey := make(map[string]*Claim, len(sorted))
	for i, c := range sorted {
		keys[i], ops[i], hashes[i] = c.Key, c.op, c.hash
		byKey[c.Key] = c
	}
	b.Queue(`INSERT INTO idempotency_keys (key, op, request_hash)
		SELECT * FROM unnest($1::text[], $2::text[], $3::bytea[]) ON CONFLICT (key) DO NOTHING RETURNING key`,
		keys, ops, hashes).Query(func(rows pgx.Rows) error {
		var k string
		_, err := pgx.ForEachRow(rows, []any{&k}, func() error {
			byKey[k].claimed = true
			return nil
		})
		return err
	})
	// Run after the claim, this sees the keys committed by others; the rows
	// this transaction claimed are skipped by the callback.
	b.Queue(`SELECT key, op, request_hash, result FROM idempotency_keys WHERE key = ANY($1)`, keys).Query(func(rows pgx.Rows) error {
		var k string
		var prev stored
		_, err := pgx.ForEachRow(rows, []any{&k, &prev.op, &prev.hash, &prev.result}, func() error {
			if c := byKey[k]; !c.claimed {
				p := prev
				c.prev = &p
			}
			return nil
		})
		return err
	})
}

// Finish queues in b the results of the claimed operations that succeeded
// (results, by key: each is stored as its JSON) and the withdrawal of the
// claims in refused, whose operations wrote nothing.
func Finish(b *pgx.Batch, results map[string]any, refused []string) error {
	if len(results) > 0 {
		keys := make([]string, 0, len(results))
		bodies := make([]string, 0, len(results))
		for k, v := range results {
			body, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("store result of key %q: %w", k, err)
			}
			keys, bodies = append(keys, k), append(bodies, string(body))
		}
		b.Queue(`UPDATE idempotency_keys k SET result = u.r FROM unnest($1::text[], $2::jsonb[]) AS u(k, r) WHERE k.key = u.k`,
			keys, bodies)
	}
	if len(refused) > 0 {
		b.Queue(`DELETE FROM idempotency_keys WHERE key = ANY($1) AND result IS NULL`, refused)
	}
	return nil
}
