package memory_test

import (
	"testing"

	"downline/graphstore"
	"downline/graphstore/graphstoretest"
	"downline/graphstore/memory"
)

func TestConformance(t *testing.T) {
	opts := graphstoretest.Options{}
	if testing.Short() {
		opts.DeepChain = 20_000
	}
	graphstoretest.Run(t, func(*testing.T) graphstore.Store { return memory.New() }, opts)
}
