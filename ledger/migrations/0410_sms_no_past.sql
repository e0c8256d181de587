-- SMS never texts about the past, and time-critical texts never wait
-- behind a bulk send (sms/notify.go, sms/sender.go).

-- Where the SMS notifier started: the outbox head when SMS was first turned
-- on for this ledger. Events up to it happened before SMS and are never
-- texted; later starts resume from the notifier's outbox position. One row.
CREATE TABLE sms_notifier_start (
    one        boolean PRIMARY KEY DEFAULT true CHECK (one),
    seq        bigint NOT NULL,
    started_at timestamptz NOT NULL
);

-- Events the notifier did not text because they were older than the
-- horizon when it reached them (after an outage, say): one row per batch
-- of events read, for the operators.
CREATE TABLE sms_skipped_events (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    first_seq  bigint NOT NULL,
    last_seq   bigint NOT NULL,
    events     int NOT NULL CHECK (events > 0),
    -- events skipped by kind, e.g. {"order.shipped": 12}
    kinds      jsonb NOT NULL,
    oldest_at  timestamptz NOT NULL,
    newest_at  timestamptz NOT NULL,
    horizon    interval NOT NULL,
    skipped_at timestamptz NOT NULL
);

-- The sender claims the highest priority first: 2 time-critical (a new
-- member's welcome, a payment confirmation), 1 other notifications, 0 bulk
-- messages and product launches.
ALTER TABLE sms_messages ADD COLUMN priority smallint NOT NULL DEFAULT 1 CHECK (priority BETWEEN 0 AND 2);
UPDATE sms_messages SET priority = CASE WHEN bulk_id IS NOT NULL OR kind = 'product_launched' THEN 0 ELSE 2 END
    WHERE state IN ('queued', 'retry') AND (bulk_id IS NOT NULL OR kind IN ('product_launched', 'welcome', 'payment_confirmed'));
CREATE INDEX sms_messages_claim_idx ON sms_messages (priority DESC, next_attempt_at, id) WHERE state IN ('queued', 'retry');

-- migrate:down
-- Every queued message is claimed in the order it falls due again.
DROP INDEX sms_messages_claim_idx;
ALTER TABLE sms_messages DROP COLUMN priority;
DROP TABLE sms_skipped_events, sms_notifier_start;
