-- The double-entry journal and the idempotency keys of every money or stock
-- movement. Amounts are numeric with two decimals: a debit is positive, a
-- credit negative, and the lines of every entry sum to zero (checked by a
-- deferred constraint trigger at commit). Entries are never edited: a
-- correction is a new entry that reverses the original.

CREATE TABLE accounts (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    type        text NOT NULL CHECK (type IN ('asset', 'liability', 'equity', 'revenue', 'expense')),
    -- per_holder accounts are kept per agency or member (journal_lines.holder).
    per_holder  boolean NOT NULL DEFAULT false
);

INSERT INTO accounts (code, name, type, per_holder) VALUES
    ('1000', 'Bank', 'asset', false),
    ('1010', 'Online payments clearing', 'asset', false),
    ('1100', 'Agency receivables (goods and cash collected)', 'asset', true),
    ('1200', 'Inventory', 'asset', false),
    ('2000', 'Member wallets', 'liability', true),
    ('2100', 'Bonus payable', 'liability', true),
    ('2200', 'Deferred revenue (paid, not shipped)', 'liability', false),
    ('2300', 'Supplier payables', 'liability', false),
    ('3000', 'Equity', 'equity', false),
    ('4000', 'Revenue', 'revenue', false),
    ('4100', 'Sales returns', 'revenue', false),
    ('5000', 'Cost of goods sold', 'expense', false),
    ('5100', 'Commission expense', 'expense', false),
    ('5200', 'Inventory write-offs', 'expense', false);

CREATE TABLE journal_entries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL,
    ref         text NOT NULL DEFAULT '',
    memo        text NOT NULL DEFAULT '',
    -- the idempotency key of the operation that posted it
    op_key      text NOT NULL DEFAULT '',
    -- a reversal names the entry it reverses; an entry is reversed at most once
    reverses    bigint UNIQUE REFERENCES journal_entries (id),
    posted_by   text NOT NULL,
    posted_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX journal_entries_ref_idx ON journal_entries (ref);
CREATE INDEX journal_entries_posted_idx ON journal_entries (posted_at);

CREATE TABLE journal_lines (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entry_id    bigint NOT NULL REFERENCES journal_entries (id),
    account     text NOT NULL REFERENCES accounts (code),
    holder      text NOT NULL DEFAULT '',
    amount      numeric(20, 2) NOT NULL CHECK (amount <> 0)
);
CREATE INDEX journal_lines_entry_idx ON journal_lines (entry_id);
CREATE INDEX journal_lines_account_idx ON journal_lines (account, holder);

CREATE TRIGGER journal_entries_append_only BEFORE UPDATE OR DELETE ON journal_entries
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER journal_lines_append_only BEFORE UPDATE OR DELETE ON journal_lines
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- At commit, every entry touched must have at least two lines summing to zero.
CREATE FUNCTION journal_entry_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    eid bigint;
    total numeric;
    n int;
BEGIN
    IF TG_TABLE_NAME = 'journal_entries' THEN eid := NEW.id; ELSE eid := NEW.entry_id; END IF;
    SELECT coalesce(sum(amount), 0), count(*) INTO total, n FROM journal_lines WHERE entry_id = eid;
    IF n < 2 OR total <> 0 THEN
        RAISE EXCEPTION 'journal entry % does not balance: % lines summing to %', eid, n, total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER journal_entries_balanced AFTER INSERT ON journal_entries
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_entry_balanced();
CREATE CONSTRAINT TRIGGER journal_lines_balanced AFTER INSERT ON journal_lines
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION journal_entry_balanced();

-- One row per idempotent operation: the key, a hash of the request, and the
-- result returned to the caller (stored in the same transaction as the work).
CREATE TABLE idempotency_keys (
    key          text PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 200),
    op           text NOT NULL,
    request_hash bytea NOT NULL,
    result       jsonb,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- The result is written once, by the transaction that claimed the key.
CREATE FUNCTION idempotency_write_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.result IS NOT NULL OR NEW.key <> OLD.key
       OR NEW.request_hash <> OLD.request_hash OR NEW.op <> OLD.op THEN
        RAISE EXCEPTION 'idempotency_keys is append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER idempotency_keys_write_once BEFORE UPDATE OR DELETE ON idempotency_keys
    FOR EACH ROW EXECUTE FUNCTION idempotency_write_once();

-- migrate:down
DROP TABLE journal_lines, journal_entries, accounts;
DROP FUNCTION journal_entry_balanced();
DROP TABLE idempotency_keys;
DROP FUNCTION idempotency_write_once();
