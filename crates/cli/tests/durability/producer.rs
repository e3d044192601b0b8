//! A NiftyImages-side producer as a careful integrator writes one: signed batches of events,
//! each sent again until the service acknowledges it, to whichever instance is up.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use serde_json::{Value, json};
use tokio::sync::watch;

/// Event `i`: a contact (i % 3 == 0), a campaign engagement that becomes a task (1) or a note
/// (2), each for contact `n{i}` in location `i % locations`. Every event has one effect
/// GHL can be searched for: the contact's email, the task's title or the note's body.
pub fn event(i: usize, locations: &[String]) -> Value {
    let location = &locations[i % locations.len()];
    let (kind, data) = match i % 3 {
        0 => (
            "contact.created",
            json!({"contactId": format!("n{i}"), "email": email(i), "name": format!("Person {i}")}),
        ),
        1 => (
            "campaign.event",
            json!({"contactId": format!("n{i}"), "email": email(i), "kind": "open", "campaignId": format!("camp{i}")}),
        ),
        _ => (
            "note.added",
            json!({"noteId": format!("note{i}"), "contactId": format!("n{i}"), "email": email(i), "content": note_body(i)}),
        ),
    };
    json!({"id": format!("evt-{i}"), "type": kind, "location_id": location, "data": data})
}

pub fn email(i: usize) -> String {
    format!("person{i}@example.com")
}

pub fn task_title(i: usize) -> String {
    format!("Follow up: opened on camp{i}")
}

pub fn note_body(i: usize) -> String {
    format!("note number {i}")
}

#[derive(Debug, Default)]
pub struct Tally {
    /// Events acknowledged (202, or 200 for a batch already stored).
    pub acknowledged: AtomicUsize,
    /// Requests that got no answer (the instance died) or a 5xx, and were sent again.
    pub resent: AtomicUsize,
}

/// Who sends what: events `first`, `first + step`, … below `count`, a pause between batches.
#[derive(Debug, Clone)]
pub struct Share {
    pub count: usize,
    pub first: usize,
    pub step: usize,
    pub pause: Duration,
}

/// Sends this share of the events in batches of 1 to 5 to the address in `target`, one batch
/// at a time, each until it is acknowledged.
pub async fn produce(
    share: Share,
    locations: Vec<String>,
    secret: String,
    target: watch::Receiver<String>,
    tally: Arc<Tally>,
) {
    let Share {
        count,
        first,
        step,
        pause,
    } = share;
    let key = engine::signing::secret_key(&secrecy::SecretString::from(secret)).unwrap();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let mut i = first;
    let mut batch_number = 0;
    while i < count {
        tokio::time::sleep(pause).await;
        batch_number += 1;
        let size = 1 + (i / step + batch_number) % 5;
        let indices: Vec<usize> = (i..count).step_by(step).take(size).collect();
        i = indices.last().unwrap() + step;
        let body = serde_json::to_vec(&Value::Array(
            indices.iter().map(|n| event(*n, &locations)).collect(),
        ))
        .unwrap();
        let message_id = format!("msg-{first}-{batch_number}");
        loop {
            let address = target.borrow().clone();
            let timestamp = chrono::Utc::now().timestamp();
            let signature = engine::signing::sign(&key, &message_id, timestamp, &body);
            let sent = client
                .post(format!("http://{address}/hooks/niftyimages"))
                .header("content-type", "application/json")
                .header("webhook-id", &message_id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
                .body(body.clone())
                .send()
                .await;
            match sent.map(|r| r.status().as_u16()) {
                Ok(200 | 202) => {
                    tally
                        .acknowledged
                        .fetch_add(indices.len(), Ordering::Relaxed);
                    break;
                }
                Ok(status) if status >= 500 => {}
                Ok(status) => panic!("the service refused a good batch with {status}"),
                Err(_) => {}
            }
            tally.resent.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}
