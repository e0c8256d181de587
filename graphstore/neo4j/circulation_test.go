package neo4j

import (
	"testing"

	"downline/graphstore"
	"downline/graphstore/graphstoretest"
)

// TestCirculationConformance runs the suite every graphstore.Circulation
// passes against the real server, with histories of 1,500 movements (every
// holder's traffic is read back twice per history, a query each).
func TestCirculationConformance(t *testing.T) {
	graphstoretest.RunCirculation(t, func(t *testing.T) graphstore.Circulation { return freshStore(t) },
		graphstoretest.CirculationOptions{Seeds: 2, Moves: 1500})
}
