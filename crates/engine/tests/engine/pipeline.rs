//! The event pipeline against the sandbox: every accepted event has exactly its effect, through
//! faults, 429 storms and re-auth; failures retry, then dead-letter with an alert.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use engine::events::{Event, parse_body};
use engine::pipeline::Pipeline;
use reqwest::Method;
use secrecy::SecretString;
use serde_json::{Value, json};
use store::queue::DeadFilter;

use crate::support::*;

fn events(body: Value) -> Vec<Event> {
    parse_body(&body, None).unwrap()
}

async fn connect_pit(
    process: &Process,
    sandbox: &sandbox::RunningSandbox,
    index: usize,
    scopes: &[&str],
) {
    process
        .connections
        .connect_pit(
            sandbox.location_id(index),
            SecretString::from(sandbox.pit(index).to_owned()),
            scopes.iter().map(|s| (*s).to_owned()).collect(),
            false,
        )
        .await
        .unwrap();
}

const WRITE: [&str; 2] = ["contacts.readonly", "contacts.write"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_event_becomes_its_effect_in_ghl() {
    let dir = tempfile::tempdir().unwrap();
    for place in places(&dir) {
        let sandbox = start_sandbox(86_399).await;
        let process = Process::open(&place, &new_key(), sandbox.url(), refresh_settings(60)).await;
        connect_pit(&process, &sandbox, 0, &WRITE).await;
        let location = sandbox.location_id(0).to_owned();
        let pipeline = Pipeline::start(&pipeline_config(&location), process.connections.clone())
            .await
            .unwrap();
        let receipt = pipeline
            .ingestor
            .submit(
                events(json!([
                    {"id": "e1", "type": "contact.created", "data": {"contactId": "n1", "email": "ann@example.com", "name": "Ann Lee", "tags": ["VIP"]}},
                    {"id": "e2", "type": "contact.updated", "data": {"contactId": "n1", "email": "ann@example.com", "name": "Ann Lee", "customFields": {"niftyimages_contact_id": "n1"}}},
                    {"id": "e3", "type": "campaign.event", "occurred_at": "2026-11-27T10:00:00Z", "data": {"contactId": "n1", "kind": "click", "campaignId": "spring", "campaignName": "Spring sale"}},
                    {"id": "e4", "type": "note.added", "data": {"noteId": "note-1", "contactId": "n1", "content": "Asked about the spring offer"}},
                    {"id": "e5", "type": "signup", "data": {"email": "bob@example.com", "name": "Bob Stone"}},
                    {"id": "e1", "type": "contact.created", "data": {"contactId": "n1", "email": "ann@example.com", "name": "Ann Lee"}}
                ])),
                "test",
            )
            .await
            .unwrap();
        assert_eq!(
            (receipt.accepted(), receipt.duplicates()),
            (5, 1),
            "{place:?}"
        );
        let stats = drained(&pipeline.store, Duration::from_secs(20)).await;
        assert_eq!(stats.dead, 0, "{place:?}");
        let state = location_state(&sandbox, &location).await;
        let contacts = state["contacts"].as_array().unwrap();
        assert_eq!(contacts.len(), 2, "{place:?}: {contacts:?}");
        let ann = contacts
            .iter()
            .find(|c| c["email"] == "ann@example.com")
            .unwrap();
        assert_eq!(ann["firstName"], "Ann");
        assert_eq!(ann["tags"], json!(["vip"]));
        assert!(
            ann["customFields"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["value"] == "n1")
        );
        let bob = contacts
            .iter()
            .find(|c| c["email"] == "bob@example.com")
            .unwrap();
        assert_eq!(bob["tags"], json!(["niftyimages-signup"]));
        let tasks = state["tasks"].as_array().unwrap();
        assert_eq!(tasks.len(), 1);
        assert_eq!(tasks[0]["title"], "Follow up: clicked on Spring sale");
        assert_eq!(tasks[0]["dueDate"], "2026-11-30T09:00:00.000Z");
        assert_eq!(tasks[0]["contactId"], ann["id"]);
        let notes = state["notes"].as_array().unwrap();
        assert_eq!(
            (notes.len(), notes[0]["body"].as_str()),
            (1, Some("Asked about the spring offer"))
        );
        let store = &pipeline.store;
        assert_eq!(
            store
                .identity(&location, "contact", "n1")
                .await
                .unwrap()
                .as_deref(),
            ann["id"].as_str()
        );
        let counts = control(&sandbox, Method::GET, "/requests", None).await["counts"].clone();
        assert_eq!(
            counts["POST /contacts/upsert"], 2,
            "{place:?}: the two updates of Ann were one call: {counts}"
        );

        // A second engagement with the same campaign updates that task instead of adding one.
        pipeline
            .ingestor
            .submit(events(json!({"id": "e6", "type": "campaign.event", "data": {"contactId": "n1", "kind": "submit", "campaignId": "spring", "completed": true}})), "test")
            .await
            .unwrap();
        drained(&pipeline.store, Duration::from_secs(20)).await;
        let tasks = location_state(&sandbox, &location).await["tasks"].clone();
        assert_eq!(tasks.as_array().unwrap().len(), 1, "{place:?}");
        assert_eq!(tasks[0]["completed"], true);
        let runs = pipeline.store.attempts(None, 100).await.unwrap();
        assert!(runs.iter().all(|r| r.outcome == "succeeded"), "{runs:?}");
        pipeline.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_and_429_storms_still_give_every_effect_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    for place in places(&dir) {
        let sandbox = start_sandbox(86_399).await;
        let process = Process::open(&place, &new_key(), sandbox.url(), refresh_settings(60)).await;
        connect_pit(&process, &sandbox, 0, &WRITE).await;
        let location = sandbox.location_id(0).to_owned();
        control(
            &sandbox,
            Method::PATCH,
            "/settings",
            Some(json!({
                "rate_limit": {"burst_interval_ms": 1_000},
                "faults": {"error_rate": 0.05, "error_after_apply_rate": 0.05, "drop_rate": 0.01, "drop_after_apply_rate": 0.02},
            })),
        )
        .await;
        // GHL's interval is 10 s; 1 s here keeps the 429 storms' waits short.
        let mut config = pipeline_config(&location);
        config.pipeline.burst_interval_ms = 1_000;
        let pipeline = Pipeline::start(&config, process.connections.clone())
            .await
            .unwrap();
        let storm = tokio::spawn({
            let url = sandbox.url().to_owned();
            async move {
                for _ in 0..4 {
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    let _ = reqwest::Client::new()
                        .patch(format!("{url}/_sandbox/settings"))
                        .json(&json!({"faults": {"force_429": 10}}))
                        .send()
                        .await;
                }
            }
        });
        let mut batch = Vec::new();
        for i in 0..60 {
            batch.push(json!({"id": format!("c{i}"), "type": "contact.created", "data": {"contactId": format!("n{i}"), "email": format!("p{i}@example.com"), "name": format!("P {i}")}}));
            batch.push(json!({"id": format!("t{i}"), "type": "campaign.event", "data": {"contactId": format!("n{i}"), "email": format!("p{i}@example.com"), "kind": "open", "campaignId": format!("camp{i}")}}));
            batch.push(json!({"id": format!("m{i}"), "type": "note.added", "data": {"noteId": format!("note{i}"), "contactId": format!("n{i}"), "email": format!("p{i}@example.com"), "content": format!("note number {i}")}}));
        }
        for chunk in batch.chunks(30) {
            pipeline
                .ingestor
                .submit(events(Value::Array(chunk.to_vec())), "test")
                .await
                .unwrap();
        }
        let stats = drained(&pipeline.store, Duration::from_secs(60)).await;
        storm.await.unwrap();
        assert_eq!(
            stats.dead,
            0,
            "{place:?}: {:?}",
            pipeline
                .store
                .dead_jobs(&DeadFilter::default(), 10)
                .await
                .unwrap()
        );
        let state = location_state(&sandbox, &location).await;
        let mut by_email: HashMap<String, usize> = HashMap::new();
        for contact in state["contacts"].as_array().unwrap() {
            *by_email
                .entry(contact["email"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        assert_eq!(by_email.len(), 60, "{place:?}");
        assert!(by_email.values().all(|n| *n == 1));
        let mut by_campaign: HashMap<String, usize> = HashMap::new();
        for task in state["tasks"].as_array().unwrap() {
            *by_campaign
                .entry(task["title"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        assert_eq!(by_campaign.len(), 60, "{place:?}: every task");
        assert!(
            by_campaign.values().all(|n| *n == 1),
            "{place:?}: no task twice: {by_campaign:?}"
        );
        let mut by_body: HashMap<String, usize> = HashMap::new();
        for note in state["notes"].as_array().unwrap() {
            *by_body
                .entry(note["body"].as_str().unwrap().to_owned())
                .or_default() += 1;
        }
        assert_eq!(by_body.len(), 60, "{place:?}: every note");
        assert!(
            by_body.values().all(|n| *n == 1),
            "{place:?}: no note twice"
        );
        let log = control(&sandbox, Method::GET, "/requests", None).await;
        let faults = log["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| !r["fault"].is_null())
            .count();
        assert!(faults > 10, "{place:?}: the faults happened ({faults})");
        pipeline.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_governor_spends_the_budget_without_a_single_429() {
    let dir = tempfile::tempdir().unwrap();
    let place = places(&dir).remove(0);
    let sandbox = start_sandbox(86_399).await;
    control(
        &sandbox,
        Method::PATCH,
        "/settings",
        Some(json!({"rate_limit": {"enabled": true, "burst_max": 10, "burst_interval_ms": 1_000}})),
    )
    .await;
    let process = Process::open(&place, &new_key(), sandbox.url(), refresh_settings(60)).await;
    connect_pit(&process, &sandbox, 0, &WRITE).await;
    let location = sandbox.location_id(0).to_owned();
    let mut config = pipeline_config(&location);
    config.pipeline.burst_max = 10;
    config.pipeline.burst_interval_ms = 1_000;
    let pipeline = Pipeline::start(&config, process.connections.clone())
        .await
        .unwrap();
    let batch: Vec<Value> = (0..40)
        .map(|i| json!({"id": format!("s{i}"), "type": "signup", "data": {"email": format!("s{i}@example.com")}}))
        .collect();
    pipeline
        .ingestor
        .submit(events(Value::Array(batch)), "test")
        .await
        .unwrap();
    drained(&pipeline.store, Duration::from_secs(30)).await;
    let log = control(&sandbox, Method::GET, "/requests", None).await;
    let statuses: Vec<u64> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["route"] != "/_sandbox/settings")
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert!(!statuses.contains(&429), "no 429: {statuses:?}");
    // How much of the budget is used is measured by `nifty-ghl bench delivery`, not here.
    assert_eq!(statuses.len(), 80, "each signup: an upsert, then its tag");
    pipeline.shutdown().await;
}

#[derive(Default)]
struct Receiver {
    alerts: Vec<(Value, Option<String>)>,
}

async fn alert_receiver() -> (String, Arc<Mutex<Receiver>>) {
    use axum::routing::post;
    let shared = Arc::new(Mutex::new(Receiver::default()));
    let app = axum::Router::new()
        .route(
            "/alerts",
            post(
                |axum::extract::State(shared): axum::extract::State<Arc<Mutex<Receiver>>>,
                 headers: axum::http::HeaderMap,
                 body: axum::body::Bytes| async move {
                    let signature = headers
                        .get("webhook-signature")
                        .map(|v| v.to_str().unwrap().to_owned());
                    shared
                        .lock()
                        .unwrap()
                        .alerts
                        .push((serde_json::from_slice(&body).unwrap(), signature));
                    "ok"
                },
            ),
        )
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/alerts", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, shared)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_permanent_failure_becomes_a_dead_letter_with_one_alert_and_replays_once_fixed() {
    let dir = tempfile::tempdir().unwrap();
    for place in places(&dir) {
        let sandbox = start_sandbox(86_399).await;
        let process = Process::open(&place, &new_key(), sandbox.url(), refresh_settings(60)).await;
        // Connected for reading only: every write fails at once, for good.
        connect_pit(&process, &sandbox, 0, &["contacts.readonly"]).await;
        let location = sandbox.location_id(0).to_owned();
        let (url, received) = alert_receiver().await;
        let mut config = pipeline_config(&location);
        config.notifications.slack_webhook_url = Some(url.clone());
        config.notifications.webhook_url = Some(url);
        config.notifications.webhook_secret = Some(engine::signing::generate_secret());
        let pipeline = Pipeline::start(&config, process.connections.clone())
            .await
            .unwrap();
        let batch: Vec<Value> = (0..3)
            .map(|i| json!({"id": format!("d{i}"), "type": "signup", "data": {"email": format!("d{i}@example.com")}}))
            .collect();
        pipeline
            .ingestor
            .submit(events(Value::Array(batch)), "test")
            .await
            .unwrap();
        let stats = drained(&pipeline.store, Duration::from_secs(20)).await;
        assert_eq!(stats.dead, 3, "{place:?}");
        let letters = pipeline
            .store
            .dead_jobs(&DeadFilter::default(), 10)
            .await
            .unwrap();
        assert!(
            letters[0]
                .last_error
                .as_deref()
                .unwrap()
                .contains("contacts.write"),
            "{:?}",
            letters[0].last_error
        );
        assert!(
            letters[0]
                .dead_request
                .as_deref()
                .unwrap()
                .contains("d0@example.com")
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
        {
            let received = received.lock().unwrap();
            // One Slack message and one signed webhook: three dead letters of one kind, one alert.
            assert_eq!(received.alerts.len(), 2, "{place:?}: {:?}", received.alerts);
            let signed = received
                .alerts
                .iter()
                .find(|(_, signature)| signature.is_some())
                .unwrap();
            assert_eq!(signed.0["type"], "alert.dead_letter");
            assert!(
                signed.0["alert"]["action"]
                    .as_str()
                    .unwrap()
                    .contains("dead-letters replay")
            );
            let slack = received
                .alerts
                .iter()
                .find(|(_, signature)| signature.is_none())
                .unwrap();
            assert!(slack.0["text"].as_str().unwrap().contains("dead letter"));
        }
        // Fix the cause (a token that may write), replay: done once each, history kept.
        connect_pit(&process, &sandbox, 0, &WRITE).await;
        assert_eq!(
            pipeline
                .store
                .replay_dead(&DeadFilter::default(), store::now_millis())
                .await
                .unwrap(),
            3
        );
        let stats = drained(&pipeline.store, Duration::from_secs(20)).await;
        assert_eq!((stats.dead, stats.succeeded), (0, 3), "{place:?}");
        assert_eq!(
            location_state(&sandbox, &location).await["contacts"]
                .as_array()
                .unwrap()
                .len(),
            3
        );
        let history = pipeline
            .store
            .attempts(Some(letters[0].id), 10)
            .await
            .unwrap();
        assert_eq!(
            history
                .iter()
                .map(|a| a.outcome.as_str())
                .collect::<Vec<_>>(),
            vec!["dead", "succeeded"]
        );
        pipeline.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_that_needs_reauth_pauses_its_work_until_reconnected() {
    let dir = tempfile::tempdir().unwrap();
    let place = places(&dir).remove(0);
    let sandbox = start_sandbox(86_399).await;
    let process = Process::open(&place, &new_key(), sandbox.url(), refresh_settings(60)).await;
    process.set_app(&sandbox).await;
    process.authorize(&sandbox, &WRITE, false).await;
    let location = sandbox.location_id(0).to_owned();
    control(
        &sandbox,
        Method::POST,
        "/tokens/revoke-refresh",
        Some(json!({})),
    )
    .await;
    expire_tokens(&sandbox).await;
    let mut config = pipeline_config(&location);
    config.pipeline.reauth_wait_secs = 0.3;
    let pipeline = Pipeline::start(&config, process.connections.clone())
        .await
        .unwrap();
    pipeline
        .ingestor
        .submit(
            events(json!({"id": "r1", "type": "signup", "data": {"email": "wait@example.com"}})),
            "test",
        )
        .await
        .unwrap();
    // While the connection needs re-auth the job waits: never dead, no attempt spent.
    let mut waits = 0;
    for _ in 0..100 {
        waits = pipeline
            .store
            .attempts(None, 100)
            .await
            .unwrap()
            .iter()
            .filter(|r| r.outcome == "waiting")
            .count();
        if waits >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(waits >= 2, "the job waited for the user, more than once");
    let stats = pipeline.store.queue_stats().await.unwrap();
    assert_eq!(stats.dead, 0);
    assert!(
        location_state(&sandbox, &location).await["contacts"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    process.authorize(&sandbox, &WRITE, false).await;
    let stats = drained(&pipeline.store, Duration::from_secs(10)).await;
    assert_eq!((stats.succeeded, stats.dead), (1, 0));
    let contacts = location_state(&sandbox, &location).await["contacts"].clone();
    assert_eq!(contacts[0]["email"], "wait@example.com");
    let runs = pipeline.store.attempts(None, 100).await.unwrap();
    let job = pipeline.store.job(runs[0].job_id).await.unwrap().unwrap();
    assert_eq!(job.attempts, 1, "the waits did not count as attempts");
    pipeline.shutdown().await;
}
