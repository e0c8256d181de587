-- Agencies, warehouses and stock. A balance row per (warehouse, lot) holds
-- what is on hand and what is reserved for orders awaiting shipment; it only
-- changes together with an append-only stock_moves row, so the balances can
-- always be recomputed from the moves.

CREATE TABLE agencies (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{1,31}$'),
    name        text NOT NULL CHECK (length(btrim(name)) > 0),
    phone       text NOT NULL DEFAULT '',
    member_id   bigint REFERENCES members (id),
    status      text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'closed')),
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A warehouse belongs to HQ (agency_id NULL) or to exactly one agency.
CREATE TABLE warehouses (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9][A-Z0-9-]{1,31}$'),
    name        text NOT NULL,
    agency_id   bigint UNIQUE REFERENCES agencies (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE stock_balances (
    warehouse_id bigint NOT NULL REFERENCES warehouses (id),
    lot_id       bigint NOT NULL,
    product_id   bigint NOT NULL,
    on_hand      bigint NOT NULL DEFAULT 0,
    reserved     bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (warehouse_id, lot_id),
    FOREIGN KEY (lot_id, product_id) REFERENCES lots (id, product_id),
    CONSTRAINT stock_balances_never_negative CHECK (on_hand >= 0 AND reserved >= 0 AND reserved <= on_hand)
);
CREATE INDEX stock_balances_product_idx ON stock_balances (warehouse_id, product_id);

CREATE TABLE stock_moves (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    warehouse_id    bigint NOT NULL REFERENCES warehouses (id),
    lot_id          bigint NOT NULL REFERENCES lots (id),
    kind            text NOT NULL CHECK (kind IN ('receipt', 'reserve', 'release', 'ship', 'restock', 'return_out', 'adjust')),
    on_hand_delta   bigint NOT NULL,
    reserved_delta  bigint NOT NULL,
    ref             text NOT NULL DEFAULT '',
    op_key          text NOT NULL DEFAULT '',
    moved_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (on_hand_delta <> 0 OR reserved_delta <> 0)
);
CREATE INDEX stock_moves_balance_idx ON stock_moves (warehouse_id, lot_id);
CREATE TRIGGER stock_moves_append_only BEFORE UPDATE OR DELETE ON stock_moves
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Below min_available units (on hand minus reserved) of a product in a
-- warehouse, a warning is listed and a stock.low event emitted.
CREATE TABLE stock_thresholds (
    warehouse_id  bigint NOT NULL REFERENCES warehouses (id),
    product_id    bigint NOT NULL REFERENCES products (id),
    min_available bigint NOT NULL CHECK (min_available >= 0),
    PRIMARY KEY (warehouse_id, product_id)
);

-- migrate:down
DROP TABLE stock_thresholds, stock_moves, stock_balances, warehouses, agencies;
