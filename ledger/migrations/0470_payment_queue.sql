-- Finance's confirmation queue reads the recorded payments oldest first; a
-- partial index keeps that read small however many payments were decided.
-- The confirmation-time figures read confirmed payments by decision time.

CREATE INDEX payments_recorded_idx ON payments (id) WHERE status = 'recorded';
CREATE INDEX payments_decided_idx ON payments (decided_at) WHERE status = 'confirmed';

-- migrate:down
DROP INDEX payments_decided_idx;
DROP INDEX payments_recorded_idx;
