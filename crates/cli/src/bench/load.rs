//! Load for the HTTP benchmarks: full speed (closed loop, back to back on each connection) and
//! a fixed rate (open loop, latency from the moment a request was due, so a stall is not
//! hidden). What is sent and what answer counts as success come from a [`Target`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde_json::{Value, json};
use tokio::sync::{Mutex, mpsc};

use super::http;

pub type Request = hyper::Request<Full<Bytes>>;

/// What a benchmark sends: a fresh request each time, the status that means success, and how
/// many items (events, opens) one request carries.
pub struct Target {
    pub address: String,
    pub make: Box<dyn Fn() -> anyhow::Result<Request> + Send + Sync>,
    pub success: hyper::StatusCode,
    pub items_per_request: usize,
}

/// Sends one request and waits for its whole answer: true when it was a success.
async fn send(
    target: &Target,
    sender: &mut http::Sender,
    request: Request,
) -> anyhow::Result<bool> {
    sender.ready().await?;
    let response = sender.send_request(request).await?;
    let ok = response.status() == target.success;
    response.into_body().collect().await?;
    Ok(ok)
}

/// `concurrency` connections send back to back for `duration` (after a second of warm-up).
pub async fn full_speed(
    target: &Arc<Target>,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<Value> {
    let measure_from = Instant::now() + Duration::from_secs(1);
    let deadline = measure_from + duration;
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..concurrency {
        let target = Arc::clone(target);
        workers.spawn(async move {
            let mut sender = http::connect(&target.address).await?;
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            while Instant::now() < deadline {
                let request = (target.make)()?;
                let sent = Instant::now();
                let ok = send(&target, &mut sender, request).await?;
                if sent >= measure_from && Instant::now() <= deadline {
                    latencies.push(sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                    errors += u64::from(!ok);
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
        "items_per_request": target.items_per_request,
        "seconds": duration.as_secs_f64(),
        "requests_per_second": requests / duration.as_secs_f64(),
        "items_per_second": requests * target.items_per_request as f64 / duration.as_secs_f64(),
        "p50_ms": http::percentile_ms(&latencies, 0.50),
        "p99_ms": http::percentile_ms(&latencies, 0.99),
        "errors": errors,
    }))
}

/// Open loop: a request every 1/`rate` s on a pool of connections; latency from the moment
/// the request was due, so that waiting for a free connection counts too.
pub async fn fixed_rate(
    target: &Arc<Target>,
    rate: u64,
    duration: Duration,
) -> anyhow::Result<Value> {
    let connections = 128;
    let (due_sender, due) = mpsc::channel::<Instant>(100_000);
    let due = Arc::new(Mutex::new(due));
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..connections {
        let target = Arc::clone(target);
        let due = Arc::clone(&due);
        workers.spawn(async move {
            let mut sender = http::connect(&target.address).await?;
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            loop {
                let Some(due_at) = due.lock().await.recv().await else {
                    break;
                };
                let request = (target.make)()?;
                let ok = send(&target, &mut sender, request).await?;
                latencies.push(due_at.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
                errors += u64::from(!ok);
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
        "requests": latencies.len(),
        "items_per_second": latencies.len() as f64 * target.items_per_request as f64 / elapsed.as_secs_f64(),
        "p50_ms": http::percentile_ms(&latencies, 0.50),
        "p99_ms": http::percentile_ms(&latencies, 0.99),
        "p999_ms": http::percentile_ms(&latencies, 0.999),
        "max_ms": http::percentile_ms(&latencies, 1.0),
        "errors": errors,
    }))
}
