package sms_test

import (
	"testing"

	"github.com/shopspring/decimal"

	"downline/sms"
)

func TestBulk(t *testing.T) {
	e := newEnv(t)
	registerNetwork(t, e.db) // ROOT (+44, en) > ALICE (+86, zh) > BOB (+44, en)
	register(t, e.db, "CAROL", "Carol", "+447700900004", "en", "ROOT")
	e.notify(t)
	e.twilio.Reset()
	in := newInbound(t, e)
	in.text("+447700900004", "STOP")
	price := decimal.RequireFromString("0.05")
	b := sms.Bulk{BodyZH: "周年庆：全场九折。", BodyEN: "Anniversary sale: 10% off everything this week.", By: "hq"}
	for _, c := range []struct {
		seg         sms.Segment
		n, optedOut int
		segments    int64
	}{
		{sms.Segment{}, 3, 1, 3},
		{sms.Segment{Team: "ALICE"}, 2, 0, 2},
		{sms.Segment{Region: "+86"}, 1, 0, 1},
		{sms.Segment{Lang: "en"}, 2, 1, 2},
		{sms.Segment{InactiveDays: 30}, 3, 1, 3},
		{sms.Segment{ActiveDays: 30}, 0, 0, 0},
	} {
		b.Segment = c.seg
		p, err := sms.PreviewBulk(ctx, e.db.Pool, b, price)
		if err != nil {
			t.Fatal(err)
		}
		if p.Recipients != c.n || p.OptedOut != c.optedOut || p.Segments != c.segments || !p.Cost.Equal(price.Mul(decimal.NewFromInt(c.segments))) {
			t.Errorf("%+v: preview %+v, want %d recipients, %d opted out, %d segments", c.seg, p, c.n, c.optedOut, c.segments)
		}
	}
	if _, err := sms.PreviewBulk(ctx, e.db.Pool, sms.Bulk{BodyEN: "x", Segment: sms.Segment{Rank: "Gold"}}, price); err == nil {
		t.Error("a rank segment was previewed without settlement results")
	}
	b.Segment = sms.Segment{Team: "ALICE"}
	id, p, err := sms.QueueBulk(ctx, e.db, b, price)
	if err != nil || p.Recipients != 2 {
		t.Fatalf("queue: %d, %+v, %v", id, p, err)
	}
	pr, err := sms.BulkProgress(ctx, e.db.Pool, id)
	if err != nil || pr.ByState[sms.Queued] != 2 || pr.Done != 0 {
		t.Fatalf("progress before sending %+v, %v", pr, err)
	}
	e.drain(t)
	wantTo(t, e, alicePhone, "周年庆")
	wantTo(t, e, bobPhone, "Anniversary sale")
	pr, _ = sms.BulkProgress(ctx, e.db.Pool, id)
	if pr.ByState[sms.Sent] != 2 || pr.Percent != 100 {
		t.Fatalf("progress after sending %+v", pr)
	}
}
