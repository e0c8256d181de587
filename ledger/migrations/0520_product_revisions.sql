-- Product edits keep their history: a product row holds the version in
-- force, numbered by revision, and every edit first copies the version it
-- replaces into product_revisions (append-only). Orders never read these:
-- their lines keep the price, PV and BV of the moment of sale.

ALTER TABLE products
    ADD COLUMN revision   int NOT NULL DEFAULT 1 CHECK (revision > 0),
    ADD COLUMN updated_by text NOT NULL DEFAULT '',
    ADD COLUMN updated_at timestamptz;

CREATE TABLE product_revisions (
    product_id     bigint NOT NULL REFERENCES products (id),
    revision       int NOT NULL CHECK (revision > 0),
    name_zh        text NOT NULL,
    name_en        text NOT NULL,
    description_zh text NOT NULL,
    description_en text NOT NULL,
    images         text[] NOT NULL,
    retail_price   numeric(20, 2) NOT NULL,
    member_price   numeric(20, 2) NOT NULL,
    agency_price   numeric(20, 2) NOT NULL,
    unit_cost      numeric(20, 2) NOT NULL,
    pv             numeric(20, 2) NOT NULL,
    bv             numeric(20, 2) NOT NULL,
    starter_kit    boolean NOT NULL,
    -- who wrote this version and when (empty and null: at creation)
    written_by     text NOT NULL,
    written_at     timestamptz,
    -- who replaced it and when (the business clock)
    replaced_by    text NOT NULL,
    replaced_at    timestamptz NOT NULL,
    PRIMARY KEY (product_id, revision)
);
CREATE TRIGGER product_revisions_append_only BEFORE UPDATE OR DELETE ON product_revisions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- migrate:down
-- The history goes with the table; the products keep their current version.
DROP TABLE product_revisions;
ALTER TABLE products DROP COLUMN updated_at, DROP COLUMN updated_by, DROP COLUMN revision;
