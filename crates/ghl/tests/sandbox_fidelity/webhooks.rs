//! GHL's webhooks from the sandbox: signed, shaped like GHL's, retried only after a 429.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ghl::contacts::{ContactFields, CreateContact};
use ghl::tasks::CreateTask;
use reqwest::Method;
use ring::signature::{ED25519, UnparsedPublicKey};
use serde_json::{Value, json};

use crate::support::{Harness, email};

#[derive(Default)]
struct Receiver {
    received: Vec<(String, Bytes)>,
    /// Statuses to answer, in order; 200 once they run out.
    answers: VecDeque<u16>,
}

type Shared = Arc<Mutex<Receiver>>;

async fn receive(State(receiver): State<Shared>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let signature = headers
        .get("x-ghl-signature")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    let mut receiver = receiver.lock().unwrap();
    receiver.received.push((signature, body));
    StatusCode::from_u16(receiver.answers.pop_front().unwrap_or(200)).unwrap()
}

async fn start_receiver(answers: &[u16]) -> (String, Shared) {
    let shared: Shared = Arc::new(Mutex::new(Receiver {
        received: Vec::new(),
        answers: answers.iter().copied().collect(),
    }));
    let app = Router::new()
        .route("/ghl", post(receive))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/ghl", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, shared)
}

async fn wait_for(receiver: &Shared, count: usize) -> Vec<(String, Bytes)> {
    for _ in 0..200 {
        if receiver.lock().unwrap().received.len() >= count {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    receiver.lock().unwrap().received.clone()
}

#[tokio::test]
async fn events_are_signed_over_the_raw_body_and_shaped_like_ghl() {
    let h = Harness::start().await;
    let (url, receiver) = start_receiver(&[]).await;
    h.control(
        Method::POST,
        "/webhooks",
        Some(json!({"url": url, "location_id": h.location(0)})),
    )
    .await;
    let ghl = h.client(0);
    let contact = ghl
        .create_contact(&CreateContact {
            location_id: h.location(0),
            fields: ContactFields {
                email: Some(email("hook")),
                first_name: Some("Hope".into()),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap();
    ghl.create_task(
        &contact.id,
        &CreateTask {
            title: "Follow up".into(),
            body: Some("b".into()),
            due_date: "2026-12-24T10:00:00Z".into(),
            completed: false,
            assigned_to: None,
        },
    )
    .await
    .unwrap();
    ghl.add_tags(&contact.id, &["hot".into()]).await.unwrap();
    // Another location's events do not reach a receiver registered for this one.
    h.client(1)
        .create_contact(&CreateContact {
            location_id: h.location(1),
            fields: ContactFields {
                email: Some(email("elsewhere")),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap();

    let received = wait_for(&receiver, 3).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(receiver.lock().unwrap().received.len(), 3);
    let spki = STANDARD.decode(h.sandbox.webhook_public_key()).unwrap();
    let key = UnparsedPublicKey::new(&ED25519, &spki[spki.len() - 32..]);
    let mut bodies: Vec<Value> = Vec::new();
    for (signature, raw) in &received {
        let signature = STANDARD.decode(signature).unwrap();
        assert_eq!(signature.len(), 64);
        key.verify(raw, &signature)
            .expect("the signature verifies over the raw body");
        let mut tampered = raw.to_vec();
        tampered[1] ^= 1;
        assert!(key.verify(&tampered, &signature).is_err());
        bodies.push(serde_json::from_slice(raw).unwrap());
    }
    let kinds: Vec<_> = bodies.iter().map(|b| b["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        vec!["ContactCreate", "TaskCreate", "ContactTagUpdate"]
    );
    let created = &bodies[0];
    assert_eq!(created["id"], json!(contact.id));
    assert_eq!(created["locationId"], json!(h.location(0)));
    assert_eq!(created["firstName"], "Hope");
    assert!(created["webhookId"].as_str().unwrap().len() == 36);
    assert!(created["timestamp"].as_str().unwrap().ends_with('Z'));
    assert!(
        bodies[1].get("contactId").is_none(),
        "live TaskCreate has no contactId (highlevel-api-docs#332)"
    );
    assert_eq!(bodies[2]["tags"], json!(["hot"]));
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn deliveries_are_retried_only_after_a_429() {
    let h = Harness::start().await;
    h.settings(json!({"webhooks": {"retry_delay_ms": 20}}))
        .await;
    let (throttled_url, throttled) = start_receiver(&[429, 429]).await;
    let (failing_url, failing) = start_receiver(&[500]).await;
    h.control(
        Method::POST,
        "/webhooks",
        Some(json!({"url": throttled_url, "events": ["ContactCreate"]})),
    )
    .await;
    h.control(
        Method::POST,
        "/webhooks",
        Some(json!({"url": failing_url, "events": ["ContactCreate"]})),
    )
    .await;
    h.client(0)
        .create_contact(&CreateContact {
            location_id: h.location(0),
            fields: ContactFields {
                email: Some(email("retry")),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap();
    let throttled_seen = wait_for(&throttled, 3).await;
    assert_eq!(throttled_seen.len(), 3, "two 429s, then delivered");
    assert_eq!(
        throttled_seen[0].1, throttled_seen[2].1,
        "the same body every time"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        failing.lock().unwrap().received.len(),
        1,
        "a 500 is final, as GHL does"
    );
    let deliveries = h.control(Method::GET, "/webhooks", None).await["deliveries"].clone();
    let states: Vec<_> = deliveries
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["url"].as_str().unwrap().to_owned(),
                d["state"].as_str().unwrap().to_owned(),
                d["attempts"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert!(
        states.contains(&(throttled_url, "delivered".into(), 3)),
        "{states:?}"
    );
    assert!(
        states.contains(&(failing_url, "failed".into(), 1)),
        "{states:?}"
    );
    h.assert_log_matches_spec().await;
}

#[tokio::test]
async fn every_contact_note_and_task_event_fires_when_ghl_fires_it() {
    let h = Harness::start().await;
    let (url, receiver) = start_receiver(&[]).await;
    h.control(Method::POST, "/webhooks", Some(json!({"url": url})))
        .await;
    let ghl = h.client(0);
    let contact = ghl
        .create_contact(&CreateContact {
            location_id: h.location(0),
            fields: ContactFields {
                email: Some(email("events")),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap();
    let dnd = ghl::contacts::UpdateContact {
        dnd: Some(true),
        ..Default::default()
    };
    ghl.update_contact(&contact.id, &dnd).await.unwrap();
    let note = ghl
        .create_note(
            &contact.id,
            &ghl::notes::CreateNote {
                body: "n".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    ghl.update_note(
        &contact.id,
        &note.id,
        &ghl::notes::UpdateNote {
            body: Some("m".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    ghl.delete_note(&contact.id, &note.id).await.unwrap();
    let task = ghl
        .create_task(
            &contact.id,
            &CreateTask {
                title: "t".into(),
                body: None,
                due_date: "2026-12-24T10:00:00Z".into(),
                completed: false,
                assigned_to: None,
            },
        )
        .await
        .unwrap();
    ghl.update_task(
        &contact.id,
        &task.id,
        &ghl::tasks::UpdateTask {
            title: Some("u".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    ghl.set_task_completed(&contact.id, &task.id, true)
        .await
        .unwrap();
    ghl.delete_task(&contact.id, &task.id).await.unwrap();
    ghl.delete_contact(&contact.id).await.unwrap();

    let expected = [
        "ContactCreate",
        "ContactUpdate",
        "ContactDndUpdate",
        "NoteCreate",
        "NoteUpdate",
        "NoteDelete",
        "TaskCreate",
        "TaskComplete",
        "TaskDelete",
        "ContactDelete",
    ];
    let received = wait_for(&receiver, expected.len()).await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut kinds: Vec<String> = receiver
        .lock()
        .unwrap()
        .received
        .iter()
        .map(|(_, raw)| {
            serde_json::from_slice::<Value>(raw).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    kinds.sort();
    let mut expected: Vec<String> = expected.iter().map(|k| (*k).to_owned()).collect();
    expected.sort();
    assert_eq!(
        kinds, expected,
        "no TaskUpdate exists in GHL, so the task rename sent nothing"
    );
    assert_eq!(received.len(), 10);
    let dnd_event = receiver
        .lock()
        .unwrap()
        .received
        .iter()
        .map(|(_, raw)| serde_json::from_slice::<Value>(raw).unwrap())
        .find(|b| b["type"] == "ContactDndUpdate")
        .unwrap();
    assert_eq!(dnd_event["dnd"], true);
    assert!(dnd_event.get("dndSettings").is_some());
    h.assert_log_matches_spec().await;
}
