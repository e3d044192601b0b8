//! The sandbox's knobs: rate limits, token lifetime, fault injection, logging and webhook
//! retries. All can be changed at run time through `PATCH /_sandbox/settings`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    pub rate_limit: RateLimitSettings,
    /// Lifetime of access tokens the token endpoint issues (GHL: 86399 s).
    pub access_token_lifetime_secs: u64,
    pub faults: Faults,
    /// Keep request and response bodies in the request log (up to 64 KiB each).
    pub record_bodies: bool,
    /// How many requests the log keeps (the oldest go first). Counts per endpoint are kept
    /// for every request regardless.
    pub request_log_capacity: usize,
    pub webhooks: WebhookSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            rate_limit: RateLimitSettings::default(),
            access_token_lifetime_secs: 86_399,
            faults: Faults::default(),
            record_bodies: true,
            request_log_capacity: 5_000,
            webhooks: WebhookSettings::default(),
        }
    }
}

/// GHL's limits per marketplace app (or Private Integration Token) and location.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RateLimitSettings {
    /// Off: requests are still counted and the headers still sent, but nothing gets a 429.
    pub enabled: bool,
    pub burst_max: u64,
    pub burst_interval_ms: u64,
    pub daily_max: u64,
}

impl Default for RateLimitSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            burst_max: 100,
            burst_interval_ms: 10_000,
            daily_max: 200_000,
        }
    }
}

/// Fault injection for API requests (never for `/_sandbox/`). All off by default.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Share of requests answered 500, 502 or 503 before anything is done.
    pub error_rate: f64,
    /// Share of requests that are carried out and then answered 500 or 502, as a GHL that
    /// applied a change and failed to say so.
    pub error_after_apply_rate: f64,
    /// Share of successful requests that are answered 422 anyway, as GHL has answered creates it
    /// made (highlevel-api-docs#64).
    pub unprocessable_after_apply_rate: f64,
    /// Share of requests whose connection is closed without an answer, before anything is done.
    pub drop_rate: f64,
    /// Share of requests that are carried out and then have their connection closed.
    pub drop_after_apply_rate: f64,
    /// Added to every API request.
    pub latency_ms: u64,
    /// Up to this much more, at random.
    pub latency_jitter_ms: u64,
    /// The next this-many API requests get a 429 burst answer.
    pub force_429: u64,
    /// The next this-many API requests get a 500 before anything is done: a transient GHL
    /// failure at a known moment (for the demo and for tests that need exactly one).
    pub force_500: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookSettings {
    /// GHL retries a delivery only when the receiver answers 429: up to 6 times, about
    /// 10 minutes apart with jitter.
    pub retry_delay_ms: u64,
    pub max_retries: u32,
    pub timeout_ms: u64,
    /// Live GHL leaves `contactId` and `body` out of TaskCreate (highlevel-api-docs#332).
    pub task_create_omits_contact: bool,
    /// Sign with the legacy RSA `x-wh-signature` instead of Ed25519 (as GHL did before
    /// 2026-07-01), with the sandbox's own RSA key.
    pub legacy_signature: bool,
}

impl Default for WebhookSettings {
    fn default() -> Self {
        Self {
            retry_delay_ms: 600_000,
            max_retries: 6,
            timeout_ms: 10_000,
            task_create_omits_contact: true,
            legacy_signature: false,
        }
    }
}

impl Settings {
    /// Checks values a patch may have set out of range.
    pub fn validate(&self) -> Result<(), String> {
        let rates = [
            ("faults.error_rate", self.faults.error_rate),
            (
                "faults.error_after_apply_rate",
                self.faults.error_after_apply_rate,
            ),
            (
                "faults.unprocessable_after_apply_rate",
                self.faults.unprocessable_after_apply_rate,
            ),
            ("faults.drop_rate", self.faults.drop_rate),
            (
                "faults.drop_after_apply_rate",
                self.faults.drop_after_apply_rate,
            ),
        ];
        for (name, rate) in rates {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!("{name} must be between 0 and 1, got {rate}"));
            }
        }
        if self.faults.latency_ms > 600_000 || self.faults.latency_jitter_ms > 600_000 {
            return Err("faults.latency_ms and faults.latency_jitter_ms must be at most 600000 (10 minutes)".into());
        }
        if self.rate_limit.burst_interval_ms == 0 {
            return Err("rate_limit.burst_interval_ms must be above 0".into());
        }
        if self.access_token_lifetime_secs == 0 {
            return Err("access_token_lifetime_secs must be above 0".into());
        }
        Ok(())
    }
}
