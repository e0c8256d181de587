-- Members and their two networks. The members row holds each member's current
-- sponsor and placement; every change of either is an append-only row in
-- member_moves, so the trees as of any past time can be rebuilt.

CREATE SEQUENCE member_code_seq START 1000001;

CREATE TABLE members (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code                text NOT NULL,
    name                text NOT NULL CHECK (length(btrim(name)) > 0),
    phone               text NOT NULL CHECK (phone ~ '^\+[1-9][0-9]{6,14}$'),
    lang                text NOT NULL DEFAULT 'zh-CN' CHECK (lang IN ('zh-CN', 'en')),
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'terminated')),
    joined_at           timestamptz NOT NULL DEFAULT now(),
    sponsor_id          bigint REFERENCES members (id),
    placement_parent_id bigint REFERENCES members (id),
    placement_side      char(1) CHECK (placement_side IN ('L', 'R')),
    CONSTRAINT members_code_key UNIQUE (code),
    CONSTRAINT members_placement_slot_key UNIQUE (placement_parent_id, placement_side),
    CONSTRAINT members_placement_pair_check CHECK ((placement_parent_id IS NULL) = (placement_side IS NULL)),
    CONSTRAINT members_not_own_sponsor CHECK (sponsor_id <> id),
    CONSTRAINT members_not_own_parent CHECK (placement_parent_id <> id)
);
CREATE INDEX members_sponsor_idx ON members (sponsor_id);
CREATE INDEX members_phone_idx ON members (phone);

-- One row per change of a member's sponsor or placement. The link a member had
-- at time T is the "from" of its first move after T, or its current link.
CREATE TABLE member_moves (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id       bigint NOT NULL REFERENCES members (id),
    tree            text NOT NULL CHECK (tree IN ('sponsor', 'placement')),
    from_parent_id  bigint REFERENCES members (id),
    from_side       char(1) CHECK (from_side IN ('L', 'R')),
    to_parent_id    bigint REFERENCES members (id),
    to_side         char(1) CHECK (to_side IN ('L', 'R')),
    moved_at        timestamptz NOT NULL DEFAULT now(),
    moved_by        text NOT NULL,
    reason          text NOT NULL DEFAULT ''
);
CREATE INDEX member_moves_member_idx ON member_moves (member_id, tree, moved_at);
CREATE INDEX member_moves_time_idx ON member_moves (moved_at);

CREATE TABLE member_status_changes (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    member_id   bigint NOT NULL REFERENCES members (id),
    from_status text NOT NULL,
    to_status   text NOT NULL,
    changed_at  timestamptz NOT NULL DEFAULT now(),
    changed_by  text NOT NULL,
    reason      text NOT NULL DEFAULT ''
);

-- History tables are append-only: nothing is edited in place.
CREATE FUNCTION refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER member_moves_append_only BEFORE UPDATE OR DELETE ON member_moves
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER member_status_changes_append_only BEFORE UPDATE OR DELETE ON member_status_changes
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- The transactional outbox: events written in the same transaction as the
-- change they describe, read in seq order by consumers (graph stores, SMS).
CREATE TABLE outbox (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind        text NOT NULL,
    key         text NOT NULL,
    payload     jsonb NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE TRIGGER outbox_append_only BEFORE UPDATE OR DELETE ON outbox
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- Where each consumer has got to.
CREATE TABLE outbox_consumers (
    name        text PRIMARY KEY,
    seq         bigint NOT NULL,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- migrate:down
DROP TABLE outbox_consumers, outbox, member_status_changes, member_moves, members;
DROP FUNCTION refuse_change();
DROP SEQUENCE member_code_seq;
