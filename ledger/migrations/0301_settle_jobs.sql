-- Settlement runs started over HTTP run in the background, as jobs: a run of
-- a million members takes longer than an HTTP request should wait. A job is
-- operational state (the run it starts is the record): its status, current
-- stage and heartbeat change while it runs. At most one job per period runs
-- at a time; a job whose heartbeat stopped (its server died) is taken over
-- as failed by the next start.
CREATE TABLE settle_jobs (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    period_id     bigint NOT NULL REFERENCES settle_periods (id),
    -- the caller's Idempotency-Key (per user): a retry finds its job
    op_key        text UNIQUE CHECK (length(op_key) BETWEEN 1 AND 200),
    status        text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    stage         text NOT NULL DEFAULT 'starting',
    requested_by  text NOT NULL CHECK (btrim(requested_by) <> ''),
    started_at    timestamptz NOT NULL DEFAULT now(),
    heartbeat_at  timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    replaced      boolean,  -- the run replaced a draft
    error_status  int,      -- the HTTP status the failure would have had
    error         text,
    CHECK ((status = 'running') = (finished_at IS NULL)),
    CHECK ((status = 'failed') = (error IS NOT NULL))
);
CREATE UNIQUE INDEX settle_jobs_one_running ON settle_jobs (period_id) WHERE status = 'running';
CREATE INDEX settle_jobs_period_idx ON settle_jobs (period_id, id);

-- migrate:down
DROP TABLE settle_jobs;
