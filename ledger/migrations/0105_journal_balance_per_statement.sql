-- Every journal entry balances, enforced by the database, with fewer
-- trigger firings: the balance was checked at commit once per entry and once
-- per line (three firings for a two-line entry, each summing the entry).
-- Now an entry is checked once at commit (it cannot be left without lines),
-- and each INSERT or COPY that adds lines checks, once at its end, every
-- entry it added lines to. Together every entry touched by a transaction
-- balances when it commits; the lines of one entry come in one statement, as
-- every writer (journal.Post, journal.QueueMany, the settlement's COPY)
-- sends them.
DROP TRIGGER journal_lines_balanced ON journal_lines;

CREATE FUNCTION journal_lines_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    -- Entry by entry through the index (the transition table has no
    -- statistics, and a join could scan the whole journal).
    SELECT e.entry_id, s.n, s.total INTO bad
    FROM (SELECT DISTINCT entry_id FROM new_lines) e
    CROSS JOIN LATERAL (SELECT count(*) AS n, coalesce(sum(l.amount), 0) AS total
        FROM journal_lines l WHERE l.entry_id = e.entry_id) s
    WHERE s.n < 2 OR s.total <> 0
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance: % lines summing to %', bad.entry_id, bad.n, bad.total
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER journal_lines_balanced AFTER INSERT ON journal_lines
    REFERENCING NEW TABLE AS new_lines
    FOR EACH STATEMENT EXECUTE FUNCTION journal_lines_balanced();
