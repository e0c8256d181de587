package api_test

import (
	"bytes"
	"testing"
	"time"

	"downline/ledger/ledgertest"
)

// TestApproveAndPayLostAnswer: an approval or a payout whose work committed
// but whose answer was lost is answered, on a retry under the same key, with
// its result (not a conflict, not a second posting); one that failed before
// its commit leaves its key free, so the retry does the work.
func TestApproveAndPayLostAnswer(t *testing.T) {
	w := settleWorld(t)
	fin, fin2 := w.token("finance"), w.token("finance2")
	if res := w.call("POST", "/api/v1/plans", fin, map[string]any{"document": testPlan, "effective": "2020-01-01"}); res.status != 201 {
		t.Fatalf("upload plan: %d %s", res.status, res.body)
	}
	now := time.Now().UTC()
	code := now.Format("2006-01")
	w.runPeriod(t, "finance", code, map[string]any{"cutoff": now.Format(time.RFC3339Nano), "tz": "UTC"}, "run-1")

	// retry sends the request again, under the same key, on the plain server.
	retry := func(path string, body any, key string) resp {
		t.Helper()
		res := w.call("POST", path, fin2, body, "Idempotency-Key", key)
		if res.status/100 != 2 {
			t.Fatalf("retry of %s under %s: %d %s", path, key, res.status, res.body)
		}
		if again := w.call("POST", path, fin2, body, "Idempotency-Key", key); !bytes.Equal(again.body, res.body) {
			t.Errorf("second retry of %s: %s, first %s", path, again.body, res.body)
		}
		return res
	}
	for _, step := range []struct {
		path, watch, key string
		body             any
		afterCommit      bool
		check            func(res resp)
	}{
		{"/approve", "UPDATE settle_runs SET status = 'approved'", "ap-1", map[string]any{"reason": "checked"}, false, nil},
		{"/approve", "UPDATE settle_runs SET status = 'approved'", "ap-1", map[string]any{"reason": "checked"}, true, func(res resp) {
			if r := res.json(t); r["status"] != "approved" || r["approved_by"] != "user:finance2" {
				t.Errorf("approval answered on the retry: %v", r)
			}
		}},
		{"/pay", "UPDATE settle_runs SET status = 'paid'", "pay-1", map[string]any{"min_payout": "0.00"}, false, nil},
		{"/pay", "UPDATE settle_runs SET status = 'paid'", "pay-1", map[string]any{"min_payout": "0.00"}, true, func(res resp) {
			if r := res.json(t); r["paid_by"] != "user:finance2" || r["period"] != code {
				t.Errorf("payout answered on the retry: %v", r)
			}
		}},
	} {
		cut := ledgertest.NewCutter(step.watch, step.afterCommit)
		h := w.tracedHandler(t, cut)
		path := "/api/v1/periods/" + code + step.path
		first := w.callOn(cut.Context(), h, "POST", path, fin2, step.body, "Idempotency-Key", step.key)
		if cut.Cuts() != 1 {
			t.Fatalf("%s (cut after commit: %v): the request was not cut (%d %s)", path, step.afterCommit, first.status, first.body)
		}
		if !step.afterCommit {
			// The attempt failed before its commit: nothing happened, and
			// the key is free for the next attempt below (with the cut after
			// its commit).
			if first.status/100 == 2 {
				t.Fatalf("%s cut before its commit answered %d %s", path, first.status, first.body)
			}
			if n := w.count(t, "idempotency_keys WHERE key = '"+step.key+"'"); n != 0 {
				t.Errorf("%s failed, yet its key %s is claimed", path, step.key)
			}
			continue
		}
		step.check(retry(path, step.body, step.key))
	}
	if n := w.count(t, "settle_payouts"); n != 1 {
		t.Errorf("%d payouts, want 1", n)
	}
	var postings, members int
	if err := w.db.Pool.QueryRow(t.Context(), `SELECT count(*), count(DISTINCT member) FROM settle_postings`).Scan(&postings, &members); err != nil {
		t.Fatal(err)
	}
	if postings == 0 || postings != members {
		t.Errorf("%d approval postings for %d members, want one each", postings, members)
	}
}
