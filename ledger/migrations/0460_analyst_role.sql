-- Analysts: HQ staff who read analytics across the company (where goods
-- went) and change nothing.

ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'finance', 'warehouse', 'agency', 'member', 'customer', 'analyst'));

-- migrate:down
ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('admin', 'finance', 'warehouse', 'agency', 'member', 'customer'));
