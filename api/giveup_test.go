package api_test

import (
	"net/http"
	"testing"

	"github.com/jackc/pgx/v5"

	"downline/api"
	"downline/ledger/ledgertest"
)

// tracedHandler is a second server on the world's database whose
// connections report to tracer (a ledgertest.Cutter).
func (w *world) tracedHandler(t *testing.T, tracer pgx.QueryTracer) http.Handler {
	t.Helper()
	srv := &api.Server{DB: ledgertest.Traced(t, w.db, tracer), Graph: w.srv.Graph, Feed: w.srv.Feed}
	return srv.Handler()
}
