-- Finance's confirmation queue reads the recorded payments oldest first; a
-- partial index keeps that read small however many payments were decided.
-- The confirmation-time figures read confirmed payments by decision time;
-- the warehouse's ship queue reads confirmed orders oldest first.

CREATE INDEX payments_recorded_idx ON payments (id) WHERE status = 'recorded';
CREATE INDEX payments_decided_idx ON payments (decided_at) WHERE status = 'confirmed';
CREATE INDEX orders_to_ship_idx ON orders (id) WHERE status = 'confirmed';

-- migrate:down
DROP INDEX orders_to_ship_idx;
DROP INDEX payments_decided_idx;
DROP INDEX payments_recorded_idx;
