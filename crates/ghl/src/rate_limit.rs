//! GHL's rate-limit headers, parsed from every response.

use std::fmt;
use std::time::Duration;

use http::HeaderMap;

/// The five `X-RateLimit-*` headers GHL sends on every response (and `X-RateLimit-Daily-Reset`
/// when it reports it). A header that is missing or unreadable is `None`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimit {
    /// `X-RateLimit-Max`: requests allowed per burst interval.
    pub max: Option<u64>,
    /// `X-RateLimit-Remaining`: requests left in the current burst interval.
    pub remaining: Option<u64>,
    /// `X-RateLimit-Interval-Milliseconds`: length of the burst interval.
    pub interval: Option<Duration>,
    /// `X-RateLimit-Limit-Daily`: requests allowed per day.
    pub daily_limit: Option<u64>,
    /// `X-RateLimit-Daily-Remaining`: requests left today.
    pub daily_remaining: Option<u64>,
    /// `X-RateLimit-Daily-Reset`: time until the daily budget resets, when GHL reports it.
    pub daily_reset: Option<Duration>,
}

/// Which of GHL's two budgets a 429 ran out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateLimitScope {
    /// 100 requests per 10 s per app and location: wait one interval.
    Burst,
    /// 200,000 requests per day per app and location: wait for the daily reset.
    Daily,
}

impl fmt::Display for RateLimitScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Burst => "burst limit",
            Self::Daily => "daily limit",
        })
    }
}

impl RateLimit {
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let number = |name: &str| -> Option<u64> {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0)
                .map(|v| v as u64)
        };
        Self {
            max: number("x-ratelimit-max"),
            remaining: number("x-ratelimit-remaining"),
            interval: number("x-ratelimit-interval-milliseconds").map(Duration::from_millis),
            daily_limit: number("x-ratelimit-limit-daily"),
            daily_remaining: number("x-ratelimit-daily-remaining"),
            daily_reset: number("x-ratelimit-daily-reset").map(Duration::from_millis),
        }
    }

    /// Whether a 429 with these headers is the daily budget (never worth a quick retry) or a burst.
    pub fn exhausted_scope(&self) -> RateLimitScope {
        if self.daily_remaining == Some(0) {
            RateLimitScope::Daily
        } else {
            RateLimitScope::Burst
        }
    }

    /// How long to wait before the budget that ran out has room again.
    ///
    /// Burst: one interval (10 s if GHL did not say). Daily: the reported reset, or one hour when
    /// GHL did not report it, so that a caller checks again rather than sleeping for a day.
    pub fn wait_for(&self, scope: RateLimitScope) -> Duration {
        match scope {
            RateLimitScope::Burst => self.interval.unwrap_or(Duration::from_secs(10)),
            RateLimitScope::Daily => self.daily_reset.unwrap_or(Duration::from_secs(3600)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_headers_and_classifies_daily_exhaustion() {
        let mut headers = HeaderMap::new();
        headers.insert("X-RateLimit-Max", "100".parse().unwrap());
        headers.insert("X-RateLimit-Remaining", "0".parse().unwrap());
        headers.insert(
            "X-RateLimit-Interval-Milliseconds",
            "10000".parse().unwrap(),
        );
        headers.insert("X-RateLimit-Limit-Daily", "200000".parse().unwrap());
        headers.insert("X-RateLimit-Daily-Remaining", "0".parse().unwrap());
        let limit = RateLimit::from_headers(&headers);
        assert_eq!(limit.max, Some(100));
        assert_eq!(limit.remaining, Some(0));
        assert_eq!(limit.interval, Some(Duration::from_secs(10)));
        assert_eq!(limit.daily_limit, Some(200_000));
        assert_eq!(limit.exhausted_scope(), RateLimitScope::Daily);
        assert_eq!(
            limit.wait_for(RateLimitScope::Burst),
            Duration::from_secs(10)
        );
    }

    #[test]
    fn garbage_headers_are_absent_not_errors() {
        let mut headers = HeaderMap::new();
        headers.insert("X-RateLimit-Max", "lots".parse().unwrap());
        headers.insert("X-RateLimit-Remaining", "-3".parse().unwrap());
        let limit = RateLimit::from_headers(&headers);
        assert_eq!(limit, RateLimit::default());
        assert_eq!(limit.exhausted_scope(), RateLimitScope::Burst);
    }
}
