package ledger

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// BulkLoad runs fn, a bulk load into tables, in tx with the foreign keys
// of those tables checked and their secondary (not unique) indexes built
// once at the end, over the whole tables, instead of row by row: it drops
// them, runs fn and adds them back as they were, which fails, and so fails
// tx, when a row of fn's breaks a key. Row by row, the key checks and
// index entries cost more than the load; at once they are a join per key
// and a sort per index. Primary keys, unique keys, checks and triggers
// stay as they are.
//
// The tables and those their keys name are locked for tx's remaining
// time (ALTER TABLE): no one else reads or writes them until it ends. Use
// it to load an empty or offline ledger, as the demo's seeding does.
func BulkLoad(ctx context.Context, tx pgx.Tx, tables []string, fn func() error) error {
	rows, err := tx.Query(ctx, `WITH t AS (SELECT to_regclass(t) AS rel FROM unnest($1::text[]) AS t)
		SELECT 'ALTER TABLE ' || c.conrelid::regclass::text || ' DROP CONSTRAINT ' || quote_ident(c.conname),
			'ALTER TABLE ' || c.conrelid::regclass::text || ' ADD CONSTRAINT ' || quote_ident(c.conname) || ' ' || pg_get_constraintdef(c.oid), 2
		FROM pg_constraint c JOIN t ON t.rel = c.conrelid WHERE c.contype = 'f'
		UNION ALL
		SELECT 'DROP INDEX ' || i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid), 1
		FROM pg_index i JOIN t ON t.rel = i.indrelid
		WHERE NOT i.indisunique AND NOT i.indisprimary AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
		ORDER BY 3, 1`, tables)
	if err != nil {
		return fmt.Errorf("keys and indexes of %v: %w", tables, err)
	}
	var drops, adds []string
	var drop, add string
	var order int
	if _, err := pgx.ForEachRow(rows, []any{&drop, &add, &order}, func() error {
		drops, adds = append(drops, drop), append(adds, add)
		return nil
	}); err != nil {
		return fmt.Errorf("keys and indexes of %v: %w", tables, err)
	}
	b := &pgx.Batch{}
	for _, s := range drops {
		b.Queue(s)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("drop keys and indexes for a bulk load: %w", err)
	}
	if err := fn(); err != nil {
		return err
	}
	// The indexes first (order 1), then the keys, whose checks may use them.
	b = &pgx.Batch{}
	b.Queue(`SET LOCAL maintenance_work_mem = '256MB'`)
	for _, s := range adds {
		b.Queue(s)
	}
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("index and check the keys after a bulk load: %w", err)
	}
	return nil
}
