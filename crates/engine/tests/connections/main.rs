//! GHL connections against the sandbox, on SQLite and PostgreSQL: the OAuth flow, PITs,
//! agency tokens, refresh that loses no rotated token across tasks and processes, re-auth,
//! local scope checks, and bad callbacks that store nothing.

mod authorize;
mod refresh;
mod support;
