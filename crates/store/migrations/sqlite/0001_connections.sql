-- The marketplace app's credentials; the client secret is sealed by the vault.
CREATE TABLE app_credentials (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    client_id TEXT NOT NULL,
    client_secret TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);

-- OAuth `state` values awaiting their callback. Only a hash of the state is kept.
CREATE TABLE oauth_states (
    state_hash TEXT PRIMARY KEY,
    request TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);

-- One row per GHL connection: a location (sub-account) or the agency. Tokens are sealed.
CREATE TABLE connections (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('oauth', 'pit', 'agency_minted')),
    user_type TEXT NOT NULL CHECK (user_type IN ('Location', 'Company')),
    location_id TEXT,
    company_id TEXT,
    parent_id TEXT REFERENCES connections (id) ON DELETE SET NULL,
    scopes TEXT NOT NULL,
    access_token TEXT NOT NULL,
    refresh_token TEXT,
    access_expires_at INTEGER,
    state TEXT NOT NULL DEFAULT 'ok' CHECK (state IN ('ok', 'needs_reauth')),
    state_reason TEXT,
    token_version INTEGER NOT NULL DEFAULT 1,
    refresh_owner TEXT,
    refresh_lease_until INTEGER,
    last_refresh_at INTEGER,
    refresh_count INTEGER NOT NULL DEFAULT 0,
    user_id TEXT,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE UNIQUE INDEX connections_by_location ON connections (location_id) WHERE location_id IS NOT NULL;
