-- A product can be a starter kit: what a new member's registration order is
-- usually made of, offered first when a member is registered.

ALTER TABLE products ADD COLUMN starter_kit boolean NOT NULL DEFAULT false;

-- migrate:down
-- The marks go with the column; the products stay.
ALTER TABLE products DROP COLUMN starter_kit;
