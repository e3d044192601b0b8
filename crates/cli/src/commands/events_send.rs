//! `nifty-ghl events send FILE`: sample data or a backfill, fed to a running service through
//! the same signed door as any producer (`POST /hooks/niftyimages`).
//!
//! Every record is checked here first, against the same rules the service applies; one bad
//! record stops the command before anything is sent, with its line (or row) and the JSON
//! pointer of the field to fix. A record without an `id` gets one made from its content, so
//! sending the same file twice applies nothing twice.

use std::io::Read;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::Context;
use engine::events::parse_event;
use indicatif::{ProgressBar, ProgressStyle};
use secrecy::SecretString;
use serde_json::{Map, Value, json};

use crate::app::load_config;
use crate::cli::{EventFormat, EventsSendArgs};
use crate::output::input_error;

/// Well under the service's 256 KiB limit on a body.
const MAX_REQUEST_BYTES: usize = 192 * 1024;
/// Tries per request when the service is unreachable or answers 5xx.
const TRIES: u32 = 6;

/// One record of the file and where it was.
pub struct Record {
    pub place: String,
    pub event: Value,
}

pub async fn run(
    config_path: &Path,
    json_output: bool,
    args: EventsSendArgs,
) -> anyhow::Result<()> {
    let config = load_config(config_path).await?;
    let records = read_records(&args.file, args.format)?;
    check_all(&records, config.pipeline.default_location_id.is_some())?;

    let secret = config.hooks.secrets.first().cloned().ok_or_else(|| {
        input_error(
            "no signing secret: set hooks.secrets (`nifty-ghl secrets set hooks.secrets`, the config file or NIFTY_GHL_HOOK_SECRETS), the same the service uses",
        )
    })?;
    let key = engine::signing::secret_key(&SecretString::from(secret))
        .map_err(|e| input_error(format!("hooks.secrets: {e}")))?;
    let url = args
        .url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.server.listen));
    let url = format!("{}/hooks/niftyimages", url.trim_end_matches('/'));

    ghl::install_crypto_provider();
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()?;
    let bar = if json_output {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(records.len() as u64).with_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} events  {per_sec}  eta {eta}")
                .expect("a valid template"),
        )
    };
    let started = Instant::now();
    let mut summary = Summary::default();
    for batch in batches(&records, usize::from(args.batch)) {
        let events: Vec<&Value> = batch.iter().map(|r| &r.event).collect();
        let body = serde_json::to_vec(&events)?;
        let answer = send(&http, &url, &key, &body).await.with_context(|| {
            format!(
                "sending {}–{}: stopped here; the events before were stored, and sending the file again is safe",
                batch[0].place,
                batch[batch.len() - 1].place
            )
        })?;
        summary.requests += 1;
        summary.accepted += answer["accepted"].as_u64().unwrap_or(0);
        summary.duplicates += answer["duplicates"].as_u64().unwrap_or(0);
        bar.inc(batch.len() as u64);
    }
    bar.finish_and_clear();
    summary.events = records.len();
    summary.seconds = started.elapsed().as_secs_f64();
    if json_output {
        crate::output::print_json(&json!({
            "events": summary.events,
            "requests": summary.requests,
            "accepted": summary.accepted,
            "duplicates": summary.duplicates,
            "seconds": summary.seconds,
        }))?;
    } else {
        println!(
            "{} events in {} requests: {} accepted, {} already there (not applied again), in {:.1} s",
            summary.events, summary.requests, summary.accepted, summary.duplicates, summary.seconds
        );
    }
    Ok(())
}

/// The records of an event file (or standard input, `-`), in `format` or the one its name
/// or content shows.
pub fn read_records(path: &Path, format: Option<EventFormat>) -> anyhow::Result<Vec<Record>> {
    let text = read_input(path)?;
    let records = match format.unwrap_or_else(|| guess_format(path, &text)) {
        EventFormat::Json => json_records(&text)?,
        EventFormat::Ndjson => ndjson_records(&text)?,
        EventFormat::Csv => csv_records(&text)?,
    };
    if records.is_empty() {
        return Err(input_error(format!("{}: holds no events", path.display())));
    }
    Ok(records)
}

#[derive(Debug, Default)]
struct Summary {
    events: usize,
    requests: usize,
    accepted: u64,
    duplicates: u64,
    seconds: f64,
}

fn read_input(path: &Path) -> anyhow::Result<String> {
    let mut text = String::new();
    if path.as_os_str() == "-" {
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| input_error(format!("standard input: {e}")))?;
    } else {
        text = std::fs::read_to_string(path)
            .map_err(|e| input_error(format!("{}: {e}", path.display())))?;
    }
    Ok(text)
}

/// By the file's extension; for standard input or another name, by its content.
fn guess_format(path: &Path, text: &str) -> EventFormat {
    match path.extension().and_then(|e| e.to_str()) {
        Some("json") => return EventFormat::Json,
        Some("ndjson" | "jsonl") => return EventFormat::Ndjson,
        Some("csv") => return EventFormat::Csv,
        _ => {}
    }
    match text.trim_start().chars().next() {
        Some('[') => EventFormat::Json,
        Some('{') if serde_json::from_str::<Value>(text).is_ok() => EventFormat::Json,
        Some('{') => EventFormat::Ndjson,
        _ => EventFormat::Csv,
    }
}

/// One event, an array of events, or `{"events": [...]}`.
fn json_records(text: &str) -> anyhow::Result<Vec<Record>> {
    let value: Value = serde_json::from_str(text).map_err(|e| {
        input_error(format!(
            "not JSON at line {}, column {}: {e}",
            e.line(),
            e.column()
        ))
    })?;
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut object) if object.contains_key("events") => {
            match object.remove("events") {
                Some(Value::Array(items)) => items,
                _ => return Err(input_error("\"events\" must be an array of events")),
            }
        }
        object @ Value::Object(_) => vec![object],
        _ => {
            return Err(input_error(
                "expected an event, an array of events or {\"events\": [...]}",
            ));
        }
    };
    Ok(items
        .into_iter()
        .enumerate()
        .map(|(index, event)| Record {
            place: format!("event {}", index + 1),
            event,
        })
        .collect())
}

/// One event per line; blank lines are skipped.
fn ndjson_records(text: &str) -> anyhow::Result<Vec<Record>> {
    let mut records = Vec::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let event = serde_json::from_str(line).map_err(|e| {
            input_error(format!(
                "line {}: not JSON at column {}: {e}",
                index + 1,
                e.column()
            ))
        })?;
        records.push(Record {
            place: format!("line {}", index + 1),
            event,
        });
    }
    Ok(records)
}

/// A header row, then one event per row. `type` is required; `id`, `occurred_at` and
/// `location_id` are the envelope's; every other column is a field of `data`, with
/// `customFields.KEY` columns gathered into `customFields`, `tags` split on `;`, and
/// `completed` read as true or false. Empty cells are left out.
fn csv_records(text: &str) -> anyhow::Result<Vec<Record>> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = reader
        .headers()
        .map_err(|e| input_error(format!("CSV header: {e}")))?
        .clone();
    if !headers.iter().any(|h| h == "type") {
        return Err(input_error(
            "the CSV has no `type` column: each row needs its event type (contact.created, signup, …)",
        ));
    }
    let mut records = Vec::new();
    for row in reader.records() {
        let row = row.map_err(|e| input_error(format!("CSV: {e}")))?;
        let line = row.position().map_or(0, |p| p.line());
        let mut event = Map::new();
        let mut data = Map::new();
        let mut custom = Map::new();
        for (column, cell) in headers.iter().zip(row.iter()) {
            if cell.is_empty() {
                continue;
            }
            let text = Value::String(cell.to_owned());
            match column {
                "id" | "type" | "occurred_at" | "location_id" => {
                    event.insert(column.to_owned(), text);
                }
                "tags" => {
                    let tags = cell
                        .split(';')
                        .map(str::trim)
                        .filter(|t| !t.is_empty())
                        .map(|t| Value::String(t.to_owned()))
                        .collect();
                    data.insert(column.to_owned(), Value::Array(tags));
                }
                "completed" => {
                    let done = match cell.to_ascii_lowercase().as_str() {
                        "true" | "yes" | "1" => true,
                        "false" | "no" | "0" => false,
                        _ => {
                            return Err(input_error(format!(
                                "line {line}: completed must be true or false, not {cell:?}"
                            )));
                        }
                    };
                    data.insert(column.to_owned(), Value::Bool(done));
                }
                other => match other.strip_prefix("customFields.") {
                    Some(key) => {
                        custom.insert(key.to_owned(), text);
                    }
                    None => {
                        data.insert(other.to_owned(), text);
                    }
                },
            }
        }
        if !custom.is_empty() {
            data.insert("customFields".into(), Value::Object(custom));
        }
        event.insert("data".into(), Value::Object(data));
        records.push(Record {
            place: format!("line {line}"),
            event: Value::Object(event),
        });
    }
    Ok(records)
}

/// Gives each record without an id one made from its content, then checks every record as
/// the service will; all problems are reported at once, and nothing is sent if there is one.
fn check_all(records: &[Record], has_default_location: bool) -> anyhow::Result<()> {
    let mut problems = Vec::new();
    for record in records {
        let Value::Object(_) = record.event else {
            problems.push(format!("{}: an event must be a JSON object", record.place));
            continue;
        };
        match parse_event(&record.event, "", Some(content_id(&record.event))) {
            Ok(event) if event.location_id.is_none() && !has_default_location => {
                problems.push(format!(
                    "{}: /location_id: is required (or set pipeline.default_location_id)",
                    record.place
                ));
            }
            Ok(_) => {}
            Err(problem) => problems.push(format!("{}: {problem}", record.place)),
        }
    }
    if problems.is_empty() {
        return Ok(());
    }
    let shown = problems.len().min(20);
    let mut message = format!(
        "{} of {} events are invalid; nothing was sent:\n  {}",
        problems.len(),
        records.len(),
        problems[..shown].join("\n  ")
    );
    if problems.len() > shown {
        message.push_str(&format!("\n  … and {} more", problems.len() - shown));
    }
    Err(input_error(message))
}

/// `import-` and the first 24 hex digits of the SHA-256 of the event's JSON.
pub fn content_id(event: &Value) -> String {
    format!("import-{}", digest_hex(event.to_string().as_bytes()))
}

/// The first 24 hex digits of the SHA-256 of `bytes`.
fn digest_hex(bytes: &[u8]) -> String {
    let digest = ring::digest::digest(&ring::digest::SHA256, bytes);
    digest.as_ref()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Records in requests of at most `per_request` events and [`MAX_REQUEST_BYTES`], each
/// record with its id filled in.
fn batches(records: &[Record], per_request: usize) -> Vec<Vec<Record>> {
    let mut out: Vec<Vec<Record>> = Vec::new();
    let mut current: Vec<Record> = Vec::new();
    let mut bytes = 0;
    for record in records {
        let mut event = record.event.clone();
        if event.get("id").is_none_or(Value::is_null) {
            event["id"] = Value::String(content_id(&record.event));
        }
        let size = event.to_string().len() + 1;
        if !current.is_empty() && (current.len() >= per_request || bytes + size > MAX_REQUEST_BYTES)
        {
            out.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += size;
        current.push(Record {
            place: record.place.clone(),
            event,
        });
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Sends one signed request, trying again while the service is unreachable or answers 5xx.
async fn send(
    http: &reqwest::Client,
    url: &str,
    key: &engine::signing::Key,
    body: &[u8],
) -> anyhow::Result<Value> {
    // The same request keeps its webhook id across tries: the service drops what it took.
    let webhook_id = format!("send-{}", digest_hex(body));
    let mut wait = Duration::from_millis(500);
    let mut attempt = 1;
    loop {
        let timestamp = chrono::Utc::now().timestamp();
        let signature = engine::signing::sign(key, &webhook_id, timestamp, body);
        let result = http
            .post(url)
            .header("content-type", "application/json")
            .header("webhook-id", &webhook_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signature)
            .body(body.to_vec())
            .send()
            .await;
        let failure = match result {
            Ok(response) if response.status().is_success() => {
                return Ok(response.json().await.unwrap_or(Value::Null));
            }
            Ok(response) if response.status().is_server_error() => {
                format!("the service answered {}", response.status())
            }
            Ok(response) => {
                let status = response.status();
                let answer: Value = response.json().await.unwrap_or(Value::Null);
                let reason = answer["error"].as_str().unwrap_or("no reason given");
                let hint = if status == reqwest::StatusCode::UNAUTHORIZED {
                    " (is hooks.secrets the same as the service's?)"
                } else {
                    ""
                };
                anyhow::bail!("the service refused the events: {status}: {reason}{hint}");
            }
            Err(error) => format!("cannot reach {url}: {error}"),
        };
        if attempt == TRIES {
            anyhow::bail!("{failure}; gave up after {TRIES} tries");
        }
        tracing::warn!(attempt, "{failure}; trying again in {wait:?}");
        tokio::time::sleep(wait).await;
        wait *= 2;
        attempt += 1;
    }
}
