//! The sandbox's virtual clock: real time plus an offset tests can advance, so that token
//! expiry, rate-limit windows and timestamps can be tested without waiting.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, SecondsFormat, Utc};

/// How far the clock may be moved forward, in all: 100 years.
pub const MAX_OFFSET_MS: i64 = 100 * 366 * 24 * 60 * 60 * 1000;

#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// Now, to the millisecond: GHL's timestamps have millisecond precision, and cursors built
    /// from them must order exactly as the records do.
    pub fn now(&self) -> DateTime<Utc> {
        let real = Utc::now();
        let ms = real.timestamp_millis() + self.offset_ms.load(Ordering::Relaxed);
        DateTime::from_timestamp_millis(ms).unwrap_or(real)
    }

    pub fn now_ms(&self) -> i64 {
        self.now().timestamp_millis()
    }

    /// Moves the clock forward; refused (false) if that would take it past [`MAX_OFFSET_MS`].
    pub fn advance_ms(&self, ms: i64) -> bool {
        self.offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |offset| {
                offset
                    .checked_add(ms)
                    .filter(|o| (0..=MAX_OFFSET_MS).contains(o))
            })
            .is_ok()
    }

    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::Relaxed)
    }
}

/// GHL's timestamp form: ISO-8601 UTC with milliseconds (`2021-07-02T05:18:26.704Z`).
pub fn iso_millis(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Millis, true)
}
