-- The time zone a settlement period's boundaries were computed in (midnight
-- there), the company's zone (ledger.CompanyZone) unless the one who defined
-- the period named another. Periods defined before this column have none
-- recorded.

ALTER TABLE settle_periods ADD COLUMN time_zone text CHECK (time_zone <> '');

-- migrate:down
-- The zones recorded go with the column: every period is then read as one
-- with none recorded, in the company's zone.
ALTER TABLE settle_periods DROP COLUMN time_zone;
