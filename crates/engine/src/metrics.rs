//! Counters for `/metrics`, in Prometheus' text format.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use store::queue::QueueStats;

#[derive(Debug, Default)]
pub struct Metrics {
    pub events_accepted: AtomicU64,
    pub events_duplicate: AtomicU64,
    pub events_refused: AtomicU64,
    pub ingest_commits: AtomicU64,
    pub jobs_succeeded: AtomicU64,
    pub jobs_retried: AtomicU64,
    pub jobs_waited: AtomicU64,
    pub jobs_dead: AtomicU64,
    /// Events a recipe could not map, stored without jobs (repeats counted too), from sources
    /// that cannot send them again (GHL's webhooks, reconciliation, the stats poller).
    pub events_unmapped: AtomicU64,
    /// Image opens and data-source previews dropped: the inbox refused them or no location
    /// was known. The image is still served; only the record is lost.
    pub engagement_lost: AtomicU64,
    /// GHL calls by status (0: no answer).
    ghl_calls: Mutex<BTreeMap<u16, u64>>,
}

impl Metrics {
    pub fn add(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    pub fn ghl_call(&self, status: Option<u16>) {
        *self
            .ghl_calls
            .lock()
            .expect("metrics lock")
            .entry(status.unwrap_or(0))
            .or_default() += 1;
    }

    pub fn ghl_calls(&self, status: u16) -> u64 {
        self.ghl_calls
            .lock()
            .expect("metrics lock")
            .get(&status)
            .copied()
            .unwrap_or(0)
    }

    pub fn render(&self, queue: Option<&QueueStats>) -> String {
        let mut out = String::new();
        let counters = [
            (
                "nifty_ghl_events_accepted_total",
                "Events stored in the inbox.",
                &self.events_accepted,
            ),
            (
                "nifty_ghl_events_duplicate_total",
                "Events dropped as repeats of stored ones.",
                &self.events_duplicate,
            ),
            (
                "nifty_ghl_events_refused_total",
                "Events refused (bad signature, body or schema).",
                &self.events_refused,
            ),
            (
                "nifty_ghl_events_unmapped_total",
                "Events stored without jobs: a recipe could not map them (fix it, then reconcile).",
                &self.events_unmapped,
            ),
            (
                "nifty_ghl_ingest_commits_total",
                "Database commits of accepted events.",
                &self.ingest_commits,
            ),
            (
                "nifty_ghl_jobs_succeeded_total",
                "Jobs whose effect is in GHL.",
                &self.jobs_succeeded,
            ),
            (
                "nifty_ghl_jobs_retried_total",
                "Attempts that failed and will be retried.",
                &self.jobs_retried,
            ),
            (
                "nifty_ghl_jobs_waited_total",
                "Attempts put back without failing (rate budget, re-auth).",
                &self.jobs_waited,
            ),
            (
                "nifty_ghl_jobs_dead_total",
                "Jobs moved to the dead letters.",
                &self.jobs_dead,
            ),
            (
                "nifty_ghl_engagement_lost_total",
                "Image opens and data-source previews that could not be recorded.",
                &self.engagement_lost,
            ),
        ];
        for (name, help, counter) in counters {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {}",
                counter.load(Ordering::Relaxed)
            );
        }
        let _ = writeln!(
            out,
            "# HELP nifty_ghl_ghl_calls_total GHL calls by HTTP status (0: no answer).\n# TYPE nifty_ghl_ghl_calls_total counter"
        );
        for (status, count) in self.ghl_calls.lock().expect("metrics lock").iter() {
            let _ = writeln!(
                out,
                "nifty_ghl_ghl_calls_total{{status=\"{status}\"}} {count}"
            );
        }
        if let Some(queue) = queue {
            let _ = writeln!(
                out,
                "# HELP nifty_ghl_jobs Jobs by state.\n# TYPE nifty_ghl_jobs gauge"
            );
            for (state, count) in [
                ("pending", queue.pending),
                ("running", queue.running),
                ("dead", queue.dead),
            ] {
                let _ = writeln!(out, "nifty_ghl_jobs{{state=\"{state}\"}} {count}");
            }
        }
        out
    }
}
