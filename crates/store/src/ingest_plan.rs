//! What one ingest batch writes to the job queue, worked out before any job is written, so that
//! the batch costs a few multi-row statements instead of several statements per event.
//!
//! Jobs with a coalesce key merge: into the newest pending job with that key when there is one
//! (a [`Merge`]), else into the first new job of the batch with that key. A merge is written
//! only if its job is still pending; when another instance claimed it meanwhile, the batch's
//! jobs with that key go in as a new job instead (its [`Merge::fallback`] row).

use std::collections::HashMap;

use serde_json::Value;

use crate::StoreError;
use crate::queue::{NewJob, merge_json};

/// A job row to insert.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct JobInsert {
    pub kind: String,
    pub location_id: String,
    pub payload: Value,
    pub run_at: crate::Millis,
    pub idempotency_key: String,
    pub entity_key: String,
    pub after_key: Option<String>,
    pub coalesce_key: Option<String>,
    pub event_ids: Vec<String>,
    /// Inserted only if the merge that reserved this row fails.
    pub only_if_merge_fails: bool,
}

/// New input for a pending job.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Merge {
    pub id: i64,
    pub payload: Value,
    pub event_ids: Vec<String>,
    /// The index, in [`JobWritesPlan::inserts`], of the row that takes the new input if job
    /// `id` is no longer pending.
    pub fallback: usize,
}

#[derive(Debug, Default, PartialEq)]
pub(crate) struct JobWritesPlan {
    /// In the order the events came, so job ids keep that order.
    pub inserts: Vec<JobInsert>,
    pub merges: Vec<Merge>,
}

/// The newest pending job of a coalesce key.
#[derive(Debug, Clone)]
pub(crate) struct PendingJob {
    pub id: i64,
    pub payload: String,
    pub event_ids: String,
}

enum Target {
    Insert(usize),
    Merge(usize),
}

/// Plans the writes for `jobs` (those of the accepted events, in order), given the newest
/// pending job of each coalesce key among them.
pub(crate) fn plan_job_writes<'a>(
    jobs: impl IntoIterator<Item = &'a NewJob>,
    pending: &HashMap<String, PendingJob>,
) -> Result<JobWritesPlan, StoreError> {
    let mut plan = JobWritesPlan::default();
    let mut targets: HashMap<&str, Target> = HashMap::new();
    for job in jobs {
        let payload: Value = serde_json::from_str(&job.payload)
            .map_err(|e| StoreError::Corrupt(format!("new job payload: {e}")))?;
        let target = job
            .coalesce_key
            .as_deref()
            .and_then(|key| targets.get(key).map(|target| (key, target)));
        match target {
            Some((_, Target::Insert(index))) => {
                let row = &mut plan.inserts[*index];
                merge_json(&mut row.payload, &payload);
                row.event_ids.push(job.event_id.clone());
            }
            Some((_, Target::Merge(index))) => {
                let merge = &mut plan.merges[*index];
                merge_json(&mut merge.payload, &payload);
                merge.event_ids.push(job.event_id.clone());
                let fallback = &mut plan.inserts[merge.fallback];
                merge_json(&mut fallback.payload, &payload);
                fallback.event_ids.push(job.event_id.clone());
            }
            None => {
                let existing = job.coalesce_key.as_deref().and_then(|k| pending.get(k));
                plan.inserts.push(JobInsert {
                    kind: job.kind.clone(),
                    location_id: job.location_id.clone(),
                    payload: payload.clone(),
                    run_at: job.run_at,
                    idempotency_key: job.idempotency_key.clone(),
                    entity_key: job.entity_key.clone(),
                    after_key: job.after_key.clone(),
                    coalesce_key: job.coalesce_key.clone(),
                    event_ids: vec![job.event_id.clone()],
                    only_if_merge_fails: existing.is_some(),
                });
                let inserted = plan.inserts.len() - 1;
                let Some(key) = job.coalesce_key.as_deref() else {
                    continue;
                };
                if let Some(existing) = existing {
                    let mut merged: Value =
                        serde_json::from_str(&existing.payload).map_err(|e| {
                            StoreError::Corrupt(format!("job {} payload: {e}", existing.id))
                        })?;
                    merge_json(&mut merged, &payload);
                    let mut event_ids: Vec<String> =
                        serde_json::from_str(&existing.event_ids).unwrap_or_default();
                    event_ids.push(job.event_id.clone());
                    plan.merges.push(Merge {
                        id: existing.id,
                        payload: merged,
                        event_ids,
                        fallback: inserted,
                    });
                    targets.insert(key, Target::Merge(plan.merges.len() - 1));
                } else {
                    targets.insert(key, Target::Insert(inserted));
                }
            }
        }
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn job(event: &str, key: Option<&str>, payload: Value) -> NewJob {
        NewJob {
            kind: "contact.upsert".into(),
            location_id: "L1".into(),
            payload: payload.to_string(),
            idempotency_key: format!("{event}/0"),
            entity_key: key.unwrap_or(event).into(),
            after_key: None,
            coalesce_key: key.map(str::to_owned),
            event_id: event.into(),
            run_at: 5,
        }
    }

    #[test]
    fn jobs_of_one_key_in_a_batch_become_one_row() {
        let jobs = [
            job("e1", Some("c1"), json!({"email": "a@x.io", "city": "Oslo"})),
            job("e2", None, json!({"note": "hi"})),
            job("e3", Some("c1"), json!({"city": "Rome"})),
        ];
        let plan = plan_job_writes(&jobs, &HashMap::new()).unwrap();
        assert!(plan.merges.is_empty());
        assert_eq!(plan.inserts.len(), 2);
        assert_eq!(
            plan.inserts[0].payload,
            json!({"email": "a@x.io", "city": "Rome"})
        );
        assert_eq!(plan.inserts[0].event_ids, ["e1", "e3"]);
        assert!(!plan.inserts[0].only_if_merge_fails);
        assert_eq!(plan.inserts[1].event_ids, ["e2"]);
    }

    #[test]
    fn a_pending_job_takes_the_new_input_and_a_fallback_row_waits_in_place() {
        let pending = HashMap::from([(
            "c1".to_owned(),
            PendingJob {
                id: 7,
                payload: json!({"email": "a@x.io", "city": "Oslo"}).to_string(),
                event_ids: json!(["e0"]).to_string(),
            },
        )]);
        let jobs = [
            job("e1", None, json!({"note": "first"})),
            job("e2", Some("c1"), json!({"city": "Rome"})),
            job("e3", Some("c1"), json!({"phone": "+1"})),
        ];
        let plan = plan_job_writes(&jobs, &pending).unwrap();
        assert_eq!(plan.merges.len(), 1);
        let merge = &plan.merges[0];
        assert_eq!(merge.id, 7);
        assert_eq!(
            merge.payload,
            json!({"email": "a@x.io", "city": "Rome", "phone": "+1"})
        );
        assert_eq!(merge.event_ids, ["e0", "e2", "e3"]);
        let fallback = &plan.inserts[merge.fallback];
        assert_eq!(merge.fallback, 1, "after e1's job, as the events came");
        assert!(fallback.only_if_merge_fails);
        assert_eq!(fallback.payload, json!({"city": "Rome", "phone": "+1"}));
        assert_eq!(fallback.event_ids, ["e2", "e3"]);
    }

    #[test]
    fn a_corrupt_pending_payload_is_reported() {
        let pending = HashMap::from([(
            "c1".to_owned(),
            PendingJob {
                id: 9,
                payload: "{not json".into(),
                event_ids: "[]".into(),
            },
        )]);
        let error = plan_job_writes(&[job("e1", Some("c1"), json!({}))], &pending).unwrap_err();
        assert!(error.to_string().contains("job 9"), "{error}");
    }
}
