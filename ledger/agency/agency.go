// Package agency keeps the agencies (service centres that stock goods and
// sell to members): each with its own warehouse, a receivable account with
// HQ, account payments both ways, and a goods-payment statement per period
// that both sides confirm.
package agency

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
	"downline/ledger/stock"
)

// Agency is a service centre.
type Agency struct {
	ID        int64
	Code      string
	Name      string
	Phone     string
	Status    string
	Warehouse stock.Warehouse
}

var codeRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{1,31}$`)

// Create adds an agency and its warehouse (warehouse code defaults to the
// agency code with "-WH").
//
// Errors: ledger.ErrInvalid for a malformed code or a missing name;
// ledger.ErrConflict for a code already in use.
func Create(ctx context.Context, tx pgx.Tx, code, name, phone, warehouseCode string) (Agency, error) {
	code = strings.TrimSpace(code)
	if !codeRE.MatchString(code) {
		return Agency{}, fmt.Errorf("%w: agency code %q must be 2-32 capital letters, digits or dashes", ledger.ErrInvalid, code)
	}
	if strings.TrimSpace(name) == "" {
		return Agency{}, fmt.Errorf("%w: agency %s needs a name", ledger.ErrInvalid, code)
	}
	if warehouseCode == "" {
		warehouseCode = code + "-WH"
	}
	a := Agency{Code: code, Name: name, Phone: phone, Status: "active"}
	err := tx.QueryRow(ctx, `INSERT INTO agencies (code, name, phone) VALUES ($1, $2, $3) RETURNING id`, code, name, phone).Scan(&a.ID)
	if _, ok := ledger.IsUniqueViolation(err); ok {
		return Agency{}, fmt.Errorf("%w: agency code %s is already in use", ledger.ErrConflict, code)
	}
	if err != nil {
		return Agency{}, fmt.Errorf("create agency %s: %w", code, err)
	}
	a.Warehouse, err = stock.CreateWarehouse(ctx, tx, warehouseCode, name, a.ID)
	if err != nil {
		return Agency{}, err
	}
	return a, nil
}

// Get reads the agency with the given code.
//
// Errors: ledger.ErrNotFound for an unknown code.
func Get(ctx context.Context, q ledger.Querier, code string) (Agency, error) {
	var a Agency
	err := q.QueryRow(ctx, `SELECT id, code, name, phone, status FROM agencies WHERE code = $1`, code).
		Scan(&a.ID, &a.Code, &a.Name, &a.Phone, &a.Status)
	if errors.Is(err, pgx.ErrNoRows) {
		return Agency{}, fmt.Errorf("%w: unknown agency %q", ledger.ErrNotFound, code)
	}
	if err != nil {
		return Agency{}, err
	}
	a.Warehouse, err = stock.AgencyWarehouse(ctx, q, code)
	return a, err
}
