//! The NiftyImages sandbox's knobs, changeable at run time through `PATCH /_sandbox/settings`
//! or [`super::NiftySandbox::set_settings`].

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NiftySettings {
    /// Serialize `Opens` as a numeric string (`"42"`), as parts of the live API do, to test
    /// lenient parsing.
    pub opens_as_string: bool,
    pub auth: AuthCarriers,
    /// Records of custom Data Stores expire this long after their last write (the record TTL
    /// the web app offers). Off when `None`.
    pub record_ttl_secs: Option<u64>,
    pub faults: NiftyFaults,
}

/// Where the key may come from besides the `ApiKey` header. NiftyImages says keys can be
/// passed "three different ways" but names only the header, so the others are guesses and
/// stay off unless a test turns them on.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthCarriers {
    /// `?ApiKey=` (any case) in the query string.
    pub query_string: bool,
    /// `Authorization: Bearer <key>`.
    pub bearer: bool,
}

/// Fault injection for `/v1` requests (never `/_sandbox` or `/render`). All off by default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NiftyFaults {
    /// The next this-many API requests get a 429 before anything is done.
    pub force_429: u64,
    /// The `Retry-After` seconds a forced 429 carries, if any.
    pub retry_after_secs: Option<u64>,
    /// The next this-many API requests get a 500 before anything is done.
    pub force_500: u64,
    /// Added to every API request.
    pub latency_ms: u64,
}

impl NiftySettings {
    pub fn validate(&self) -> Result<(), String> {
        if self.faults.latency_ms > 600_000 {
            return Err("faults.latency_ms must be at most 600000 (10 minutes)".into());
        }
        if self.record_ttl_secs == Some(0) {
            return Err("record_ttl_secs must be above 0 (leave it out for no TTL)".into());
        }
        Ok(())
    }
}
