//! `nifty-ghl bench redirect`: the image-open redirect `GET /i/{image}?email=…` on SQLite, the
//! real server on loopback. Each request records its open durably (the answer waits for the
//! inbox's commit at most 5 ms, never for GHL) and answers 302 to the NiftyImages image.
//!
//! 1. Full speed: `--concurrency` connections fetch back to back for `--seconds`.
//! 2. Fixed rate: `--rate` opens per second, open loop: the latency a mail client sees.
//!
//! Contacts cycle through 1,000,000 addresses, so nearly every open is a new event (the same
//! contact opening again within a minute is the same event, stored once).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use bytes::Bytes;
use engine::config::{ImageSettings, NiftyImagesSettings};
use engine::ingest::Ingestor;
use engine::metrics::Metrics;
use http_body_util::Full;
use serde_json::json;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use super::load;
use crate::cli::BenchArgs;
use crate::output::input_error;

/// The location every open is recorded for (none is ever delivered).
const LOCATION: &str = "BenchLocation0000001";
const IMAGE_URL: &str = "https://img1.niftyimages.com/bench/hero?size=600";

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    if args.concurrency == 0 || args.seconds == 0 || args.rate == 0 {
        return Err(input_error(
            "--concurrency, --seconds and --rate must be above 0",
        ));
    }
    let dir = super::scratch_dir()?;
    let database = dir.path().join("bench.db");
    // Nothing is delivered: the GHL address is never called.
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
    let mut settings = NiftyImagesSettings::default();
    settings.images.insert(
        "hero".into(),
        ImageSettings {
            url: IMAGE_URL.into(),
            campaign_id: Some("bench".into()),
        },
    );
    let router = server::router(server::AppState {
        connections,
        connected: None,
        events: Some(Arc::new(server::EventDoor {
            ingestor,
            metrics: Arc::clone(&metrics),
            store: Arc::clone(&store),
            keys: Vec::new(),
            allow_unsigned: false,
            ghl: server::GhlHooks::default(),
            nifty: Arc::new(server::NiftyRoutes::new(
                &settings,
                Some(LOCATION.to_owned()),
            )),
        })),
    });
    let listener = server::bind("127.0.0.1:0".parse()?).await?;
    let address = listener.local_addr()?.to_string();
    let stop = CancellationToken::new();
    let serving = tokio::spawn(server::serve(listener, router, stop.clone()));
    eprintln!(
        "SQLite at {}; server at http://{address}",
        database.display()
    );
    let next = Arc::new(AtomicU64::new(0));
    let target = Arc::new(load::Target {
        address: address.clone(),
        make: Box::new({
            let address = address.clone();
            move || {
                let n = next.fetch_add(1, Ordering::Relaxed) % 1_000_000;
                Ok(hyper::Request::get(format!(
                    "/i/hero?email=reader{n}%40example.com&first_name=Reader"
                ))
                .header("host", &address)
                .header("user-agent", "Mozilla/5.0 (bench)")
                .body(Full::new(Bytes::new()))?)
            }
        }),
        success: hyper::StatusCode::FOUND,
        items_per_request: 1,
    });

    let full =
        load::full_speed(&target, args.concurrency, Duration::from_secs(args.seconds)).await?;
    println!(
        "full speed     {:>9.0} opens/s   p50 {:>6.2} ms   p99 {:>6.2} ms   errors {}",
        full["items_per_second"].as_f64().unwrap_or_default(),
        full["p50_ms"].as_f64().unwrap_or_default(),
        full["p99_ms"].as_f64().unwrap_or_default(),
        full["errors"],
    );
    let fixed = load::fixed_rate(&target, args.rate, Duration::from_secs(args.seconds)).await?;
    println!(
        "at {:>5} op/s  {:>9.0} opens/s   p50 {:>6.2} ms   p99 {:>6.2} ms   p99.9 {:>6.2} ms   max {:>6.2} ms   errors {}",
        args.rate,
        fixed["items_per_second"].as_f64().unwrap_or_default(),
        fixed["p50_ms"].as_f64().unwrap_or_default(),
        fixed["p99_ms"].as_f64().unwrap_or_default(),
        fixed["p999_ms"].as_f64().unwrap_or_default(),
        fixed["max_ms"].as_f64().unwrap_or_default(),
        fixed["errors"],
    );
    stop.cancel();
    serving.await??;
    drop(target);
    // An answer may come before its open's commit (it waits a few milliseconds at most):
    // count the opens once every commit is done.
    let _ = tokio::time::timeout(Duration::from_secs(10), committer).await;
    let recorded = metrics.events_accepted.load(Ordering::Relaxed);
    let repeats = metrics.events_duplicate.load(Ordering::Relaxed);
    let lost = metrics.engagement_lost.load(Ordering::Relaxed);
    println!(
        "{}",
        json!({
            "full_speed": full,
            "fixed_rate": fixed,
            "opens_recorded": recorded,
            "repeats": repeats,
            "opens_lost": lost,
        })
    );
    // A redirect that records nothing is fast for the wrong reason: every answered fetch must
    // have been stored (or found to be a repeat).
    let answered = full["requests_per_second"].as_f64().unwrap_or_default()
        * full["seconds"].as_f64().unwrap_or_default()
        + fixed["requests"].as_f64().unwrap_or_default();
    anyhow::ensure!(
        lost == 0 && (recorded + repeats) as f64 >= answered,
        "{recorded} opens recorded and {repeats} repeats for {answered:.0} measured fetches, {lost} lost"
    );
    Ok(())
}
