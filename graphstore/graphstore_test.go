package graphstore_test

import (
	"errors"
	"testing"

	"downline/graphstore"
	"downline/network"
)

func TestDownlineQueryResolve(t *testing.T) {
	for _, c := range []struct {
		q               graphstore.DownlineQuery
		min, max, limit int
	}{
		{graphstore.DownlineQuery{}, 1, 0, 100},
		{graphstore.DownlineQuery{MinDepth: 2, MaxDepth: 2, Limit: 10000}, 2, 2, 10000},
		{graphstore.DownlineQuery{MaxDepth: 3, Status: []network.Status{network.Active, network.Terminated}}, 1, 3, 100},
	} {
		lo, hi, limit, err := c.q.Resolve()
		if err != nil || lo != c.min || hi != c.max || limit != c.limit {
			t.Errorf("%+v: %d, %d, %d, %v; want %d, %d, %d", c.q, lo, hi, limit, err, c.min, c.max, c.limit)
		}
	}
	for q, want := range map[*graphstore.DownlineQuery]string{
		{MinDepth: -1}:                       "depth range -1..0: invalid argument",
		{MaxDepth: -1}:                       "depth range 0..-1: invalid argument",
		{MinDepth: 3, MaxDepth: 2}:           "depth range 3..2: invalid argument",
		{Limit: 10001}:                       "limit 10001 (1..10000): invalid argument",
		{Limit: -1}:                          "limit -1 (1..10000): invalid argument",
		{Status: []network.Status{"asleep"}}: `status "asleep": invalid argument`,
	} {
		_, _, _, err := q.Resolve()
		if !errors.Is(err, graphstore.ErrInvalid) || err.Error() != want {
			t.Errorf("%+v: %v, want %s", *q, err, want)
		}
	}
}
