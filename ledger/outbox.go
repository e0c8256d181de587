package ledger

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
)

// outboxLock is the advisory lock that orders outbox appends by commit.
//
// A consumer reads events in seq order and remembers the last seq it saw, so
// an event must never become visible after one with a higher seq: otherwise
// it would be skipped. Taking this transaction-scoped lock just before the
// insert (the last statement of a writing transaction) makes seq allocation
// and commit happen in the same order. The lock is held only from the insert
// to the commit.
const outboxLock = 7_400_002

// OutboxEvent is one row of the outbox.
type OutboxEvent struct {
	Seq     int64
	Kind    string
	Key     string
	Payload json.RawMessage
	At      time.Time
}

// AppendOutbox writes an event in tx. Call it last in the transaction.
func AppendOutbox(ctx context.Context, tx pgx.Tx, kind, key string, payload any) (int64, error) {
	body, err := json.Marshal(payload)
	if err != nil {
		return 0, fmt.Errorf("outbox %s: %w", kind, err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, outboxLock); err != nil {
		return 0, fmt.Errorf("outbox lock: %w", err)
	}
	var seq int64
	err = tx.QueryRow(ctx, `INSERT INTO outbox (kind, key, payload) VALUES ($1, $2, $3) RETURNING seq`,
		kind, key, body).Scan(&seq)
	if err != nil {
		return 0, fmt.Errorf("outbox %s: %w", kind, err)
	}
	return seq, nil
}

// NewEvent is an event to append with QueueOutbox.
type NewEvent struct {
	Kind    string
	Key     string
	Payload any
}

// QueueOutbox queues in b the append of events, in order, under the
// outbox lock (see outboxLock). Queue it last in the transaction.
func QueueOutbox(b *pgx.Batch, events []NewEvent) error {
	if len(events) == 0 {
		return nil
	}
	kinds, keys, bodies := make([]string, len(events)), make([]string, len(events)), make([]string, len(events))
	for i, e := range events {
		body, err := json.Marshal(e.Payload)
		if err != nil {
			return fmt.Errorf("outbox %s: %w", e.Kind, err)
		}
		kinds[i], keys[i], bodies[i] = e.Kind, e.Key, string(body)
	}
	b.Queue(`SELECT pg_advisory_xact_lock($1)`, outboxLock)
	b.Queue(`INSERT INTO outbox (kind, key, payload)
		SELECT k, y, p FROM unnest($1::text[], $2::text[], $3::jsonb[]) WITH ORDINALITY AS u(k, y, p, n) ORDER BY n`, kinds, keys, bodies)
	return nil
}

// CopyOutbox appends events, in order, with COPY under the outbox lock (see
// outboxLock), for an import of many at once. Call it last in the
// transaction.
func CopyOutbox(ctx context.Context, tx pgx.Tx, events []NewEvent) error {
	if len(events) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, outboxLock); err != nil {
		return fmt.Errorf("outbox lock: %w", err)
	}
	i := 0
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"outbox"}, []string{"kind", "key", "payload"}, pgx.CopyFromFunc(func() ([]any, error) {
		if i >= len(events) {
			return nil, nil
		}
		e := events[i]
		i++
		body, err := json.Marshal(e.Payload)
		if err != nil {
			return nil, fmt.Errorf("outbox %s: %w", e.Kind, err)
		}
		return []any{e.Kind, e.Key, string(body)}, nil
	}))
	if err != nil {
		return fmt.Errorf("outbox: copy %d events: %w", len(events), err)
	}
	return nil
}

// ReadOutbox returns up to limit events with seq > after, in seq order.
func (db *DB) ReadOutbox(ctx context.Context, after int64, limit int) ([]OutboxEvent, error) {
	rows, err := db.Pool.Query(ctx, `SELECT seq, kind, key, payload, created_at FROM outbox
		WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read outbox: %w", err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (OutboxEvent, error) {
		var e OutboxEvent
		err := r.Scan(&e.Seq, &e.Kind, &e.Key, &e.Payload, &e.At)
		return e, err
	})
}

// OutboxHead is the highest seq written so far (0 when empty).
func (db *DB) OutboxHead(ctx context.Context) (int64, error) {
	var seq int64
	err := db.Pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM outbox`).Scan(&seq)
	return seq, err
}

// ConsumerPosition is the last seq a named consumer has processed (0 = none).
func (db *DB) ConsumerPosition(ctx context.Context, name string) (int64, error) {
	var seq int64
	err := db.Pool.QueryRow(ctx, `SELECT seq FROM outbox_consumers WHERE name = $1`, name).Scan(&seq)
	if err == pgx.ErrNoRows {
		return 0, nil
	}
	return seq, err
}

// SetConsumerPosition records that a consumer has processed every event up to seq.
func (db *DB) SetConsumerPosition(ctx context.Context, name string, seq int64) error {
	_, err := db.Pool.Exec(ctx, `INSERT INTO outbox_consumers (name, seq) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET seq = greatest(outbox_consumers.seq, EXCLUDED.seq), updated_at = now()`, name, seq)
	return err
}
