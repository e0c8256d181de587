-- Settlement jobs become a queue that workers (`downline worker`, or the one
-- `downline serve` embeds) claim from Postgres, so API servers and workers
-- may run on different machines. A job is queued when requested; a worker
-- claims it (status running, worker and attempt recorded) and beats its
-- heartbeat; a running job whose heartbeat stopped (its worker died) is
-- queued again for another worker, up to a few attempts. Since a run writes
-- everything in one transaction, a dead worker leaves nothing behind.

ALTER TABLE settle_jobs
    DROP CONSTRAINT settle_jobs_status_check,
    DROP CONSTRAINT settle_jobs_check,
    ADD COLUMN worker text,              -- who runs or ran it (host, process, number)
    ADD COLUMN attempts int NOT NULL DEFAULT 0 CHECK (attempts >= 0), -- claims so far
    ALTER COLUMN status SET DEFAULT 'queued',
    ALTER COLUMN stage SET DEFAULT 'queued';

-- Jobs started before this step ran in their server: they count as claimed
-- once, by that server (a worker takes a running one over once its
-- heartbeat is old).
UPDATE settle_jobs SET attempts = 1, worker = 'server before 0440';

ALTER TABLE settle_jobs
    ADD CONSTRAINT settle_jobs_status_check CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    ADD CONSTRAINT settle_jobs_check CHECK ((status IN ('queued', 'running')) = (finished_at IS NULL)),
    -- a running job names its worker, a queued one none, an ended one who ran it
    ADD CONSTRAINT settle_jobs_worker_check CHECK (CASE status WHEN 'running' THEN worker IS NOT NULL
        WHEN 'queued' THEN worker IS NULL ELSE true END);

-- At most one job per period waits or runs.
DROP INDEX settle_jobs_one_running;
CREATE UNIQUE INDEX settle_jobs_one_open ON settle_jobs (period_id) WHERE status IN ('queued', 'running');
-- Workers claim the oldest queued job.
CREATE INDEX settle_jobs_queued_idx ON settle_jobs (id) WHERE status = 'queued';

-- migrate:down
-- 0301 has no queued state: a job still waiting for a worker ends failed,
-- never started; then 0301's columns, checks, defaults and index come back.
UPDATE settle_jobs SET status = 'failed', finished_at = now(), error_status = 503,
    error = 'never started: the queue was migrated down before a worker claimed it'
    WHERE status = 'queued';
DROP INDEX settle_jobs_queued_idx;
DROP INDEX settle_jobs_one_open;
CREATE UNIQUE INDEX settle_jobs_one_running ON settle_jobs (period_id) WHERE status = 'running';
ALTER TABLE settle_jobs
    DROP CONSTRAINT settle_jobs_worker_check,
    DROP CONSTRAINT settle_jobs_status_check,
    DROP CONSTRAINT settle_jobs_check,
    DROP COLUMN worker,
    DROP COLUMN attempts,
    ALTER COLUMN status SET DEFAULT 'running',
    ALTER COLUMN stage SET DEFAULT 'starting',
    ADD CONSTRAINT settle_jobs_status_check CHECK (status IN ('running', 'succeeded', 'failed')),
    ADD CONSTRAINT settle_jobs_check CHECK ((status = 'running') = (finished_at IS NULL));
