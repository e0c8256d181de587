-- Period settlement: plan documents with versions and effective dates,
-- settlement periods, runs with their bonus lines, member summaries and
-- adjustments, and payout batches. A run is a draft (recomputed in place,
-- not in the journal) until it is approved by a second person; from then on
-- its rows never change, and its money is in the journal.

CREATE TABLE settle_plans (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name            text NOT NULL,
    version         int NOT NULL CHECK (version > 0),
    -- the plan is in force for periods starting at or after this time, until
    -- a later upload takes effect
    effective_from  timestamptz NOT NULL,
    document        text NOT NULL,
    sha256          text NOT NULL,
    uploaded_by     text NOT NULL CHECK (btrim(uploaded_by) <> ''),
    uploaded_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (name, version)
);
CREATE INDEX settle_plans_effective_idx ON settle_plans (effective_from);
CREATE TRIGGER settle_plans_append_only BEFORE UPDATE OR DELETE ON settle_plans
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Periods follow each other without gaps: each starts at the previous
-- cut-off. Orders and returns count by their confirmation time in
-- [starts_at, cutoff_at).
CREATE TABLE settle_periods (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[0-9A-Za-z._-]{1,40}$'),
    kind        text NOT NULL CHECK (kind IN ('weekly', 'monthly', 'custom')),
    starts_at   timestamptz NOT NULL,
    cutoff_at   timestamptz NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    CHECK (cutoff_at > starts_at),
    UNIQUE (starts_at),
    UNIQUE (cutoff_at)
);
CREATE TRIGGER settle_periods_append_only BEFORE UPDATE OR DELETE ON settle_periods
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- One run per period: a draft re-run replaces its own rows.
CREATE TABLE settle_runs (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period_id       bigint NOT NULL UNIQUE REFERENCES settle_periods (id),
    plan_id         bigint NOT NULL REFERENCES settle_plans (id),
    status          text NOT NULL CHECK (status IN ('draft', 'approved', 'paid')),
    attempt         int NOT NULL DEFAULT 1,
    run_by          text NOT NULL CHECK (btrim(run_by) <> ''),
    run_at          timestamptz NOT NULL DEFAULT now(),
    members         bigint NOT NULL,
    active          bigint NOT NULL,
    lines           bigint NOT NULL,
    total_bv        numeric NOT NULL,
    before_cap      numeric NOT NULL,
    bonus_total     numeric NOT NULL, -- sum of the lines, after the payout cap
    adjust_total    numeric NOT NULL, -- sum of clawback adjustments
    lines_sha256    text NOT NULL,
    read_ms         int NOT NULL,
    compute_ms      int NOT NULL,
    write_ms        int NOT NULL,
    approved_by     text,
    approved_at     timestamptz,
    approve_reason  text,
    paid_by         text,
    paid_at         timestamptz,
    CHECK ((status = 'draft') = (approved_at IS NULL)),
    CHECK (approved_at IS NULL OR (approved_by <> run_by AND btrim(approve_reason) <> '')),
    CHECK ((status = 'paid') = (paid_at IS NOT NULL))
);

-- A draft changes freely; an approved run may only become paid; nothing is
-- deleted once approved.
CREATE FUNCTION settle_runs_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.status = 'draft' THEN
        IF TG_OP = 'UPDATE' AND NEW.status = 'paid' THEN
            RAISE EXCEPTION 'settlement run %: a draft cannot be paid', OLD.id USING ERRCODE = 'restrict_violation';
        END IF;
        IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.status = 'approved' AND NEW.status = 'paid'
       AND (NEW.id, NEW.period_id, NEW.plan_id, NEW.attempt, NEW.run_by, NEW.run_at, NEW.lines, NEW.bonus_total,
            NEW.adjust_total, NEW.lines_sha256, NEW.approved_by, NEW.approved_at, NEW.approve_reason)
       IS NOT DISTINCT FROM
           (OLD.id, OLD.period_id, OLD.plan_id, OLD.attempt, OLD.run_by, OLD.run_at, OLD.lines, OLD.bonus_total,
            OLD.adjust_total, OLD.lines_sha256, OLD.approved_by, OLD.approved_at, OLD.approve_reason) THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'settlement run % is %: it cannot change any more', OLD.id, OLD.status
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER settle_runs_guard BEFORE UPDATE OR DELETE ON settle_runs
    FOR EACH ROW EXECUTE FUNCTION settle_runs_guard();

-- Result rows of a run. They are only ever inserted (COPY) and, while the run
-- is a draft, deleted by a re-run: a statement-level check refuses any
-- update, and any delete that touches an approved run. The two big tables
-- have no foreign key to settle_runs: a key check per row would cost more
-- than the rest of the write (millions of lines); only the run writes them,
-- in the transaction that creates or locks the run row.
CREATE TABLE settle_run_members (
    run_id          bigint NOT NULL,
    member          text COLLATE "C" NOT NULL,
    pv              numeric NOT NULL,
    bv              numeric NOT NULL,
    reg             numeric NOT NULL,
    gv              numeric NOT NULL,
    active          boolean NOT NULL,
    rank            text NOT NULL,
    left_volume     numeric NOT NULL,
    right_volume    numeric NOT NULL,
    carry_in_left   numeric NOT NULL,
    carry_in_right  numeric NOT NULL,
    carry_left      numeric NOT NULL, -- carry-out
    carry_right     numeric NOT NULL,
    earnings        numeric NOT NULL,
    PRIMARY KEY (run_id, member)
);

CREATE TABLE settle_run_lines (
    run_id      bigint NOT NULL,
    -- bytewise order, as in bonuses.csv
    member      text COLLATE "C" NOT NULL,
    bonus       text COLLATE "C" NOT NULL CHECK (bonus IN ('binary', 'matching', 'pool', 'referral', 'unilevel')),
    source      text COLLATE "C", -- NULL for binary and pool
    level       int NOT NULL,
    amount      numeric NOT NULL,
    before_cap  numeric NOT NULL
);
-- A run's lines are copied in member order, so a block-range index finds a
-- member's lines (statements) at a fraction of a B-tree's cost per row.
CREATE INDEX settle_run_lines_member_idx ON settle_run_lines USING brin (run_id, member) WITH (pages_per_range = 16);

-- Clawbacks: the difference, per member and bonus, between an approved
-- period recomputed with the returns confirmed since and what it paid
-- (its lines plus the clawbacks approved before this one).
CREATE TABLE settle_run_adjustments (
    run_id          bigint NOT NULL REFERENCES settle_runs (id),
    target_period   bigint NOT NULL REFERENCES settle_periods (id),
    member          text NOT NULL,
    bonus           text NOT NULL,
    amount          numeric NOT NULL CHECK (amount <> 0),
    PRIMARY KEY (run_id, target_period, member, bonus)
);

-- The carry-out of a run: what the next period starts from.
CREATE VIEW settle_run_carry AS
    SELECT run_id, member, carry_left AS "left", carry_right AS "right"
    FROM settle_run_members WHERE carry_left <> 0 OR carry_right <> 0;

CREATE FUNCTION settle_rows_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION '% rows are never updated', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
    END IF;
    IF EXISTS (SELECT 1 FROM (SELECT DISTINCT run_id FROM old_rows) o JOIN settle_runs r ON r.id = o.run_id
               WHERE r.status <> 'draft') THEN
        RAISE EXCEPTION '%: rows of an approved run cannot be deleted', TG_TABLE_NAME USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER settle_run_members_no_update BEFORE UPDATE ON settle_run_members
    FOR EACH STATEMENT EXECUTE FUNCTION settle_rows_guard();
CREATE TRIGGER settle_run_lines_no_update BEFORE UPDATE ON settle_run_lines
    FOR EACH STATEMENT EXECUTE FUNCTION settle_rows_guard();
CREATE TRIGGER settle_run_adjustments_no_update BEFORE UPDATE ON settle_run_adjustments
    FOR EACH STATEMENT EXECUTE FUNCTION settle_rows_guard();
CREATE TRIGGER settle_run_members_delete AFTER DELETE ON settle_run_members
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION settle_rows_guard();
CREATE TRIGGER settle_run_lines_delete AFTER DELETE ON settle_run_lines
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION settle_rows_guard();
CREATE TRIGGER settle_run_adjustments_delete AFTER DELETE ON settle_run_adjustments
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION settle_rows_guard();

-- Manual adjustments of a period, entered by one finance user and taken into
-- the run when another one approves it.
CREATE TABLE settle_manual_adjustments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period_id   bigint NOT NULL REFERENCES settle_periods (id),
    member      text NOT NULL,
    amount      numeric(20, 2) NOT NULL CHECK (amount <> 0),
    reason      text NOT NULL CHECK (btrim(reason) <> ''),
    entered_by  text NOT NULL CHECK (btrim(entered_by) <> ''),
    entered_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX settle_manual_adjustments_period_idx ON settle_manual_adjustments (period_id);
CREATE TRIGGER settle_manual_adjustments_append_only BEFORE UPDATE OR DELETE ON settle_manual_adjustments
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- The journal entry of each member's approved bonus (commission expense
-- against the member's bonus payable), for statements and audits.
CREATE TABLE settle_postings (
    run_id      bigint NOT NULL REFERENCES settle_runs (id),
    member      text NOT NULL,
    amount      numeric(20, 2) NOT NULL,
    entry_id    bigint NOT NULL REFERENCES journal_entries (id),
    PRIMARY KEY (run_id, member)
);
CREATE TRIGGER settle_postings_append_only BEFORE UPDATE OR DELETE ON settle_postings
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Payouts: one batch per approved run, paying every member whose bonus
-- payable reaches the minimum; the others are carried (kept payable).
CREATE TABLE settle_payouts (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    run_id      bigint NOT NULL UNIQUE REFERENCES settle_runs (id),
    min_payout  numeric(20, 2) NOT NULL CHECK (min_payout >= 0),
    currency    text NOT NULL,
    paid_total  numeric(20, 2) NOT NULL,
    paid_count  bigint NOT NULL,
    carried_total numeric(20, 2) NOT NULL,
    carried_count bigint NOT NULL,
    paid_by     text NOT NULL,
    paid_at     timestamptz NOT NULL DEFAULT now()
);
CREATE TABLE settle_payout_items (
    payout_id   bigint NOT NULL REFERENCES settle_payouts (id),
    member      text NOT NULL,
    amount      numeric(20, 2) NOT NULL,
    carried     boolean NOT NULL,
    entry_id    bigint REFERENCES journal_entries (id),
    PRIMARY KEY (payout_id, member),
    CHECK (carried = (entry_id IS NULL))
);
CREATE TRIGGER settle_payouts_append_only BEFORE UPDATE OR DELETE ON settle_payouts
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER settle_payout_items_append_only BEFORE UPDATE OR DELETE ON settle_payout_items
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- migrate:down
DROP TABLE settle_payout_items, settle_payouts, settle_postings, settle_manual_adjustments;
DROP VIEW settle_run_carry;
DROP TABLE settle_run_adjustments, settle_run_lines, settle_run_members, settle_runs, settle_periods, settle_plans;
DROP FUNCTION settle_rows_guard();
DROP FUNCTION settle_runs_guard();
