-- A job may also wait for the older jobs of another entity: a task or note waits for the
-- contact upserts queued before it, while a contact upsert never waits behind a task or note
-- (one that cannot find its contact yet must not hold back the upsert that makes it).
ALTER TABLE jobs ADD COLUMN after_key TEXT;
