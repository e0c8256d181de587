package neo4jtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"downline/internal/repo"
)

// The lock is re-entrant in one process and excludes other processes until
// every holder's test has ended.
func TestLockReentrantAndExclusive(t *testing.T) {
	t.Run("holder", func(t *testing.T) {
		Lock(t)
		Lock(t) // a second store in the same test must not deadlock
		root, err := repo.Root()
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
	// Released: this process holds no lock on the file any more. (Another
	// test package may hold it by now, so trying to take it from outside
	// would fail for the wrong reason: look at the kernel's lock table.)
	root, err := repo.Root()
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(root, ".data", "neo4j-tests.lock"))
	if err != nil {
		t.Fatal(err)
	}
	locks, err := os.ReadFile("/proc/locks")
	if err != nil {
		t.Skipf("no /proc/locks: %v", err)
	}
	ino := fi.Sys().(*syscall.Stat_t).Ino
	for _, line := range strings.Split(string(locks), "\n") {
		f := strings.Fields(line)
		// 1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF
		if len(f) >= 6 && f[1] == "FLOCK" && f[4] == strconv.Itoa(os.Getpid()) && strings.HasSuffix(f[5], ":"+strconv.FormatUint(ino, 10)) {
			t.Fatalf("the lock was not released: %s", line)
		}
	}
}
