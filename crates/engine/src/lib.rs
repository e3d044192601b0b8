//! nifty-ghl's engine. For now: the typed configuration, and GHL connections: the OAuth
//! authorisation flow, Private Integration Tokens, and refresh that never loses a rotated
//! token. The event pipeline (inbox, jobs, workers) lands here next.

pub mod authorize;
pub mod config;
pub mod connections;

pub use config::Config;
pub use connections::{ConnectionError, Connections};
