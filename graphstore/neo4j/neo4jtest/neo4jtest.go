// Package neo4jtest gives tests the repository's Neo4j server, one test at a
// time across every test process: go test runs packages in parallel, Neo4j
// Community has one database, and each test starts from an empty graph. A
// test calls Lock, then connects to URI and empties the store.
package neo4jtest

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"downline/internal/repo"
)

// URI is NEO4J_URI, or the URI of the repository's dev/neo4j server, started
// here when needed.
func URI(t testing.TB) string {
	t.Helper()
	if uri := os.Getenv("NEO4J_URI"); uri != "" {
		return uri
	}
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(root, "dev", "neo4j"), "up")
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, os.Stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("dev/neo4j up: %v", err)
	}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		if uri, ok := strings.CutPrefix(sc.Text(), "NEO4J_URI="); ok {
			return uri
		}
	}
	t.Fatalf("dev/neo4j up printed no NEO4J_URI: %q", out.String())
	return ""
}

// Lock holds the repository-wide Neo4j test lock until the test ends. It is
// re-entrant within a process (a test may empty the store more than once),
// which assumes the process's Neo4j tests do not run in parallel.
func Lock(t testing.TB) {
	t.Helper()
	mu.Lock()
	defer mu.Unlock()
	if held == 0 {
		f, err := acquire()
		if err != nil {
			t.Fatal(err)
		}
		lockFile = f
	}
	held++
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		held--
		if held == 0 {
			_ = syscall.Flock(int(lockFile.Fd()), syscall.LOCK_UN)
			lockFile.Close()
			lockFile = nil
		}
	})
}

var (
	mu       sync.Mutex
	held     int
	lockFile *os.File
)

func acquire() (*os.File, error) {
	root, err := repo.Root()
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(root, ".data")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dir, "neo4j-tests.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock Neo4j for tests: %w", err)
	}
	return f, nil
}
