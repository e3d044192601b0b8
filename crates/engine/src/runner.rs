//! The workers: claim ready jobs of the locations this instance owns, run them within GHL's
//! budget, and record every attempt. Also: leases on locations (one instance sends for a
//! location at a time), heartbeats of running jobs, the reaper of lost leases, and the purge of
//! old history.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ghl::GhlClient;
use rand::Rng;
use store::queue::{AttemptRow, Finish, JobOutcome, JobRow};
use store::vault::ConnectionState;
use store::{InstanceClaim, Millis, Store, now_millis};
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::config::PipelineSettings;
use crate::connections::Connections;
use crate::governor::Governor;
use crate::job_writes::JobWrites;
use crate::jobs::{self, Failure, JobContext};
use crate::metrics::Metrics;
use crate::notify::{Alert, Notifier};

pub struct Runner {
    /// Held for the runner's life: the proof other instances check before taking over.
    claim: InstanceClaim,
    store: Arc<dyn Store>,
    connections: Arc<Connections>,
    governor: Arc<Governor>,
    settings: PipelineSettings,
    owner: String,
    notifier: Notifier,
    metrics: Arc<Metrics>,
    wake: Arc<Notify>,
    owned: Mutex<Vec<String>>,
    running: Mutex<HashSet<i64>>,
    clients: Mutex<HashMap<String, GhlClient>>,
    writes: JobWrites,
    nifty: Arc<crate::niftyimages_side::NiftySide>,
    ingestor: crate::ingest::Ingestor,
}

impl std::fmt::Debug for Runner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Runner")
            .field("owner", &self.owner)
            .finish_non_exhaustive()
    }
}

impl Runner {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        claim: InstanceClaim,
        store: Arc<dyn Store>,
        connections: Arc<Connections>,
        governor: Arc<Governor>,
        settings: PipelineSettings,
        notifier: Notifier,
        metrics: Arc<Metrics>,
        wake: Arc<Notify>,
        nifty: Arc<crate::niftyimages_side::NiftySide>,
        ingestor: crate::ingest::Ingestor,
    ) -> Self {
        Self {
            nifty,
            ingestor,
            writes: JobWrites::start(&store),
            owner: claim.id().to_owned(),
            claim,
            store,
            connections,
            governor,
            settings,
            notifier,
            metrics,
            wake,
            owned: Mutex::new(Vec::new()),
            running: Mutex::new(HashSet::new()),
            clients: Mutex::new(HashMap::new()),
        }
    }

    /// The locations' GHL rate budget, which every GHL call of this process should go through.
    pub fn governor(&self) -> &Arc<Governor> {
        &self.governor
    }

    pub fn connections(&self) -> &Arc<Connections> {
        &self.connections
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    fn lease_ms(&self) -> Millis {
        self.settings.job_lease_secs as Millis * 1000
    }

    /// Runs until `stop`, then finishes the jobs in flight and lets go of its locations.
    pub async fn run(self: Arc<Self>, stop: CancellationToken) {
        let upkeep = tokio::spawn(Arc::clone(&self).upkeep(stop.clone()));
        let permits = Arc::new(Semaphore::new(self.settings.workers));
        let mut in_flight = tokio::task::JoinSet::new();
        // Claims wait for a few free workers rather than taking one job at a time: on SQLite
        // each claim is a commit, and one per job would cost as much as the jobs.
        let claim_batch = (self.settings.workers / 8).max(1);
        while !stop.is_cancelled() {
            while in_flight.try_join_next().is_some() {}
            let free = permits.available_permits();
            let busy = free == 0 || (free < claim_batch && !in_flight.is_empty());
            let claimed = if busy {
                Vec::new()
            } else {
                self.claim(free).await
            };
            if claimed.is_empty() {
                let pause = self.pause_until_next_job(busy).await;
                tokio::select! {
                    () = self.wake.notified() => {}
                    () = tokio::time::sleep(pause) => {}
                    _ = in_flight.join_next(), if !in_flight.is_empty() => {}
                    () = stop.cancelled() => {}
                }
                continue;
            }
            for job in claimed {
                let permit = Arc::clone(&permits)
                    .acquire_owned()
                    .await
                    .expect("the semaphore stays open");
                let this = Arc::clone(&self);
                in_flight.spawn(async move {
                    this.run_job(job).await;
                    drop(permit);
                });
            }
        }
        // Graceful stop: what is running finishes and is recorded.
        while in_flight.join_next().await.is_some() {}
        upkeep.abort();
        let owned = self.owned.lock().expect("owned").clone();
        if let Err(error) = self.store.release_locations(&self.owner, &owned).await {
            tracing::warn!(%error, "could not release location leases; they expire on their own");
        }
    }

    async fn claim(&self, free: usize) -> Vec<JobRow> {
        // No location gets more GHL jobs than its budget lets start: a job claimed beyond it
        // would only sit on a worker, waiting. NiftyImages jobs spend none of it.
        let ready: Vec<(String, i64)> = self
            .owned
            .lock()
            .expect("owned")
            .iter()
            .map(|location| (location.clone(), self.governor.available(location) as i64))
            .collect();
        let now = now_millis();
        match self
            .store
            .claim_jobs_capped(&self.owner, &ready, now, now + self.lease_ms(), free as i64)
            .await
        {
            Ok(jobs) => {
                self.running
                    .lock()
                    .expect("running")
                    .extend(jobs.iter().map(|j| j.id));
                jobs
            }
            Err(error) => {
                tracing::warn!(%error, "claiming jobs failed; trying again shortly");
                Vec::new()
            }
        }
    }

    /// How long to sleep when nothing could be claimed.
    async fn pause_until_next_job(&self, busy: bool) -> Duration {
        if busy {
            return Duration::from_millis(500);
        }
        let owned = self.owned.lock().expect("owned").clone();
        let budget_wait = owned
            .iter()
            .map(|location| self.governor.wait(location))
            .filter(|wait| !wait.is_zero())
            .min();
        let next = self.store.next_run_at(&owned).await.ok().flatten();
        let until_next = next.map(|at| Duration::from_millis((at - now_millis()).max(0) as u64));
        [budget_wait, until_next, Some(Duration::from_millis(500))]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(Duration::from_millis(500))
            .max(Duration::from_millis(5))
    }

    async fn client_for(&self, location: &str) -> Result<GhlClient, Failure> {
        if let Some(client) = self.clients.lock().expect("clients").get(location) {
            return Ok(client.clone());
        }
        let id =
            store::vault::connection_id(store::vault::UserType::Location, Some(location), None);
        match self.connections.client(&id).await {
            Ok(client) => {
                self.clients
                    .lock()
                    .expect("clients")
                    .insert(location.to_owned(), client.clone());
                Ok(client)
            }
            Err(error) if error.needs_user() => Err(Failure::NeedsUser {
                reason: error.to_string(),
            }),
            Err(error) => Err(Failure::Transient {
                error: error.to_string(),
            }),
        }
    }

    async fn run_job(&self, job: JobRow) {
        let started = now_millis();
        let mut calls = Vec::new();
        let mut identities = Vec::new();
        let result = match self.client_for(&job.location_id).await {
            Ok(client) => {
                let mut ctx = JobContext {
                    store: &self.store,
                    nifty: &self.nifty,
                    writes: &self.writes,
                    ingestor: &self.ingestor,
                    client: &client,
                    governor: &self.governor,
                    job: &job,
                    owner: &self.owner,
                    calls: Vec::new(),
                    identities: Vec::new(),
                    max_budget_wait: Duration::from_secs(2),
                };
                let result = jobs::execute(&mut ctx).await;
                calls = ctx.calls;
                identities = ctx.identities;
                result
            }
            Err(failure) => Err(failure),
        };
        for call in &calls {
            self.metrics.ghl_call(call.status);
        }
        let result = match result {
            Err(Failure::Token { error }) => Err(self.token_failure(&job.location_id, error).await),
            other => other,
        };
        self.running.lock().expect("running").remove(&job.id);
        let (outcome, label, error, alert) = self.outcome(&job, result);
        let now = now_millis();
        if outcome.is_none() {
            tracing::warn!(
                job = job.id,
                "the job's lease was lost; another worker has it"
            );
        }
        let finish = Finish {
            id: job.id,
            owner: self.owner.clone(),
            attempt: job.attempts,
            record: Some(AttemptRow {
                job_id: job.id,
                attempt: job.attempts,
                worker: self.owner.clone(),
                started_at: started,
                finished_at: now,
                outcome: label.to_owned(),
                calls: serde_json::to_string(&calls).unwrap_or_else(|_| "[]".into()),
                error: error.clone(),
            }),
            outcome,
            identities,
        };
        let had_outcome = finish.outcome.is_some();
        match self.writes.finish(finish).await {
            Ok(true) => {}
            Ok(false) if had_outcome => tracing::warn!(
                job = job.id,
                "the job's lease was lost before it could be recorded"
            ),
            Ok(false) => {}
            Err(error) => {
                tracing::error!(job = job.id, %error, "the attempt's outcome could not be stored; the lease will expire and the job run again")
            }
        }
        if let Some(alert) = alert {
            self.notifier.raise(alert);
        }
    }

    /// A token could not be had: either the connection waits for a user, or it is passing.
    async fn token_failure(&self, location: &str, error: String) -> Failure {
        self.clients.lock().expect("clients").remove(location);
        let id =
            store::vault::connection_id(store::vault::UserType::Location, Some(location), None);
        match self.connections.vault().connection(&id).await {
            Ok(Some(connection)) if connection.state == ConnectionState::NeedsReauth => {
                Failure::NeedsUser { reason: error }
            }
            Ok(None) => Failure::NeedsUser { reason: error },
            _ => Failure::Transient { error },
        }
    }

    /// The outcome to store, the run-log label, the error text, and the alert it calls for.
    /// No outcome: the lease is gone.
    fn outcome(
        &self,
        job: &JobRow,
        result: Result<(), Failure>,
    ) -> (
        Option<JobOutcome>,
        &'static str,
        Option<String>,
        Option<Alert>,
    ) {
        let now = now_millis();
        let location = job.location_id.clone();
        match result {
            Ok(()) => {
                Metrics::add(&self.metrics.jobs_succeeded, 1);
                (Some(JobOutcome::Succeeded), "succeeded", None, None)
            }
            Err(Failure::Wait { after, reason }) => {
                Metrics::add(&self.metrics.jobs_waited, 1);
                let run_at = now + after.as_millis() as Millis;
                // A wait of more than half an hour is the daily budget, not a burst.
                let alert = (after > Duration::from_secs(1_800)).then(|| Alert {
                    key: format!("daily_limit:{location}"),
                    kind: "daily_limit",
                    location_id: Some(location.clone()),
                    summary: format!(
                        "location {location} has spent GHL's daily request budget; its work waits for the reset, other locations go on"
                    ),
                    action: "nothing, unless it happens daily: then lower this location's volume or ask GHL for more".into(),
                });
                let outcome = JobOutcome::Retry {
                    run_at,
                    error: reason.clone(),
                    spend_attempt: false,
                };
                (Some(outcome), "waiting", Some(reason), alert)
            }
            Err(Failure::NeedsUser { reason }) => {
                Metrics::add(&self.metrics.jobs_waited, 1);
                let run_at = now + (self.settings.reauth_wait_secs * 1000.0) as Millis;
                let alert = Alert {
                    key: format!("needs_reauth:{location}"),
                    kind: "needs_reauth",
                    location_id: Some(location.clone()),
                    summary: format!(
                        "location {location} cannot be reached ({reason}); its work is paused, not lost"
                    ),
                    action:
                        "run `nifty-ghl connect` for this location; its work then resumes by itself"
                            .into(),
                };
                let outcome = JobOutcome::Retry {
                    run_at,
                    error: reason.clone(),
                    spend_attempt: false,
                };
                (Some(outcome), "waiting", Some(reason), Some(alert))
            }
            Err(Failure::Transient { error } | Failure::Token { error }) => {
                let schedule = &self.settings.retry_schedule_secs;
                let done = job.attempts_in_run().max(1) as usize;
                if done >= schedule.len() {
                    let error = format!("gave up after {done} attempts; the last: {error}");
                    self.dead(job, error, None)
                } else {
                    Metrics::add(&self.metrics.jobs_retried, 1);
                    let delay = jittered(schedule[done], self.settings.retry_jitter);
                    let outcome = JobOutcome::Retry {
                        run_at: now + delay,
                        error: error.clone(),
                        spend_attempt: true,
                    };
                    (Some(outcome), "retry", Some(error), None)
                }
            }
            Err(Failure::Permanent { error, response } | Failure::Gone { error, response }) => {
                self.dead(job, error, response)
            }
            Err(Failure::LeaseLost) => (None, "lease_lost", None, None),
        }
    }

    fn dead(
        &self,
        job: &JobRow,
        error: String,
        response: Option<String>,
    ) -> (
        Option<JobOutcome>,
        &'static str,
        Option<String>,
        Option<Alert>,
    ) {
        Metrics::add(&self.metrics.jobs_dead, 1);
        let alert = Alert {
            key: format!("dead_letter:{}:{}", job.location_id, job.kind),
            kind: "dead_letter",
            location_id: Some(job.location_id.clone()),
            summary: format!(
                "job {} ({}) for location {} failed for good: {error}",
                job.id, job.kind, job.location_id
            ),
            action: format!(
                "see `nifty-ghl dead-letters show {id}`; fix the cause, then `nifty-ghl dead-letters replay {id}`",
                id = job.id
            ),
        };
        let outcome = JobOutcome::Dead {
            error: error.clone(),
            request: Some(job.payload.clone()),
            response,
        };
        (Some(outcome), "dead", Some(error), Some(alert))
    }

    /// Keeps this instance's claim, and takes back at once the work of instances that died.
    async fn bury_the_dead(&self) -> Result<(), store::StoreError> {
        self.claim.check().await?;
        let now = now_millis();
        let lease = self.settings.location_lease_secs as Millis * 1000;
        for (instance, jobs) in self
            .store
            .bury_dead_instances(&self.claim, now - 2 * lease, now)
            .await?
        {
            tracing::warn!(%instance, jobs, "an instance stopped without finishing; its jobs are queued again");
            if jobs > 0 {
                self.wake.notify_waiters();
            }
        }
        Ok(())
    }

    /// Every second: the instance claim and the dead, location leases, heartbeats, the reaper;
    /// every hour: the purge.
    async fn upkeep(self: Arc<Self>, stop: CancellationToken) {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_purge = 0;
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                () = stop.cancelled() => return,
            }
            if let Err(error) = self.bury_the_dead().await {
                tracing::warn!(%error, "the instance claim or the burial of stopped instances failed");
            }
            if let Err(error) = self.manage_leases().await {
                tracing::warn!(%error, "location leases could not be renewed");
            }
            let now = now_millis();
            let running: Vec<i64> = self
                .running
                .lock()
                .expect("running")
                .iter()
                .copied()
                .collect();
            if let Err(error) = self
                .store
                .heartbeat_jobs(&self.owner, &running, now + self.lease_ms())
                .await
            {
                tracing::warn!(%error, "job heartbeats failed");
            }
            match self.store.requeue_expired(now).await {
                Ok(0) => {}
                Ok(n) => {
                    tracing::info!(
                        jobs = n,
                        "jobs whose worker stopped answering are queued again"
                    );
                    self.wake.notify_waiters();
                }
                Err(error) => tracing::warn!(%error, "the reaper failed"),
            }
            if now - last_purge > 3_600_000 {
                last_purge = now;
                let day = 86_400_000;
                let events_before = now - self.settings.dedupe_days as Millis * day;
                let history_before = now - self.settings.history_days as Millis * day;
                if let Err(error) = self.store.purge(events_before, history_before).await {
                    tracing::warn!(%error, "old history could not be purged");
                }
            }
        }
    }

    /// Keeps (and renews) the locations with work this instance owns, and takes its fair share
    /// of those no live instance holds.
    async fn manage_leases(&self) -> Result<(), store::StoreError> {
        let now = now_millis();
        let lease = self.settings.location_lease_secs as Millis * 1000;
        self.store.heartbeat_instance(&self.owner, now).await?;
        let alive = self.store.alive_instances(now - 2 * lease).await?.max(1) as usize;
        let with_work = self.store.locations_with_work().await?;
        let mine = self.store.owned_locations(&self.owner, now).await?;
        let share = with_work.len().div_ceil(alive).max(1);
        let mut kept = Vec::new();
        let idle: Vec<String> = mine
            .iter()
            .filter(|l| !with_work.contains(l))
            .cloned()
            .collect();
        self.store.release_locations(&self.owner, &idle).await?;
        for location in mine.iter().filter(|l| with_work.contains(l)) {
            if self
                .store
                .lease_location(location, &self.owner, now, now + lease)
                .await?
            {
                kept.push(location.clone());
            }
        }
        for location in with_work.iter().filter(|l| !mine.contains(l)) {
            if kept.len() >= share {
                break;
            }
            if self
                .store
                .lease_location(location, &self.owner, now, now + lease)
                .await?
            {
                kept.push(location.clone());
            }
        }
        let gained: Vec<&String> = kept.iter().filter(|l| !mine.contains(l)).collect();
        // What another instance spent of a location's budget is unknown here: start careful.
        for location in &gained {
            self.governor.handed_over(location);
        }
        let gained = !gained.is_empty();
        *self.owned.lock().expect("owned") = kept;
        if gained {
            self.wake.notify_waiters();
        }
        Ok(())
    }
}

/// `secs` with ± `jitter` of random spread, in milliseconds.
fn jittered(secs: f64, jitter: f64) -> Millis {
    let base = secs * 1000.0;
    let spread = if jitter > 0.0 {
        rand::rng().random_range(-jitter..jitter)
    } else {
        0.0
    };
    (base * (1.0 + spread)).max(0.0) as Millis
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_stays_within_its_share() {
        for _ in 0..200 {
            let ms = jittered(10.0, 0.2);
            assert!((8_000..=12_000).contains(&ms), "{ms}");
        }
        assert_eq!(jittered(5.0, 0.0), 5_000);
    }
}
