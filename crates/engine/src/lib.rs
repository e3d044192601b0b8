//! nifty-ghl's engine. For now: the typed configuration, and GHL connections: the OAuth
//! authorisation flow, Private Integration Tokens, and refresh that never loses a rotated
//! token. The event pipeline (inbox, jobs, workers) lands here next.

pub mod authorize;
pub mod catalog;
pub mod config;
pub mod connections;
pub mod events;
pub mod governor;
pub mod group_commit;
pub mod ingest;
pub mod job_writes;
pub mod jobs;
pub mod metrics;
pub mod notify;
pub mod pipeline;
pub mod recipes;
pub mod runner;
pub mod signing;

pub use config::Config;
pub use connections::{ConnectionError, Connections};
