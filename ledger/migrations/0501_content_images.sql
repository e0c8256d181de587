-- A content revision may show an image from the media store: the
-- picture of a product announcement, say. It is part of the revision, so
-- changing it is an edit like any other and the history keeps each one.

ALTER TABLE content_revisions ADD COLUMN image text REFERENCES media(sha256);

-- migrate:down
ALTER TABLE content_revisions DROP COLUMN image;
