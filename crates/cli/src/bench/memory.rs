//! `nifty-ghl bench memory`: the resident memory (RSS, from /proc) of a real `nifty-ghl serve`
//! process on SQLite, connected to one sandbox location with GHL's limits:
//!
//! 1. idle, ten seconds after it started;
//! 2. while `--backlog` events are posted to it (1,000 per signed request, 4 at a time);
//! 3. for `--seconds` afterwards, with the backlog waiting on GHL's budget.
//!
//! Linux only (it reads `/proc/<pid>/status`).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use engine::signing;
use http_body_util::{BodyExt, Full};
use sandbox::SandboxConfig;
use secrecy::SecretString;
use serde_json::{Value, json};

use super::http;
use crate::cli::BenchArgs;
use crate::output::input_error;

const PER_REQUEST: usize = 1_000;

/// Kills the service when the benchmark ends, however it ends.
struct Service(Child);

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    if args.backlog == 0 || args.seconds == 0 {
        return Err(input_error("--backlog and --seconds must be above 0"));
    }
    if !Path::new("/proc/self/status").exists() {
        return Err(input_error(
            "bench memory reads /proc: it runs on Linux only",
        ));
    }
    let running = sandbox::start(SandboxConfig {
        locations: 1,
        ..SandboxConfig::default()
    })
    .await?;
    let dir = super::scratch_dir()?;
    let me = std::env::current_exe()?;
    let run = |args: &[&str]| -> anyhow::Result<()> {
        let output = Command::new(&me)
            .args(args)
            .current_dir(dir.path())
            .env_remove("NIFTY_GHL_CONFIG")
            .env_remove("NIFTY_GHL_DATABASE_URL")
            .env_remove("NIFTY_GHL_MASTER_KEY")
            .output()?;
        anyhow::ensure!(
            output.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(())
    };
    run(&["init", "--ghl-base-url", running.url()])?;
    let secret = signing::generate_secret();
    let config = dir.path().join("nifty-ghl.toml");
    let mut text = std::fs::read_to_string(&config)?;
    text.push_str(&format!(
        "\n[pipeline]\ndefault_location_id = \"{}\"\n\n[hooks]\nsecrets = [\"{secret}\"]\n",
        running.location_id(0)
    ));
    std::fs::write(&config, text)?;
    std::fs::write(dir.path().join("pit"), running.pit(0))?;
    run(&[
        "connect",
        "--pit",
        "--location",
        running.location_id(0),
        "--token-file",
        "pit",
    ])?;

    let log = dir.path().join("serve.log");
    let child = Command::new(&me)
        .arg("serve")
        .current_dir(dir.path())
        .env("NIFTY_GHL_LISTEN", "127.0.0.1:0")
        .env_remove("NIFTY_GHL_CONFIG")
        .env_remove("NIFTY_GHL_DATABASE_URL")
        .env_remove("NIFTY_GHL_MASTER_KEY")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        .spawn()?;
    let pid = child.id();
    let _service = Service(child);
    let address = listening_address(&log).await?;
    eprintln!("nifty-ghl serve (pid {pid}) at http://{address}; settling for 10 s");
    tokio::time::sleep(Duration::from_secs(10)).await;
    let idle = rss_kib(pid)?;

    let peak = Arc::new(AtomicU64::new(idle));
    let sampler = {
        let peak = Arc::clone(&peak);
        tokio::spawn(async move {
            while let Ok(rss) = rss_kib(pid) {
                peak.fetch_max(rss, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let key = signing::secret_key(&SecretString::from(secret))?;
    let started = Instant::now();
    post_backlog(&address, &key, args.backlog).await?;
    let ingest_secs = started.elapsed().as_secs_f64();
    let peak_ingest = peak.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_secs(args.seconds)).await;
    let with_backlog = rss_kib(pid)?;
    sampler.abort();
    let peak_all = peak.load(Ordering::Relaxed).max(with_backlog);
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "idle {:.1} MiB; peak while {} events came in ({:.0} events/s) {:.1} MiB; {} s later with the backlog {:.1} MiB; peak {:.1} MiB",
        mib(idle),
        args.backlog,
        args.backlog as f64 / ingest_secs,
        mib(peak_ingest),
        args.seconds,
        mib(with_backlog),
        mib(peak_all),
    );
    println!(
        "{}",
        json!({
            "idle_mib": mib(idle),
            "backlog": args.backlog,
            "ingest_seconds": ingest_secs,
            "peak_during_ingest_mib": mib(peak_ingest),
            "with_backlog_mib": mib(with_backlog),
            "peak_mib": mib(peak_all),
        })
    );
    running.stop().await;
    Ok(())
}

async fn listening_address(log: &Path) -> anyhow::Result<String> {
    for _ in 0..1_000 {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if let Some(rest) = text.split("listening on http://").nth(1) {
            return Ok(rest
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_owned());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    anyhow::bail!(
        "nifty-ghl serve did not start: {}",
        std::fs::read_to_string(log).unwrap_or_default()
    )
}

/// Resident memory of `pid` in KiB.
fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.split_whitespace().next()?.parse().ok())
        .ok_or_else(|| anyhow::anyhow!("no VmRSS for pid {pid}"))
}

/// Posts `count` events, `PER_REQUEST` per signed request, four requests at a time.
async fn post_backlog(address: &str, key: &signing::Key, count: usize) -> anyhow::Result<()> {
    let next = Arc::new(AtomicU64::new(0));
    let mut senders = tokio::task::JoinSet::new();
    for _ in 0..4 {
        let next = Arc::clone(&next);
        let key = key.clone();
        let address = address.to_owned();
        senders.spawn(async move {
            let mut sender = http::connect(&address).await?;
            loop {
                let first = next.fetch_add(PER_REQUEST as u64, Ordering::Relaxed) as usize;
                if first >= count {
                    return anyhow::Ok(());
                }
                let events: Vec<Value> = (first..(first + PER_REQUEST).min(count))
                    .map(|n| {
                        json!({"id": format!("backlog-{n}"), "type": "contact.updated", "data": {
                            "contactId": format!("c{n}"), "email": format!("c{n}@example.com"), "name": "Backlog Person"}})
                    })
                    .collect();
                let body = serde_json::to_vec(&events)?;
                let id = format!("msg-{first}");
                let timestamp = chrono::Utc::now().timestamp();
                let request = hyper::Request::post("/hooks/niftyimages")
                    .header("host", &address)
                    .header("content-type", "application/json")
                    .header("webhook-id", &id)
                    .header("webhook-timestamp", timestamp.to_string())
                    .header("webhook-signature", signing::sign(&key, &id, timestamp, &body))
                    .body(Full::new(Bytes::from(body)))?;
                sender.ready().await?;
                let response = sender.send_request(request).await?;
                let status = response.status();
                let answer = response.into_body().collect().await?.to_bytes();
                anyhow::ensure!(
                    status.is_success(),
                    "the service refused the backlog: {status} {}",
                    String::from_utf8_lossy(&answer)
                );
            }
        });
    }
    while let Some(done) = senders.join_next().await {
        done??;
    }
    Ok(())
}
