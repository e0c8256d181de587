package ledger

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Migration is one numbered schema step, from migrations/NNNN_name.sql.
//
// A file holds the step forward and, after a line of its own
//
//	-- migrate:down
//
// the SQL that undoes it; or, where a step cannot be undone, a line
//
//	-- migrate:irreversible REASON
//
// saying why (comment lines right after it continue the reason). Every file
// has one or the other.
type Migration struct {
	Version int
	Name    string
	SQL     string // the step forward
	Down    string // the SQL that undoes it; "" when Irreversible
	// Irreversible is why the step cannot be undone ("" when it can).
	Irreversible string
}

// The lines that end a migration's step forward.
const (
	downMarker         = "-- migrate:down"
	irreversibleMarker = "-- migrate:irreversible"
)

// String names the migration as its file does, without .sql.
func (m Migration) String() string { return fmt.Sprintf("%04d_%s", m.Version, m.Name) }

// Migrations lists the embedded migrations in order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrations, "migrations")
	if err != nil {
		return nil, err
	}
	var out []Migration
	for _, e := range entries {
		body, err := migrations.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		m, err := ParseMigration(e.Name(), string(body))
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i := 1; i < len(out); i++ {
		if out[i].Version == out[i-1].Version {
			return nil, fmt.Errorf("two migrations numbered %d", out[i].Version)
		}
	}
	return out, nil
}

// ParseMigration reads the migration file name (NNNN_description.sql) with
// content body: its step forward, and its way back or why there is none.
func ParseMigration(name, body string) (Migration, error) {
	num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
	v, err := strconv.Atoi(num)
	if !ok || err != nil || !strings.HasSuffix(name, ".sql") {
		return Migration{}, fmt.Errorf("migration file %q: name must be NNNN_description.sql", name)
	}
	m := Migration{Version: v, Name: rest}
	lines := strings.SplitAfter(body, "\n")
	for i, line := range lines {
		l := strings.TrimRight(line, " \t\r\n")
		switch {
		case l == downMarker:
			m.SQL, m.Down = strings.Join(lines[:i], ""), strings.Join(lines[i+1:], "")
			if strings.TrimSpace(m.Down) == "" {
				return Migration{}, fmt.Errorf("migration %s: nothing after %q: give the SQL that undoes the step", name, downMarker)
			}
		case strings.HasPrefix(l, irreversibleMarker+" ") || l == irreversibleMarker:
			m.SQL = strings.Join(lines[:i], "")
			m.Irreversible = irreversibleReason(strings.TrimPrefix(l, irreversibleMarker), lines[i+1:])
			if m.Irreversible == "" {
				return Migration{}, fmt.Errorf("migration %s: %q without a reason: say why the step cannot be undone", name, irreversibleMarker)
			}
		default:
			continue
		}
		for _, after := range lines[i+1:] {
			if strings.HasPrefix(after, "-- migrate:") {
				return Migration{}, fmt.Errorf("migration %s: more than one %q or %q line", name, downMarker, irreversibleMarker)
			}
		}
		return m, nil
	}
	return Migration{}, fmt.Errorf("migration %s: no %q section and no %q line: every step says how it is undone or why it cannot be",
		name, downMarker, irreversibleMarker)
}

// irreversibleReason is the reason after the marker (first) and the comment
// lines that continue it, in one line.
func irreversibleReason(first string, rest []string) string {
	words := strings.Fields(first)
	for _, l := range rest {
		c, ok := strings.CutPrefix(strings.TrimSpace(l), "--")
		if !ok {
			break
		}
		words = append(words, strings.Fields(c)...)
	}
	return strings.Join(words, " ")
}

// migrateLock is the advisory lock key that serialises concurrent migrators.
const migrateLock = 7_400_001

// Migrate applies every migration not yet applied, each in its own
// transaction, and returns the versions it applied. Concurrent callers wait
// for each other.
func (db *DB) Migrate(ctx context.Context) ([]int, error) {
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	var done []int
	err = db.withMigrations(ctx, func(conn *pgxpool.Conn, applied map[int]bool) error {
		done, err = migrateUp(ctx, conn, ms, applied, -1)
		return err
	})
	return done, err
}

// MigrateTo brings the schema to version: it applies the migrations up to
// and including it that are not applied yet, and undoes, newest first, the
// applied ones after it (0 undoes every one). It returns the versions it
// applied and those it undid. Before undoing anything it checks that every
// step to undo can be: a step that cannot is reported with its reason and
// nothing changes.
//
// Errors: ErrInvalid for a version that no migration has (other than 0) and
// for a step that cannot be undone.
func (db *DB) MigrateTo(ctx context.Context, version int) (applied, undone []int, err error) {
	ms, err := Migrations()
	if err != nil {
		return nil, nil, err
	}
	return db.migrateTo(ctx, ms, version)
}

// MigrateDown undoes the n most recently applied migrations, newest first,
// and returns their versions; as MigrateTo, it undoes nothing unless it can
// undo all n.
func (db *DB) MigrateDown(ctx context.Context, n int) ([]int, error) {
	if n < 1 {
		return nil, fmt.Errorf("%w: migrate down %d: undo at least one migration", ErrInvalid, n)
	}
	ms, err := Migrations()
	if err != nil {
		return nil, err
	}
	return db.migrateDownN(ctx, ms, n)
}

func (db *DB) migrateDownN(ctx context.Context, ms []Migration, n int) ([]int, error) {
	var undone []int
	err := db.withMigrations(ctx, func(conn *pgxpool.Conn, applied map[int]bool) error {
		var vs []int
		for _, m := range ms {
			if applied[m.Version] {
				vs = append(vs, m.Version)
			}
		}
		if n > len(vs) {
			return fmt.Errorf("%w: migrate down %d: only %d migrations are applied", ErrInvalid, n, len(vs))
		}
		to := 0
		if n < len(vs) {
			to = vs[len(vs)-n-1]
		}
		var err error
		undone, err = migrateDown(ctx, conn, ms, applied, to)
		return err
	})
	return undone, err
}

func (db *DB) migrateTo(ctx context.Context, ms []Migration, version int) (applied, undone []int, err error) {
	known := version == 0
	for _, m := range ms {
		known = known || m.Version == version
	}
	if !known {
		return nil, nil, fmt.Errorf("%w: migrate to %d: there is no migration %04d", ErrInvalid, version, version)
	}
	err = db.withMigrations(ctx, func(conn *pgxpool.Conn, done map[int]bool) error {
		if undone, err = migrateDown(ctx, conn, ms, done, version); err != nil {
			return err
		}
		applied, err = migrateUp(ctx, conn, ms, done, version)
		return err
	})
	return applied, undone, err
}

// withMigrations runs fn on one connection holding the migration lock, with
// the set of versions applied.
func (db *DB) withMigrations(ctx context.Context, fn func(conn *pgxpool.Conn, applied map[int]bool) error) error {
	conn, err := db.Pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer conn.Release()
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock($1)`, migrateLock); err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	defer conn.Exec(context.Background(), `SELECT pg_advisory_unlock($1)`, migrateLock)

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version int PRIMARY KEY,
		name text NOT NULL,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return fmt.Errorf("create schema_migrations: %w", err)
	}
	rows, err := conn.Query(ctx, `SELECT version FROM schema_migrations`)
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	vs, err := pgx.CollectRows(rows, pgx.RowTo[int])
	if err != nil {
		return fmt.Errorf("read schema_migrations: %w", err)
	}
	applied := map[int]bool{}
	for _, v := range vs {
		applied[v] = true
	}
	return fn(conn, applied)
}

// migrateUp applies, in order, the migrations of ms not in applied, up to
// version (-1: all), and marks them applied.
func migrateUp(ctx context.Context, conn *pgxpool.Conn, ms []Migration, applied map[int]bool, version int) ([]int, error) {
	var done []int
	for _, m := range ms {
		if applied[m.Version] || (version >= 0 && m.Version > version) {
			continue
		}
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.SQL); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.Version, m.Name)
			return err
		})
		if err != nil {
			return done, fmt.Errorf("migration %s: %w", m, err)
		}
		applied[m.Version] = true
		done = append(done, m.Version)
	}
	return done, nil
}

// migrateDown undoes, newest first, the applied migrations after version,
// each in its own transaction, once it has checked that each can be undone.
func migrateDown(ctx context.Context, conn *pgxpool.Conn, ms []Migration, applied map[int]bool, version int) ([]int, error) {
	known := map[int]bool{}
	for _, m := range ms {
		known[m.Version] = true
	}
	for v := range applied {
		if v > version && !known[v] {
			return nil, fmt.Errorf("%w: migration %04d is applied but unknown to this build: undo it with the build that applied it", ErrInvalid, v)
		}
	}
	var todo []Migration
	for i := len(ms) - 1; i >= 0; i-- {
		if m := ms[i]; applied[m.Version] && m.Version > version {
			if m.Irreversible != "" {
				return nil, fmt.Errorf("%w: migration %s cannot be undone: %s", ErrInvalid, m, m.Irreversible)
			}
			todo = append(todo, m)
		}
	}
	var done []int
	for _, m := range todo {
		err := pgx.BeginFunc(ctx, conn, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, m.Down); err != nil {
				return err
			}
			_, err := tx.Exec(ctx, `DELETE FROM schema_migrations WHERE version = $1`, m.Version)
			return err
		})
		if err != nil {
			return done, fmt.Errorf("undo migration %s: %w", m, err)
		}
		delete(applied, m.Version)
		done = append(done, m.Version)
	}
	return done, nil
}
