-- Named secrets the configuration reads (NiftyImages keys, webhook signing secrets, alert
-- URLs that carry a token), sealed by the vault and bound to their name. `key_id` is the id
-- of the master key `value` was sealed with (also written inside `value`), for listings and
-- rotations that need not open anything.
CREATE TABLE named_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    key_id TEXT NOT NULL,
    updated_at INTEGER NOT NULL
);
