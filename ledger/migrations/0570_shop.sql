-- The online shop: customers who signed up with a phone number verified
-- by a texted code, the codes themselves (stored hashed, expiring,
-- single-use, with their attempts), carts kept by a cookie, the shop's
-- record of each order (the customer, the delivery address, the member
-- who referred the customer), the payment provider's sessions, and the
-- customers' return requests.

CREATE TABLE shop_customers (
    id          bigserial PRIMARY KEY,
    user_id     bigint NOT NULL UNIQUE REFERENCES users (id),
    phone       text NOT NULL UNIQUE CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    name        text NOT NULL CHECK (length(btrim(name)) > 0),
    -- The member who referred the customer, when the customer named one.
    referrer_id bigint REFERENCES members (id),
    created_at  timestamptz NOT NULL
);

-- Sign-up codes: only a SHA-256 of the code (salted with the row's salt)
-- is kept. A code is good until expires_at, once (used_at), for at most
-- a few wrong tries (attempts). sent_at and client count for the rate
-- limits per phone and per client address.
CREATE TABLE shop_codes (
    id         bigserial PRIMARY KEY,
    phone      text NOT NULL,
    client     text NOT NULL,
    salt       bytea NOT NULL,
    code_hash  bytea NOT NULL,
    sent_at    timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    attempts   int NOT NULL DEFAULT 0,
    used_at    timestamptz
);
CREATE INDEX shop_codes_phone ON shop_codes (phone, sent_at DESC);
CREATE INDEX shop_codes_client ON shop_codes (client, sent_at DESC);

-- A cart is named by the SHA-256 of a random cookie value.
CREATE TABLE shop_carts (
    token_hash bytea PRIMARY KEY,
    updated_at timestamptz NOT NULL
);
CREATE TABLE shop_cart_lines (
    token_hash bytea NOT NULL REFERENCES shop_carts (token_hash) ON DELETE CASCADE,
    product_id bigint NOT NULL REFERENCES products (id),
    qty        bigint NOT NULL CHECK (qty > 0 AND qty <= 999),
    PRIMARY KEY (token_hash, product_id)
);

CREATE TABLE shop_orders (
    order_id    bigint PRIMARY KEY REFERENCES orders (id),
    customer_id bigint NOT NULL REFERENCES shop_customers (id),
    recipient   text NOT NULL,
    phone       text NOT NULL,
    province    text NOT NULL,
    city        text NOT NULL,
    street      text NOT NULL,
    postcode    text NOT NULL,
    referrer_id bigint REFERENCES members (id),
    -- The checkout's idempotency key: a retry finds its order here.
    idem_key    text NOT NULL UNIQUE,
    created_at  timestamptz NOT NULL
);
CREATE INDEX shop_orders_customer ON shop_orders (customer_id, order_id DESC);
CREATE INDEX shop_orders_referrer ON shop_orders (referrer_id) WHERE referrer_id IS NOT NULL;

-- A payment at a provider: pending until the provider's signed callback
-- says paid, which records the order's payment (payment_no) for finance.
CREATE TABLE shop_payments (
    id          bigserial PRIMARY KEY,
    order_id    bigint NOT NULL REFERENCES orders (id),
    provider    text NOT NULL,
    ref         text NOT NULL UNIQUE,
    amount      numeric(14, 2) NOT NULL CHECK (amount > 0),
    status      text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'paid', 'failed')),
    payment_no  text,
    created_at  timestamptz NOT NULL,
    paid_at     timestamptz,
    CHECK ((status = 'paid') = (payment_no IS NOT NULL))
);
CREATE INDEX shop_payments_order ON shop_payments (order_id);

CREATE TABLE shop_return_requests (
    id           bigserial PRIMARY KEY,
    order_id     bigint NOT NULL REFERENCES orders (id),
    customer_id  bigint NOT NULL REFERENCES shop_customers (id),
    reason       text NOT NULL CHECK (length(btrim(reason)) > 0),
    requested_at timestamptz NOT NULL,
    UNIQUE (order_id)
);

-- migrate:down
DROP TABLE shop_return_requests;
DROP TABLE shop_payments;
DROP TABLE shop_orders;
DROP TABLE shop_cart_lines;
DROP TABLE shop_carts;
DROP TABLE shop_codes;
DROP TABLE shop_customers;
