-- What members owe the agencies that sold to them on account. An agency's
-- sale from its own stock is the agency's money, not the company's, so it
-- stays out of the company's journal; each agency keeps here its own book
-- of what its members owe it. Every row is a whole, balanced entry (one
-- amount, debited to one account and credited to another): a sale on
-- account (receivable / sales), a member's payment (cash / receivable) or
-- an allowance (sales / receivable). Nothing is changed or removed: a
-- correction is a new entry.

CREATE TABLE agency_credit_entries (
    id          bigserial PRIMARY KEY,
    agency_id   bigint NOT NULL REFERENCES agencies (id),
    member_id   bigint NOT NULL REFERENCES members (id),
    kind        text NOT NULL CHECK (kind IN ('sale', 'payment', 'allowance')),
    debit       text NOT NULL CHECK (debit IN ('receivable', 'sales', 'cash')),
    credit      text NOT NULL CHECK (credit IN ('receivable', 'sales', 'cash')),
    amount      numeric(14, 2) NOT NULL CHECK (amount > 0),
    order_id    bigint UNIQUE REFERENCES orders (id),
    reference   text NOT NULL DEFAULT '',
    op_key      text NOT NULL UNIQUE,
    entered_by  text NOT NULL,
    entered_at  timestamptz NOT NULL,
    CHECK (debit <> credit),
    CHECK ((kind = 'sale') = (order_id IS NOT NULL)),
    CHECK (kind <> 'sale' OR (debit = 'receivable' AND credit = 'sales')),
    CHECK (kind <> 'payment' OR (debit = 'cash' AND credit = 'receivable')),
    CHECK (kind <> 'allowance' OR (debit = 'sales' AND credit = 'receivable' AND length(btrim(reference)) > 0))
);
CREATE INDEX agency_credit_by_member ON agency_credit_entries (agency_id, member_id, id);

CREATE TRIGGER agency_credit_entries_append_only BEFORE UPDATE OR DELETE ON agency_credit_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- migrate:down
DROP TABLE agency_credit_entries;
