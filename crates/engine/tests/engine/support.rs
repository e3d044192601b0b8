//! A sandbox, a store on each engine, and the connections of one nifty-ghl process.

use std::sync::Arc;

use engine::Connections;
use engine::authorize::{AuthorizeRequest, Callback, LocationChoice};
use engine::config::RefreshSettings;
use ghl::ClientConfig;
use sandbox::{RateLimitSettings, RunningSandbox, SandboxConfig, Settings};
use secrecy::SecretString;
use serde_json::{Value, json};
use store::keyring::{KeySource, generate_key};
use store::{Store, Vault};

pub const REDIRECT: &str = "http://127.0.0.1:9/oauth/callback";

/// Where a store lives, so that another process can open the same one.
#[derive(Debug, Clone)]
pub enum Place {
    Sqlite(String),
    Postgres { url: String, schema: String },
}

impl Place {
    pub async fn open(&self) -> Arc<dyn Store> {
        match self {
            Place::Sqlite(path) => store::open(path).await.unwrap(),
            Place::Postgres { url, schema } => {
                store::open_postgres_schema(url, schema).await.unwrap()
            }
        }
    }

    pub fn to_env(&self) -> String {
        match self {
            Place::Sqlite(path) => format!("sqlite|{path}"),
            Place::Postgres { url, schema } => format!("postgres|{url}|{schema}"),
        }
    }

    pub fn from_env(value: &str) -> Self {
        let parts: Vec<&str> = value.split('|').collect();
        match parts.as_slice() {
            ["sqlite", path] => Place::Sqlite((*path).to_owned()),
            ["postgres", url, schema] => Place::Postgres {
                url: (*url).to_owned(),
                schema: (*schema).to_owned(),
            },
            _ => panic!("bad place {value}"),
        }
    }
}

/// A SQLite file (in `dir`) and, when `NIFTY_GHL_TEST_POSTGRES_URL` is set, a fresh schema.
pub fn places(dir: &tempfile::TempDir) -> Vec<Place> {
    let mut places = vec![Place::Sqlite(
        dir.path()
            .join("nifty-ghl.db")
            .to_string_lossy()
            .into_owned(),
    )];
    match std::env::var("NIFTY_GHL_TEST_POSTGRES_URL") {
        Ok(url) if !url.is_empty() => {
            let schema = format!(
                "c_{}",
                generate_key()
                    .unwrap()
                    .to_lowercase()
                    .replace(|c: char| !c.is_ascii_alphanumeric(), "")[..16]
                    .to_owned()
            );
            places.push(Place::Postgres { url, schema });
        }
        _ => eprintln!("skipped PostgreSQL: NIFTY_GHL_TEST_POSTGRES_URL is not set"),
    }
    places
}

pub fn refresh_settings(early_secs: u64) -> RefreshSettings {
    RefreshSettings {
        early_secs,
        keepalive_secs: 3600,
        lease_secs: 10,
        check_every_secs: 1,
    }
}

pub async fn start_sandbox(token_lifetime_secs: u64) -> RunningSandbox {
    sandbox::start(SandboxConfig {
        settings: Settings {
            access_token_lifetime_secs: token_lifetime_secs,
            rate_limit: RateLimitSettings {
                enabled: false,
                ..RateLimitSettings::default()
            },
            ..Settings::default()
        },
        ..SandboxConfig::default()
    })
    .await
    .unwrap()
}

pub struct Process {
    pub connections: Arc<Connections>,
}

impl Process {
    /// One nifty-ghl process's view: the store at `place`, the key, the sandbox as GHL.
    pub async fn open(
        place: &Place,
        key: &str,
        sandbox_url: &str,
        settings: RefreshSettings,
    ) -> Self {
        Self::open_with_keys(place, KeySource::env(key), sandbox_url, settings).await
    }

    /// As [`Process::open`], with the master key from `keys` (a key file, to rotate).
    pub async fn open_with_keys(
        place: &Place,
        keys: KeySource,
        sandbox_url: &str,
        settings: RefreshSettings,
    ) -> Self {
        let vault = Arc::new(Vault::open(place.open().await, keys).await.unwrap());
        let api = ClientConfig::with_base_url(sandbox_url).unwrap();
        Self {
            connections: Arc::new(Connections::new(vault, api, settings).unwrap()),
        }
    }

    pub async fn set_app(&self, sandbox: &RunningSandbox) {
        let info = sandbox.info();
        self.connections
            .vault()
            .set_app_credentials(
                &info.client_id,
                &SecretString::from(info.client_secret.clone()),
                store::now_millis(),
            )
            .await
            .unwrap();
    }

    /// Runs the whole authorisation: our URL, the sandbox's instant approval, our callback.
    pub async fn authorize(
        &self,
        sandbox: &RunningSandbox,
        scopes: &[&str],
        agency: bool,
    ) -> Vec<store::vault::Connection> {
        let callback = self
            .approve(sandbox, scopes, agency, LocationChoice::All)
            .await;
        self.connections
            .complete_authorization(&callback)
            .await
            .unwrap()
    }

    /// Starts an authorisation and follows the sandbox's redirect: the callback GHL would send.
    pub async fn approve(
        &self,
        sandbox: &RunningSandbox,
        scopes: &[&str],
        agency: bool,
        locations: LocationChoice,
    ) -> Callback {
        let request = AuthorizeRequest {
            scopes: scopes.iter().map(|s| (*s).to_owned()).collect(),
            agency,
            locations,
            redirect_uri: REDIRECT.into(),
        };
        let url = self
            .connections
            .begin_authorization(&request, sandbox.url())
            .await
            .unwrap();
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let response = http.get(url).send().await.unwrap();
        assert_eq!(response.status(), 302);
        let location =
            reqwest::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
        let pairs: std::collections::HashMap<String, String> =
            location.query_pairs().into_owned().collect();
        Callback {
            code: pairs.get("code").cloned(),
            state: pairs.get("state").cloned(),
            ..Callback::default()
        }
    }
}

pub async fn control(
    sandbox: &RunningSandbox,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> Value {
    let mut request =
        reqwest::Client::new().request(method, format!("{}/_sandbox{path}", sandbox.url()));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.unwrap();
    assert!(
        response.status().is_success(),
        "{path}: {}",
        response.status()
    );
    response.json().await.unwrap()
}

/// How many requests the sandbox has answered on `route` (such as `/contacts/search/duplicate`).
pub async fn requests_to(sandbox: &RunningSandbox, route: &str) -> usize {
    control(sandbox, reqwest::Method::GET, "/requests", None).await["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["route"] == route)
        .count()
}

pub async fn refresh_history(sandbox: &RunningSandbox) -> Value {
    control(sandbox, reqwest::Method::GET, "/oauth/refresh-tokens", None).await
}

pub async fn expire_tokens(sandbox: &RunningSandbox) {
    control(
        sandbox,
        reqwest::Method::POST,
        "/tokens/expire",
        Some(json!({})),
    )
    .await;
}

pub fn new_key() -> String {
    generate_key().unwrap()
}

/// A pipeline configuration for tests: quick retries, the given default location.
pub fn pipeline_config(location: &str) -> engine::Config {
    let mut config = engine::Config::default();
    config.pipeline.default_location_id = Some(location.to_owned());
    config.pipeline.retry_schedule_secs =
        vec![0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5];
    config.pipeline.retry_jitter = 0.1;
    config.pipeline.workers = 8;
    config
}

/// Waits until no job is pending or running; returns the final counts.
pub async fn drained(
    store: &Arc<dyn Store>,
    within: std::time::Duration,
) -> store::queue::QueueStats {
    let until = std::time::Instant::now() + within;
    loop {
        let stats = store.queue_stats().await.unwrap();
        if stats.pending == 0 && stats.running == 0 {
            return stats;
        }
        if std::time::Instant::now() > until {
            let recent = store.attempts(None, 15).await.unwrap();
            panic!("the queue did not drain: {stats:?}; the last attempts: {recent:#?}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

pub async fn location_state(sandbox: &RunningSandbox, location: &str) -> Value {
    control(
        sandbox,
        reqwest::Method::GET,
        &format!("/state?location_id={location}"),
        None,
    )
    .await["locations"][0]
        .clone()
}
