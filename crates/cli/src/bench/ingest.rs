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
use std::time::{Duration, Instant};

use bytes::Bytes;
use engine::ingest::Ingestor;
use engine::metrics::Metrics;
use engine::signing;
use http_body_util::{BodyExt, Full};
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::sync::{Mutex, Notify, mpsc};
use tokio_util::sync::CancellationToken;

use super::http;
use crate::cli::BenchArgs;
use crate::output::input_error;

/// The location every benchmark event goes to (none is ever delivered).
const LOCATION: &str = "BenchLocation00000001";

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
    let dir = super::scratch_dir()?;
    // Nothing is delivered: the GHL address is never called.
    let database = dir.path().join("bench.db");
    let connections = crate::local::connections(&database, "http://127.0.0.1:9").await?;
    let store = Arc::clone(connections.vault().store());
    let metrics = Arc::new(Metrics::default());
    let (ingestor, committer) = Ingestor::start(
        Arc::clone(&store),
        Arc::new(engine::recipes::Recipes::builtin()),
        Some(LOCATION.to_owned()),
        engine::config::PipelineSettings::default().ingest_batch_max,
        Arc::new(Notify::new()),
        Arc::clone(&metrics),
    );
    let secret = signing::generate_secret();
    let key = signing::secret_key(&SecretString::from(secret))?;
    let router = server::router(server::AppState {
        connections,
        connected: None,
        events: Some(Arc::new(server::EventDoor {
            ingestor,
            metrics: Arc::clone(&metrics),
            store: Arc::clone(&store),
            keys: vec![key.clone()],
            allow_unsigned: false,
            ghl: server::GhlHooks::default(),
            nifty: Arc::new(server::NiftyRoutes::default()),
        })),
    });
    let listener = server::bind("127.0.0.1:0".parse()?).await?;
    let address = listener.local_addr()?.to_string();
    let stop = CancellationToken::new();
    let serving = tokio::spawn(server::serve(listener, router, stop.clone()));
    let door = Arc::new(Door {
        address,
        key,
        next_event: AtomicU64::new(0),
    });
    eprintln!(
        "SQLite at {}; server at http://{}",
        database.display(),
        door.address
    );

    let full = full_speed(
        &door,
        args.concurrency,
        args.batch,
        Duration::from_secs(args.seconds),
    )
    .await?;
    println!(
        "full speed     {:>9.0} events/s   {:>7.0} requests/s   p50 {:>6.2} ms   p99 {:>6.2} ms   errors {}",
        full["events_per_second"].as_f64().unwrap_or_default(),
        full["requests_per_second"].as_f64().unwrap_or_default(),
        full["p50_ms"].as_f64().unwrap_or_default(),
        full["p99_ms"].as_f64().unwrap_or_default(),
        full["errors"],
    );
    let fixed = fixed_rate(&door, args.rate, Duration::from_secs(args.seconds)).await?;
    println!(
        "at {:>5} ev/s  {:>9.0} events/s   p50 {:>6.2} ms   p99 {:>6.2} ms   p99.9 {:>6.2} ms   max {:>6.2} ms   errors {}",
        args.rate,
        fixed["events_per_second"].as_f64().unwrap_or_default(),
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
    stop.cancel();
    serving.await??;
    drop(door);
    let _ = tokio::time::timeout(Duration::from_secs(10), committer).await;
    Ok(())
}

/// Sends one request and waits for its answer: true when acknowledged (202).
async fn send(
    sender: &mut http::Sender,
    request: hyper::Request<Full<Bytes>>,
) -> anyhow::Result<bool> {
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let accepted = response.status() == hyper::StatusCode::ACCEPTED;
    response.into_body().collect().await?;
    Ok(accepted)
}

async fn full_speed(
    door: &Arc<Door>,
    concurrency: usize,
    batch: usize,
    duration: Duration,
) -> anyhow::Result<Value> {
    let measure_from = Instant::now() + Duration::from_secs(1);
    let deadline = measure_from + duration;
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let door = Arc::clone(door);
        workers.spawn(async move {
            let mut sender = http::connect(&door.address).await?;
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let request = door.request(batch)?;
                let sent = Instant::now();
                let accepted = send(&mut sender, request).await?;
                if sent >= measure_from && Instant::now() <= deadline {
                    latencies.push(sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                    errors += u64::from(!accepted);
                }
            }
            anyhow::Ok((latencies, errors))
        });
    }
    let mut latencies: Vec<u32> = Vec::new();
    let mut errors = 0;
    while let Some(outcome) = workers.join_next().await {
        let (more, failed) = outcome??;
        latencies.extend(more);
        errors += failed;
    }
    latencies.sort_unstable();
    let requests = latencies.len() as f64 - errors as f64;
    Ok(json!({
        "concurrency": concurrency,
        "events_per_request": batch,
        "seconds": duration.as_secs_f64(),
        "requests_per_second": requests / duration.as_secs_f64(),
        "events_per_second": requests * batch as f64 / duration.as_secs_f64(),
        "p50_ms": http::percentile_ms(&latencies, 0.50),
        "p99_ms": http::percentile_ms(&latencies, 0.99),
        "errors": errors,
    }))
}

/// Open loop: a request every 1/`rate` s on a pool of connections; latency from the moment
/// the request was due, so that waiting for a free connection counts too.
async fn fixed_rate(door: &Arc<Door>, rate: u64, duration: Duration) -> anyhow::Result<Value> {
    let connections = 128;
    let (due_sender, due) = mpsc::channel::<Instant>(100_000);
    let due = Arc::new(Mutex::new(due));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let door = Arc::clone(door);
        let due = Arc::clone(&due);
        workers.spawn(async move {
            let mut sender = http::connect(&door.address).await?;
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            loop {
                let Some(due_at) = due.lock().await.recv().await else {
                    break;
                };
                let request = door.request(1)?;
                let accepted = send(&mut sender, request).await?;
                latencies.push(due_at.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                errors += u64::from(!accepted);
            }
            anyhow::Ok((latencies, errors))
        });
    }
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let total = (rate as f64 * duration.as_secs_f64()) as u64;
    let started = Instant::now();
    for n in 0..total {
        let due_at = started + interval.mul_f64(n as f64);
        tokio::time::sleep_until(due_at.into()).await;
        due_sender.send(due_at).await?;
    }
    drop(due_sender);
    let mut latencies: Vec<u32> = Vec::new();
    let mut errors = 0;
    while let Some(outcome) = workers.join_next().await {
        let (more, failed) = outcome??;
        latencies.extend(more);
        errors += failed;
    }
    let elapsed = started.elapsed();
    latencies.sort_unstable();
    Ok(json!({
        "rate": rate,
        "seconds": duration.as_secs_f64(),
        "events": latencies.len(),
        "events_per_second": latencies.len() as f64 / elapsed.as_secs_f64(),
        "p50_ms": http::percentile_ms(&latencies, 0.50),
        "p99_ms": http::percentile_ms(&latencies, 0.99),
        "p999_ms": http::percentile_ms(&latencies, 0.999),
        "max_ms": http::percentile_ms(&latencies, 1.0),
        "errors": errors,
    }))
}
