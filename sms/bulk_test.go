package sms_test

import (
	"context"
	"errors"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/shopspring/decimal"

	"downline/ledger"
	"downline/ledger/goodstest"
	"downline/ledger/order"
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

// A lot's recall list made a message: the members to whom goods of the lot
// were shipped, no one else; a lot is named by product and batch together.
func TestBulkToALotsRecipients(t *testing.T) {
	e := newEnv(t)
	registerNetwork(t, e.db)
	goodstest.World(t, e.db)
	goodstest.Tx(t, e.db, func(ctx context.Context, tx pgx.Tx) error {
		o, err := goodstest.Buy(ctx, tx, "alice-buys", "ALICE", 2)
		if err != nil {
			return err
		}
		if _, err := order.Ship(ctx, tx, order.ShipRequest{Key: "alice-ship", Order: o.No, Tracking: "SF1", By: "wh"}); err != nil {
			return err
		}
		_, err = goodstest.Buy(ctx, tx, "bob-buys", "BOB", 1) // confirmed, not shipped: nothing received yet
		return err
	})
	var batch string
	if err := e.db.Pool.QueryRow(ctx, `SELECT l.batch FROM shipment_lots sl JOIN lots l ON l.id = sl.lot_id`).Scan(&batch); err != nil {
		t.Fatal(err)
	}
	price := decimal.RequireFromString("0.05")
	b := sms.Bulk{BodyZH: "召回通知", BodyEN: "Recall notice", By: "hq", Segment: sms.Segment{LotSKU: "VC-100", LotBatch: batch}}
	p, err := sms.PreviewBulk(ctx, e.db.Pool, b, price)
	if err != nil || p.Recipients != 1 {
		t.Fatalf("the lot's recipients: %+v, %v; want ALICE alone", p, err)
	}
	b.Segment.LotBatch = "NO-SUCH-BATCH"
	if p, err := sms.PreviewBulk(ctx, e.db.Pool, b, price); err != nil || p.Recipients != 0 {
		t.Errorf("another batch: %+v, %v", p, err)
	}
	b.Segment.LotBatch = ""
	if _, err := sms.PreviewBulk(ctx, e.db.Pool, b, price); !errors.Is(err, ledger.ErrInvalid) {
		t.Errorf("a product without its batch: %v", err)
	}
	e.twilio.Reset()
	b.Segment.LotBatch = batch
	if _, _, err := sms.QueueBulk(ctx, e.db, b, price); err != nil {
		t.Fatal(err)
	}
	e.drain(t)
	wantTo(t, e, alicePhone, "召回通知")
	if got := e.twilio.To(bobPhone); len(got) != 0 {
		t.Errorf("BOB, who received nothing of the lot, got %q", got)
	}
}
