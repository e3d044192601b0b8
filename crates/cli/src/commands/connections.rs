//! `nifty-ghl connections list|show|test|remove|refresh`

use std::path::Path;

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use secrecy::ExposeSecret;
use serde_json::json;
use store::vault::{Connection, ConnectionKind, ConnectionState, mask};

use crate::app::App;
use crate::cli::ConnectionsCommand;
use crate::output::{input_error, print_json};

pub async fn run(
    config_path: &Path,
    json: bool,
    command: ConnectionsCommand,
) -> anyhow::Result<()> {
    let app = App::open(config_path).await?;
    match command {
        ConnectionsCommand::List => print_connections(&app, json).await,
        ConnectionsCommand::Show { connection } => {
            let connection = app.find(&connection).await?;
            if json {
                print_json(&describe(&connection))
            } else {
                let mut table = table(&["FIELD", "VALUE"]);
                if let Some(fields) = describe(&connection).as_object() {
                    for (field, value) in fields {
                        let value = match value {
                            serde_json::Value::String(s) => s.clone(),
                            serde_json::Value::Null => "-".into(),
                            other => other.to_string(),
                        };
                        table.add_row(vec![field.clone(), value]);
                    }
                }
                println!("{table}");
                Ok(())
            }
        }
        ConnectionsCommand::Test { connection } => {
            let connection = app.find(&connection).await?;
            let Some(location) = connection.location_id.clone() else {
                return Err(input_error(
                    "an agency connection makes no location calls: test one of its locations",
                ));
            };
            let client = app.connections.client(&connection.id).await?;
            let budget = engine::authorize::probe(&client, &location).await?;
            let figure = |n: Option<u64>| n.map_or("?".into(), |n| n.to_string());
            if json {
                print_json(&json!({
                    "connection": connection.id,
                    "ok": true,
                    "rate_limit": {
                        "max": budget.max,
                        "remaining": budget.remaining,
                        "interval_ms": budget.interval.map(|d| d.as_millis() as u64),
                        "daily_limit": budget.daily_limit,
                        "daily_remaining": budget.daily_remaining,
                    },
                }))
            } else {
                println!(
                    "{}: ok (GHL answered; {} of {} requests left in this {} s burst, {} of {} today)",
                    connection.id,
                    figure(budget.remaining),
                    figure(budget.max),
                    budget
                        .interval
                        .map_or("?".into(), |d| format!("{}", d.as_secs_f64())),
                    figure(budget.daily_remaining),
                    figure(budget.daily_limit),
                );
                Ok(())
            }
        }
        ConnectionsCommand::Remove { connection } => {
            let connection = app.find(&connection).await?;
            app.connections
                .vault()
                .store()
                .delete_connection(&connection.id)
                .await?;
            if json {
                print_json(&json!({"removed": connection.id}))
            } else {
                println!("removed {} and its tokens", connection.id);
                Ok(())
            }
        }
        ConnectionsCommand::Refresh { connection } => {
            let (refreshed, problems) = match connection {
                Some(wanted) => {
                    let connection = app.find(&wanted).await?;
                    app.connections.refresh_now(&connection.id).await?;
                    (1, Vec::new())
                }
                None => app.connections.keep_alive().await?,
            };
            for problem in &problems {
                eprintln!("problem: {problem}");
            }
            println!("refreshed {refreshed} connection(s)");
            if problems.is_empty() {
                Ok(())
            } else {
                Err(anyhow::anyhow!(
                    "{} connection(s) could not be refreshed",
                    problems.len()
                ))
            }
        }
    }
}

fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    table
}

fn when(millis: Option<i64>) -> String {
    millis
        .and_then(chrono::DateTime::from_timestamp_millis)
        .map_or_else(
            || "-".into(),
            |at| at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )
}

fn kind(connection: &Connection) -> &'static str {
    match connection.kind {
        ConnectionKind::OAuth if connection.location_id.is_none() => "agency (OAuth)",
        ConnectionKind::OAuth => "OAuth",
        ConnectionKind::Pit => "private integration token",
        ConnectionKind::AgencyMinted => "minted by agency",
    }
}

fn state(connection: &Connection) -> String {
    match connection.state {
        ConnectionState::Ok => "ok".into(),
        ConnectionState::NeedsReauth => format!(
            "needs re-auth ({})",
            connection
                .state_reason
                .as_deref()
                .unwrap_or("reconnect with `nifty-ghl connect`")
        ),
    }
}

fn describe(connection: &Connection) -> serde_json::Value {
    json!({
        "id": connection.id,
        "location_id": connection.location_id,
        "company_id": connection.company_id,
        "kind": kind(connection),
        "scopes": connection.scopes.join(" "),
        "state": state(connection),
        "token": mask(connection.access_token.expose_secret()),
        "refresh_token": connection.refresh_token.as_ref().map(|_| "stored (encrypted)"),
        "token_expires_at": when(connection.access_expires_at),
        "last_refresh_at": when(connection.last_refresh_at),
        "refresh_count": connection.refresh_count,
        "connected_at": when(Some(connection.created_at)),
    })
}

pub async fn print_connections(app: &App, json: bool) -> anyhow::Result<()> {
    let connections = app.connections.vault().connections().await?;
    if json {
        return print_json(&connections.iter().map(describe).collect::<Vec<_>>());
    }
    let mut table = table(&[
        "CONNECTION",
        "KIND",
        "SCOPES",
        "TOKEN",
        "EXPIRES",
        "LAST REFRESH",
        "STATE",
    ]);
    for connection in &connections {
        table.add_row(vec![
            connection.id.clone(),
            kind(connection).to_owned(),
            connection.scopes.join(" "),
            mask(connection.access_token.expose_secret()),
            when(connection.access_expires_at),
            when(connection.last_refresh_at),
            state(connection),
        ]);
    }
    println!("{table}");
    println!("{} connection(s)", connections.len());
    Ok(())
}
