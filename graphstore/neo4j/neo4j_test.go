package neo4j

import (
	"testing"

	"downline/graphstore"
	"downline/graphstore/graphstoretest"
)

// TestConformance runs the suite every graphstore.Store passes, against the
// real server. The deep chain is 10,000 members rather than 1,000,000: every
// chain member costs Neo4j a write and the deep traversals a path per level,
// which puts the full size far beyond a test's budget on two cores. The
// random networks are smaller than the default too (2 x 250 members rather
// than 3 x 400): each compares every query for every member over the
// network, most of the package's test time; TestLoadMatchesApply adds
// another random history.
func TestConformance(t *testing.T) {
	graphstoretest.Run(t, func(t *testing.T) graphstore.Store { return freshStore(t) }, graphstoretest.Options{
		DeepChain:     10_000,
		RandomMembers: 250,
		RandomSeeds:   2,
	})
}
