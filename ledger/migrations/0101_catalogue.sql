-- The catalogue: products with bilingual texts, prices, volumes and launch
-- dates, and the lots (production batches) each unit of stock belongs to.

CREATE TABLE products (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sku             text NOT NULL UNIQUE CHECK (sku ~ '^[A-Z0-9][A-Z0-9-]{1,31}$'),
    name_zh         text NOT NULL CHECK (length(btrim(name_zh)) > 0),
    name_en         text NOT NULL CHECK (length(btrim(name_en)) > 0),
    description_zh  text NOT NULL DEFAULT '',
    description_en  text NOT NULL DEFAULT '',
    images          text[] NOT NULL DEFAULT '{}',
    retail_price    numeric(20, 2) NOT NULL CHECK (retail_price >= 0),
    member_price    numeric(20, 2) NOT NULL CHECK (member_price >= 0),
    agency_price    numeric(20, 2) NOT NULL CHECK (agency_price >= 0),
    unit_cost       numeric(20, 2) NOT NULL DEFAULT 0 CHECK (unit_cost >= 0),
    pv              numeric(20, 2) NOT NULL DEFAULT 0 CHECK (pv >= 0),
    bv              numeric(20, 2) NOT NULL DEFAULT 0 CHECK (bv >= 0),
    status          text NOT NULL DEFAULT 'active' CHECK (status IN ('draft', 'active', 'discontinued')),
    launch_date     date NOT NULL DEFAULT current_date,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX products_launch_idx ON products (launch_date);

CREATE TABLE lots (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    product_id  bigint NOT NULL REFERENCES products (id),
    batch       text NOT NULL CHECK (length(btrim(batch)) > 0),
    produced_on date NOT NULL,
    expires_on  date,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT lots_batch_key UNIQUE (product_id, batch),
    CONSTRAINT lots_id_product_key UNIQUE (id, product_id),
    CHECK (expires_on IS NULL OR expires_on > produced_on)
);

-- migrate:down
DROP TABLE lots, products;
