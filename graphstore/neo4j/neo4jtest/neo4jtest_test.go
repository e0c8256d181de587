package neo4jtest

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// The lock is re-entrant in one process and excludes other processes until
// every holder's test has ended.
func TestLockReentrantAndExclusive(t *testing.T) {
	t.Run("holder", func(t *testing.T) {
		Lock(t)
		Lock(t) // a second store in the same test must not deadlock
		root, err := repoRoot()
		if err != nil {
			t.Fatal(err)
		}
		// flock(1) in another process cannot take the lock meanwhile.
		if _, err := exec.LookPath("flock"); err != nil {
			t.Skip("flock(1) not installed")
		}
		cmd := exec.Command("flock", "--nonblock", filepath.Join(root, ".data", "neo4j-tests.lock"), "true")
		if err := cmd.Run(); err == nil {
			t.Fatal("another process took the Neo4j test lock while it was held")
		}
	})
	if held != 0 || lockFile != nil {
		t.Fatalf("lock still held after the test ended: %d", held)
	}
	root, _ := repoRoot()
	done := make(chan error, 1)
	go func() {
		done <- exec.Command("flock", "--nonblock", filepath.Join(root, ".data", "neo4j-tests.lock"), "true").Run()
	}()
	select {
	case err := <-done:
		if err != nil {
			if _, lookErr := exec.LookPath("flock"); lookErr == nil {
				t.Fatalf("the lock was not released: %v", err)
			}
		}
	case <-time.After(10 * time.Second):
		t.Fatal("flock hung")
	}
}
