// Package ledgertest gives tests their own migrated Postgres database. It uses
// DATABASE_URL when set, and otherwise starts the repository's private cluster
// with dev/pg. Each call clones a fresh database from a migrated template, so
// tests are isolated and fast; the clone is dropped when the test ends.
package ledgertest

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"downline/internal/repo"
	"downline/ledger"
)

var (
	once     sync.Once
	adminURL string
	tmplName string
	setupErr error
)

// URL returns the admin database URL the tests use, starting dev/pg if needed.
func URL(t testing.TB) string {
	t.Helper()
	once.Do(setup)
	if setupErr != nil {
		t.Fatalf("test database: %v", setupErr)
	}
	return adminURL
}

// DB returns a connection pool to a new, migrated, empty database.
func DB(t testing.TB) *ledger.DB {
	t.Helper()
	u := NewDatabase(t)
	db, err := ledger.Open(context.Background(), u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	return db
}

// NewDatabase creates a new migrated database and returns its URL; it is
// dropped when the test ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := URL(t)
	ctx := context.Background()
	name := "t_" + randomHex(8)
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s TEMPLATE %s`, name, tmplName)); err != nil {
		t.Fatalf("create test database: %v", err)
	}
	// A test database is a development one: seed --reset may empty it.
	if err := ledger.MarkDevelopment(ctx, conn, name); err != nil {
		t.Fatalf("mark test database: %v", err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), admin)
		if err != nil {
			return
		}
		defer c.Close(context.Background())
		_, _ = c.Exec(context.Background(), fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name))
	})
	return withDatabase(admin, name)
}

// Count runs a query that returns one integer (a count) and returns it.
func Count(t testing.TB, db *ledger.DB, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func setup() {
	adminURL = os.Getenv("DATABASE_URL")
	if adminURL == "" {
		adminURL, setupErr = startDevPG()
		if setupErr != nil {
			return
		}
	}
	ms, err := ledger.Migrations()
	if err != nil {
		setupErr = err
		return
	}
	h := sha256.New()
	for _, m := range ms {
		fmt.Fprintf(h, "%d %s\n%s\n", m.Version, m.Name, m.SQL)
	}
	tmplName = "tmpl_" + hex.EncodeToString(h.Sum(nil))[:16]
	setupErr = ensureTemplate()
}

// ensureTemplate builds the migrated template once, whichever test process
// gets there first; the others wait on the advisory lock.
func ensureTemplate() error {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, adminURL)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `SELECT pg_advisory_lock(7400099)`); err != nil {
		return err
	}
	defer conn.Exec(ctx, `SELECT pg_advisory_unlock(7400099)`)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, tmplName).Scan(&exists); err != nil {
		return err
	}
	if exists {
		return nil
	}
	building := tmplName + "_building"
	if _, err := conn.Exec(ctx, fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, building)); err != nil {
		return err
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf(`CREATE DATABASE %s`, building)); err != nil {
		return err
	}
	db, err := ledger.Open(ctx, withDatabase(adminURL, building))
	if err != nil {
		return err
	}
	_, err = db.Migrate(ctx)
	db.Close()
	if err != nil {
		return fmt.Errorf("migrate template: %w", err)
	}
	_, err = conn.Exec(ctx, fmt.Sprintf(`ALTER DATABASE %s RENAME TO %s`, building, tmplName))
	return err
}

func startDevPG() (string, error) {
	root, err := repo.Root()
	if err != nil {
		return "", err
	}
	out, err := exec.Command(filepath.Join(root, "dev", "pg"), "up").Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return "", fmt.Errorf("dev/pg up: %v: %s", err, ee.Stderr)
		}
		return "", fmt.Errorf("dev/pg up: %w", err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if v, ok := strings.CutPrefix(line, "DATABASE_URL="); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("dev/pg up printed no DATABASE_URL: %q", out)
}

func withDatabase(raw, name string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" {
		// A keyword/value DSN: append the database name; the last one wins.
		return raw + " dbname=" + name
	}
	u.Path = "/" + name
	return u.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
