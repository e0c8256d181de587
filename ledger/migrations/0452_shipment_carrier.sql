-- The carrier a shipment went with, next to its tracking number, so that
-- the buyer knows where to follow the parcel. Shipments recorded before
-- name none.

ALTER TABLE shipments ADD COLUMN carrier text NOT NULL DEFAULT '';

-- migrate:down
ALTER TABLE shipments DROP COLUMN carrier;
