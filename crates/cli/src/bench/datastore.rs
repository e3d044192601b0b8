//! `nifty-ghl bench datastore`: GHL contact changes into a NiftyImages Data Store, with both
//! sandboxes. `--records` `ContactUpdate` webhooks (as `/hooks/ghl` stores them) are queued,
//! then the pipeline runs the built-in `ghl-contacts-to-data-store` recipe until every row is
//! in the store: rows written per second. Then the same contents come again under new webhook
//! ids (GHL echoing nifty-ghl's own writes, or a reconciliation pass): how fast they are
//! dismissed, and that none is written twice.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::config::{Config, NiftyImagesSettings, PipelineSettings};
use engine::ingest::Ingestor;
use engine::metrics::Metrics;
use engine::pipeline::Pipeline;
use sandbox::nifty::{NiftySandbox, NiftySandboxConfig};
use sandbox::{SandboxConfig, Settings};
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::cli::BenchArgs;
use crate::output::input_error;

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    if args.records == 0 {
        return Err(input_error("--records must be above 0"));
    }
    let ghl = sandbox::start(SandboxConfig {
        locations: 1,
        settings: Settings {
            record_bodies: false,
            request_log_capacity: 0,
            ..Settings::default()
        },
        ..SandboxConfig::default()
    })
    .await?;
    let nifty = NiftySandbox::start(NiftySandboxConfig::default()).await?;
    let dir = super::scratch_dir()?;
    let connections = crate::local::connections(&dir.path().join("bench.db"), ghl.url()).await?;
    let store = Arc::clone(connections.vault().store());
    let location = crate::local::connect_locations(&connections, &ghl, 1).await?[0].clone();

    let mut niftyimages = NiftyImagesSettings {
        base_url: nifty.api_url().to_owned(),
        ..NiftyImagesSettings::default()
    };
    let store_key = nifty
        .store_key("contacts")
        .ok_or_else(|| anyhow::anyhow!("the NiftyImages sandbox has no contacts store"))?;
    niftyimages.stores = BTreeMap::from([(
        "contacts".to_owned(),
        serde_json::from_value(json!({"key": store_key, "unique": "email"}))?,
    )]);
    let config = Config {
        pipeline: PipelineSettings {
            workers: args.concurrency,
            default_location_id: Some(location.clone()),
            ..PipelineSettings::default()
        },
        niftyimages,
        ..Config::default()
    };
    let mut recipes = engine::recipes::Recipes::builtin();
    recipes.fit_to_niftyimages(&config.niftyimages);
    let recipes = Arc::new(recipes);

    let queue = |round: &'static str| {
        let store = Arc::clone(&store);
        let recipes = Arc::clone(&recipes);
        let location = location.clone();
        let records = args.records;
        async move {
            let (ingestor, committer) = Ingestor::start(
                store,
                recipes,
                None,
                PipelineSettings::default().ingest_batch_max,
                Arc::new(Notify::new()),
                Arc::new(Metrics::default()),
            );
            for chunk in (0..records).collect::<Vec<_>>().chunks(1_000) {
                let mut events = Vec::with_capacity(chunk.len());
                for n in chunk {
                    let body = webhook(round, *n, &location);
                    events.push(
                        engine::ghl_events::from_webhook(&body)
                            .map_err(|problem| anyhow::anyhow!("{problem}"))?,
                    );
                }
                ingestor.submit(events, "bench").await?;
            }
            drop(ingestor);
            committer.await?;
            anyhow::Ok(())
        }
    };

    queue("first").await?;
    let pipeline = Pipeline::start(&config, Arc::clone(&connections)).await?;
    let first = drain(&pipeline, &nifty, args.records).await?;
    eprintln!(
        "{} rows written in {:.1} s",
        args.records,
        first.as_secs_f64()
    );
    let writes_after_first = add_records(&nifty);

    queue("echo").await?;
    let echo = drain(&pipeline, &nifty, args.records).await?;
    let writes_after_echo = add_records(&nifty);
    let dead = pipeline.store.queue_stats().await?.dead;
    pipeline.shutdown().await;

    println!(
        "{} records: {:.0} rows/s written ({} AddRecord calls); the same contents again: {:.0} events/s dismissed, {} more writes; dead letters {dead}",
        args.records,
        args.records as f64 / first.as_secs_f64(),
        writes_after_first,
        args.records as f64 / echo.as_secs_f64(),
        writes_after_echo - writes_after_first,
    );
    println!(
        "{}",
        json!({
            "records": args.records,
            "workers": args.concurrency,
            "rows_per_second": args.records as f64 / first.as_secs_f64(),
            "add_record_calls": writes_after_first,
            "echo_events_per_second": args.records as f64 / echo.as_secs_f64(),
            "echo_writes": writes_after_echo - writes_after_first,
            "dead_letters": dead,
        })
    );
    anyhow::ensure!(
        writes_after_first == args.records && writes_after_echo == writes_after_first && dead == 0,
        "each record must be written exactly once"
    );
    Ok(())
}

/// A `ContactUpdate` webhook as GHL sends it; `round` makes the webhook ids of a second round
/// new while the contents stay the same.
fn webhook(round: &str, n: usize, location: &str) -> Value {
    json!({
        "type": "ContactUpdate",
        "webhookId": format!("bench-{round}-{n}"),
        "timestamp": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "locationId": location,
        "id": format!("contact{n:013}"),
        "email": format!("reader{n}@example.com"),
        "firstName": "Reader",
        "lastName": format!("Number {n}"),
        "phone": "+15550001111",
        "tags": ["bench", "newsletter"],
    })
}

fn add_records(nifty: &NiftySandbox) -> usize {
    nifty
        .request_counts()
        .iter()
        .filter(|(route, _)| route.ends_with("/Store/AddRecord"))
        .map(|(_, count)| *count as usize)
        .sum()
}

/// Waits until the queue is empty; how long it took from now.
async fn drain(
    pipeline: &Pipeline,
    nifty: &NiftySandbox,
    records: usize,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    loop {
        let stats = pipeline.store.queue_stats().await?;
        if stats.pending == 0 && stats.running == 0 {
            return Ok(started.elapsed());
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(600),
            "the queue did not drain in 10 minutes ({stats:?}, {} rows of {records})",
            nifty.store_rows("contacts").map(|r| r.len()).unwrap_or(0)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
