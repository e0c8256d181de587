-- SMS: every message is stored before it is sent, and sent at most once
-- per id (sms/sender.go explains the states). Opt-outs by phone, bulk
-- messages to segments, staff phones for stock warnings, and the products
-- whose launch has been announced.

CREATE TABLE sms_bulks (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    segment       jsonb NOT NULL,
    body_zh       text NOT NULL,
    body_en       text NOT NULL,
    recipients    int NOT NULL,
    segments      bigint NOT NULL,
    cost_estimate numeric(20, 4) NOT NULL,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE sms_messages (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    -- what the message is for, so a replayed event or bulk queues nothing twice
    dedupe_key      text UNIQUE,
    kind            text NOT NULL,
    to_phone        text NOT NULL CHECK (to_phone ~ '^\+[1-9][0-9]{6,14}$'),
    lang            text NOT NULL CHECK (lang IN ('zh-CN', 'en')),
    body            text NOT NULL CHECK (body <> ''),
    segments        int NOT NULL CHECK (segments > 0),
    -- essential messages (about one's own money and goods) ignore opt-outs
    essential       boolean NOT NULL DEFAULT false,
    bulk_id         bigint REFERENCES sms_bulks (id),
    state           text NOT NULL DEFAULT 'queued'
                    CHECK (state IN ('queued', 'sending', 'retry', 'sent', 'failed', 'unknown', 'suppressed')),
    attempts        int NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    twilio_sid      text UNIQUE,
    -- Twilio's delivery status from the API answer and the status callbacks
    delivery        text NOT NULL DEFAULT '',
    error_code      int,
    error           text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    sending_at      timestamptz,
    sent_at         timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sms_messages_due_idx ON sms_messages (next_attempt_at, id) WHERE state IN ('queued', 'retry');
CREATE INDEX sms_messages_sending_idx ON sms_messages (sending_at) WHERE state = 'sending';
CREATE INDEX sms_messages_bulk_idx ON sms_messages (bulk_id, state) WHERE bulk_id IS NOT NULL;
CREATE INDEX sms_messages_problem_idx ON sms_messages (id) WHERE state IN ('failed', 'unknown');
CREATE INDEX sms_messages_phone_idx ON sms_messages (to_phone);

CREATE TABLE sms_opt_outs (
    phone        text PRIMARY KEY,
    keyword      text NOT NULL,
    opted_out_at timestamptz NOT NULL DEFAULT now()
);

-- Phones of staff users (agency staff, warehouse, admins) for stock warnings.
CREATE TABLE sms_staff_phones (
    user_id bigint PRIMARY KEY REFERENCES users (id),
    phone   text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    lang    text NOT NULL DEFAULT 'zh-CN' CHECK (lang IN ('zh-CN', 'en'))
);

CREATE TABLE sms_launches (
    product_id   bigint PRIMARY KEY REFERENCES products (id),
    announced_at timestamptz NOT NULL DEFAULT now()
);

-- Inbound texts and what was answered, for the admins.
CREATE TABLE sms_inbound (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    twilio_sid  text NOT NULL DEFAULT '',
    from_phone  text NOT NULL,
    body        text NOT NULL,
    member_id   bigint REFERENCES members (id),
    reply       text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now()
);

-- Templates edited by HQ; a kind and language without a row uses the
-- built-in text (sms/templates.go).
CREATE TABLE sms_templates (
    kind       text NOT NULL,
    lang       text NOT NULL CHECK (lang IN ('zh-CN', 'en')),
    body       text NOT NULL CHECK (body <> ''),
    updated_by text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, lang)
);

-- migrate:down
DROP TABLE sms_templates, sms_inbound, sms_launches, sms_staff_phones, sms_opt_outs, sms_messages, sms_bulks;
