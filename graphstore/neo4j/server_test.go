package neo4j

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// The tests share one server and one Store; each test starts from an empty
// graph (Reset), so they must not run in parallel.
var (
	shared     *Store
	sharedErr  error
	sharedOnce sync.Once
)

// serverURI is NEO4J_URI, or the URI of the repository's dev/neo4j server,
// started here when needed, so `go test ./graphstore/neo4j/` works alone.
func serverURI(t testing.TB) string {
	if uri := os.Getenv("NEO4J_URI"); uri != "" {
		return uri
	}
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(root, "dev", "neo4j"), "up")
	cmd.Dir = root
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = os.Stderr
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

func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", os.ErrNotExist
		}
		dir = parent
	}
}

// freshStore returns the shared Store, emptied.
func freshStore(t testing.TB) *Store {
	t.Helper()
	sharedOnce.Do(func() {
		uri := serverURI(t)
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		shared, sharedErr = New(ctx, uri, os.Getenv("NEO4J_USER"), os.Getenv("NEO4J_PASSWORD"))
	})
	if sharedErr != nil {
		t.Fatalf("connect to Neo4j: %v", sharedErr)
	}
	if err := shared.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	return shared
}
