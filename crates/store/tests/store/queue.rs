//! The job queue on both engines: ingest and dedupe, claims under concurrency, fencing,
//! retries and dead letters, coalescing, per-entity order, identities, leases, alerts.

use std::collections::HashSet;
use std::sync::Arc;

use serde_json::json;
use store::queue::{
    AttemptRow, DeadFilter, Finish, Identity, IngestItem, Ingested, JobOutcome, NewEvent, NewJob,
};

use crate::support::engines;

fn event(id: &str) -> NewEvent {
    NewEvent {
        id: id.into(),
        source: "test".into(),
        kind: "contact.updated".into(),
        location_id: Some("L1".into()),
        payload: json!({"id": id}).to_string(),
        received_at: 1,
    }
}

fn job(event_id: &str, n: usize, location: &str, entity: &str) -> NewJob {
    NewJob {
        kind: "ghl.contact.upsert".into(),
        location_id: location.into(),
        payload: json!({"event": event_id}).to_string(),
        idempotency_key: format!("{event_id}:{n}"),
        entity_key: entity.into(),
        after_key: None,
        coalesce_key: None,
        event_id: event_id.into(),
        run_at: 0,
    }
}

fn item(event_id: &str, jobs: Vec<NewJob>) -> IngestItem {
    IngestItem {
        event: event(event_id),
        jobs,
    }
}

#[tokio::test]
async fn ingest_stores_each_event_once_with_its_jobs() {
    for engine in engines().await {
        let store = &engine.store;
        let batch = vec![
            item("e1", vec![job("e1", 0, "L1", "c1")]),
            item(
                "e2",
                vec![job("e2", 0, "L1", "c2"), job("e2", 1, "L1", "t2")],
            ),
            item("e1", vec![job("e1", 0, "L1", "c1")]),
        ];
        let outcomes = store.ingest(&batch, 10).await.unwrap();
        assert_eq!(
            outcomes,
            vec![Ingested::Accepted, Ingested::Accepted, Ingested::Duplicate],
            "{}",
            engine.name
        );
        let again = store.ingest(&batch[..1], 11).await.unwrap();
        assert_eq!(again, vec![Ingested::Duplicate]);
        assert_eq!(store.queue_stats().await.unwrap().pending, 3);
    }
}

#[tokio::test]
async fn no_job_is_ever_claimed_by_two_workers_at_once() {
    for engine in engines().await {
        let store = engine.store.clone();
        let items: Vec<IngestItem> = (0..400)
            .map(|i| {
                item(
                    &format!("e{i}"),
                    vec![job(
                        &format!("e{i}"),
                        0,
                        if i % 2 == 0 { "L1" } else { "L2" },
                        &format!("c{i}"),
                    )],
                )
            })
            .collect();
        store.ingest(&items, 1).await.unwrap();
        let locations = Arc::new(vec!["L1".to_string(), "L2".to_string()]);
        let mut workers = tokio::task::JoinSet::new();
        for worker in 0..8 {
            let (store, locations) = (store.clone(), locations.clone());
            workers.spawn(async move {
                let owner = format!("w{worker}");
                let mut seen = Vec::new();
                loop {
                    let jobs = store
                        .claim_jobs(&owner, &locations, 10, 60_000, 7)
                        .await
                        .unwrap();
                    if jobs.is_empty() {
                        break;
                    }
                    for job in jobs {
                        assert_eq!(job.locked_by.as_deref(), Some(owner.as_str()));
                        assert!(
                            store
                                .finish_job(
                                    job.id,
                                    &owner,
                                    job.attempts,
                                    &JobOutcome::Succeeded,
                                    20
                                )
                                .await
                                .unwrap()
                        );
                        seen.push(job.id);
                    }
                }
                seen
            });
        }
        let mut all = Vec::new();
        while let Some(seen) = workers.join_next().await {
            all.extend(seen.unwrap());
        }
        let unique: HashSet<_> = all.iter().collect();
        assert_eq!(
            (all.len(), unique.len()),
            (400, 400),
            "{}: every job once, none twice",
            engine.name
        );
        assert_eq!(store.queue_stats().await.unwrap().succeeded, 400);
    }
}

#[tokio::test]
async fn completion_is_fenced_by_owner_and_attempt_and_expired_leases_return() {
    for engine in engines().await {
        let store = &engine.store;
        store
            .ingest(&[item("e1", vec![job("e1", 0, "L1", "c1")])], 1)
            .await
            .unwrap();
        let locations = vec!["L1".to_string()];
        let first = store
            .claim_jobs("a", &locations, 10, 100, 5)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(first.attempts, 1);
        assert!(
            store
                .claim_jobs("b", &locations, 50, 200, 5)
                .await
                .unwrap()
                .is_empty(),
            "held by a"
        );
        assert_eq!(
            store.requeue_expired(101).await.unwrap(),
            1,
            "{}: the lease ran out",
            engine.name
        );
        let second = store
            .claim_jobs("b", &locations, 102, 500, 5)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(second.attempts, 2);
        assert!(
            !store
                .finish_job(first.id, "a", 1, &JobOutcome::Succeeded, 103)
                .await
                .unwrap(),
            "a lost its lease"
        );
        assert!(!store.mark_intent(first.id, "a", 1, 103).await.unwrap());
        assert!(store.mark_intent(second.id, "b", 2, 103).await.unwrap());
        assert!(
            store
                .finish_job(second.id, "b", 2, &JobOutcome::Succeeded, 104)
                .await
                .unwrap()
        );
        let done = store.job(second.id).await.unwrap().unwrap();
        assert_eq!(
            (done.status.as_str(), done.intent_at),
            ("succeeded", Some(103))
        );
    }
}

/// Many attempts end in one commit, each fenced on its own: a lost lease neither changes its
/// job nor stores what it learned, but the run log keeps every attempt.
#[tokio::test]
async fn attempts_end_together_each_fenced_with_their_run_log_and_identities() {
    for engine in engines().await {
        let store = &engine.store;
        store
            .ingest(
                &[
                    item("e1", vec![job("e1", 0, "L1", "c1")]),
                    item("e2", vec![job("e2", 0, "L1", "c2")]),
                ],
                1,
            )
            .await
            .unwrap();
        let locations = vec!["L1".to_string()];
        let claimed = store.claim_jobs("w", &locations, 10, 100, 5).await.unwrap();
        assert_eq!(claimed.len(), 2);
        let finish = |job: &store::queue::JobRow, owner: &str, source: &str| Finish {
            id: job.id,
            owner: owner.into(),
            attempt: job.attempts,
            outcome: Some(JobOutcome::Succeeded),
            record: Some(AttemptRow {
                job_id: job.id,
                attempt: job.attempts,
                worker: owner.into(),
                started_at: 10,
                finished_at: 20,
                outcome: "succeeded".into(),
                calls: "[]".into(),
                error: None,
            }),
            identities: vec![Identity {
                location_id: "L1".into(),
                kind: "contact".into(),
                source_id: source.into(),
                ghl_id: format!("ghl-{source}"),
            }],
        };
        let held = store
            .finish_jobs(
                &[
                    finish(&claimed[0], "w", "n1"),
                    finish(&claimed[1], "intruder", "n2"),
                ],
                20,
            )
            .await
            .unwrap();
        assert_eq!(held, vec![true, false], "{}", engine.name);
        let mut statuses = Vec::new();
        for job in &claimed {
            statuses.push(store.job(job.id).await.unwrap().unwrap().status);
        }
        assert_eq!(statuses, vec!["succeeded", "running"], "{}", engine.name);
        assert_eq!(
            store
                .identity("L1", "contact", "n1")
                .await
                .unwrap()
                .as_deref(),
            Some("ghl-n1")
        );
        assert_eq!(store.identity("L1", "contact", "n2").await.unwrap(), None);
        assert_eq!(
            store.attempts(None, 10).await.unwrap().len(),
            2,
            "{}: both attempts are in the run log",
            engine.name
        );
    }
}

#[tokio::test]
async fn retries_spend_attempts_but_waits_do_not_and_dead_letters_replay() {
    for engine in engines().await {
        let store = &engine.store;
        store
            .ingest(&[item("e1", vec![job("e1", 0, "L1", "c1")])], 1)
            .await
            .unwrap();
        let locations = vec!["L1".to_string()];
        let claimed = store
            .claim_jobs("w", &locations, 10, 1_000, 1)
            .await
            .unwrap()
            .remove(0);
        let wait = JobOutcome::Retry {
            run_at: 500,
            error: "rate budget".into(),
            spend_attempt: false,
        };
        assert!(
            store
                .finish_job(claimed.id, "w", 1, &wait, 11)
                .await
                .unwrap()
        );
        assert!(
            store
                .claim_jobs("w", &locations, 100, 1_000, 1)
                .await
                .unwrap()
                .is_empty(),
            "not before run_at"
        );
        let claimed = store
            .claim_jobs("w", &locations, 500, 1_000, 1)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(
            claimed.attempts, 1,
            "{}: the wait did not count",
            engine.name
        );
        let retry = JobOutcome::Retry {
            run_at: 600,
            error: "HTTP 502".into(),
            spend_attempt: true,
        };
        assert!(
            store
                .finish_job(claimed.id, "w", 1, &retry, 501)
                .await
                .unwrap()
        );
        let claimed = store
            .claim_jobs("w", &locations, 600, 2_000, 1)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(claimed.attempts, 2);
        let dead = JobOutcome::Dead {
            error: "HTTP 422: email must be an email".into(),
            request: Some(json!({"email": "x"}).to_string()),
            response: Some(json!({"statusCode": 422}).to_string()),
        };
        assert!(
            store
                .finish_job(claimed.id, "w", 2, &dead, 601)
                .await
                .unwrap()
        );
        for attempt in 1..=2 {
            store
                .record_attempt(&AttemptRow {
                    job_id: claimed.id,
                    attempt,
                    worker: "w".into(),
                    started_at: 1,
                    finished_at: 2,
                    outcome: "retry".into(),
                    calls: "[]".into(),
                    error: None,
                })
                .await
                .unwrap();
        }
        let letters = store.dead_jobs(&DeadFilter::default(), 10).await.unwrap();
        assert_eq!(letters.len(), 1);
        assert!(letters[0].dead_response.as_deref().unwrap().contains("422"));
        let by_kind = DeadFilter {
            kind: Some("other.kind".into()),
            ..DeadFilter::default()
        };
        assert_eq!(store.replay_dead(&by_kind, 700).await.unwrap(), 0);
        assert_eq!(
            store
                .replay_dead(
                    &DeadFilter {
                        id: Some(claimed.id),
                        ..DeadFilter::default()
                    },
                    700
                )
                .await
                .unwrap(),
            1
        );
        let replayed = store
            .claim_jobs("w", &locations, 700, 2_000, 1)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(
            (replayed.attempts, replayed.attempts_in_run()),
            (3, 1),
            "{}",
            engine.name
        );
        assert_eq!(
            store.attempts(Some(claimed.id), 10).await.unwrap().len(),
            2,
            "the history stays"
        );
        let gone = JobOutcome::Dead {
            error: "again".into(),
            request: None,
            response: None,
        };
        store
            .finish_job(replayed.id, "w", 3, &gone, 701)
            .await
            .unwrap();
        assert_eq!(
            store
                .discard_dead(&DeadFilter::default(), 702)
                .await
                .unwrap(),
            1
        );
        assert_eq!(store.queue_stats().await.unwrap().dead, 0);
    }
}

#[tokio::test]
async fn a_pending_job_takes_a_later_batchs_input() {
    for engine in engines().await {
        let store = &engine.store;
        let keyed = |event: &str, payload: serde_json::Value| {
            let mut job = job(event, 0, "L1", "contact:c1");
            job.coalesce_key = Some("contact:c1".into());
            job.payload = payload.to_string();
            item(event, vec![job])
        };
        store
            .ingest(
                &[keyed("e1", json!({"email": "a@x.io", "city": "Oslo"}))],
                1,
            )
            .await
            .unwrap();
        store
            .ingest(
                &[
                    keyed("e2", json!({"city": "Rome"})),
                    item("e3", vec![job("e3", 0, "L1", "note:n1")]),
                    keyed("e4", json!({"phone": "+1"})),
                ],
                2,
            )
            .await
            .unwrap();
        let claimed = store
            .claim_jobs("w", &["L1".to_string()], 10, 100, 5)
            .await
            .unwrap();
        assert_eq!(
            claimed.len(),
            2,
            "{}: the merged job and the note",
            engine.name
        );
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&claimed[0].payload).unwrap(),
            json!({"email": "a@x.io", "city": "Rome", "phone": "+1"}),
            "{}",
            engine.name
        );
        assert_eq!(claimed[0].event_ids, r#"["e1","e2","e4"]"#);
        assert_eq!(claimed[1].event_ids, r#"["e3"]"#);
    }
}

#[tokio::test]
async fn pending_jobs_coalesce_and_an_entity_runs_in_order() {
    for engine in engines().await {
        let store = &engine.store;
        let mut first = job("e1", 0, "L1", "contact:c1");
        first.coalesce_key = Some("contact:c1".into());
        first.payload = json!({"fields": {"email": "a@x.io", "city": "Oslo"}}).to_string();
        let mut second = job("e2", 0, "L1", "contact:c1");
        second.coalesce_key = Some("contact:c1".into());
        second.payload = json!({"fields": {"city": "Rome"}}).to_string();
        store
            .ingest(&[item("e1", vec![first]), item("e2", vec![second])], 1)
            .await
            .unwrap();
        assert_eq!(
            store.queue_stats().await.unwrap().pending,
            1,
            "{}: one call for both",
            engine.name
        );
        let locations = vec!["L1".to_string()];
        let merged = store
            .claim_jobs("w", &locations, 10, 100, 5)
            .await
            .unwrap()
            .remove(0);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&merged.payload).unwrap(),
            json!({"fields": {"email": "a@x.io", "city": "Rome"}})
        );
        assert_eq!(merged.event_ids, r#"["e1","e2"]"#);

        // A running job is not merged into: the next update queues behind it, and waits.
        let mut third = job("e3", 0, "L1", "contact:c1");
        third.coalesce_key = Some("contact:c1".into());
        store.ingest(&[item("e3", vec![third])], 11).await.unwrap();
        assert!(
            store
                .claim_jobs("w", &locations, 12, 100, 5)
                .await
                .unwrap()
                .is_empty(),
            "waits for the running one"
        );
        store
            .finish_job(merged.id, "w", 1, &JobOutcome::Succeeded, 13)
            .await
            .unwrap();
        assert_eq!(
            store
                .claim_jobs("w", &locations, 14, 100, 5)
                .await
                .unwrap()
                .len(),
            1
        );
    }
}

#[tokio::test]
async fn identities_leases_alerts_and_purge() {
    for engine in engines().await {
        let store = &engine.store;
        store
            .put_identity("L1", "task", "t1", "GHLTASK0000000000001", 1)
            .await
            .unwrap();
        store
            .put_identity("L1", "task", "t1", "GHLTASK0000000000002", 2)
            .await
            .unwrap();
        assert_eq!(
            store.identity("L1", "task", "t1").await.unwrap().as_deref(),
            Some("GHLTASK0000000000002")
        );
        assert_eq!(store.identity("L2", "task", "t1").await.unwrap(), None);
        assert_eq!(
            store
                .identity_by_ghl_id("L1", "task", "GHLTASK0000000000002")
                .await
                .unwrap()
                .as_deref(),
            Some("t1")
        );

        assert!(store.lease_location("L1", "a", 0, 100).await.unwrap());
        assert!(
            !store.lease_location("L1", "b", 50, 150).await.unwrap(),
            "{}: a holds it",
            engine.name
        );
        assert!(
            store.lease_location("L1", "a", 60, 160).await.unwrap(),
            "a renews"
        );
        assert!(
            store.lease_location("L1", "b", 161, 300).await.unwrap(),
            "b takes it once it expires"
        );
        assert_eq!(store.owned_locations("b", 200).await.unwrap(), vec!["L1"]);
        assert!(store.owned_locations("a", 200).await.unwrap().is_empty());
        store
            .release_locations("b", &["L1".to_string()])
            .await
            .unwrap();
        assert!(store.owned_locations("b", 200).await.unwrap().is_empty());
        store.heartbeat_instance("a", 100).await.unwrap();
        store.heartbeat_instance("b", 200).await.unwrap();
        assert_eq!(store.alive_instances(150).await.unwrap(), 1);

        assert_eq!(
            store.alert_gate("dead:L1", 0, 1_000).await.unwrap(),
            Some(0)
        );
        assert_eq!(store.alert_gate("dead:L1", 10, 1_000).await.unwrap(), None);
        assert_eq!(store.alert_gate("dead:L1", 20, 1_000).await.unwrap(), None);
        assert_eq!(
            store.alert_gate("dead:L1", 1_001, 1_000).await.unwrap(),
            Some(2),
            "two repeats held back"
        );

        store
            .ingest(&[item("old", vec![job("old", 0, "L1", "c")])], 1)
            .await
            .unwrap();
        let claimed = store
            .claim_jobs("w", &["L1".to_string()], 5, 100, 1)
            .await
            .unwrap()
            .remove(0);
        store
            .finish_job(claimed.id, "w", 1, &JobOutcome::Succeeded, 6)
            .await
            .unwrap();
        assert!(store.purge(10, 10).await.unwrap() >= 2);
        assert_eq!(
            store.ingest(&[item("old", vec![])], 20).await.unwrap(),
            vec![Ingested::Accepted],
            "purged ids are forgotten"
        );
    }
}

#[tokio::test]
async fn a_job_waits_for_older_jobs_of_its_after_key_but_not_the_other_way() {
    for engine in engines().await {
        let store = &engine.store;
        let mut note = job("e1", 0, "L1", "note:L1:c1");
        note.after_key = Some("contact:L1:c1".into());
        let upsert = job("e2", 0, "L1", "contact:L1:c1");
        let mut task = job("e3", 0, "L1", "task:L1:c1");
        task.after_key = Some("contact:L1:c1".into());
        store
            .ingest(
                &[
                    item("e1", vec![note]),
                    item("e2", vec![upsert]),
                    item("e3", vec![task]),
                ],
                1,
            )
            .await
            .unwrap();
        let locations = vec!["L1".to_string()];
        let first: Vec<String> = store
            .claim_jobs("w", &locations, 10, 100, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|j| j.entity_key)
            .collect();
        assert_eq!(
            first,
            ["note:L1:c1", "contact:L1:c1"],
            "{}: the upsert does not wait for the older note; the task waits for the upsert",
            engine.name
        );
        let upsert = store.job(2).await.unwrap().unwrap();
        assert!(
            store
                .claim_jobs("w", &locations, 11, 100, 10)
                .await
                .unwrap()
                .is_empty()
        );
        store
            .finish_job(upsert.id, "w", 1, &JobOutcome::Succeeded, 12)
            .await
            .unwrap();
        let next = store
            .claim_jobs("w", &locations, 13, 100, 10)
            .await
            .unwrap();
        assert_eq!(next.len(), 1);
        assert_eq!(next[0].entity_key, "task:L1:c1");
    }
}

/// A location's cap (its GHL budget) holds back its GHL jobs only: NiftyImages writes spend no
/// GHL budget and are claimed even when the cap is 0.
#[tokio::test]
async fn the_budget_cap_holds_back_ghl_jobs_only() {
    for engine in engines().await {
        let store = &engine.store;
        let mut jobs = Vec::new();
        for n in 0..3 {
            jobs.push(job("e1", n, "L1", &format!("contact:{n}")));
            jobs.push(NewJob {
                kind: "niftyimages.store.upsert".into(),
                ..job("e1", 10 + n, "L1", &format!("store:{n}"))
            });
        }
        store.ingest(&[item("e1", jobs)], 1).await.unwrap();
        let claimed = store
            .claim_jobs_capped("a", &[("L1".to_string(), 0)], 10, 100, 10)
            .await
            .unwrap();
        let kinds: Vec<&str> = claimed.iter().map(|j| j.kind.as_str()).collect();
        assert_eq!(
            kinds, ["niftyimages.store.upsert"; 3],
            "{}: no GHL budget, NiftyImages writes still go",
            engine.name
        );
        let claimed = store
            .claim_jobs_capped("a", &[("L1".to_string(), 2)], 10, 100, 10)
            .await
            .unwrap();
        assert_eq!(
            claimed.len(),
            2,
            "{}: two GHL jobs for a budget of two",
            engine.name
        );
        assert!(claimed.iter().all(|j| j.kind == "ghl.contact.upsert"));
    }
}
