-- The job indexes hold only the jobs still to do. A job then leaves each index once in its
-- life instead of moving inside all of them at every change of status, and the indexes stay
-- as small as the backlog while finished jobs pile up for the run log.
DROP INDEX jobs_ready;
DROP INDEX jobs_by_entity;
DROP INDEX jobs_by_coalesce;
DROP INDEX jobs_by_location;
-- Claims: the oldest ready jobs first.
CREATE INDEX jobs_ready ON jobs (run_at, id) WHERE status = 'pending';
-- One job of an entity at a time, oldest first.
CREATE INDEX jobs_active_by_entity ON jobs (entity_key, id) WHERE status IN ('pending', 'running');
-- Which locations have work, and their next job.
CREATE INDEX jobs_active_by_location ON jobs (location_id, run_at) WHERE status IN ('pending', 'running');
-- Pending updates of one contact merge into one.
CREATE INDEX jobs_coalescing ON jobs (coalesce_key) WHERE status = 'pending' AND coalesce_key IS NOT NULL;
-- Leases that ran out.
CREATE INDEX jobs_running ON jobs (lease_expires_at) WHERE status = 'running';
-- Dead letters. (The hourly purge of finished jobs reads the whole table instead of every job
-- writing one more index entry.)
CREATE INDEX jobs_dead ON jobs (id) WHERE status = 'dead';
