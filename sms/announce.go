package sms

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
)

// announceContent queues, once per announcement, a text to every active
// member not opted out about each new-product announcement of the portal
// (ledger/content) that has gone public: published now or when its
// schedule arrived. An announcement public before the notifier started, or
// longer ago than the horizon, is recorded as skipped and never texted.
func (n *Notifier) announceContent(ctx context.Context) (int, error) {
	now := n.now()
	rows, err := n.DB.Pool.Query(ctx, `SELECT i.id, i.publish_at, COALESCE(i.sku, ''), r.title_zh, r.title_en
		FROM content_items i JOIN content_revisions r ON r.item_id = i.id AND r.rev = i.live_rev
		WHERE i.kind = 'product' AND i.status IN ('scheduled', 'published') AND i.publish_at <= $1
		AND NOT EXISTS (SELECT 1 FROM sms_announcements a WHERE a.item_id = i.id) ORDER BY i.publish_at, i.id`, now)
	if err != nil {
		return 0, err
	}
	type announcement struct {
		id                    int64
		at                    time.Time
		sku, titleZH, titleEN string
	}
	var as []announcement
	var a announcement
	if _, err := pgx.ForEachRow(rows, []any{&a.id, &a.at, &a.sku, &a.titleZH, &a.titleEN}, func() error {
		as = append(as, a)
		return nil
	}); err != nil || len(as) == 0 {
		return 0, err
	}
	var start time.Time
	if err := n.DB.Pool.QueryRow(ctx, `SELECT started_at FROM sms_notifier_start`).Scan(&start); err != nil && err != pgx.ErrNoRows {
		return 0, err
	}
	tpl, err := LoadTemplates(ctx, n.DB.Pool)
	if err != nil {
		return 0, err
	}
	total := 0
	for _, a := range as {
		var skipped *string
		switch {
		case a.at.Before(start):
			s := "before_start"
			skipped = &s
		case now.Sub(a.at) > n.horizon():
			s := "horizon"
			skipped = &s
		}
		err := n.DB.Transact(ctx, pgx.ReadCommitted, func(tx pgx.Tx) error {
			tag, err := tx.Exec(ctx, `INSERT INTO sms_announcements (item_id, queued, skipped, at) VALUES ($1, 0, $2, $3)
				ON CONFLICT DO NOTHING`, a.id, skipped, now)
			if err != nil || tag.RowsAffected() == 0 || skipped != nil {
				return err // another notifier has it, or it is not texted
			}
			zh, en := clip(a.titleZH), clip(a.titleEN)
			if zh == "" {
				zh = en
			}
			if en == "" {
				en = zh
			}
			vars := map[string]string{"sku": a.sku, "title": zh}
			bodyZH := tpl.Render(TplProductAnnounced, "zh-CN", vars)
			vars["title"] = en
			bodyEN := tpl.Render(TplProductAnnounced, "en", vars)
			k, err := queueSegment(ctx, tx, Segment{}, TplProductAnnounced, "announce:"+strconv.FormatInt(a.id, 10), bodyZH, bodyEN, false, 0)
			if err != nil {
				return err
			}
			total += k
			_, err = tx.Exec(ctx, `UPDATE sms_announcements SET queued = $2 WHERE item_id = $1`, a.id, k)
			return err
		})
		if err != nil {
			return total, err
		}
		if skipped != nil {
			n.log().Info("SMS notifier: a new-product announcement was not texted", "item", a.id, "reason", *skipped, "published", a.at)
		}
	}
	return total, nil
}

// clip shortens a title for a text: at most 40 characters.
func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:39]) + "…"
	}
	return s
}
