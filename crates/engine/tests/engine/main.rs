//! The engine against the sandbox, on SQLite and PostgreSQL: connections (OAuth, PITs, agency
//! tokens, refresh that loses no rotated token across tasks and processes, re-auth, local
//! scope checks, bad callbacks) and the event pipeline (exactly-once effects, retries, dead
//! letters, the rate governor, alerts).

mod authorize;
mod custom_fields;
mod pipeline;
mod reconcile_turns;
mod refresh;
mod support;
mod task_hints;
