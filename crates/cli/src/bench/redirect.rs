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
use http_body_util::Full;
use serde_json::json;

use super::{door, load};
use crate::cli::BenchArgs;
use crate::output::input_error;

const IMAGE_URL: &str = "https://img1.niftyimages.com/bench/hero?size=600";

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    if args.concurrency == 0 || args.seconds == 0 || args.rate == 0 {
        return Err(input_error(
            "--concurrency, --seconds and --rate must be above 0",
        ));
    }
    let mut settings = NiftyImagesSettings::default();
    settings.images.insert(
        "hero".into(),
        ImageSettings {
            url: IMAGE_URL.into(),
            campaign_id: Some("bench".into()),
        },
    );
    let nifty = server::NiftyRoutes::new(&settings, Some(door::LOCATION.to_owned()));
    let server = door::start(Vec::new(), nifty).await?;
    let address = server.address.clone();
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
    drop(target);
    let metrics = server.stop().await?;
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
