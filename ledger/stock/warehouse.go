// Package stock keeps the goods: warehouses (HQ's and one per agency), a
// balance per warehouse and lot of what is on hand and reserved, changed only
// together with an append-only move, locked in a fixed order so concurrent
// orders neither oversell nor deadlock; low-stock thresholds and warnings;
// and the lot.moved circulation events the graph store traces lots with.
package stock

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// Warehouse is a place that holds stock: HQ's (AgencyID 0) or an agency's.
type Warehouse struct {
	ID         int64
	Code       string
	Name       string
	AgencyID   int64  `json:",omitempty"`
	AgencyCode string `json:",omitempty"`
}

// IsHQ reports whether HQ owns the warehouse.
func (w Warehouse) IsHQ() bool { return w.AgencyID == 0 }

// Holder is the warehouse as a holder of lots in circulation events.
func (w Warehouse) Holder() Holder {
	if w.IsHQ() {
		return Holder{Kind: "warehouse", ID: w.ID, Code: w.Code}
	}
	return Holder{Kind: "agency_warehouse", ID: w.ID, Code: w.Code}
}

var codeRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{1,31}$`)

// CreateWarehouse adds a warehouse; agencyID 0 makes it HQ's.
//
// Errors: ledger.ErrInvalid for a malformed code; ledger.ErrConflict for a
// code in use or an agency that already has a warehouse.
func CreateWarehouse(ctx context.Context, tx pgx.Tx, code, name string, agencyID int64) (Warehouse, error) {
	code = strings.TrimSpace(code)
	if !codeRE.MatchString(code) {
		return Warehouse{}, fmt.Errorf("%w: warehouse code %q must be 2-32 capital letters, digits or dashes", ledger.ErrInvalid, code)
	}
	var ag *int64
	if agencyID != 0 {
		ag = &agencyID
	}
	var id int64
	err := tx.QueryRow(ctx, `INSERT INTO warehouses (code, name, agency_id) VALUES ($1, $2, $3) RETURNING id`, code, name, ag).Scan(&id)
	if c, ok := ledger.IsUniqueViolation(err); ok {
		if c == "warehouses_agency_id_key" {
			return Warehouse{}, fmt.Errorf("%w: the agency already has a warehouse", ledger.ErrConflict)
		}
		return Warehouse{}, fmt.Errorf("%w: warehouse code %s is already in use", ledger.ErrConflict, code)
	}
	if err != nil {
		return Warehouse{}, fmt.Errorf("create warehouse %s: %w", code, err)
	}
	return GetWarehouseByID(ctx, tx, id)
}

const warehouseSelect = `SELECT w.id, w.code, w.name, coalesce(w.agency_id, 0), coalesce(a.code, '')
	FROM warehouses w LEFT JOIN agencies a ON a.id = w.agency_id`

func scanWarehouse(r pgx.Row) (Warehouse, error) {
	var w Warehouse
	err := r.Scan(&w.ID, &w.Code, &w.Name, &w.AgencyID, &w.AgencyCode)
	return w, err
}

func queueWarehouse(b *pgx.Batch, notFound error, where string, args ...any) *ledger.Pending[Warehouse] {
	p := &ledger.Pending[Warehouse]{}
	b.Queue(warehouseSelect+where, args...).QueryRow(func(r pgx.Row) error {
		p.Value, p.Err = scanWarehouse(r)
		if errors.Is(p.Err, pgx.ErrNoRows) {
			p.Err = notFound
		}
		return nil
	})
	return p
}

// QueueWarehouse queues in b what GetWarehouse, AgencyWarehouse or
// DefaultHQWarehouse read: the warehouse with the given code when there is
// one, else the given agency's, else HQ's first; with their errors.
func QueueWarehouse(b *pgx.Batch, code, agencyCode string) *ledger.Pending[Warehouse] {
	switch {
	case code != "":
		return queueWarehouse(b, fmt.Errorf("%w: unknown warehouse %q", ledger.ErrNotFound, code), ` WHERE w.code = $1`, code)
	case agencyCode != "":
		return queueWarehouse(b, fmt.Errorf("%w: agency %q has no warehouse", ledger.ErrNotFound, agencyCode), ` WHERE a.code = $1`, agencyCode)
	}
	return queueWarehouse(b, fmt.Errorf("%w: HQ has no warehouse to ship from", ledger.ErrNotFound), ` WHERE w.agency_id IS NULL ORDER BY w.id LIMIT 1`)
}

// GetWarehouse reads the warehouse with the given code.
//
// Errors: ledger.ErrNotFound for an unknown code.
func GetWarehouse(ctx context.Context, q ledger.Querier, code string) (Warehouse, error) {
	w, err := scanWarehouse(q.QueryRow(ctx, warehouseSelect+` WHERE w.code = $1`, code))
	if errors.Is(err, pgx.ErrNoRows) {
		return Warehouse{}, fmt.Errorf("%w: unknown warehouse %q", ledger.ErrNotFound, code)
	}
	return w, err
}

// GetWarehouseByID reads the warehouse with the given id.
func GetWarehouseByID(ctx context.Context, q ledger.Querier, id int64) (Warehouse, error) {
	w, err := scanWarehouse(q.QueryRow(ctx, warehouseSelect+` WHERE w.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return Warehouse{}, fmt.Errorf("%w: unknown warehouse id %d", ledger.ErrNotFound, id)
	}
	return w, err
}

// AgencyWarehouse reads the warehouse of the agency with the given code.
//
// Errors: ledger.ErrNotFound when there is no such agency or it has no warehouse.
func AgencyWarehouse(ctx context.Context, q ledger.Querier, agencyCode string) (Warehouse, error) {
	w, err := scanWarehouse(q.QueryRow(ctx, warehouseSelect+` WHERE a.code = $1`, agencyCode))
	if errors.Is(err, pgx.ErrNoRows) {
		return Warehouse{}, fmt.Errorf("%w: agency %q has no warehouse", ledger.ErrNotFound, agencyCode)
	}
	return w, err
}

// DefaultHQWarehouse is HQ's first warehouse, which ships HQ's orders unless
// another is named.
//
// Errors: ledger.ErrNotFound when HQ has no warehouse.
func DefaultHQWarehouse(ctx context.Context, q ledger.Querier) (Warehouse, error) {
	w, err := scanWarehouse(q.QueryRow(ctx, warehouseSelect+` WHERE w.agency_id IS NULL ORDER BY w.id LIMIT 1`))
	if errors.Is(err, pgx.ErrNoRows) {
		return Warehouse{}, fmt.Errorf("%w: HQ has no warehouse to ship from", ledger.ErrNotFound)
	}
	return w, err
}

// Warehouses lists every warehouse by code.
func Warehouses(ctx context.Context, q ledger.Querier) ([]Warehouse, error) {
	rows, err := q.Query(ctx, warehouseSelect+` ORDER BY w.code`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Warehouse, error) { return scanWarehouse(r) })
}
