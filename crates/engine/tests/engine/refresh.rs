//! Refresh: early, once per connection across tasks and processes, committed before use;
//! a 401 refreshes once; `invalid_grant` pauses the connection until a reconnect.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use engine::ConnectionError;
use ghl::GhlError;
use ghl::search::DuplicateQuery;
use reqwest::Method;
use serde_json::{Value, json};
use store::vault::ConnectionState;

use crate::support::*;

/// One cheap read through a fresh client of the connection.
async fn call(
    connections: &Arc<engine::Connections>,
    id: &str,
    location: &str,
) -> Result<(), GhlError> {
    let client = connections
        .client(id)
        .await
        .map_err(|e| GhlError::Token(e.to_string()))?;
    read(&client, location).await
}

async fn read(client: &ghl::GhlClient, location: &str) -> Result<(), GhlError> {
    client
        .find_duplicate_contact(&DuplicateQuery {
            location_id: location.to_owned(),
            email: Some("nobody@example.com".into()),
            phone: None,
        })
        .await
        .map(|_| ())
}

/// 16 tasks calling through one connection for `seconds`; (successes, failures).
async fn hammer(
    connections: Arc<engine::Connections>,
    id: String,
    location: String,
    seconds: f64,
) -> (u64, Vec<String>) {
    let ok = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(std::sync::Mutex::new(Vec::new()));
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let (connections, id, location, ok, failures) = (
            connections.clone(),
            id.clone(),
            location.clone(),
            ok.clone(),
            failures.clone(),
        );
        tasks.spawn(async move {
            let client = connections.client(&id).await.unwrap();
            while Instant::now() < until {
                match read(&client, &location).await {
                    Ok(()) => {
                        ok.fetch_add(1, Ordering::Relaxed);
                    }
                    Err(error) => failures.lock().unwrap().push(error.to_string()),
                }
                tokio::time::sleep(Duration::from_millis(15)).await;
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let failures = failures.lock().unwrap().clone();
    (ok.load(Ordering::Relaxed), failures)
}

/// Not a test of its own: the body of the worker processes the test below starts.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_worker_process() {
    let Ok(spec) = std::env::var("NIFTY_GHL_REFRESH_WORKER") else {
        return;
    };
    let spec: Value = serde_json::from_str(&spec).unwrap();
    let text = |k: &str| spec[k].as_str().unwrap().to_owned();
    let place = Place::from_env(&text("place"));
    let process = Process::open(&place, &text("key"), &text("sandbox"), refresh_settings(1)).await;
    let (ok, failures) = hammer(
        process.connections,
        text("connection"),
        text("location"),
        spec["seconds"].as_f64().unwrap(),
    )
    .await;
    println!("WORKER-RESULT {}", json!({"ok": ok, "failures": failures}));
}

async fn run_worker(spec: Value) -> Value {
    let exe = std::env::current_exe().unwrap();
    let output = tokio::process::Command::new(exe)
        .args([
            "--exact",
            "refresh::refresh_worker_process",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("NIFTY_GHL_REFRESH_WORKER", spec.to_string())
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let line = stdout
        .lines()
        .find_map(|l| l.split_once("WORKER-RESULT ").map(|(_, result)| result))
        .unwrap_or_else(|| {
            panic!(
                "no result from the worker: {stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            )
        });
    serde_json::from_str(line).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_processes_of_sixteen_tasks_refresh_through_many_cycles_and_use_each_token_once() {
    let dir = tempfile::tempdir().unwrap();
    for place in places(&dir) {
        // Tokens live 3 s and are refreshed in their last second: a refresh about every 2 s.
        let sandbox = start_sandbox(3).await;
        let key = new_key();
        let setup = Process::open(&place, &key, sandbox.url(), refresh_settings(1)).await;
        setup.set_app(&sandbox).await;
        let connection = setup
            .authorize(&sandbox, &["contacts.readonly", "contacts.write"], false)
            .await
            .remove(0);
        let location = connection.location_id.clone().unwrap();
        let spec = json!({
            "place": place.to_env(), "key": key, "sandbox": sandbox.url(),
            "connection": connection.id, "location": location, "seconds": 9.0,
        });
        let (first, second) = tokio::join!(run_worker(spec.clone()), run_worker(spec));
        for result in [&first, &second] {
            assert_eq!(
                result["failures"],
                json!([]),
                "{place:?}: every call succeeded"
            );
            assert!(result["ok"].as_u64().unwrap() > 500, "{place:?}: {result}");
        }
        let history = refresh_history(&sandbox).await;
        assert_eq!(history["invalidGrants"], 0, "{place:?}: {history}");
        let tokens = history["refreshTokens"].as_array().unwrap();
        let used = tokens.iter().filter(|t| !t["used_at_ms"].is_null()).count();
        assert!(
            used >= 3,
            "{place:?}: several refresh cycles, saw {used}: {history}"
        );
        assert!(
            tokens.iter().all(|t| t["reuse_attempts"] == 0),
            "{place:?}: no refresh token used twice"
        );
        let stored = setup
            .connections
            .vault()
            .connection(&connection.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            stored.refresh_count as usize, used,
            "{place:?}: every refresh was committed"
        );
        assert_eq!(stored.state, ConnectionState::Ok);
    }
}

#[tokio::test]
async fn a_401_for_an_expired_token_refreshes_once_and_retries_once() {
    let dir = tempfile::tempdir().unwrap();
    for place in places(&dir) {
        let sandbox = start_sandbox(86_399).await;
        let process = Process::open(&place, &new_key(), sandbox.url(), refresh_settings(60)).await;
        process.set_app(&sandbox).await;
        let connection = process
            .authorize(&sandbox, &["contacts.readonly"], false)
            .await
            .remove(0);
        let location = connection.location_id.clone().unwrap();
        call(&process.connections, &connection.id, &location)
            .await
            .unwrap();
        expire_tokens(&sandbox).await;
        call(&process.connections, &connection.id, &location)
            .await
            .unwrap();
        let log = control(&sandbox, Method::GET, "/requests", None).await;
        let statuses: Vec<u64> = log["requests"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["route"] == "/contacts/search/duplicate")
            .map(|r| r["status"].as_u64().unwrap())
            .collect();
        assert_eq!(statuses, vec![200, 401, 200], "{place:?}");
        assert_eq!(
            log["counts"]["POST /oauth/token"], 2,
            "{place:?}: the code exchange and one refresh"
        );
        let stored = process
            .connections
            .vault()
            .connection(&connection.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.refresh_count, 1);
    }
}

#[tokio::test]
async fn invalid_grant_pauses_the_connection_until_a_reconnect() {
    let dir = tempfile::tempdir().unwrap();
    for place in places(&dir) {
        let sandbox = start_sandbox(86_399).await;
        let process = Process::open(&place, &new_key(), sandbox.url(), refresh_settings(60)).await;
        process.set_app(&sandbox).await;
        let connection = process
            .authorize(&sandbox, &["contacts.readonly"], false)
            .await
            .remove(0);
        let location = connection.location_id.clone().unwrap();
        control(
            &sandbox,
            Method::POST,
            "/tokens/revoke-refresh",
            Some(json!({})),
        )
        .await;
        expire_tokens(&sandbox).await;
        let error = call(&process.connections, &connection.id, &location)
            .await
            .unwrap_err();
        assert!(
            error.to_string().contains("must be authorised again"),
            "{place:?}: {error}"
        );
        let stored = process
            .connections
            .vault()
            .connection(&connection.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.state, ConnectionState::NeedsReauth);
        assert!(stored.state_reason.unwrap().contains("invalid_grant"));
        // Paused: no further refresh is tried while it waits for the user.
        let client_error = process
            .connections
            .client(&connection.id)
            .await
            .unwrap_err();
        assert!(
            matches!(client_error, ConnectionError::NeedsReauth { .. })
                && client_error.needs_user()
        );
        assert_eq!(refresh_history(&sandbox).await["invalidGrants"], 1);

        process
            .authorize(&sandbox, &["contacts.readonly"], false)
            .await;
        call(&process.connections, &connection.id, &location)
            .await
            .unwrap();
        let resumed = process
            .connections
            .vault()
            .connection(&connection.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            resumed.state,
            ConnectionState::Ok,
            "{place:?}: reconnecting resumes the connection"
        );
    }
}

#[tokio::test]
async fn a_read_only_connection_refuses_writes_before_sending() {
    let dir = tempfile::tempdir().unwrap();
    let place = places(&dir).remove(0);
    let sandbox = start_sandbox(86_399).await;
    let process = Process::open(&place, &new_key(), sandbox.url(), refresh_settings(60)).await;
    process.set_app(&sandbox).await;
    let connection = process
        .authorize(&sandbox, &["contacts.readonly"], false)
        .await
        .remove(0);
    let client = process.connections.client(&connection.id).await.unwrap();
    let error = client
        .create_contact(&ghl::contacts::CreateContact {
            location_id: connection.location_id.clone().unwrap(),
            fields: ghl::contacts::ContactFields {
                email: Some("a@example.com".into()),
                ..Default::default()
            },
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(error, GhlError::ScopeNotGranted { ref scope } if scope == "contacts.write"),
        "{error:?}"
    );
    let counts = control(&sandbox, Method::GET, "/requests", None).await["counts"].clone();
    assert!(
        counts.get("POST /contacts/").is_none(),
        "nothing was sent: {counts}"
    );
}

#[tokio::test]
async fn keep_alive_refreshes_idle_connections_and_leaves_pits_alone() {
    let dir = tempfile::tempdir().unwrap();
    let place = places(&dir).remove(0);
    let sandbox = start_sandbox(86_399).await;
    let mut settings = refresh_settings(1);
    settings.keepalive_secs = 1;
    let process = Process::open(&place, &new_key(), sandbox.url(), settings).await;
    process.set_app(&sandbox).await;
    let connection = process
        .authorize(&sandbox, &["contacts.readonly"], false)
        .await
        .remove(0);
    process
        .connections
        .connect_pit(
            sandbox.location_id(1),
            secrecy::SecretString::from(sandbox.pit(1).to_owned()),
            vec!["contacts.readonly".into()],
            true,
        )
        .await
        .unwrap();
    assert_eq!(
        process.connections.keep_alive().await.unwrap().0,
        0,
        "nothing is idle yet"
    );
    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let (refreshed, problems) = process.connections.keep_alive().await.unwrap();
    assert_eq!((refreshed, problems.len()), (1, 0));
    let stored = process
        .connections
        .vault()
        .connection(&connection.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.refresh_count, 1);
}
