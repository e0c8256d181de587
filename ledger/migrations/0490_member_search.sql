-- The staff's member search matches a code's start, part of a name and
-- part of a phone number anywhere in a million members: trigram indexes
-- (pg_trgm, shipped with PostgreSQL) answer LIKE '%...%' without reading
-- every row.

CREATE EXTENSION IF NOT EXISTS pg_trgm;
CREATE INDEX members_name_trgm_idx ON members USING gin (name gin_trgm_ops);
CREATE INDEX members_phone_trgm_idx ON members USING gin (phone gin_trgm_ops);
CREATE INDEX members_code_trgm_idx ON members USING gin (code gin_trgm_ops);

-- migrate:down
DROP INDEX members_code_trgm_idx;
DROP INDEX members_phone_trgm_idx;
DROP INDEX members_name_trgm_idx;
DROP EXTENSION IF EXISTS pg_trgm;
