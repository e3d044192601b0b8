//! The pipeline's storage: the inbox of accepted events, the job queue (claims with a lease,
//! fenced completion, retries, dead letters), the run log, the identity map, location leases
//! for several instances, and the alert gate.

use async_trait::async_trait;
use serde_json::Value;

use crate::{Millis, StoreError};

/// An accepted event, to be stored once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEvent {
    pub id: String,
    pub source: String,
    pub kind: String,
    pub location_id: Option<String>,
    /// The event as JSON.
    pub payload: String,
    pub received_at: Millis,
}

/// Jobs whose kind starts with this call GHL and spend its rate budget; the others do not.
pub const GHL_JOB_PREFIX: &str = "ghl.";

/// A job an event makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewJob {
    pub kind: String,
    pub location_id: String,
    /// The job's input as a JSON object.
    pub payload: String,
    /// Unique per job, so that the same job is never queued twice.
    pub idempotency_key: String,
    /// Jobs with the same key run one at a time, in the order they were queued.
    pub entity_key: String,
    /// This job also waits for the pending and running jobs of this entity queued before it.
    pub after_key: Option<String>,
    /// A pending job with the same key takes this one's input instead of a new row.
    pub coalesce_key: Option<String>,
    pub event_id: String,
    pub run_at: Millis,
}

/// One event and the jobs it makes, stored together or not at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestItem {
    pub event: NewEvent,
    pub jobs: Vec<NewJob>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ingested {
    Accepted,
    /// The event id was seen before: acknowledged, not stored again.
    Duplicate,
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct JobRow {
    pub id: i64,
    pub kind: String,
    pub location_id: String,
    pub payload: String,
    /// `pending`, `running`, `succeeded`, `dead` or `discarded`.
    pub status: String,
    /// Attempts started, counting those before a replay.
    pub attempts: i64,
    pub attempt_base: i64,
    pub run_at: Millis,
    pub locked_by: Option<String>,
    pub lease_expires_at: Option<Millis>,
    pub idempotency_key: String,
    pub entity_key: String,
    pub coalesce_key: Option<String>,
    /// The events behind this job, as a JSON array (more than one when coalesced).
    pub event_ids: String,
    pub intent_at: Option<Millis>,
    pub last_error: Option<String>,
    pub dead_request: Option<String>,
    pub dead_response: Option<String>,
    pub created_at: Millis,
    pub updated_at: Millis,
}

impl JobRow {
    /// Attempts since the last replay: what the retry schedule counts.
    pub fn attempts_in_run(&self) -> i64 {
        self.attempts - self.attempt_base
    }
}

/// How an attempt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobOutcome {
    Succeeded,
    /// Run again at `run_at`. `spend_attempt` is false for waits that are not failures
    /// (a rate budget, a connection waiting for re-auth).
    Retry {
        run_at: Millis,
        error: String,
        spend_attempt: bool,
    },
    /// No more attempts: kept as a dead letter with the request and response.
    Dead {
        error: String,
        request: Option<String>,
        response: Option<String>,
    },
}

/// An attempt about to create something in GHL: job `id`, held by `owner` at `attempt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intent {
    pub id: i64,
    pub owner: String,
    pub attempt: i64,
}

/// The end of one attempt, stored with others in one commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finish {
    pub id: i64,
    pub owner: String,
    pub attempt: i64,
    /// `None`: the lease was lost; only the run log learns of the attempt.
    pub outcome: Option<JobOutcome>,
    pub record: Option<AttemptRow>,
    /// Identity-map entries the attempt learned, stored if its worker still held the job.
    pub identities: Vec<Identity>,
}

/// A NiftyImages-side id (or email) and the GHL id it stands for, in one location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub location_id: String,
    /// `contact`, `email`, `task` or `note`.
    pub kind: String,
    pub source_id: String,
    pub ghl_id: String,
}

/// One attempt, for the run log.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AttemptRow {
    pub job_id: i64,
    pub attempt: i64,
    pub worker: String,
    pub started_at: Millis,
    pub finished_at: Millis,
    /// `succeeded`, `retry`, `waiting`, `dead` or `lease_lost`.
    pub outcome: String,
    /// The GHL calls made, as a JSON array of `{method, path, status, ms}`.
    pub calls: String,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueStats {
    pub pending: i64,
    pub running: i64,
    pub succeeded: i64,
    pub dead: i64,
    pub oldest_pending_run_at: Option<Millis>,
}

/// Which dead letters a command means.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeadFilter {
    pub id: Option<i64>,
    pub location_id: Option<String>,
    pub kind: Option<String>,
}

#[async_trait]
pub trait QueueStore: Send + Sync + std::fmt::Debug {
    /// Stores each new event with its jobs in one transaction (one commit for the batch).
    async fn ingest(&self, batch: &[IngestItem], now: Millis) -> Result<Vec<Ingested>, StoreError>;

    /// Claims up to `limit` ready jobs of `locations`, oldest first, none with an older job
    /// still pending or running in its entity or its `after_key` entity. The attempt counts
    /// from here.
    async fn claim_jobs(
        &self,
        owner: &str,
        locations: &[String],
        now: Millis,
        lease_until: Millis,
        limit: i64,
    ) -> Result<Vec<JobRow>, StoreError> {
        let caps: Vec<(String, i64)> = locations.iter().map(|l| (l.clone(), limit)).collect();
        self.claim_jobs_capped(owner, &caps, now, lease_until, limit)
            .await
    }
    /// [`QueueStore::claim_jobs`] with at most `cap` GHL jobs (kinds starting with
    /// [`GHL_JOB_PREFIX`]) of each `(location, cap)`: no more than its GHL budget lets start
    /// now. Its other jobs (NiftyImages writes) spend no GHL budget and are claimed whatever
    /// the cap, a cap of 0 included. The ready jobs are read first (off the writer), then
    /// claimed in one statement that checks again that each is still free
    /// (`FOR UPDATE SKIP LOCKED` on PostgreSQL).
    async fn claim_jobs_capped(
        &self,
        owner: &str,
        caps: &[(String, i64)],
        now: Millis,
        lease_until: Millis,
        limit: i64,
    ) -> Result<Vec<JobRow>, StoreError>;
    /// Extends the leases of the running jobs `ids` this owner holds.
    async fn heartbeat_jobs(
        &self,
        owner: &str,
        ids: &[i64],
        lease_until: Millis,
    ) -> Result<(), StoreError>;
    /// Notes, before a create is sent, that this attempt may make something. Fenced like
    /// [`QueueStore::finish_job`].
    async fn mark_intent(
        &self,
        id: i64,
        owner: &str,
        attempt: i64,
        now: Millis,
    ) -> Result<bool, StoreError>;
    /// Ends an attempt if `owner` still holds it at `attempt` (false: the lease was lost).
    async fn finish_job(
        &self,
        id: i64,
        owner: &str,
        attempt: i64,
        outcome: &JobOutcome,
        now: Millis,
    ) -> Result<bool, StoreError>;
    /// [`QueueStore::mark_intent`] for many jobs in one transaction; one flag per item.
    async fn mark_intents(&self, batch: &[Intent], now: Millis) -> Result<Vec<bool>, StoreError>;
    /// Ends many attempts in one transaction, each fenced like [`QueueStore::finish_job`], and
    /// writes their run-log rows. One flag per item: whether its owner still held it.
    async fn finish_jobs(&self, batch: &[Finish], now: Millis) -> Result<Vec<bool>, StoreError>;
    /// Puts running jobs whose lease ran out back in the queue.
    async fn requeue_expired(&self, now: Millis) -> Result<u64, StoreError>;
    async fn job(&self, id: i64) -> Result<Option<JobRow>, StoreError>;
    async fn queue_stats(&self) -> Result<QueueStats, StoreError>;
    /// The earliest `run_at` of pending jobs in `locations`.
    async fn next_run_at(&self, locations: &[String]) -> Result<Option<Millis>, StoreError>;

    async fn record_attempt(&self, attempt: &AttemptRow) -> Result<(), StoreError>;
    async fn attempts(
        &self,
        job_id: Option<i64>,
        limit: i64,
    ) -> Result<Vec<AttemptRow>, StoreError>;

    async fn dead_jobs(&self, filter: &DeadFilter, limit: i64) -> Result<Vec<JobRow>, StoreError>;
    /// Dead letters back to pending (their history stays in the run log).
    async fn replay_dead(&self, filter: &DeadFilter, now: Millis) -> Result<u64, StoreError>;
    async fn discard_dead(&self, filter: &DeadFilter, now: Millis) -> Result<u64, StoreError>;

    async fn identity(
        &self,
        location_id: &str,
        kind: &str,
        source_id: &str,
    ) -> Result<Option<String>, StoreError>;
    /// The source id mapped to a GHL id, if any.
    async fn identity_by_ghl_id(
        &self,
        location_id: &str,
        kind: &str,
        ghl_id: &str,
    ) -> Result<Option<String>, StoreError>;
    async fn put_identity(
        &self,
        location_id: &str,
        kind: &str,
        source_id: &str,
        ghl_id: &str,
        now: Millis,
    ) -> Result<(), StoreError>;

    async fn heartbeat_instance(&self, id: &str, now: Millis) -> Result<(), StoreError>;
    async fn alive_instances(&self, since: Millis) -> Result<i64, StoreError>;
    /// Locations with pending or running jobs.
    async fn locations_with_work(&self) -> Result<Vec<String>, StoreError>;
    /// Takes or renews the lease on a location; false if another owner holds it.
    async fn lease_location(
        &self,
        location_id: &str,
        owner: &str,
        now: Millis,
        until: Millis,
    ) -> Result<bool, StoreError>;
    async fn owned_locations(&self, owner: &str, now: Millis) -> Result<Vec<String>, StoreError>;
    async fn release_locations(&self, owner: &str, locations: &[String]) -> Result<(), StoreError>;

    /// Whether to send the alert `key` now (at most once per `min_interval`). `Some(n)`: send,
    /// and `n` repeats were held back since the last one; `None`: hold this one back.
    async fn alert_gate(
        &self,
        key: &str,
        now: Millis,
        min_interval: Millis,
    ) -> Result<Option<i64>, StoreError>;

    /// Deletes events older than `events_before` (their ids stop being remembered), finished
    /// jobs and run-log entries older than `history_before`.
    async fn purge(&self, events_before: Millis, history_before: Millis)
    -> Result<u64, StoreError>;
}

/// How pending jobs coalesce: objects merge key by key (recursively), anything else is replaced
/// by the newer value.
pub fn merge_json(older: &mut Value, newer: &Value) {
    match (older, newer) {
        (Value::Object(old), Value::Object(new)) => {
            for (key, value) in new {
                merge_json(old.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
        (older, newer) => *older = newer.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn newer_fields_win_and_objects_merge() {
        let mut older = json!({"fields": {"email": "a@x.io", "city": "Oslo"}, "tags": ["a"]});
        merge_json(
            &mut older,
            &json!({"fields": {"city": "Rome", "phone": "+1"}, "tags": ["b"]}),
        );
        assert_eq!(
            older,
            json!({"fields": {"email": "a@x.io", "city": "Rome", "phone": "+1"}, "tags": ["b"]})
        );
    }
}
