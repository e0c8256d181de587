package sms_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"downline/clock"
	"downline/ledger/content"
	"downline/ledger/goodstest"
	"downline/sms"
)

// New-product announcements of the portal are texted once each to the
// members who have not opted out, in their language, when they go public
// (published, or when their schedule arrives); never one public before the
// notifier started, nor one older than the horizon when reached.
func TestProductAnnouncements(t *testing.T) {
	e := newEnvOff(t)
	registerNetwork(t, e.db)
	goodstest.Product(t, e.db, "TEA-9", "100", "10")
	t0 := time.Date(2026, 2, 28, 23, 30, 0, 0, time.UTC)
	announce := func(at time.Time, zh, en string, publish bool, when time.Time) int64 {
		t.Helper()
		var id int64
		goodstest.Tx(t, e.db, func(ctx context.Context, tx pgx.Tx) error {
			ctx = clock.With(ctx, clock.Fixed(at))
			it, err := content.Create(ctx, tx, content.NewItem{Kind: content.Product, SKU: "TEA-9",
				Text: content.Text{TitleZH: zh, TitleEN: en, SummaryZH: "摘要", SummaryEN: "Summary"}}, "user:ed")
			if err != nil {
				return err
			}
			id = it.ID
			if publish {
				_, err = content.Publish(ctx, tx, id, "user:ed")
			} else {
				_, err = content.Schedule(ctx, tx, id, when, "user:ed")
			}
			return err
		})
		return id
	}
	// Published before SMS was turned on: never texted.
	announce(t0, "旧茶", "Old tea", true, time.Time{})
	n := &sms.Notifier{DB: e.db, Sender: e.sender, Now: at(t0.Add(5 * time.Minute))}
	if k := catchUp(t, e, n); k != 0 {
		t.Errorf("an announcement from before the start: %d messages queued", k)
	}
	// Bob opts out.
	if _, err := e.db.Pool.Exec(ctx, `INSERT INTO sms_opt_outs (phone, keyword) VALUES ($1, 'STOP')`, bobPhone); err != nil {
		t.Fatal(err)
	}
	// Scheduled for the first minute of March: nothing until then.
	march := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	id := announce(t0.Add(10*time.Minute), "新茶上市", "New tea", false, march)
	n.Now = at(march.Add(-time.Second))
	if k := catchUp(t, e, n); k != 0 {
		t.Errorf("before its time: %d messages queued", k)
	}
	n.Now = at(march.Add(30 * time.Second))
	if k := catchUp(t, e, n); k != 3 {
		t.Errorf("at its time: %d messages queued, want 3 (one suppressed)", k)
	}
	wantTo(t, e, rootPhone, "New product: New tea.")
	wantTo(t, e, alicePhone, "新品发布：新茶上市。")
	wantTo(t, e, bobPhone) // opted out
	// Once: catching up again, or republishing, texts nothing more.
	goodstest.Tx(t, e.db, func(ctx context.Context, tx pgx.Tx) error {
		_, err := content.Publish(clock.With(ctx, clock.Fixed(march.Add(time.Minute))), tx, id, "user:ed")
		return err
	})
	n.Now = at(march.Add(2 * time.Minute))
	if k := catchUp(t, e, n); k != 0 {
		t.Errorf("again: %d messages queued", k)
	}
	wantTo(t, e, rootPhone, "New product: New tea.")
	// Reached only after the horizon (an outage): recorded, not texted.
	announce(march.Add(time.Hour), "绿茶", "Green tea", true, time.Time{})
	n.Now = at(march.Add(26 * time.Hour))
	if k := catchUp(t, e, n); k != 0 {
		t.Errorf("after the horizon: %d messages queued", k)
	}
	rows, err := e.db.Pool.Query(ctx, `SELECT queued, COALESCE(skipped, '') FROM sms_announcements ORDER BY item_id`)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	var q int
	var s string
	if _, err := pgx.ForEachRow(rows, []any{&q, &s}, func() error {
		got = append(got, s+":"+string(rune('0'+q)))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"before_start:0", ":3", "horizon:0"}; len(got) != 3 || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
		t.Errorf("announcements recorded %v, want %v", got, want)
	}
}
