package neo4j

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"downline/graphstore/neo4j/neo4jtest"
)

// The tests share one server and one Store; each test starts from an empty
// graph (Reset), so they must not run in parallel.
var (
	shared     *Store
	sharedErr  error
	sharedOnce sync.Once
)

// freshStore returns the shared Store, emptied.
func freshStore(t testing.TB) *Store {
	t.Helper()
	neo4jtest.Lock(t)
	sharedOnce.Do(func() {
		uri := neo4jtest.URI(t)
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
