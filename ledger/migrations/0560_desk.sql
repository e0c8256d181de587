-- The service desk: complaints and requests from members and shop
-- customers, opened on the web or by text.
--
-- A ticket's row holds where it is now (state, assignee, due time, whether
-- it was escalated), for the board's filters; every step that moved it is
-- appended to ticket_events and never changed (the database refuses it), and
-- a ticket is never deleted. Each category has its SLA: the time HQ has to
-- answer, from which a ticket's due time is computed when it is opened or
-- reopened.

CREATE TABLE desk_categories (
    category   text PRIMARY KEY CHECK (category IN ('complaint', 'quality', 'delivery', 'bonus', 'account', 'other')),
    sla        interval NOT NULL CHECK (sla > interval '0' AND sla <= interval '90 days'),
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
INSERT INTO desk_categories (category, sla, updated_by) VALUES
    ('complaint', interval '24 hours', 'migration'),
    ('quality', interval '48 hours', 'migration'),
    ('delivery', interval '24 hours', 'migration'),
    ('bonus', interval '72 hours', 'migration'),
    ('account', interval '24 hours', 'migration'),
    ('other', interval '72 hours', 'migration');

CREATE TABLE tickets (
    id          bigserial PRIMARY KEY,
    category    text NOT NULL REFERENCES desk_categories (category),
    -- whose it is: a member (by the web or by text) or a shop customer's account
    member_id   bigint REFERENCES members (id),
    customer_id bigint REFERENCES users (id),
    order_no    text,
    subject     text NOT NULL,
    channel     text NOT NULL CHECK (channel IN ('web', 'sms')),
    -- the number a texted ticket came from
    phone       text NOT NULL DEFAULT '',
    lang        text NOT NULL CHECK (lang IN ('zh-CN', 'en')),
    state       text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'assigned', 'waiting', 'closed')),
    escalated   boolean NOT NULL DEFAULT false,
    assignee    text,
    opened_by   text NOT NULL,
    open_key    text,
    opened_at   timestamptz NOT NULL,
    due_at      timestamptz NOT NULL,
    closed_at   timestamptz,
    CHECK ((member_id IS NULL) <> (customer_id IS NULL)),
    CHECK ((state = 'closed') = (closed_at IS NOT NULL)),
    UNIQUE (opened_by, open_key)
);
CREATE INDEX tickets_member ON tickets (member_id, opened_at DESC) WHERE member_id IS NOT NULL;
CREATE INDEX tickets_customer ON tickets (customer_id, opened_at DESC) WHERE customer_id IS NOT NULL;
CREATE INDEX tickets_due ON tickets (due_at, id) WHERE state <> 'closed';
CREATE INDEX tickets_opened ON tickets (opened_at, id);

CREATE TABLE ticket_events (
    id         bigserial PRIMARY KEY,
    ticket_id  bigint NOT NULL REFERENCES tickets (id),
    kind       text NOT NULL CHECK (kind IN ('opened', 'assigned', 'replied', 'note', 'escalated', 'closed', 'reopened')),
    body       text NOT NULL DEFAULT '',
    -- assigned: to whom
    assignee   text,
    by         text NOT NULL,
    -- whether HQ wrote it (a reply from HQ, not from the ticket's owner)
    by_staff   boolean NOT NULL,
    at         timestamptz NOT NULL
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

CREATE TRIGGER ticket_events_append_only BEFORE UPDATE OR DELETE ON ticket_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER tickets_kept BEFORE DELETE ON tickets
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- migrate:down
DROP TABLE ticket_events;
DROP TABLE tickets;
DROP TABLE desk_categories;
