-- Orders, their payments, shipments and returns. Order lines keep the price,
-- PV and BV at the time of sale; an order's state moves forward only
-- (placed -> paid -> confirmed -> shipped -> delivered, or cancelled before
-- shipping). Lines, allocations, shipment lots and returns are append-only.

CREATE TABLE ledger_settings (
    key   text PRIMARY KEY,
    value text NOT NULL
);
INSERT INTO ledger_settings (key, value) VALUES ('return_window_days', '30');

CREATE SEQUENCE order_no_seq;
CREATE TABLE orders (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_no          text NOT NULL UNIQUE DEFAULT 'SO' || lpad(nextval('order_no_seq')::text, 9, '0'),
    kind              text NOT NULL CHECK (kind IN ('registration', 'repeat', 'shop', 'agency')),
    member_id         bigint REFERENCES members (id),
    customer_name     text NOT NULL DEFAULT '',
    customer_phone    text NOT NULL DEFAULT '',
    buyer_agency_id   bigint REFERENCES agencies (id),
    seller_agency_id  bigint REFERENCES agencies (id),
    warehouse_id      bigint NOT NULL REFERENCES warehouses (id),
    status            text NOT NULL DEFAULT 'placed'
                      CHECK (status IN ('placed', 'paid', 'confirmed', 'shipped', 'delivered', 'cancelled')),
    total             numeric(20, 2) NOT NULL CHECK (total >= 0),
    pv                numeric(20, 2) NOT NULL CHECK (pv >= 0),
    bv                numeric(20, 2) NOT NULL CHECK (bv >= 0),
    ship_to           text NOT NULL DEFAULT '',
    entered_by        text NOT NULL,
    placed_at         timestamptz NOT NULL DEFAULT now(),
    paid_at           timestamptz,
    confirmed_at      timestamptz,
    shipped_at        timestamptz,
    delivered_at      timestamptz,
    cancelled_at      timestamptz,
    CHECK ((kind IN ('registration', 'repeat')) = (member_id IS NOT NULL)),
    CHECK ((kind = 'agency') = (buyer_agency_id IS NOT NULL)),
    CHECK (kind <> 'agency' OR seller_agency_id IS NULL),
    CHECK (kind <> 'shop' OR customer_name <> ''),
    -- nothing leaves a warehouse before finance has confirmed the payment
    CHECK (shipped_at IS NULL OR confirmed_at IS NOT NULL),
    CHECK (cancelled_at IS NULL OR shipped_at IS NULL)
);
CREATE INDEX orders_member_idx ON orders (member_id);
CREATE INDEX orders_confirmed_idx ON orders (confirmed_at);

CREATE TABLE order_lines (
    order_id    bigint NOT NULL REFERENCES orders (id),
    line_no     int NOT NULL CHECK (line_no > 0),
    product_id  bigint NOT NULL REFERENCES products (id),
    qty         bigint NOT NULL CHECK (qty > 0),
    unit_price  numeric(20, 2) NOT NULL CHECK (unit_price >= 0),
    unit_pv     numeric(20, 2) NOT NULL CHECK (unit_pv >= 0),
    unit_bv     numeric(20, 2) NOT NULL CHECK (unit_bv >= 0),
    unit_cost   numeric(20, 2) NOT NULL CHECK (unit_cost >= 0),
    PRIMARY KEY (order_id, line_no)
);

-- The lots reserved for each line when the order was placed (first expiry
-- first unless a lot was named). They are reserved while the order is placed,
-- paid or confirmed.
CREATE TABLE order_allocations (
    order_id     bigint NOT NULL,
    line_no      int NOT NULL,
    warehouse_id bigint NOT NULL REFERENCES warehouses (id),
    lot_id       bigint NOT NULL REFERENCES lots (id),
    qty          bigint NOT NULL CHECK (qty > 0),
    PRIMARY KEY (order_id, line_no, lot_id),
    FOREIGN KEY (order_id, line_no) REFERENCES order_lines (order_id, line_no)
);

CREATE SEQUENCE payment_no_seq;
CREATE TABLE payments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    payment_no   text NOT NULL UNIQUE DEFAULT 'PAY' || lpad(nextval('payment_no_seq')::text, 9, '0'),
    order_id     bigint NOT NULL REFERENCES orders (id),
    method       text NOT NULL CHECK (method IN ('bank_transfer', 'cash_agency', 'online', 'account')),
    agency_id    bigint REFERENCES agencies (id),
    amount       numeric(20, 2) NOT NULL CHECK (amount > 0),
    reference    text NOT NULL DEFAULT '',
    status       text NOT NULL DEFAULT 'recorded' CHECK (status IN ('recorded', 'confirmed', 'rejected')),
    recorded_by  text NOT NULL,
    recorded_at  timestamptz NOT NULL DEFAULT now(),
    decided_by   text,
    decided_at   timestamptz,
    reason       text NOT NULL DEFAULT '',
    CHECK ((status = 'recorded') = (decided_at IS NULL)),
    CHECK ((method IN ('cash_agency', 'account')) = (agency_id IS NOT NULL))
);
CREATE INDEX payments_order_idx ON payments (order_id);

CREATE SEQUENCE shipment_no_seq;
CREATE TABLE shipments (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    shipment_no  text NOT NULL UNIQUE DEFAULT 'SH' || lpad(nextval('shipment_no_seq')::text, 9, '0'),
    order_id     bigint NOT NULL UNIQUE REFERENCES orders (id),
    warehouse_id bigint NOT NULL REFERENCES warehouses (id),
    tracking_no  text NOT NULL CHECK (length(btrim(tracking_no)) > 0),
    shipped_by   text NOT NULL,
    shipped_at   timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE shipment_lots (
    shipment_id  bigint NOT NULL REFERENCES shipments (id),
    order_id     bigint NOT NULL,
    line_no      int NOT NULL,
    lot_id       bigint NOT NULL REFERENCES lots (id),
    qty          bigint NOT NULL CHECK (qty > 0),
    PRIMARY KEY (shipment_id, line_no, lot_id),
    FOREIGN KEY (order_id, line_no) REFERENCES order_lines (order_id, line_no)
);

CREATE SEQUENCE return_no_seq;
CREATE TABLE returns (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    return_no     text NOT NULL UNIQUE DEFAULT 'RT' || lpad(nextval('return_no_seq')::text, 9, '0'),
    order_id      bigint NOT NULL REFERENCES orders (id),
    refund        numeric(20, 2) NOT NULL CHECK (refund >= 0),
    -- the volumes the return takes back: zero or negative
    pv            numeric(20, 2) NOT NULL CHECK (pv <= 0),
    bv            numeric(20, 2) NOT NULL CHECK (bv <= 0),
    reason        text NOT NULL DEFAULT '',
    confirmed_by  text NOT NULL,
    confirmed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX returns_order_idx ON returns (order_id);
CREATE INDEX returns_confirmed_idx ON returns (confirmed_at);
CREATE TABLE return_lines (
    return_id     bigint NOT NULL REFERENCES returns (id),
    order_id      bigint NOT NULL,
    line_no       int NOT NULL,
    lot_id        bigint NOT NULL REFERENCES lots (id),
    qty           bigint NOT NULL CHECK (qty > 0),
    disposition   text NOT NULL CHECK (disposition IN ('restock', 'writeoff')),
    warehouse_id  bigint REFERENCES warehouses (id),
    PRIMARY KEY (return_id, line_no, lot_id),
    FOREIGN KEY (order_id, line_no) REFERENCES order_lines (order_id, line_no),
    CHECK ((disposition = 'restock') = (warehouse_id IS NOT NULL))
);

CREATE TRIGGER order_lines_append_only BEFORE UPDATE OR DELETE ON order_lines
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER order_allocations_append_only BEFORE UPDATE OR DELETE ON order_allocations
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER shipments_append_only BEFORE UPDATE OR DELETE ON shipments
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER shipment_lots_append_only BEFORE UPDATE OR DELETE ON shipment_lots
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER returns_append_only BEFORE UPDATE OR DELETE ON returns
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER return_lines_append_only BEFORE UPDATE OR DELETE ON return_lines
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Goods-payment statements between HQ and an agency: a snapshot of the
-- agency's receivable for a period, confirmed by both sides.
CREATE TABLE agency_statements (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    agency_id            bigint NOT NULL REFERENCES agencies (id),
    period_from          date NOT NULL,
    period_to            date NOT NULL,
    opening              numeric(20, 2) NOT NULL,
    charges              numeric(20, 2) NOT NULL,
    credits              numeric(20, 2) NOT NULL,
    closing              numeric(20, 2) NOT NULL,
    issued_by            text NOT NULL,
    issued_at            timestamptz NOT NULL DEFAULT now(),
    hq_confirmed_by      text,
    hq_confirmed_at      timestamptz,
    agency_confirmed_by  text,
    agency_confirmed_at  timestamptz,
    UNIQUE (agency_id, period_from, period_to),
    CHECK (period_to > period_from),
    CHECK (closing = opening + charges - credits)
);

-- migrate:down
DROP TABLE agency_statements, return_lines, returns, shipment_lots, shipments, payments, order_allocations, order_lines, orders, ledger_settings;
DROP SEQUENCE return_no_seq, shipment_no_seq, payment_no_seq, order_no_seq;
