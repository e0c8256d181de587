package agency

import (
	"context"

	"github.com/jackc/pgx/v5"

	"downline/ledger"
)

// List returns every agency by code, without warehouses.
func List(ctx context.Context, q ledger.Querier) ([]Agency, error) {
	rows, err := q.Query(ctx, `SELECT a.id, a.code, a.name, a.phone, a.status, coalesce(w.code, '')
		FROM agencies a LEFT JOIN warehouses w ON w.agency_id = a.id ORDER BY a.code`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Agency, error) {
		var a Agency
		err := r.Scan(&a.ID, &a.Code, &a.Name, &a.Phone, &a.Status, &a.Warehouse.Code)
		return a, err
	})
}

// GetStatement reads an issued statement. Errors: ledger.ErrNotFound.
func GetStatement(ctx context.Context, q ledger.Querier, id int64) (Statement, error) {
	return getStatement(ctx, q, id, false)
}

// Statements lists the issued statements of an agency, newest period first.
func Statements(ctx context.Context, q ledger.Querier, agency string) ([]Statement, error) {
	rows, err := q.Query(ctx, `SELECT s.id FROM agency_statements s JOIN agencies a ON a.id = s.agency_id
		WHERE a.code = $1 ORDER BY s.period_from DESC`, agency)
	if err != nil {
		return nil, err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		return nil, err
	}
	out := make([]Statement, 0, len(ids))
	for _, id := range ids {
		s, err := getStatement(ctx, q, id, false)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}
