package ledger

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// Sentinel errors of the ledger's domain stores. Stores wrap them with a
// message a person can act on; the API maps them to HTTP statuses in one place.
var (
	// ErrNotFound: the thing asked for does not exist.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: the request is malformed or breaks a business rule.
	ErrInvalid = errors.New("invalid")
	// ErrConflict: the request clashes with the current state (a taken code or slot, a second confirmation).
	ErrConflict = errors.New("conflict")
)

// Querier is what both a pool and a transaction offer, so read functions can
// run inside or outside a transaction.
type Querier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}
