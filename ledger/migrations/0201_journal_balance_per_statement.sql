-- The journal's balance rule, checked once per statement instead of once
-- per row. 0100 ran a deferred trigger for every inserted entry and line,
-- each summing its entry's lines again: approving a period of a million
-- members (a million entries, two million lines) ran three million of them.
--
-- The rule is the same: every entry has at least two lines and they sum to
-- zero; entries and lines are never updated or deleted (0100's append-only
-- triggers stay). It is now enforced at the end of each INSERT statement,
-- over the rows that statement inserted (transition tables):
--   * the lines a statement inserts sum to zero per entry. Lines are never
--     changed or removed, so by induction every entry's lines sum to zero;
--     and since no amount is zero (CHECK), an entry with lines has two or
--     more.
--   * every entry a statement inserts has lines when the statement ends.
-- So an entry and its lines go in one statement: INSERT ... SELECT with a
-- data-modifying WITH (journal.Post), or a staged batch (settle/period
-- postEach). Both triggers fire after the whole statement, WITH clauses
-- included, when all of its rows are visible.

DROP TRIGGER journal_entries_balanced ON journal_entries;
DROP TRIGGER journal_lines_balanced ON journal_lines;
DROP FUNCTION journal_entry_balanced();

CREATE FUNCTION journal_lines_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT entry_id, count(*) AS n, sum(amount) AS total INTO bad
    FROM new_lines GROUP BY entry_id HAVING sum(amount) <> 0 LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance: % lines inserted summing to %', bad.entry_id, bad.n, bad.total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION journal_entries_have_lines() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    eid bigint;
BEGIN
    SELECT e.id INTO eid FROM new_entries e
    WHERE NOT EXISTS (SELECT 1 FROM journal_lines l WHERE l.entry_id = e.id) LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance: 0 lines summing to 0 (an entry and its lines are inserted in one statement)', eid
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER journal_lines_balanced AFTER INSERT ON journal_lines
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION journal_lines_balanced();
CREATE TRIGGER journal_entries_have_lines AFTER INSERT ON journal_entries
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION journal_entries_have_lines();

-- migrate:down
-- 0100's deferred check, once per inserted entry and line.
DROP TRIGGER journal_entries_have_lines ON journal_entries;
DROP TRIGGER journal_lines_balanced ON journal_lines;
DROP FUNCTION journal_entries_have_lines();
DROP FUNCTION journal_lines_balanced();

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
