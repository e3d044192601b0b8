//! GHL's two budgets per app and location: a burst window (100 requests per 10 s) and a daily
//! count (200,000), reported in five headers on every answer.

use std::collections::HashMap;

use http::{HeaderMap, HeaderValue};
use parking_lot::Mutex;

use crate::settings::RateLimitSettings;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

#[derive(Debug, Default)]
struct Bucket {
    window_start_ms: i64,
    in_window: u64,
    day: i64,
    today: u64,
}

/// The verdict on one request and the headers that go with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    pub allowed: bool,
    pub max: u64,
    pub remaining: u64,
    pub interval_ms: u64,
    pub daily_max: u64,
    pub daily_remaining: u64,
}

impl Verdict {
    pub fn write_headers(&self, headers: &mut HeaderMap) {
        let mut put = |name: &'static str, value: u64| {
            headers.insert(name, HeaderValue::from(value));
        };
        put("x-ratelimit-max", self.max);
        put("x-ratelimit-remaining", self.remaining);
        put("x-ratelimit-interval-milliseconds", self.interval_ms);
        put("x-ratelimit-limit-daily", self.daily_max);
        put("x-ratelimit-daily-remaining", self.daily_remaining);
    }
}

#[derive(Debug, Default)]
pub struct RateLimiter {
    buckets: Mutex<HashMap<(String, String), Bucket>>,
}

impl RateLimiter {
    /// Counts one request against `key` at `now_ms`. A refused request is not counted.
    pub fn check(&self, key: (String, String), now_ms: i64, limits: &RateLimitSettings) -> Verdict {
        let mut buckets = self.buckets.lock();
        let bucket = buckets.entry(key).or_default();
        let interval = limits.burst_interval_ms as i64;
        if now_ms - bucket.window_start_ms >= interval || now_ms < bucket.window_start_ms {
            bucket.window_start_ms = now_ms;
            bucket.in_window = 0;
        }
        let day = now_ms.div_euclid(DAY_MS);
        if day != bucket.day {
            bucket.day = day;
            bucket.today = 0;
        }
        let over = bucket.in_window >= limits.burst_max || bucket.today >= limits.daily_max;
        let allowed = !(limits.enabled && over);
        if allowed {
            bucket.in_window += 1;
            bucket.today += 1;
        }
        Verdict {
            allowed,
            max: limits.burst_max,
            remaining: limits.burst_max.saturating_sub(bucket.in_window),
            interval_ms: limits.burst_interval_ms,
            daily_max: limits.daily_max,
            daily_remaining: limits.daily_max.saturating_sub(bucket.today),
        }
    }

    /// Headers for a forced 429: the burst window reported as spent.
    pub fn exhausted(limits: &RateLimitSettings) -> Verdict {
        Verdict {
            allowed: false,
            max: limits.burst_max,
            remaining: 0,
            interval_ms: limits.burst_interval_ms,
            daily_max: limits.daily_max,
            daily_remaining: limits.daily_max,
        }
    }

    pub fn reset(&self) {
        self.buckets.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_window_refuses_the_101st_request_and_reopens() {
        let limiter = RateLimiter::default();
        let limits = RateLimitSettings::default();
        let key = || ("app".to_string(), "loc".to_string());
        for i in 0..100 {
            let verdict = limiter.check(key(), 1_000 + i, &limits);
            assert!(verdict.allowed);
            assert_eq!(verdict.remaining, 99 - i as u64);
        }
        let refused = limiter.check(key(), 5_000, &limits);
        assert!(!refused.allowed);
        assert_eq!(refused.daily_remaining, 199_900);
        assert!(limiter.check(key(), 11_000, &limits).allowed);
        assert!(
            limiter
                .check(("app".into(), "other".into()), 5_000, &limits)
                .allowed
        );
    }

    #[test]
    fn daily_budget_ends_at_midnight_utc() {
        let limiter = RateLimiter::default();
        let limits = RateLimitSettings {
            daily_max: 2,
            ..Default::default()
        };
        let key = || ("app".to_string(), "loc".to_string());
        assert!(limiter.check(key(), 0, &limits).allowed);
        assert!(limiter.check(key(), 20_000, &limits).allowed);
        let refused = limiter.check(key(), 40_000, &limits);
        assert!(!refused.allowed && refused.daily_remaining == 0);
        assert!(limiter.check(key(), DAY_MS, &limits).allowed);
    }
}
