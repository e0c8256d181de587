-- Analysts: HQ staff who read analytics across the company (where goods
-- went) and change nothing.

-- Users may already hold a role a later migration added (editor), when
-- coming up again after a down: they keep it (NOT VALID checks new rows).
ALTER TABLE users DROP CONSTRAINT users_role_check;
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM users WHERE role NOT IN ('admin', 'finance', 'warehouse', 'agency', 'member', 'customer', 'analyst')) THEN
        ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'finance', 'warehouse', 'agency', 'member', 'customer', 'analyst')) NOT VALID;
    ELSE
        ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'finance', 'warehouse', 'agency', 'member', 'customer', 'analyst'));
    END IF;
END $$;

-- migrate:down
-- Analysts' accounts stay (the demo has one): NOT VALID then checks new
-- rows only.
ALTER TABLE users DROP CONSTRAINT users_role_check;
DO $$ BEGIN
    IF EXISTS (SELECT 1 FROM users WHERE role NOT IN ('admin', 'finance', 'warehouse', 'agency', 'member', 'customer')) THEN
        ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'finance', 'warehouse', 'agency', 'member', 'customer')) NOT VALID;
    ELSE
        ALTER TABLE users ADD CONSTRAINT users_role_check CHECK (role IN ('admin', 'finance', 'warehouse', 'agency', 'member', 'customer'));
    END IF;
END $$;
