-- Images stored by Downline: editors' pictures for the portal, members' and
-- customers' photos for their tickets. An image is kept once, named by the
-- SHA-256 of its bytes (so its address never changes what it shows and can
-- be cached for ever); every upload is recorded with who made it.

CREATE TABLE media (
    sha256       text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    content_type text NOT NULL CHECK (content_type IN ('image/jpeg', 'image/png', 'image/gif', 'image/webp')),
    width        int NOT NULL CHECK (width > 0),
    height       int NOT NULL CHECK (height > 0),
    bytes        int NOT NULL CHECK (bytes > 0 AND bytes = octet_length(data)),
    data         bytea NOT NULL,
    created_at   timestamptz NOT NULL
);

CREATE TABLE media_uploads (
    id      bigserial PRIMARY KEY,
    sha256  text NOT NULL REFERENCES media(sha256),
    by      text NOT NULL,
    at      timestamptz NOT NULL
);
CREATE INDEX media_uploads_sha ON media_uploads (sha256);

CREATE TRIGGER media_append_only BEFORE UPDATE OR DELETE ON media
    FOR EACH ROW EXECUTE FUNCTION refuse_change();
CREATE TRIGGER media_uploads_append_only BEFORE UPDATE OR DELETE ON media_uploads
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- migrate:down
DROP TABLE media_uploads;
DROP TABLE media;
