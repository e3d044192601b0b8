//! `nifty-ghl dead-letters …`, `nifty-ghl runs` and `nifty-ghl queue`: what the pipeline did
//! and what it gave up on.

use std::path::Path;

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde_json::{Value, json};
use store::queue::{AttemptRow, DeadFilter, JobRow};

use crate::app::App;
use crate::cli::{DeadLettersCommand, DeadSelection, RunsArgs};
use crate::output::{input_error, print_json};

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    table
}

fn when(millis: i64) -> String {
    chrono::DateTime::from_timestamp_millis(millis).map_or_else(
        || "-".into(),
        |at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}

fn filter(selection: &DeadSelection) -> DeadFilter {
    DeadFilter {
        id: selection.job,
        location_id: selection.location.clone(),
        kind: selection.kind.clone(),
    }
}

fn parsed(text: Option<&str>) -> Value {
    text.map(|t| serde_json::from_str(t).unwrap_or_else(|_| Value::String(t.to_owned())))
        .unwrap_or(Value::Null)
}

fn letter(job: &JobRow) -> Value {
    json!({
        "id": job.id,
        "kind": job.kind,
        "location_id": job.location_id,
        "attempts": job.attempts,
        "error": job.last_error,
        "events": parsed(Some(&job.event_ids)),
        "request": parsed(job.dead_request.as_deref()),
        "response": parsed(job.dead_response.as_deref()),
        "failed_at": when(job.updated_at),
    })
}

fn attempt(row: &AttemptRow) -> Value {
    json!({
        "job": row.job_id,
        "attempt": row.attempt,
        "worker": row.worker,
        "started_at": when(row.started_at),
        "ms": row.finished_at - row.started_at,
        "outcome": row.outcome,
        "calls": parsed(Some(&row.calls)),
        "error": row.error,
    })
}

pub async fn run(config: &Path, json: bool, command: DeadLettersCommand) -> anyhow::Result<()> {
    let app = App::open(config).await?;
    let store = app.connections.vault().store().clone();
    let now = store::now_millis();
    match command {
        DeadLettersCommand::List { selection, limit } => {
            let letters = store.dead_jobs(&filter(&selection), limit).await?;
            if json {
                return print_json(&letters.iter().map(letter).collect::<Vec<_>>());
            }
            let mut out = table(&["JOB", "KIND", "LOCATION", "ATTEMPTS", "FAILED AT", "ERROR"]);
            for job in &letters {
                out.add_row(vec![
                    job.id.to_string(),
                    job.kind.clone(),
                    job.location_id.clone(),
                    job.attempts.to_string(),
                    when(job.updated_at),
                    job.last_error.clone().unwrap_or_default(),
                ]);
            }
            println!("{out}");
            println!("{} dead letter(s)", letters.len());
            Ok(())
        }
        DeadLettersCommand::Show { job } => {
            let row = store
                .job(job)
                .await?
                .filter(|j| j.status == "dead")
                .ok_or_else(|| {
                    input_error(format!(
                        "job {job} is not a dead letter: `nifty-ghl dead-letters list` shows them"
                    ))
                })?;
            let attempts = store.attempts(Some(job), 1_000).await?;
            let mut shown = letter(&row);
            shown["history"] = Value::Array(attempts.iter().map(attempt).collect());
            if json {
                print_json(&shown)
            } else {
                println!("{}", serde_json::to_string_pretty(&shown)?);
                Ok(())
            }
        }
        DeadLettersCommand::Replay { selection, all }
        | DeadLettersCommand::Discard { selection, all }
            if !all
                && selection.job.is_none()
                && selection.location.is_none()
                && selection.kind.is_none() =>
        {
            let _ = selection;
            Err(input_error(
                "name a job id or a filter (--location, --kind), or say --all",
            ))
        }
        DeadLettersCommand::Replay { selection, .. } => {
            let n = store.replay_dead(&filter(&selection), now).await?;
            println!("{n} dead letter(s) queued again");
            Ok(())
        }
        DeadLettersCommand::Discard { selection, .. } => {
            let n = store.discard_dead(&filter(&selection), now).await?;
            println!("{n} dead letter(s) discarded");
            Ok(())
        }
    }
}

pub async fn runs(config: &Path, json: bool, args: RunsArgs) -> anyhow::Result<()> {
    let app = App::open(config).await?;
    let rows = app
        .connections
        .vault()
        .store()
        .attempts(args.job, args.limit)
        .await?;
    if json {
        return print_json(&rows.iter().map(attempt).collect::<Vec<_>>());
    }
    let mut out = table(&["JOB", "TRY", "STARTED", "MS", "OUTCOME", "CALLS", "ERROR"]);
    for row in &rows {
        let calls: Vec<Value> = serde_json::from_str(&row.calls).unwrap_or_default();
        let calls: Vec<String> = calls
            .iter()
            .map(|c| {
                format!(
                    "{} → {}",
                    c["call"].as_str().unwrap_or("?"),
                    c["status"]
                        .as_u64()
                        .map_or("no answer".into(), |s| s.to_string())
                )
            })
            .collect();
        out.add_row(vec![
            row.job_id.to_string(),
            row.attempt.to_string(),
            when(row.started_at),
            (row.finished_at - row.started_at).to_string(),
            row.outcome.clone(),
            calls.join("\n"),
            row.error.clone().unwrap_or_default(),
        ]);
    }
    println!("{out}");
    Ok(())
}

pub async fn queue(config: &Path, json: bool) -> anyhow::Result<()> {
    let app = App::open(config).await?;
    let stats = app.connections.vault().store().queue_stats().await?;
    let value = json!({
        "pending": stats.pending,
        "running": stats.running,
        "succeeded": stats.succeeded,
        "dead": stats.dead,
        "oldest_pending": stats.oldest_pending_run_at.map(when),
    });
    if json {
        print_json(&value)
    } else {
        println!(
            "pending {}  running {}  succeeded {}  dead {}{}",
            stats.pending,
            stats.running,
            stats.succeeded,
            stats.dead,
            stats
                .oldest_pending_run_at
                .map(|at| format!("  (oldest pending due {})", when(at)))
                .unwrap_or_default()
        );
        Ok(())
    }
}
