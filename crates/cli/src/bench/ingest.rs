//! `nifty-ghl bench ingest`: durable ingest through `POST /hooks/niftyimages` on SQLite, the
//! real server on loopback, every request signed, every answer given after the commit.
//!
//! 1. Full speed: `--concurrency` connections send back to back (`--batch` events each) for
//!    `--seconds`: events acknowledged per second.
//! 2. Fixed rate: `--rate` single-event requests per second, sent on schedule whatever the
//!    answers do (open loop), latency counted from the scheduled moment so a stall is not
//!    hidden: the acknowledgement latency percentiles.
//!
//! No worker delivers during the run: this measures the door and the store, not GHL.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use engine::signing;
use http_body_util::Full;
use secrecy::SecretString;
use serde_json::{Value, json};

use super::{door, load};
use crate::cli::BenchArgs;
use crate::output::input_error;

struct Door {
    address: String,
    key: signing::Key,
    next_event: AtomicU64,
}

impl Door {
    /// A signed request carrying `events` new events.
    fn request(&self, events: usize) -> anyhow::Result<hyper::Request<Full<Bytes>>> {
        let first = self.next_event.fetch_add(events as u64, Ordering::Relaxed);
        let batch: Vec<Value> = (first..first + events as u64)
            .map(|n| {
                let contact = n % 50_000;
                json!({"id": format!("bench-{n}"), "type": "contact.updated", "data": {
                    "contactId": format!("c{contact}"),
                    "email": format!("c{contact}@example.com"),
                    "name": "Bench Person",
                    "tags": ["bench"],
                }})
            })
            .collect();
        let body = serde_json::to_vec(&batch)?;
        let id = format!("msg-{first}");
        let timestamp = chrono::Utc::now().timestamp();
        let signature = signing::sign(&self.key, &id, timestamp, &body);
        Ok(hyper::Request::post("/hooks/niftyimages")
            .header("host", &self.address)
            .header("content-type", "application/json")
            .header("webhook-id", id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(Full::new(Bytes::from(body)))?)
    }
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    if args.concurrency == 0 || args.seconds == 0 || args.batch == 0 || args.rate == 0 {
        return Err(input_error(
            "--concurrency, --seconds, --batch and --rate must be above 0",
        ));
    }
    let secret = signing::generate_secret();
    let key = signing::secret_key(&SecretString::from(secret))?;
    let server = door::start(vec![key.clone()], server::NiftyRoutes::default()).await?;
    let metrics = Arc::clone(&server.metrics);
    let door = Arc::new(Door {
        address: server.address.clone(),
        key,
        next_event: AtomicU64::new(0),
    });

    let target = |batch: usize| {
        let door = Arc::clone(&door);
        Arc::new(load::Target {
            address: door.address.clone(),
            make: Box::new(move || door.request(batch)),
            success: hyper::StatusCode::ACCEPTED,
            items_per_request: batch,
        })
    };
    let full = load::full_speed(
        &target(args.batch),
        args.concurrency,
        Duration::from_secs(args.seconds),
    )
    .await?;
    println!(
        "full speed     {:>9.0} events/s   {:>7.0} requests/s   p50 {:>6.2} ms   p99 {:>6.2} ms   errors {}",
        full["items_per_second"].as_f64().unwrap_or_default(),
        full["requests_per_second"].as_f64().unwrap_or_default(),
        full["p50_ms"].as_f64().unwrap_or_default(),
        full["p99_ms"].as_f64().unwrap_or_default(),
        full["errors"],
    );
    let fixed = load::fixed_rate(&target(1), args.rate, Duration::from_secs(args.seconds)).await?;
    println!(
        "at {:>5} ev/s  {:>9.0} events/s   p50 {:>6.2} ms   p99 {:>6.2} ms   p99.9 {:>6.2} ms   max {:>6.2} ms   errors {}",
        args.rate,
        fixed["items_per_second"].as_f64().unwrap_or_default(),
        fixed["p50_ms"].as_f64().unwrap_or_default(),
        fixed["p99_ms"].as_f64().unwrap_or_default(),
        fixed["p999_ms"].as_f64().unwrap_or_default(),
        fixed["max_ms"].as_f64().unwrap_or_default(),
        fixed["errors"],
    );
    let commits = metrics.ingest_commits.load(Ordering::Relaxed);
    let accepted = metrics.events_accepted.load(Ordering::Relaxed);
    println!(
        "{}",
        json!({
            "full_speed": full,
            "fixed_rate": fixed,
            "events_accepted": accepted,
            "commits": commits,
            "events_per_commit": accepted as f64 / commits.max(1) as f64,
        })
    );
    drop(door);
    server.stop().await?;
    Ok(())
}
