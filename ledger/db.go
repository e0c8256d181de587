// Package ledger is Downline's system of record on Postgres: a thin pgx pool
// wrapper with closure-scoped, retrying transactions, the embedded schema
// migrations, and the transactional outbox. Domain stores live in
// sub-packages (ledger/member, ...) and run inside DB.Transact.
package ledger

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// DB is the connection pool to the ledger database.
type DB struct {
	Pool *pgxpool.Pool
}

// Open connects to the database at url (a postgres:// URL or DSN) and checks
// that it answers.
func Open(ctx context.Context, url string) (*DB, error) {
	if url == "" {
		return nil, errors.New("no database: set DATABASE_URL (dev/pg up prints one)")
	}
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if cfg.MaxConns < 16 {
		cfg.MaxConns = 16
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("connect to database: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database %s: %w", cfg.ConnConfig.Host, err)
	}
	return &DB{Pool: pool}, nil
}

// Close releases every connection.
func (db *DB) Close() { db.Pool.Close() }

// maxAttempts bounds the retries of a transaction that lost a serialization
// race; each retry runs the whole closure again on a fresh snapshot.
const maxAttempts = 10

// Transact runs fn in a transaction at the given isolation level and commits
// it when fn returns nil. It rolls back when fn returns an error or panics.
// Serialization failures and deadlocks (SQLSTATE 40001, 40P01) are retried
// with backoff, so fn must be safe to run more than once: it may only change
// the database through tx.
func (db *DB) Transact(ctx context.Context, iso pgx.TxIsoLevel, fn func(tx pgx.Tx) error) (err error) {
	for attempt := 1; ; attempt++ {
		err = db.transactOnce(ctx, iso, fn)
		if err == nil || !retryable(err) || attempt == maxAttempts {
			return err
		}
		backoff := time.Duration(attempt*attempt) * time.Millisecond * time.Duration(1+rand.IntN(5))
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
}

func (db *DB) transactOnce(ctx context.Context, iso pgx.TxIsoLevel, fn func(tx pgx.Tx) error) (err error) {
	tx, err := db.Pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: iso})
	if err != nil {
		return fmt.Errorf("begin transaction: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback(context.Background())
			panic(p)
		}
		if err != nil {
			_ = tx.Rollback(context.Background())
		}
	}()
	if err = fn(tx); err != nil {
		return err
	}
	if err = tx.Commit(ctx); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "40001" || pe.Code == "40P01"
	}
	return false
}

// IsUniqueViolation reports whether err is a unique-constraint violation,
// and on which constraint.
func IsUniqueViolation(err error) (constraint string, ok bool) {
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "23505" {
		return pe.ConstraintName, true
	}
	return "", false
}
