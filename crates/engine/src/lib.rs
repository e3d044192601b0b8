//! nifty-ghl's engine: the typed configuration; GHL connections (the OAuth authorisation flow,
//! Private Integration Tokens, refresh that never loses a rotated token); and the event
//! pipeline: events in, recipes that map them, durable jobs that apply them to GHL exactly
//! once within its rate budget, alerts; plus the operations catalog.

pub mod authorize;
pub mod catalog;
pub mod config;
pub mod connections;
pub mod engagement;
pub mod events;
pub mod ghl_events;
pub mod governor;
pub mod group_commit;
pub mod ingest;
pub mod installs;
pub mod job_writes;
pub mod jobs;
pub mod metrics;
pub mod niftyimages_side;
pub mod notify;
pub mod opens_poller;
pub mod pipeline;
pub mod recipes;
pub mod reconcile;
pub mod runner;
pub mod signing;

pub use config::Config;
pub use connections::{ConnectionError, Connections};
