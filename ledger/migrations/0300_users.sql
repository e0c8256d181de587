-- Users of the HTTP API, their sessions, and the audit log of privileged actions.

CREATE TABLE users (
    id            bigserial PRIMARY KEY,
    login         text NOT NULL UNIQUE CHECK (login ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$'),
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('admin', 'finance', 'warehouse', 'agency', 'member', 'customer')),
    agency_id     bigint REFERENCES agencies (id),
    member_id     bigint REFERENCES members (id),
    status        text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- Agency staff are bound to an agency, members to a member, nobody else to either.
    CHECK ((role = 'agency') = (agency_id IS NOT NULL)),
    CHECK ((role = 'member') = (member_id IS NOT NULL))
);
CREATE UNIQUE INDEX users_member_idx ON users (member_id) WHERE member_id IS NOT NULL;

-- A session is a random bearer token; only its SHA-256 is stored.
CREATE TABLE sessions (
    token_hash  bytea PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    user_agent  text NOT NULL DEFAULT '',
    ip          text NOT NULL DEFAULT ''
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE audit_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text NOT NULL,   -- login, or '' for anonymous
    role        text NOT NULL,
    action      text NOT NULL,   -- the route, e.g. "POST /api/v1/payments/{no}/confirm"
    target      text NOT NULL,   -- the path as called
    status      int NOT NULL,    -- HTTP status answered
    idem_key    text NOT NULL DEFAULT '',
    ip          text NOT NULL DEFAULT '',
    detail      text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at_idx ON audit_log (at);

-- Order lists by agency (seller or buyer).
CREATE INDEX IF NOT EXISTS orders_seller_idx ON orders (seller_agency_id) WHERE seller_agency_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS orders_buyer_agency_idx ON orders (buyer_agency_id) WHERE buyer_agency_id IS NOT NULL;

-- migrate:down
DROP INDEX orders_buyer_agency_idx, orders_seller_idx;
DROP TABLE audit_log, sessions, users;
