-- journal_lines' references (its entry, its account) checked once per
-- statement instead of once per row. Approving a period posts a line per
-- member and side (700,000 for a million members) in one statement, and
-- the two foreign keys ran a key lookup for each of them: 11 s of the 27 s
-- the posting statement took. The rule is the same:
--   * every line names an existing journal entry and an account of the
--     chart: checked at the end of each INSERT statement over the entries
--     and accounts its rows name (transition table), after the rows of the
--     statement's WITH clauses are visible, like the balance rule (0201);
--   * what a line names never goes away: journal entries are append-only
--     (0100), account codes are never changed or deleted (below), and
--     neither table may be truncated. So no check is needed on their side,
--     and no row lock either: nothing can remove a row while a line is
--     being inserted that names it.

ALTER TABLE journal_lines DROP CONSTRAINT journal_lines_entry_id_fkey, DROP CONSTRAINT journal_lines_account_fkey;

CREATE FUNCTION journal_lines_refs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    eid bigint;
    acct text;
BEGIN
    SELECT l.entry_id INTO eid FROM (SELECT DISTINCT entry_id FROM new_lines) l
    WHERE NOT EXISTS (SELECT 1 FROM journal_entries e WHERE e.id = l.entry_id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal line of entry %: there is no such journal entry', eid
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT l.account INTO acct FROM (SELECT DISTINCT account FROM new_lines) l
    WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.code = l.account) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal line of account %: the account is not in the chart of accounts', acct
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER journal_lines_refs AFTER INSERT ON journal_lines
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION journal_lines_refs();

CREATE FUNCTION accounts_keep_codes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR NEW.code <> OLD.code THEN
        RAISE EXCEPTION 'account %: account codes are never changed or deleted (journal lines name them)', OLD.code
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER accounts_keep_codes BEFORE UPDATE OR DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION accounts_keep_codes();
CREATE TRIGGER accounts_no_truncate BEFORE TRUNCATE ON accounts
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER journal_entries_no_truncate BEFORE TRUNCATE ON journal_entries
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();
CREATE TRIGGER journal_lines_no_truncate BEFORE TRUNCATE ON journal_lines
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_change();

-- migrate:down
-- 0100's foreign keys, checked row by row (every line is checked again as
-- they are added).
DROP TRIGGER journal_lines_no_truncate ON journal_lines;
DROP TRIGGER journal_entries_no_truncate ON journal_entries;
DROP TRIGGER accounts_no_truncate ON accounts;
DROP TRIGGER accounts_keep_codes ON accounts;
DROP FUNCTION accounts_keep_codes();
DROP TRIGGER journal_lines_refs ON journal_lines;
DROP FUNCTION journal_lines_refs();
ALTER TABLE journal_lines
    ADD CONSTRAINT journal_lines_entry_id_fkey FOREIGN KEY (entry_id) REFERENCES journal_entries (id),
    ADD CONSTRAINT journal_lines_account_fkey FOREIGN KEY (account) REFERENCES accounts (code);
