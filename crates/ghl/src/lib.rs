//! Typed client for the GoHighLevel (LeadConnector) Contacts API v2.
//!
//! Every operation of GHL's `apps/contacts.json`, the contact-related calls of
//! `apps/locations.json` (the location and its time zones, location tags, custom fields, custom
//! values, recurring tasks and the task search), and the OAuth token calls of `apps/oauth.json`
//! are methods on [`GhlClient`]. Each call returns a [`GhlResponse`] carrying the parsed body,
//! the rate-limit headers and GHL's trace id, or a [`GhlError`] a caller can act on.
//!
//! Where live GHL differs from its published spec, the client follows live behaviour; the list of
//! those differences lives in one place, `crates/ghl-spec/src/live_exceptions.rs`.

mod auth;
mod client;
mod de;
mod error;
mod ids;
mod pagination;
mod rate_limit;
mod tls;

pub mod appointments;
pub mod businesses;
pub mod campaigns;
pub mod contacts;
pub mod custom_fields;
pub mod custom_values;
pub mod followers;
pub mod location_tags;
pub mod location_tasks;
pub mod locations;
pub mod notes;
pub mod oauth;
pub mod recurring_tasks;
pub mod search;
pub mod tags;
pub mod tasks;
pub mod webhook_signature;
pub mod workflows;

pub use auth::{AccessToken, RefreshToken, StaticToken, TokenSource, mask_secret};
pub use client::{
    API_VERSION, ClientConfig, GhlClient, GhlResponse, PRODUCTION_BASE_URL, STAGING_BASE_URL,
    required_scope,
};
pub use error::{ApiErrorDetails, GhlError, NetworkErrorKind, UnauthorizedReason};
pub use ids::{validate_business_id, validate_location_id, validate_opaque_id, validate_record_id};
pub use rate_limit::{RateLimit, RateLimitScope};
pub use tls::install_crypto_provider;

/// The body GHL sends for deletes and campaign or workflow membership changes.
///
/// GHL spells the key `succeded`; the field keeps that spelling on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
pub struct Succeded {
    #[serde(default)]
    pub succeded: bool,
}
