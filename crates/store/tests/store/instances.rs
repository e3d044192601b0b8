//! Instance claims on both engines: a dead instance is known at once (no lease to wait out),
//! its running jobs and its locations go to the living; a live one is left alone.

use std::time::Duration;

use serde_json::json;
use store::StoreError;
use store::queue::{IngestItem, NewEvent, NewJob};

use crate::support::engines;

fn one_event_one_job() -> IngestItem {
    IngestItem {
        event: NewEvent {
            id: "e1".into(),
            source: "test".into(),
            kind: "signup".into(),
            location_id: Some("L1".into()),
            payload: json!({"id": "e1"}).to_string(),
            received_at: 1,
        },
        jobs: vec![NewJob {
            kind: "ghl.contact.upsert".into(),
            location_id: "L1".into(),
            payload: "{}".into(),
            idempotency_key: "e1:0".into(),
            entity_key: "contact:L1:a".into(),
            after_key: None,
            coalesce_key: None,
            event_id: "e1".into(),
            run_at: 0,
        }],
    }
}

const HOUR: i64 = 3_600_000;

#[tokio::test]
async fn a_dead_instance_gives_back_its_jobs_and_locations_at_once() {
    for engine in engines().await {
        let store = &engine.store;
        let locations = vec!["L1".to_owned()];
        store.ingest(&[one_event_one_job()], 1).await.unwrap();
        let a = store.claim_instance("instance-a", 1).await.unwrap();
        let running = store
            .claim_jobs("instance-a", &locations, 10, 10 + HOUR, 5)
            .await
            .unwrap();
        assert_eq!(running.len(), 1);
        assert!(
            store
                .lease_location("L1", "instance-a", 10, 10 + HOUR)
                .await
                .unwrap()
        );

        if engine.name == "sqlite" {
            // One service per SQLite database: the second is told why, and what to do.
            let refused = store.claim_instance("instance-b", 15).await.unwrap_err();
            assert!(matches!(refused, StoreError::InUse { .. }), "{refused}");
            let message = refused.to_string();
            assert!(
                message.contains("instance-a") && message.contains("PostgreSQL"),
                "{message}"
            );
        } else {
            // A live instance is never buried.
            let b = store.claim_instance("instance-b", 15).await.unwrap();
            assert!(
                store
                    .bury_dead_instances(&b, 0, 15)
                    .await
                    .unwrap()
                    .is_empty()
            );
            drop(b);
        }

        // The process dies: no goodbye, the jobs' and the location's leases still run an hour.
        drop(a);
        let c = store.claim_instance("instance-c", 20).await.unwrap();
        let mut buried = Vec::new();
        for _ in 0..100 {
            buried.extend(store.bury_dead_instances(&c, 0, 20).await.unwrap());
            if buried.iter().any(|(id, _)| id == "instance-a") {
                break;
            }
            // PostgreSQL lets go of a session's locks once it sees the socket close.
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(
            buried.contains(&("instance-a".to_owned(), 1)),
            "{}: {buried:?}",
            engine.name
        );
        let job = store.job(running[0].id).await.unwrap().unwrap();
        assert_eq!(
            (job.status.as_str(), job.locked_by.as_deref()),
            ("pending", None),
            "{}",
            engine.name
        );
        assert!(
            job.last_error.as_deref().unwrap().contains("stopped"),
            "{job:?}"
        );
        let again = store
            .claim_jobs("instance-c", &locations, 30, 30 + HOUR, 5)
            .await
            .unwrap();
        assert_eq!(
            again.len(),
            1,
            "{}: the job runs again at once",
            engine.name
        );
        assert!(
            store
                .lease_location("L1", "instance-c", 30, 30 + HOUR)
                .await
                .unwrap(),
            "{}: the location is free at once",
            engine.name
        );
        assert!(
            store
                .bury_dead_instances(&c, 0, 40)
                .await
                .unwrap()
                .iter()
                .all(|(id, _)| id != "instance-a"),
            "buried once"
        );
    }
}

#[tokio::test]
async fn an_instance_recorded_without_a_claim_is_buried_when_its_heartbeat_is_stale() {
    for engine in engines().await {
        let store = &engine.store;
        let me = store.claim_instance("instance-me", 100).await.unwrap();
        store.heartbeat_instance("instance-old", 50).await.unwrap();
        let buried = store.bury_dead_instances(&me, 40, 100).await.unwrap();
        if engine.name == "sqlite" {
            // Holding the database's service lock proves every other instance gone.
            assert_eq!(buried, vec![("instance-old".to_owned(), 0)]);
        } else {
            assert!(buried.is_empty(), "a fresh heartbeat: {buried:?}");
            let buried = store.bury_dead_instances(&me, 60, 100).await.unwrap();
            assert_eq!(buried, vec![("instance-old".to_owned(), 0)]);
        }
    }
}
