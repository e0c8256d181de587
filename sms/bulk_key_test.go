package sms_test

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"

	"downline/ledger"
	"downline/sms"
)

// A bulk message sent again under its key (a retry after a lost answer)
// answers the bulk queued first and queues no message twice; the key with
// another text is refused.
func TestBulkRetryUnderItsKeyQueuesOnce(t *testing.T) {
	e := newEnv(t)
	registerNetwork(t, e.db) // ROOT (+44, en) > ALICE (+86, zh) > BOB (+44, en)
	price := decimal.RequireFromString("0.05")
	b := sms.Bulk{BodyZH: "周年庆：全场九折。", BodyEN: "Anniversary sale.", By: "hq", Key: "bulk-1", Segment: sms.Segment{Team: "ALICE"}}
	first, p, err := sms.QueueBulk(ctx, e.db, b, price)
	if err != nil || p.Recipients != 2 {
		t.Fatalf("queue: %d, %+v, %v", first, p, err)
	}
	again, p2, err := sms.QueueBulk(ctx, e.db, b, price)
	if err != nil || again != first || p2.Recipients != 2 {
		t.Fatalf("the retry answered bulk %d (%+v, %v), want bulk %d", again, p2, err, first)
	}
	var bulks, messages int
	if err := e.db.Pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM sms_bulks), (SELECT count(*) FROM sms_messages WHERE bulk_id IS NOT NULL)`).Scan(&bulks, &messages); err != nil {
		t.Fatal(err)
	}
	if bulks != 1 || messages != 2 {
		t.Errorf("after a retry: %d bulks and %d messages, want 1 and 2", bulks, messages)
	}
	other := b
	other.BodyEN = "Another text."
	if _, _, err := sms.QueueBulk(ctx, e.db, other, price); !errors.Is(err, ledger.ErrIdempotencyConflict) {
		t.Errorf("the key with another text: %v, want a conflict", err)
	}
	// Without a key, each send is a bulk of its own.
	b.Key = ""
	if id, _, err := sms.QueueBulk(ctx, e.db, b, price); err != nil || id == first {
		t.Errorf("a send without a key: bulk %d, %v", id, err)
	}
}
