//! `nifty-ghl bench sandbox`: load on the GHL sandbox over loopback, to show it is never the
//! bottleneck when the engine is measured against it. Each of `--concurrency` workers keeps one
//! keep-alive HTTP/1.1 connection and sends requests back to back; the figures are requests per
//! second and latency percentiles, measured after a one-second warm-up.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use sandbox::{RateLimitSettings, SandboxConfig, Settings};
use serde_json::{Value, json};

use super::http;
use crate::cli::BenchArgs;
use crate::output::input_error;

#[derive(Debug, Clone, Copy)]
enum Operation {
    GetContact,
    UpsertContact,
}

impl Operation {
    fn label(self) -> &'static str {
        match self {
            Self::GetContact => "GET /contacts/{id}",
            Self::UpsertContact => "POST /contacts/upsert",
        }
    }
}

struct Plan {
    address: String,
    token: String,
    location: String,
    contact_ids: Vec<String>,
    emails: usize,
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    if args.concurrency == 0 || args.seconds == 0 || args.contacts == 0 {
        return Err(input_error(
            "--concurrency, --seconds and --contacts must be above 0",
        ));
    }
    let running = sandbox::start(SandboxConfig {
        locations: 1,
        settings: Settings {
            rate_limit: RateLimitSettings {
                enabled: false,
                ..RateLimitSettings::default()
            },
            record_bodies: false,
            request_log_capacity: 0,
            ..Settings::default()
        },
        ..SandboxConfig::default()
    })
    .await?;
    let url = running.url().to_owned();
    let plan = Plan {
        address: url.trim_start_matches("http://").to_owned(),
        token: running.pit(0).to_owned(),
        location: running.location_id(0).to_owned(),
        contact_ids: seed(&url, running.location_id(0), args.contacts).await?,
        emails: args.contacts * 2,
    };
    let plan = std::sync::Arc::new(plan);
    eprintln!(
        "sandbox at {url}: {} contacts seeded, {} connections, {} s per operation",
        plan.contact_ids.len(),
        args.concurrency,
        args.seconds
    );
    let mut results = Vec::new();
    for operation in [Operation::GetContact, Operation::UpsertContact] {
        let result = measure(
            &plan,
            operation,
            args.concurrency,
            Duration::from_secs(args.seconds),
        )
        .await?;
        println!(
            "{:<24} {:>9.0} req/s   p50 {:>6.2} ms   p99 {:>6.2} ms   p99.9 {:>6.2} ms   errors {}",
            operation.label(),
            result["requests_per_second"].as_f64().unwrap_or_default(),
            result["p50_ms"].as_f64().unwrap_or_default(),
            result["p99_ms"].as_f64().unwrap_or_default(),
            result["p999_ms"].as_f64().unwrap_or_default(),
            result["errors"],
        );
        results.push(result);
    }
    println!(
        "{}",
        json!({"concurrency": args.concurrency, "seconds": args.seconds, "results": results})
    );
    running.stop().await;
    Ok(())
}

/// Seeds `count` contacts through the control API and returns their ids.
async fn seed(url: &str, location: &str, count: usize) -> anyhow::Result<Vec<String>> {
    let address = url.trim_start_matches("http://");
    let mut ids = Vec::with_capacity(count);
    for start in (0..count).step_by(1_000) {
        let contacts: Vec<Value> = (start..(start + 1_000).min(count))
            .map(|i| json!({"email": bench_email(i), "firstName": format!("Bench{i}"), "phone": format!("+1555{i:07}")}))
            .collect();
        let body = json!({"location_id": location, "contacts": contacts});
        let answer =
            http::json(address, hyper::Method::POST, "/_sandbox/seed", Some(&body)).await?;
        ids.extend(
            answer["contacts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|id| id.as_str().map(str::to_owned)),
        );
    }
    Ok(ids)
}

fn bench_email(i: usize) -> String {
    format!("bench{i}@example.com")
}

async fn measure(
    plan: &std::sync::Arc<Plan>,
    operation: Operation,
    concurrency: usize,
    duration: Duration,
) -> anyhow::Result<Value> {
    let warm_up = Duration::from_secs(1);
    let started = Instant::now();
    let measure_from = started + warm_up;
    let deadline = measure_from + duration;
    let mut workers = tokio::task::JoinSet::new();
    for worker in 0..concurrency {
        let plan = std::sync::Arc::clone(plan);
        workers.spawn(async move { work(&plan, operation, worker, measure_from, deadline).await });
    }
    let mut latencies_us: Vec<u32> = Vec::new();
    let mut errors = 0u64;
    while let Some(outcome) = workers.join_next().await {
        let (latencies, failed) = outcome??;
        latencies_us.extend(latencies);
        errors += failed;
    }
    latencies_us.sort_unstable();
    let percentile = |p: f64| http::percentile_ms(&latencies_us, p);
    Ok(json!({
        "operation": operation.label(),
        "requests": latencies_us.len(),
        "requests_per_second": latencies_us.len() as f64 / duration.as_secs_f64(),
        "p50_ms": percentile(0.50),
        "p99_ms": percentile(0.99),
        "p999_ms": percentile(0.999),
        "errors": errors,
    }))
}

async fn work(
    plan: &Plan,
    operation: Operation,
    worker: usize,
    measure_from: Instant,
    deadline: Instant,
) -> anyhow::Result<(Vec<u32>, u64)> {
    let mut sender = http::connect(&plan.address).await?;
    let mut latencies = Vec::with_capacity(200_000);
    let mut errors = 0;
    let mut sequence = worker;
    let authorization = format!("Bearer {}", plan.token);
    loop {
        let now = Instant::now();
        if now >= deadline {
            break;
        }
        sequence = sequence.wrapping_add(7919);
        let request = match operation {
            Operation::GetContact => {
                let id = &plan.contact_ids[sequence % plan.contact_ids.len()];
                hyper::Request::get(format!("/contacts/{id}")).body(Full::new(Bytes::new()))?
            }
            Operation::UpsertContact => {
                let body = json!({
                    "locationId": plan.location,
                    "email": bench_email(sequence % plan.emails),
                    "lastName": format!("Run{sequence}"),
                });
                hyper::Request::post("/contacts/upsert")
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(body.to_string())))?
            }
        };
        let (mut parts, body) = request.into_parts();
        parts.headers.insert("host", plan.address.parse()?);
        parts
            .headers
            .insert("authorization", authorization.parse()?);
        parts.headers.insert(
            "version",
            hyper::header::HeaderValue::from_static("2021-07-28"),
        );
        let request = hyper::Request::from_parts(parts, body);
        sender.ready().await?;
        let sent = Instant::now();
        let response = sender.send_request(request).await?;
        let ok = response.status().is_success();
        response.into_body().collect().await?;
        if sent >= measure_from && Instant::now() <= deadline {
            latencies.push(sent.elapsed().as_micros().min(u128::from(u32::MAX)) as u32);
            if !ok {
                errors += 1;
            }
        }
    }
    Ok((latencies, errors))
}
