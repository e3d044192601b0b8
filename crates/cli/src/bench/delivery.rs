//! `nifty-ghl bench delivery`: the pipeline against a sandbox of `--locations` locations, each
//! with GHL's default budget (100 requests per 10 s), and a backlog larger than the budget can
//! clear. After one interval of warm-up, the requests GHL answered during `--seconds` are set
//! against the budget of that time; then the sandbox is searched for duplicates, and its 429s
//! are counted over the whole run.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::config::{Config, PipelineSettings};
use engine::ingest::Ingestor;
use engine::metrics::Metrics;
use engine::pipeline::Pipeline;
use sandbox::{SandboxConfig, Settings};
use serde_json::{Value, json};
use tokio::sync::Notify;

use super::http;
use crate::cli::BenchArgs;
use crate::output::input_error;

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    if args.locations == 0 || args.seconds == 0 {
        return Err(input_error("--locations and --seconds must be above 0"));
    }
    let settings = PipelineSettings {
        workers: args.concurrency,
        ..PipelineSettings::default()
    };
    let interval = Duration::from_millis(settings.burst_interval_ms);
    let running = sandbox::start(SandboxConfig {
        locations: args.locations,
        settings: Settings {
            record_bodies: false,
            request_log_capacity: 0,
            ..Settings::default()
        },
        ..SandboxConfig::default()
    })
    .await?;
    let sandbox_address = running.url().trim_start_matches("http://").to_owned();
    let dir = super::scratch_dir()?;
    let connections =
        crate::local::connections(&dir.path().join("bench.db"), running.url()).await?;
    let store = Arc::clone(connections.vault().store());
    let locations = crate::local::connect_locations(&connections, &running, args.locations).await?;

    // A backlog the budget cannot clear in the run: each pair of events is a new contact and
    // a note on it.
    let windows = (args.seconds as f64 / interval.as_secs_f64()).ceil() as usize + 3;
    let events = args.locations * settings.burst_max as usize * windows;
    let started = Instant::now();
    {
        let (ingestor, committer) = Ingestor::start(
            Arc::clone(&store),
            Arc::new(engine::recipes::Recipes::builtin()),
            None,
            settings.ingest_batch_max,
            Arc::new(Notify::new()),
            Arc::new(Metrics::default()),
        );
        for chunk in (0..events).collect::<Vec<_>>().chunks(1_000) {
            let batch: Vec<Value> = chunk.iter().map(|i| event(*i, &locations)).collect();
            let parsed = engine::events::parse_body(&Value::Array(batch), None)
                .map_err(|problem| anyhow::anyhow!("{problem}"))?;
            ingestor.submit(parsed, "bench").await?;
        }
        drop(ingestor);
        committer.await?;
    }
    eprintln!(
        "{} locations, {events} events queued in {:.1} s; measuring {} s after {} s of warm-up",
        args.locations,
        started.elapsed().as_secs_f64(),
        args.seconds,
        interval.as_secs()
    );

    let config = Config {
        pipeline: settings.clone(),
        ..Config::default()
    };
    let pipeline = Pipeline::start(&config, Arc::clone(&connections)).await?;
    let run_started = Instant::now();
    let mut before = answered(&sandbox_address).await?;
    let mut measured_from = run_started;
    let mut last = before.ok;
    // Second by second on stderr; the measure starts after one interval.
    for second in 1..=(interval.as_secs() + args.seconds) {
        tokio::time::sleep_until((run_started + Duration::from_secs(second)).into()).await;
        let now = answered(&sandbox_address).await?;
        eprintln!(
            "t={second:>3} s  {:>5} requests answered in the last second",
            now.ok - last
        );
        last = now.ok;
        if second == interval.as_secs() {
            before = now;
            measured_from = Instant::now();
        }
    }
    let after = answered(&sandbox_address).await?;
    let measured = measured_from.elapsed();
    let backlog_left = pipeline.store.queue_stats().await?.pending;
    let counter = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
    let jobs = json!({
        "succeeded": counter(&pipeline.metrics.jobs_succeeded),
        "put_back_to_wait": counter(&pipeline.metrics.jobs_waited),
        "retried": counter(&pipeline.metrics.jobs_retried),
    });
    pipeline.shutdown().await;

    let budget = args.locations as f64
        * settings.burst_max as f64
        * (measured.as_secs_f64() / interval.as_secs_f64());
    let sent = (after.ok - before.ok) as f64;
    let (contacts, notes, duplicates) = duplicates(&sandbox_address).await?;
    println!(
        "{} locations: {:.0} requests/s answered = {:.1} % of the budget ({:.0} requests/s); 429s {}; duplicates {}; backlog left {}",
        args.locations,
        sent / measured.as_secs_f64(),
        100.0 * sent / budget,
        budget / measured.as_secs_f64(),
        after.refused,
        duplicates,
        backlog_left,
    );
    if backlog_left == 0 {
        eprintln!(
            "warning: the backlog ran out during the run; the share of the budget is understated"
        );
    }
    println!(
        "{}",
        json!({
            "locations": args.locations,
            "seconds": measured.as_secs_f64(),
            "requests_answered": sent,
            "budget": budget,
            "budget_used": sent / budget,
            "responses_429": after.refused,
            "contacts": contacts,
            "notes": notes,
            "duplicates": duplicates,
            "backlog_left": backlog_left,
            "jobs": jobs,
        })
    );
    running.stop().await;
    Ok(())
}

fn event(i: usize, locations: &[String]) -> Value {
    let location = &locations[(i / 2) % locations.len()];
    let contact = i / 2;
    let who =
        json!({"contactId": format!("c{contact}"), "email": format!("c{contact}@example.com")});
    if i.is_multiple_of(2) {
        json!({"id": format!("bench-{i}"), "type": "contact.created", "location_id": location,
               "data": {"contactId": who["contactId"], "email": who["email"], "name": format!("Bench {contact}")}})
    } else {
        json!({"id": format!("bench-{i}"), "type": "note.added", "location_id": location,
               "data": {"noteId": format!("note{i}"), "contactId": who["contactId"], "email": who["email"],
                        "content": format!("bench note {i}")}})
    }
}

struct Answered {
    /// Every answer but 429s.
    ok: u64,
    refused: u64,
}

async fn answered(address: &str) -> anyhow::Result<Answered> {
    let log = http::json(
        address,
        hyper::Method::GET,
        "/_sandbox/requests?limit=0",
        None,
    )
    .await?;
    let mut answered = Answered { ok: 0, refused: 0 };
    for (status, count) in log["statuses"].as_object().into_iter().flatten() {
        let count = count.as_u64().unwrap_or_default();
        if status == "429" {
            answered.refused += count;
        } else {
            answered.ok += count;
        }
    }
    Ok(answered)
}

/// Contacts and notes in the sandbox, and how many of them exist more than once.
async fn duplicates(address: &str) -> anyhow::Result<(usize, usize, usize)> {
    let world = http::json(address, hyper::Method::GET, "/_sandbox/state", None).await?;
    let mut contacts: HashMap<String, usize> = HashMap::new();
    let mut notes: HashMap<String, usize> = HashMap::new();
    for location in world["locations"].as_array().into_iter().flatten() {
        for contact in location["contacts"].as_array().into_iter().flatten() {
            *contacts
                .entry(contact["email"].as_str().unwrap_or_default().to_owned())
                .or_default() += 1;
        }
        for note in location["notes"].as_array().into_iter().flatten() {
            *notes
                .entry(note["body"].as_str().unwrap_or_default().to_owned())
                .or_default() += 1;
        }
    }
    let twice = contacts
        .values()
        .chain(notes.values())
        .filter(|n| **n > 1)
        .count();
    Ok((contacts.len(), notes.len(), twice))
}
