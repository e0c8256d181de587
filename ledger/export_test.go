package ledger

import "context"

// MigrateDownWith is MigrateDown over the migrations ms instead of the
// embedded ones.
func (db *DB) MigrateDownWith(ctx context.Context, ms []Migration, n int) ([]int, error) {
	return db.migrateDownN(ctx, ms, n)
}
