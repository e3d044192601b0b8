//! The rate governor: GHL's budget per location, spent to the last request without a 429.
//!
//! GHL allows 100 requests per 10 s and 200,000 per day per app and location. The governor
//! counts the requests in flight and those answered within a sliding window (GHL's interval
//! plus a margin) of their answer. Counting from the answer, not the send, is what makes it
//! safe whatever the delays: GHL counted each request somewhere between the two, so no window
//! of GHL's, sliding or fixed, can ever hold more than the limit. It also keeps a daily count,
//! and corrects both from the `X-RateLimit-*` headers of every answer. A location taken over
//! from another instance starts with one request, and the answer's headers say how much of
//! the window that instance left.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ghl::{GhlError, GhlResponse, RateLimit, RateLimitScope};

/// GHL's limits, as configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub burst_max: u64,
    pub interval: Duration,
    pub daily_max: u64,
    pub margin: Duration,
}

impl Limits {
    /// The limits `[pipeline]` sets (GHL's published ones by default).
    pub fn from_settings(settings: &crate::config::PipelineSettings) -> Self {
        Self {
            burst_max: settings.burst_max,
            interval: Duration::from_millis(settings.burst_interval_ms),
            daily_max: settings.daily_max,
            margin: Duration::from_millis(settings.burst_margin_ms),
        }
    }
}

#[derive(Debug, Default)]
struct Budget {
    /// Requests sent and not yet answered.
    in_flight: u64,
    /// When each answered request was answered, oldest first, within the window.
    answered: VecDeque<Instant>,
    /// Days since the Unix epoch (UTC) of `today`.
    day: u64,
    today: u64,
    /// GHL said there is nothing left until then.
    blocked_until: Option<Instant>,
    /// The location just came from another instance, whose spending is unknown here: one
    /// request at a time until GHL's headers tell what is left, or until then.
    careful_until: Option<Instant>,
}

impl Budget {
    fn forget_older_than(&mut self, window: Duration, now: Instant) {
        while self
            .answered
            .front()
            .is_some_and(|at| now.duration_since(*at) >= window)
        {
            self.answered.pop_front();
        }
    }

    fn in_window(&self) -> u64 {
        self.in_flight + self.answered.len() as u64
    }
}

#[derive(Debug)]
pub struct Governor {
    limits: Limits,
    budgets: Mutex<HashMap<String, Budget>>,
}

/// How often a location waiting only on answers looks again.
const ANSWER_POLL: Duration = Duration::from_millis(25);

fn utc_day() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() / 86_400)
        .unwrap_or_default()
}

/// Time left until the next UTC midnight, when GHL's daily budget starts again.
fn until_utc_midnight() -> Duration {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    Duration::from_secs(86_400 - now % 86_400)
}

impl Governor {
    pub fn new(limits: Limits) -> Self {
        Self {
            limits,
            budgets: Mutex::new(HashMap::new()),
        }
    }

    fn window(&self) -> Duration {
        self.limits.interval + self.limits.margin
    }

    /// Spends one request of `location`'s budget now, or says how long until one is free.
    pub fn try_take(&self, location: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let mut budgets = self.budgets.lock().expect("governor lock");
        let budget = budgets.entry(location.to_owned()).or_default();
        self.wait_in(budget, now).map_or_else(
            || {
                budget.in_flight += 1;
                budget.today += 1;
                Ok(())
            },
            Err,
        )
    }

    /// `location` now belongs to this instance, fresh from another one (or from a restart):
    /// what was spent in the current window is unknown until GHL answers once.
    pub fn handed_over(&self, location: &str) {
        let mut budgets = self.budgets.lock().expect("governor lock");
        let budget = budgets.entry(location.to_owned()).or_default();
        budget.careful_until = Some(Instant::now() + self.window());
    }

    /// How many requests `location` may start now, without spending anything.
    pub fn available(&self, location: &str) -> u64 {
        let now = Instant::now();
        let mut budgets = self.budgets.lock().expect("governor lock");
        let budget = budgets.entry(location.to_owned()).or_default();
        if self.wait_in(budget, now).is_some() {
            return 0;
        }
        if budget.careful_until.is_some() {
            return 1;
        }
        let daily_left = self.limits.daily_max.saturating_sub(budget.today);
        self.limits
            .burst_max
            .saturating_sub(budget.in_window())
            .min(daily_left)
    }

    /// How long until `location` can send, without spending anything (zero: now).
    pub fn wait(&self, location: &str) -> Duration {
        let now = Instant::now();
        let mut budgets = self.budgets.lock().expect("governor lock");
        let budget = budgets.entry(location.to_owned()).or_default();
        self.wait_in(budget, now).unwrap_or_default()
    }

    fn wait_in(&self, budget: &mut Budget, now: Instant) -> Option<Duration> {
        let day = utc_day();
        if budget.day != day {
            budget.day = day;
            budget.today = 0;
        }
        if budget.today >= self.limits.daily_max {
            return Some(until_utc_midnight());
        }
        if let Some(until) = budget.blocked_until {
            if until > now {
                return Some(until - now);
            }
            budget.blocked_until = None;
        }
        let window = self.window();
        if let Some(until) = budget.careful_until {
            if until <= now {
                budget.careful_until = None;
            } else if budget.in_flight > 0 {
                // The one probing request is out; its answer will tell the rest.
                return Some(ANSWER_POLL.min(until - now));
            }
        }
        budget.forget_older_than(window, now);
        if budget.in_window() >= self.limits.burst_max {
            return Some(match budget.answered.front() {
                Some(oldest) => window - now.duration_since(*oldest),
                // Every request of the window is still out: its answer frees the first place.
                None => ANSWER_POLL,
            });
        }
        None
    }

    /// Brings the budget in line with what GHL reported.
    pub fn observe(&self, location: &str, reported: &RateLimit) {
        let now = Instant::now();
        let mut budgets = self.budgets.lock().expect("governor lock");
        let budget = budgets.entry(location.to_owned()).or_default();
        if let (Some(limit), Some(remaining)) = (reported.daily_limit, reported.daily_remaining) {
            let spent = limit.saturating_sub(remaining);
            budget.today = budget.today.max(spent);
            if remaining == 0 {
                let until = reported.daily_reset.unwrap_or_else(until_utc_midnight);
                budget.blocked_until = Some(now + until);
            }
        }
        if let Some(remaining) = reported.remaining {
            // Requests GHL counted that this process did not send (another instance's, before
            // a handover) fill the window as if answered now. When GHL counted nothing more
            // than this process did, its own window already holds the line, even at 0 left.
            budget.forget_older_than(self.window(), now);
            let spent_elsewhere = self
                .limits
                .burst_max
                .saturating_sub(remaining)
                .saturating_sub(budget.in_window());
            for _ in 0..spent_elsewhere {
                budget.answered.push_back(now);
            }
            budget.careful_until = None;
        }
    }

    /// A call taken with [`Governor::try_take`] is over, whatever its outcome (an answer, no
    /// answer, or no request at all): it counts in the window from now on, and a careful
    /// location may send its next probe. Call it once for every successful `try_take`.
    pub fn settled(&self, location: &str) {
        let now = Instant::now();
        if let Some(budget) = self
            .budgets
            .lock()
            .expect("governor lock")
            .get_mut(location)
        {
            budget.in_flight = budget.in_flight.saturating_sub(1);
            budget.answered.push_back(now);
        }
    }

    /// Makes one GHL call of work outside the job queue (reconciliation, `nifty-ghl sync`)
    /// within `location`'s budget: waits for the burst budget, then tells the governor what
    /// GHL answered, as jobs do; a burst 429 is waited out and the call made again. With the
    /// day's budget spent it fails at once instead of waiting for tomorrow. `make` makes the
    /// call afresh each time (a future that has not been polled sends nothing).
    pub async fn call<T, F, Fut>(&self, location: &str, make: F) -> Result<GhlResponse<T>, GhlError>
    where
        F: Fn() -> Fut,
        Fut: std::future::Future<Output = Result<GhlResponse<T>, GhlError>>,
    {
        loop {
            let result = self.call_once(location, make()).await;
            match &result {
                Err(GhlError::RateLimited {
                    scope: RateLimitScope::Burst,
                    ..
                }) => continue,
                _ => return result,
            }
        }
    }

    async fn call_once<T, F>(&self, location: &str, call: F) -> Result<GhlResponse<T>, GhlError>
    where
        F: std::future::Future<Output = Result<GhlResponse<T>, GhlError>>,
    {
        while let Err(wait) = self.try_take(location) {
            let daily_spent = {
                let budgets = self.budgets.lock().expect("governor lock");
                budgets
                    .get(location)
                    .is_some_and(|b| b.today >= self.limits.daily_max)
            };
            if daily_spent {
                return Err(GhlError::InvalidInput(format!(
                    "the day's GHL budget of location {location} ({} requests) is spent; try again tomorrow",
                    self.limits.daily_max
                )));
            }
            tokio::time::sleep(wait).await;
        }
        let result = call.await;
        self.answered(location, &result);
        result
    }

    /// What GHL answered to a call taken with [`Governor::try_take`]: its rate-limit headers,
    /// a 429's wait, and the call settled.
    pub fn answered<T>(&self, location: &str, result: &Result<GhlResponse<T>, GhlError>) {
        match result {
            Ok(response) => self.observe(location, &response.rate_limit),
            Err(error) => {
                if let Some(details) = error.details() {
                    self.observe(location, &details.rate_limit);
                }
                if let GhlError::RateLimited {
                    scope, retry_after, ..
                } = error
                {
                    self.refused(location, *scope, *retry_after);
                }
            }
        }
        self.settled(location);
    }

    /// A 429 from GHL: nothing more until the wait it gave is over.
    pub fn refused(&self, location: &str, scope: RateLimitScope, retry_after: Duration) {
        let mut budgets = self.budgets.lock().expect("governor lock");
        let budget = budgets.entry(location.to_owned()).or_default();
        let until = Instant::now() + retry_after + self.limits.margin;
        budget.blocked_until = Some(budget.blocked_until.map_or(until, |b| b.max(until)));
        if scope == RateLimitScope::Daily {
            budget.today = self.limits.daily_max;
        }
    }

    /// The requests `location` has spent today, as far as this process knows.
    pub fn spent_today(&self, location: &str) -> u64 {
        self.budgets
            .lock()
            .expect("governor lock")
            .get(location)
            .map_or(0, |b| b.today)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(burst_max: u64, interval_ms: u64) -> Limits {
        Limits {
            burst_max,
            interval: Duration::from_millis(interval_ms),
            daily_max: 1_000,
            margin: Duration::from_millis(10),
        }
    }

    #[test]
    fn the_window_slides_and_locations_are_separate() {
        let governor = Governor::new(limits(3, 200));
        for _ in 0..3 {
            governor.try_take("L1").unwrap();
            governor.settled("L1");
        }
        let wait = governor.try_take("L1").unwrap_err();
        assert!(
            wait > Duration::from_millis(150) && wait <= Duration::from_millis(210),
            "{wait:?}"
        );
        assert!(governor.try_take("L2").is_ok());
        std::thread::sleep(wait);
        assert!(governor.try_take("L1").is_ok());
    }

    /// A slow answer keeps its request in the window until a full window after it: GHL may
    /// have counted the request at any moment before the answer.
    #[test]
    fn a_request_counts_until_a_window_after_its_answer() {
        let governor = Governor::new(limits(2, 100));
        governor.try_take("L1").unwrap();
        governor.try_take("L1").unwrap();
        std::thread::sleep(Duration::from_millis(150));
        assert_eq!(
            governor.try_take("L1").unwrap_err(),
            ANSWER_POLL,
            "both still out, however long ago they were sent"
        );
        governor.settled("L1");
        let wait = governor.try_take("L1").unwrap_err();
        assert!(wait > Duration::from_millis(90), "{wait:?}");
        std::thread::sleep(wait);
        governor.try_take("L1").unwrap();
    }

    #[test]
    fn what_is_available_is_what_the_window_leaves() {
        let governor = Governor::new(limits(5, 10_000));
        assert_eq!(governor.available("L1"), 5);
        governor.try_take("L1").unwrap();
        governor.try_take("L1").unwrap();
        assert_eq!(governor.available("L1"), 3);
        governor.handed_over("L2");
        assert_eq!(governor.available("L2"), 1, "careful: one probe");
        governor.try_take("L2").unwrap();
        assert_eq!(governor.available("L2"), 0, "until its answer");
    }

    #[test]
    fn ghl_headers_and_429s_close_the_budget() {
        let governor = Governor::new(limits(100, 200));
        governor.observe(
            "L1",
            &RateLimit {
                remaining: Some(0),
                ..RateLimit::default()
            },
        );
        let wait = governor.try_take("L1").unwrap_err();
        assert!(wait > Duration::from_millis(150), "a full window: {wait:?}");
        std::thread::sleep(wait);
        assert!(governor.try_take("L1").is_ok());
        governor.refused("L1", RateLimitScope::Daily, Duration::from_secs(5));
        assert!(governor.wait("L1") > Duration::from_secs(4));
        governor.observe(
            "L2",
            &RateLimit {
                daily_limit: Some(200_000),
                daily_remaining: Some(199_000),
                ..RateLimit::default()
            },
        );
        assert_eq!(governor.spent_today("L2"), 1_000);
    }

    #[test]
    fn a_handed_over_location_probes_once_then_spends_what_the_headers_leave() {
        let governor = Governor::new(limits(100, 10_000));
        governor.handed_over("L1");
        governor.try_take("L1").unwrap();
        let wait = governor.try_take("L1").unwrap_err();
        assert!(wait <= ANSWER_POLL, "{wait:?}");
        // An answer without headers lets the next probe go, and only that one.
        governor.settled("L1");
        governor.try_take("L1").unwrap();
        assert!(governor.try_take("L1").is_err());
        // The previous owner spent 90 of the window: 8 left after the probes.
        governor.observe(
            "L1",
            &RateLimit {
                remaining: Some(8),
                ..RateLimit::default()
            },
        );
        for _ in 0..8 {
            governor.try_take("L1").unwrap();
        }
        assert!(
            governor.try_take("L1").unwrap_err() > Duration::from_secs(9),
            "the 100 of GHL's window are spent"
        );
        // Headers that agree with what was sent change nothing.
        governor.try_take("L2").unwrap();
        governor.observe(
            "L2",
            &RateLimit {
                remaining: Some(99),
                ..RateLimit::default()
            },
        );
        for _ in 0..99 {
            governor.try_take("L2").unwrap();
        }
        assert!(governor.try_take("L2").is_err());
    }
}
