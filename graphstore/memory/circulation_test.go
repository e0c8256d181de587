package memory_test

import (
	"testing"

	"downline/graphstore"
	"downline/graphstore/graphstoretest"
	"downline/graphstore/memory"
)

func TestCirculationConformance(t *testing.T) {
	graphstoretest.RunCirculation(t, func(*testing.T) graphstore.Circulation { return memory.New() }, graphstoretest.CirculationOptions{})
}
