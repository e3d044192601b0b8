//! The `ghl` client against the GHL sandbox: every operation round-trips, every body on the
//! wire matches GHL's spec (with the live differences in `ghl-spec`), and auth, rate limits,
//! duplicates, faults, pagination and webhooks behave as GHL's do.

mod auth;
mod duplicates;
mod faults;
mod locations;
mod pagination;
mod rate_limits;
mod round_trip;
mod support;
mod webhooks;
