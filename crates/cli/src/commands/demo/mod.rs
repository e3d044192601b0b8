//! `nifty-ghl demo`: the whole product on a fresh machine, with no account and no network.
//! It starts the GHL sandbox in this process, a database in a temporary folder, and the real
//! service on loopback; sends a morning of signed NiftyImages events to it (with a duplicate
//! delivery, an invalid event, a forged signature and one GHL 500 on the way); waits for the
//! queue to empty; and reports what GHL now holds, what was retried and what was refused.

mod report;
mod samples;

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::config::{Config, PipelineSettings};
use engine::pipeline::Pipeline;
use sandbox::SandboxConfig;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::cli::DemoArgs;
use crate::sandbox_cmd::shutdown_signal;
use report::Report;
use samples::Delivery;

/// How long the queue may take to empty before the demo says something is wrong.
const DRAIN_LIMIT: Duration = Duration::from_secs(60);

pub async fn run(json_output: bool, args: DemoArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let dir = tempfile::Builder::new()
        .prefix("nifty-ghl-demo-")
        .tempdir()?;
    let ghl = sandbox::start(SandboxConfig {
        locations: 1,
        ..SandboxConfig::default()
    })
    .await?;
    let location = ghl.location_id(0).to_owned();
    progress(
        json_output,
        &format!("GHL sandbox at {} (location {location})", ghl.url()),
    );

    let database = dir.path().join("nifty-ghl.db");
    let connections = crate::local::connections(&database, ghl.url()).await?;
    crate::local::connect_locations(&connections, &ghl, 1).await?;
    progress(
        json_output,
        "connected the location with a Private Integration Token (sealed in the vault)",
    );

    let hook_secret = engine::signing::generate_secret();
    let config = Config {
        pipeline: PipelineSettings {
            default_location_id: Some(location.clone()),
            // Seconds, not GHL-sized minutes, so the retry shows within the demo.
            retry_schedule_secs: vec![0.0, 1.0, 5.0, 30.0],
            ..PipelineSettings::default()
        },
        // The built-in recipes alone, whatever folder the demo runs in.
        recipes: engine::config::RecipeSettings {
            dir: dir.path().join("recipes"),
        },
        ..Config::default()
    };
    let pipeline = Pipeline::start(&config, Arc::clone(&connections)).await?;
    let key = engine::signing::secret_key(&SecretString::from(hook_secret.clone()))?;
    let listener = server::bind("127.0.0.1:0".parse()?).await?;
    let address = listener.local_addr()?;
    let stop = CancellationToken::new();
    let router = server::router(server::AppState {
        connections: Arc::clone(&connections),
        connected: None,
        events: Some(Arc::new(server::EventDoor {
            ingestor: pipeline.ingestor.clone(),
            metrics: pipeline.metrics.clone(),
            store: pipeline.store.clone(),
            keys: vec![key.clone()],
            allow_unsigned: false,
            ghl: server::GhlHooks::default(),
            nifty: Arc::new(server::NiftyRoutes::new(
                &config.niftyimages,
                config.pipeline.default_location_id.clone(),
            )),
        })),
    });
    let serving = tokio::spawn(server::serve(listener, router, stop.clone()));
    let service = format!("http://{address}");
    progress(json_output, &format!("nifty-ghl serving at {service}"));

    // GHL fails the next call once, as it does now and then: the job must retry, not fail.
    ghl::install_crypto_provider();
    let http = reqwest::Client::new();
    http.patch(format!("{}/_sandbox/settings", ghl.url()))
        .json(&json!({"faults": {"force_500": 1}}))
        .send()
        .await?
        .error_for_status()?;

    let forged_key =
        engine::signing::secret_key(&SecretString::from(engine::signing::generate_secret()))?;
    let mut report = Report::default();
    for delivery in samples::deliveries() {
        let signer = if delivery.forged { &forged_key } else { &key };
        let (status, answer) = send(&http, &service, signer, &delivery).await?;
        report.delivery(&delivery, status, &answer);
    }
    progress(
        json_output,
        &format!(
            "sent {} requests: {} events accepted; waiting for GHL",
            report.requests, report.accepted
        ),
    );

    let drained = wait_for_empty_queue(&pipeline).await?;
    report
        .read_back(&pipeline, &http, ghl.url(), &location)
        .await?;
    report.seconds = started.elapsed().as_secs_f64();
    if json_output {
        crate::output::print_json(&report.to_json())?;
    } else {
        report.print();
    }
    if !drained {
        anyhow::bail!(
            "the queue did not empty within {} s: see the jobs above and `nifty-ghl runs`",
            DRAIN_LIMIT.as_secs()
        );
    }
    if report.accepted != samples::expected_events() {
        anyhow::bail!(
            "{} events were accepted where {} were sent valid: the door refused good events",
            report.accepted,
            samples::expected_events()
        );
    }

    let held = (
        report.contacts.len(),
        report.tasks.len(),
        report.notes.len(),
    );
    let expected = (
        samples::EXPECTED_CONTACTS,
        samples::EXPECTED_TASKS,
        samples::EXPECTED_NOTES,
    );
    if held != expected {
        anyhow::bail!(
            "GHL holds {held:?} contacts, tasks and notes where {expected:?} were expected: something was lost or doubled"
        );
    }

    if args.keep {
        let secret_file = dir.path().join("hook-secret");
        write_private(&secret_file, &hook_secret)?;
        eprintln!();
        eprintln!("Still running (Ctrl-C stops it and deletes the folder):");
        eprintln!("  nifty-ghl     {service}  (POST /hooks/niftyimages, /metrics, /healthz)");
        eprintln!("  GHL sandbox   {}  (GET /_sandbox/state)", ghl.url());
        eprintln!("  signing key   {}", secret_file.display());
        eprintln!("  database      {}", database.display());
        shutdown_signal().await;
    }
    stop.cancel();
    serving.await??;
    pipeline.shutdown().await;
    ghl.stop().await;
    Ok(())
}

/// Status lines go to stderr, so that `--json` leaves stdout to the report.
fn progress(json_output: bool, line: &str) {
    if !json_output {
        eprintln!("· {line}");
    }
}

async fn send(
    http: &reqwest::Client,
    service: &str,
    key: &engine::signing::Key,
    delivery: &Delivery,
) -> anyhow::Result<(u16, Value)> {
    let body = serde_json::to_vec(&delivery.events)?;
    let timestamp = chrono::Utc::now().timestamp();
    let signature = engine::signing::sign(key, &delivery.webhook_id, timestamp, &body);
    let response = http
        .post(format!("{service}/hooks/niftyimages"))
        .header("content-type", "application/json")
        .header("webhook-id", &delivery.webhook_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .body(body)
        .send()
        .await?;
    let status = response.status().as_u16();
    let answer = response.json().await.unwrap_or(Value::Null);
    Ok((status, answer))
}

/// Whether every job finished (succeeded or dead) within [`DRAIN_LIMIT`].
async fn wait_for_empty_queue(pipeline: &Pipeline) -> anyhow::Result<bool> {
    let give_up = Instant::now() + DRAIN_LIMIT;
    loop {
        let stats = pipeline.store.queue_stats().await?;
        if stats.pending == 0 && stats.running == 0 {
            return Ok(true);
        }
        if Instant::now() > give_up {
            return Ok(false);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(text.as_bytes())
}
