-- Photos on tickets: the images (in the media store) a member, a customer
-- or HQ attached to a ticket's opening or to a reply, in their order.
-- Append-only like the events they belong to.

CREATE TABLE ticket_photos (
    event_id bigint NOT NULL REFERENCES ticket_events (id),
    n        int NOT NULL CHECK (n BETWEEN 1 AND 6),
    sha256   text NOT NULL REFERENCES media (sha256),
    PRIMARY KEY (event_id, n)
);

CREATE TRIGGER ticket_photos_append_only BEFORE UPDATE OR DELETE ON ticket_photos
    FOR EACH ROW EXECUTE FUNCTION refuse_change();

-- migrate:down
DROP TABLE ticket_photos;
