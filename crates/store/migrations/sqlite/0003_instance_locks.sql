-- The advisory lock key a live instance holds for its whole life (PostgreSQL): when the
-- process dies, the server lets go of the lock, so the others know at once that it is gone.
ALTER TABLE instances ADD COLUMN lock_key BIGINT;
