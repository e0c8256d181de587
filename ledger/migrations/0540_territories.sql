-- Territories, for the diversion report (窜货): the regions an agency serves
-- and the region a member lives in (a province or city, as HQ names it).
-- An agency's sale to a member of another region is flagged; an agency or a
-- member with no region is never flagged.
CREATE TABLE agency_territories (
    agency_id  bigint NOT NULL REFERENCES agencies (id),
    region     text NOT NULL CHECK (length(btrim(region)) > 0),
    PRIMARY KEY (agency_id, region)
);

CREATE TABLE member_regions (
    member_id  bigint PRIMARY KEY REFERENCES members (id),
    region     text NOT NULL CHECK (length(btrim(region)) > 0)
);

-- migrate:down
DROP TABLE member_regions, agency_territories;
