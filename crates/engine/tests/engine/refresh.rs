//! Refresh: early, once per connection across tasks and processes, committed before use;
//! a 401 refreshes once; `invalid_grant` pauses the connection until a reconnect.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use engine::ConnectionError;
use ghl::GhlError;
use ghl::search::DuplicateQuery;
use reqwest::Method;
use secrecy::ExposeSecret;
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

/// Not a test of its own: the body of the worker processes the test below starts, by running
/// this test binary again with only this test and `NIFTY_GHL_REFRESH_WORKER` set. It has to be
/// a test for the binary to be able to run it, and it must not be `#[ignore]`d, since the
/// worker is started with the plain test filter. In an ordinary run the variable is unset, and
/// it returns at once: no sandbox, no store, no side effect, so it passes trivially.
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
    for place in places(&dir) {
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
            "{place:?}: {error:?}"
        );
        let counts = control(&sandbox, Method::GET, "/requests", None).await["counts"].clone();
        assert!(
            counts.get("POST /contacts/").is_none(),
            "{place:?}: nothing was sent: {counts}"
        );
    }
}

/// Waits until `millis` (epoch ms) has passed.
async fn sleep_until_millis(millis: i64) {
    let wait = millis - store::now_millis();
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    }
}

#[tokio::test]
async fn keep_alive_refreshes_idle_connections_and_leaves_pits_alone() {
    let dir = tempfile::tempdir().unwrap();
    for place in places(&dir) {
        let sandbox = start_sandbox(86_399).await;
        // A 3 s idle window: the checks that must find nothing idle run well inside it, even on
        // a loaded machine, and the one that must find the connection idle runs after it.
        let mut settings = refresh_settings(1);
        settings.keepalive_secs = 3;
        let process = Process::open(&place, &new_key(), sandbox.url(), settings).await;
        process.set_app(&sandbox).await;
        let connection = process
            .authorize(&sandbox, &["contacts.readonly"], false)
            .await
            .remove(0);
        let pit = process
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
            "{place:?}: nothing is idle yet"
        );
        sleep_until_millis(connection.last_refresh_at.unwrap() + 3_300).await;
        let (refreshed, problems) = process.connections.keep_alive().await.unwrap();
        assert_eq!(
            (refreshed, problems.len()),
            (1, 0),
            "{place:?}: {problems:?}"
        );
        let vault = process.connections.vault();
        let stored = vault.connection(&connection.id).await.unwrap().unwrap();
        assert_eq!(stored.refresh_count, 1, "{place:?}");
        assert_eq!(
            process.connections.keep_alive().await.unwrap().0,
            0,
            "{place:?}: just refreshed, so not idle"
        );
        let pit_after = vault.connection(&pit.id).await.unwrap().unwrap();
        assert_eq!(
            (pit_after.token_version, pit_after.refresh_count),
            (pit.token_version, 0),
            "{place:?}: a PIT is never refreshed"
        );
        assert_eq!(refresh_history(&sandbox).await["invalidGrants"], 0);
    }
}

/// A token call slower than the refresh lease: GHL answers after 5 s, the lease lasts 2 s
/// (renewed every 0.67 s; a 1 s lease proved too tight for a loaded 2-core CI machine, where a
/// renewal can be late by more than the third of a lease that is its margin).
/// Without renewal the lease would run out mid-call, a second process would take it and send
/// the same refresh token, which GHL honours once. The refresher renews its lease while it
/// waits, so the second process waits for its commit and uses the new token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refresh_slower_than_its_lease_keeps_the_lease_and_spends_each_refresh_token_once() {
    let dir = tempfile::tempdir().unwrap();
    for place in places(&dir) {
        let sandbox = start_sandbox(86_399).await;
        let key = new_key();
        let mut settings = refresh_settings(60);
        settings.lease_secs = 2;
        let first = Process::open(&place, &key, sandbox.url(), settings.clone()).await;
        let second = Process::open(&place, &key, sandbox.url(), settings).await;
        first.set_app(&sandbox).await;
        let connection = first
            .authorize(&sandbox, &["contacts.readonly"], false)
            .await
            .remove(0);
        let location = connection.location_id.clone().unwrap();
        control(
            &sandbox,
            Method::PATCH,
            "/settings",
            Some(json!({"faults": {"latency_ms": 5_000}})),
        )
        .await;
        let started = Instant::now();
        let (by_first, by_second) =
            tokio::join!(first.connections.refresh_now(&connection.id), async {
                // The second asks once the first holds the lease.
                tokio::time::sleep(Duration::from_millis(300)).await;
                second.connections.refresh_now(&connection.id).await
            });
        let took = started.elapsed();
        control(
            &sandbox,
            Method::PATCH,
            "/settings",
            Some(json!({"faults": {"latency_ms": 0}})),
        )
        .await;
        let by_first = by_first.unwrap();
        let by_second = by_second.unwrap();
        assert!(
            took > Duration::from_millis(5_000),
            "{place:?}: the refresh outlasted the lease ({took:?})"
        );
        assert_eq!(
            by_first.access_token.expose_secret(),
            by_second.access_token.expose_secret(),
            "{place:?}: the second process took the first one's token"
        );

        let history = refresh_history(&sandbox).await;
        assert_eq!(history["invalidGrants"], 0, "{place:?}: {history}");
        let tokens = history["refreshTokens"].as_array().unwrap();
        assert!(
            tokens.iter().all(|t| t["reuse_attempts"] == 0),
            "{place:?}: no refresh token sent twice: {history}"
        );
        let used = tokens.iter().filter(|t| !t["used_at_ms"].is_null()).count();
        assert_eq!(used, 1, "{place:?}: one refresh for both: {history}");
        let stored = first
            .connections
            .vault()
            .connection(&connection.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                stored.state,
                stored.refresh_count,
                stored.refresh_owner.as_deref()
            ),
            (ConnectionState::Ok, 1, None),
            "{place:?}"
        );
        for process in [&first, &second] {
            call(&process.connections, &connection.id, &location)
                .await
                .unwrap();
        }
    }
}

/// One process refreshes again and again while another rotates the master key file, three
/// times over. Afterwards the key file holds one key, and that key alone opens everything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refreshes_during_key_rotations_stay_readable_with_the_new_key_only() {
    let dir = tempfile::tempdir().unwrap();
    for place in places(&dir) {
        let keys_dir = tempfile::tempdir().unwrap();
        let key_file = keys_dir.path().join("nifty-ghl.key");
        assert!(store::keyring::create_key_file(&key_file).unwrap());
        let sandbox = start_sandbox(86_399).await;
        let source = store::KeySource::File(key_file.clone());
        let refresher =
            Process::open_with_keys(&place, source.clone(), sandbox.url(), refresh_settings(60))
                .await;
        let rotator =
            Process::open_with_keys(&place, source, sandbox.url(), refresh_settings(60)).await;
        refresher.set_app(&sandbox).await;
        let connection = refresher
            .authorize(&sandbox, &["contacts.readonly"], false)
            .await
            .remove(0);
        let location = connection.location_id.clone().unwrap();

        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let done = Arc::new(AtomicU64::new(0));
        let refreshing = {
            let (connections, id, stop, done) = (
                refresher.connections.clone(),
                connection.id.clone(),
                stop.clone(),
                done.clone(),
            );
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    connections.refresh_now(&id).await.unwrap();
                    done.fetch_add(1, Ordering::Relaxed);
                }
            })
        };
        // Rotate at least three times, and on until several refreshes landed meanwhile.
        let before = done.load(Ordering::Relaxed);
        let mut rotations = 0;
        let until = Instant::now() + Duration::from_secs(20);
        while rotations < 3 || (done.load(Ordering::Relaxed) - before < 5 && Instant::now() < until)
        {
            rotator.connections.vault().rotate_key_file().await.unwrap();
            rotations += 1;
        }
        let during = done.load(Ordering::Relaxed) - before;
        stop.store(true, Ordering::Relaxed);
        refreshing.await.unwrap();
        let refreshes = done.load(Ordering::Relaxed);
        assert!(
            during >= 5,
            "{place:?}: refreshes ran during the rotations ({during} in {rotations})"
        );

        let left = store::keyring::read_key_file(&key_file).unwrap();
        assert_eq!(left.len(), 1, "{place:?}: the old keys left the file");
        let only_new = Process::open(&place, &left[0], sandbox.url(), refresh_settings(60)).await;
        let vault = only_new.connections.vault();
        let stored = vault.connection(&connection.id).await.unwrap().unwrap();
        assert_eq!(stored.state, ConnectionState::Ok, "{place:?}");
        assert_eq!(stored.refresh_count as u64, refreshes, "{place:?}");
        assert!(vault.app_credentials().await.unwrap().is_some());
        assert_eq!(
            vault.reseal_all().await.unwrap().resealed,
            0,
            "{place:?}: nothing is sealed with a retired key"
        );
        call(&only_new.connections, &connection.id, &location)
            .await
            .unwrap();
        assert_eq!(refresh_history(&sandbox).await["invalidGrants"], 0);
    }
}
