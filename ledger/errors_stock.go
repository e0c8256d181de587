package ledger

import "errors"

// Sentinel errors of the order-to-delivery stores (catalogue, stock, orders,
// journal, agencies), beside the general ones in errors.go.
var (
	// ErrInsufficientStock: a warehouse does not hold the units asked for.
	ErrInsufficientStock = errors.New("insufficient stock")
	// ErrIdempotencyConflict: an idempotency key was reused for a different request.
	ErrIdempotencyConflict = errors.New("idempotency key reused for a different request")
	// ErrForbidden: the actor may not do this (an agency selling another agency's stock).
	ErrForbidden = errors.New("forbidden")
)
