-- A batch of operations claims all its keys in one statement; an operation of
-- the batch that is refused (no stock, bad input) must leave no trace, so its
-- claim is withdrawn before the commit. A claim without a result can only be
-- seen by the transaction that made it (a committed key always has its
-- result), so allowing the delete of a result-less row lets a transaction
-- withdraw its own claims and nothing else: stored results stay write-once.
CREATE OR REPLACE FUNCTION idempotency_write_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND OLD.result IS NULL THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'DELETE' OR OLD.result IS NOT NULL OR NEW.key <> OLD.key
       OR NEW.request_hash <> OLD.request_hash OR NEW.op <> OLD.op THEN
        RAISE EXCEPTION 'idempotency_keys is append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;

-- migrate:down
-- 0100's rule: no claim is ever deleted.
CREATE OR REPLACE FUNCTION idempotency_write_once() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD.result IS NOT NULL OR NEW.key <> OLD.key
       OR NEW.request_hash <> OLD.request_hash OR NEW.op <> OLD.op THEN
        RAISE EXCEPTION 'idempotency_keys is append-only: % refused', TG_OP
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END $$;
