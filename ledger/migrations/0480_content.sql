-- The public portal's content: pages (about, culture, contact) and news
-- (articles and new-product announcements), each in zh-CN and en.
--
-- An item's text lives in revisions, appended one per edit and never
-- changed; the item row holds where it is in its life (draft, scheduled,
-- published, archived), which revision the public reads (live_rev), and
-- when it goes or went public. Every change of life is appended to
-- content_events, so who scheduled, published or archived what is kept.
-- Editors write content; an editor role joins the users.

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'finance', 'warehouse', 'agency', 'member', 'customer', 'analyst', 'editor'));

CREATE TABLE content_items (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('page', 'news', 'product')),
    slug        text UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{0,63}$'),
    sku         text,
    status      text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'scheduled', 'published', 'archived')),
    revision    int NOT NULL DEFAULT 1,
    live_rev    int,
    publish_at  timestamptz,
    author      text NOT NULL,
    editor      text,
    created_at  timestamptz NOT NULL,
    CHECK ((kind = 'page') = (slug IS NOT NULL)),
    CHECK (status = 'draft' OR (publish_at IS NOT NULL AND live_rev IS NOT NULL AND editor IS NOT NULL)),
    CHECK (live_rev IS NULL OR live_rev BETWEEN 1 AND revision)
);
-- The public list: what is live, newest first.
CREATE INDEX content_items_live ON content_items (publish_at DESC, id DESC)
    WHERE status IN ('scheduled', 'published') AND kind <> 'page';

CREATE TABLE content_revisions (
    item_id    bigint NOT NULL REFERENCES content_items(id),
    rev        int NOT NULL CHECK (rev >= 1),
    title_zh   text NOT NULL,
    title_en   text NOT NULL,
    summary_zh text NOT NULL,
    summary_en text NOT NULL,
    body_zh    text NOT NULL,
    body_en    text NOT NULL,
    by         text NOT NULL,
    at         timestamptz NOT NULL,
    PRIMARY KEY (item_id, rev)
);

CREATE TABLE content_events (
    id         bigserial PRIMARY KEY,
    item_id    bigint NOT NULL REFERENCES content_items(id),
    status     text NOT NULL,
    rev        int NOT NULL,
    publish_at timestamptz,
    by         text NOT NULL,
    at         timestamptz NOT NULL
);
CREATE INDEX content_events_item ON content_events (item_id, id);

CREATE TRIGGER content_revisions_append_only BEFORE UPDATE OR DELETE ON content_revisions
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER content_events_append_only BEFORE UPDATE OR DELETE ON content_events
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- migrate:down
DROP TABLE content_events;
DROP TABLE content_revisions;
DROP TABLE content_items;
-- Editors' accounts stay (the demo has one): NOT VALID then checks new
-- rows only.
ALTER TABLE users DROP CONSTRAINT users_role_check;
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM users WHERE role NOT IN ('admin', 'finance', 'warehouse', 'agency', 'member', 'customer', 'analyst')) THEN
        ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'finance', 'warehouse', 'agency', 'member', 'customer', 'analyst')) NOT VALID;
    ELSE
        ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'finance', 'warehouse', 'agency', 'member', 'customer', 'analyst'));
    END IF;
END $$;
