package neo4j

import (
	"testing"

	"downline/graphstore"
	"downline/graphstore/graphstoretest"
)

// TestConformance runs the suite every graphstore.Store passes, against the
// real server. The deep chain is 10,000 members rather than 1,000,000: every
// chain member costs Neo4j a write and the deep traversals a path per level,
// which puts the full size far beyond a test's budget on two cores.
func TestConformance(t *testing.T) {
	graphstoretest.Run(t, func(t *testing.T) graphstore.Store { return freshStore(t) }, graphstoretest.Options{
		DeepChain: 10_000,
	})
}
