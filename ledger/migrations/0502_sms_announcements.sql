-- New-product announcements texted to members: one row per announcement
-- the SMS notifier has dealt with, so each is texted once at most. An
-- announcement that went public before the notifier started, or longer
-- ago than its horizon when it was reached, is recorded as skipped and
-- never texted.

CREATE TABLE sms_announcements (
    item_id  bigint PRIMARY KEY REFERENCES content_items(id),
    queued   int NOT NULL CHECK (queued >= 0),
    skipped  text CHECK (skipped IN ('before_start', 'horizon')),
    at       timestamptz NOT NULL
);

-- migrate:down
DROP TABLE sms_announcements;
