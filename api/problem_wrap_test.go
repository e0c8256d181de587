package api

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"downline/ledger"
)

// TestWrappedErrorsMap: an error wrapped with the operation that failed
// answers as the error it wraps (status and the domain's words), while its
// text, for the log, names the operation.
func TestWrappedErrorsMap(t *testing.T) {
	domain := fmt.Errorf("%w: period 2021-01 is approved", ledger.ErrConflict)
	for _, c := range []struct {
		err    error
		status int
		detail string
	}{
		{wrap("approve run", domain), http.StatusConflict, "period 2021-01 is approved"},
		{wrap("read run job 7", wrap("read run", domain)), http.StatusConflict, "period 2021-01 is approved"},
		{wrap("read member", errStatus(http.StatusNotFound, "no member X")), http.StatusNotFound, "no member X"},
		{wrap("list users", errors.New("connection reset")), http.StatusInternalServerError,
			"the server failed to answer; try again, and report the request id if it persists"},
	} {
		if status, detail := statusOf(c.err); status != c.status || detail != c.detail {
			t.Errorf("%v: %d %q, want %d %q", c.err, status, detail, c.status, c.detail)
		}
	}
	if err := wrap("approve run", domain); err.Error() != "approve run: conflict: period 2021-01 is approved" || !errors.Is(err, ledger.ErrConflict) {
		t.Errorf("wrapped: %q", err)
	}
	if wrap("anything", nil) != nil {
		t.Error("wrap(nil) is not nil")
	}
}
