-- Finance's journal page filters entries by kind, newest first, and lists
-- the kinds there are. Approving a period posts an entry per member (a
-- million for a million members): without an index on kind, a filter on
-- a rare kind reads the journal backwards to its start, and the list of
-- kinds reads every entry. With (kind, id) the filter walks one kind's
-- entries newest first, and the kinds are found by skipping from one to
-- the next (journal.Kinds).

CREATE INDEX journal_entries_kind_idx ON journal_entries (kind, id);

-- migrate:down
DROP INDEX journal_entries_kind_idx;
