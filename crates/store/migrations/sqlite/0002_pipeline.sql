-- Every accepted event, by its id: a repeated id is acknowledged and dropped.
CREATE TABLE inbox (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    kind TEXT NOT NULL,
    location_id TEXT,
    payload TEXT NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX inbox_by_time ON inbox (received_at);

-- The work events turned into: one row per job.
CREATE TABLE jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    location_id TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'running', 'succeeded', 'dead', 'discarded')),
    attempts INTEGER NOT NULL DEFAULT 0,
    -- Attempts made before the last replay: the retry schedule counts from here.
    attempt_base INTEGER NOT NULL DEFAULT 0,
    run_at INTEGER NOT NULL,
    locked_by TEXT,
    lease_expires_at INTEGER,
    idempotency_key TEXT NOT NULL UNIQUE,
    -- Jobs with the same entity key run one at a time, oldest first.
    entity_key TEXT NOT NULL,
    -- Pending jobs with the same coalesce key merge into one.
    coalesce_key TEXT,
    event_ids TEXT NOT NULL,
    -- Set before a create is sent: a later attempt looks for what this one made first.
    intent_at INTEGER,
    last_error TEXT,
    dead_request TEXT,
    dead_response TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);
CREATE INDEX jobs_ready ON jobs (status, run_at, id);
CREATE INDEX jobs_by_entity ON jobs (entity_key, status, id);
CREATE INDEX jobs_by_coalesce ON jobs (coalesce_key, status);
CREATE INDEX jobs_by_location ON jobs (location_id, status);

-- Every attempt of every job: the run log.
CREATE TABLE job_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER NOT NULL,
    attempt INTEGER NOT NULL,
    worker TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    finished_at INTEGER NOT NULL,
    outcome TEXT NOT NULL,
    calls TEXT NOT NULL,
    error TEXT
);
CREATE INDEX job_attempts_by_job ON job_attempts (job_id, attempt);
CREATE INDEX job_attempts_by_time ON job_attempts (finished_at);

-- Source ids (NiftyImages contacts, tasks, notes; emails) to GHL ids, per location.
CREATE TABLE identities (
    location_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    source_id TEXT NOT NULL,
    ghl_id TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (location_id, kind, source_id)
);
CREATE INDEX identities_by_ghl_id ON identities (location_id, kind, ghl_id);

-- Which instance sends for which location, so GHL's budget is never split.
CREATE TABLE location_leases (
    location_id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);

CREATE TABLE instances (
    id TEXT PRIMARY KEY,
    heartbeat_at INTEGER NOT NULL
);

-- When each kind of alert was last sent, so repeats are held back.
CREATE TABLE alerts (
    key TEXT PRIMARY KEY,
    last_sent_at INTEGER NOT NULL,
    suppressed INTEGER NOT NULL DEFAULT 0
);
