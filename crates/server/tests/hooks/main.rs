//! `POST /hooks/niftyimages` end to end: the real server on loopback, a real SQLite file, the
//! pipeline delivering to the GHL sandbox. Each test checks the status the producer gets, what
//! was stored, and what GHL holds afterwards.

use std::sync::Arc;
use std::time::{Duration, Instant};

use engine::connections::Connections;
use engine::pipeline::Pipeline;
use sandbox::{RunningSandbox, SandboxConfig};
use secrecy::SecretString;
use serde_json::{Value, json};
use store::{KeySource, Vault};
use tokio_util::sync::CancellationToken;

mod bad_input;
mod delivery;
mod ghl_to_niftyimages;
mod ghl_webhooks;
mod image_opens;
mod nifty_data;
mod opens_poller;
mod recipes;
mod schemas;

/// A NiftyImages sandbox and `[niftyimages]` settings that point at it (no store or timer
/// yet).
pub async fn nifty_sandbox() -> (
    sandbox::nifty::NiftySandbox,
    engine::config::NiftyImagesSettings,
) {
    let nifty = sandbox::nifty::NiftySandbox::start(sandbox::nifty::NiftySandboxConfig::default())
        .await
        .unwrap();
    let settings = engine::config::NiftyImagesSettings {
        base_url: nifty.api_url().to_owned(),
        ..Default::default()
    };
    (nifty, settings)
}

/// The settings of the NiftyImages sandbox's Data Store `name`, keyed by `unique`.
pub fn store_settings(
    nifty: &sandbox::nifty::NiftySandbox,
    name: &str,
    unique: &str,
) -> engine::config::StoreSettings {
    serde_json::from_value(json!({"key": nifty.store_key(name).unwrap(), "unique": unique}))
        .unwrap()
}

/// A service with its pipeline, connected to one sandbox location.
pub struct Service {
    pub url: String,
    pub connections: Arc<Connections>,
    pub sandbox: RunningSandbox,
    pub location: String,
    pub secrets: Vec<String>,
    pub pipeline: Option<Pipeline>,
    pub http: reqwest::Client,
    stop: CancellationToken,
    _dir: tempfile::TempDir,
}

impl std::fmt::Debug for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Service")
            .field("url", &self.url)
            .field("location", &self.location)
            .finish_non_exhaustive()
    }
}

impl Service {
    /// `secrets`: how many signing secrets the door takes (a rotation has two).
    pub async fn start(secrets: usize) -> Self {
        Self::start_with_recipes(secrets, &[]).await
    }

    /// With `recipes` (file name, text) in the recipes folder beside the built-in ones.
    pub async fn start_with_recipes(secrets: usize, recipes: &[(&str, &str)]) -> Self {
        Self::start_full(
            secrets,
            recipes,
            engine::config::NiftyImagesSettings::default(),
            None,
        )
        .await
    }

    /// Knowing the marketplace app's client id, as `serve` does from `ghl.client_id`.
    pub async fn start_for_app(client_id: &str) -> Self {
        Self::start_full(
            1,
            &[],
            engine::config::NiftyImagesSettings::default(),
            Some(client_id),
        )
        .await
    }

    /// With `[niftyimages]` settings (images, data sources) for the GET routes, and `recipes`.
    pub async fn start_with_niftyimages(
        niftyimages: engine::config::NiftyImagesSettings,
        recipes: &[(&str, &str)],
    ) -> Self {
        Self::start_full(1, recipes, niftyimages, None).await
    }

    async fn start_full(
        secrets: usize,
        recipes: &[(&str, &str)],
        niftyimages: engine::config::NiftyImagesSettings,
        client_id: Option<&str>,
    ) -> Self {
        // The second location is unconnected: an agency's INSTALL of it is tested.
        let sandbox = sandbox::start(SandboxConfig {
            locations: 2,
            ..SandboxConfig::default()
        })
        .await
        .unwrap();
        let location = sandbox.location_id(0).to_owned();
        let dir = tempfile::tempdir().unwrap();
        let database = dir.path().join("hooks.db");
        let store = store::open(database.to_str().unwrap()).await.unwrap();
        let vault = Vault::open(
            store,
            KeySource::env(store::keyring::generate_key().unwrap()),
        )
        .await
        .unwrap();
        let connections = Arc::new(
            Connections::new(
                Arc::new(vault),
                ghl::ClientConfig::with_base_url(sandbox.url()).unwrap(),
                engine::config::RefreshSettings::default(),
            )
            .unwrap(),
        );
        connections
            .connect_pit(
                &location,
                SecretString::from(sandbox.pit(0).to_owned()),
                engine::config::DEFAULT_SCOPES
                    .iter()
                    .map(|s| (*s).to_owned())
                    .collect(),
                false,
            )
            .await
            .unwrap();
        let mut config = engine::Config::default();
        config.pipeline.default_location_id = Some(location.clone());
        config.pipeline.retry_schedule_secs = vec![0.0, 0.05, 0.1, 0.2, 0.5, 0.5];
        config.pipeline.workers = 8;
        config.recipes.dir = dir.path().join("recipes");
        config.niftyimages = niftyimages;
        std::fs::create_dir(&config.recipes.dir).unwrap();
        for (name, text) in recipes {
            std::fs::write(config.recipes.dir.join(name), text).unwrap();
        }
        let pipeline = Pipeline::start(&config, Arc::clone(&connections))
            .await
            .unwrap();
        let secrets: Vec<String> = (0..secrets)
            .map(|_| engine::signing::generate_secret())
            .collect();
        let keys = secrets
            .iter()
            .map(|s| engine::signing::secret_key(&SecretString::from(s.clone())).unwrap())
            .collect();
        let listener = server::bind("127.0.0.1:0".parse().unwrap()).await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = CancellationToken::new();
        let router = server::router(server::AppState {
            connections: Arc::clone(&connections),
            connected: None,
            events: Some(Arc::new(server::EventDoor {
                ingestor: pipeline.ingestor.clone(),
                metrics: pipeline.metrics.clone(),
                store: pipeline.store.clone(),
                keys,
                allow_unsigned: false,
                ghl: server::GhlHooks {
                    verifier: ghl::webhook_signature::WebhookVerifier::new(
                        &[sandbox.webhook_public_key(), &test_ghl_key_base64()],
                        Some(sandbox::LEGACY_RSA_PUBLIC_KEY),
                    )
                    .unwrap(),
                    ..server::GhlHooks::default()
                }
                .for_client_id(client_id),
                nifty: Arc::new(
                    server::NiftyRoutes::new(
                        &config.niftyimages,
                        config.pipeline.default_location_id.clone(),
                    )
                    .with_governor(Arc::clone(pipeline.governor())),
                ),
            })),
        });
        tokio::spawn(server::serve(listener, router, stop.clone()));
        ghl::install_crypto_provider();
        Self {
            url,
            connections,
            sandbox,
            location,
            secrets,
            pipeline: Some(pipeline),
            http: reqwest::Client::new(),
            stop,
            _dir: dir,
        }
    }

    /// The GHL sandbox's request log.
    /// Points the GHL sandbox's webhooks at this service's `/hooks/ghl`.
    pub async fn subscribe_to_sandbox(&self) {
        let response = self
            .http
            .post(format!("{}/_sandbox/webhooks", self.sandbox.url()))
            .json(&json!({"url": format!("{}/hooks/ghl", self.url)}))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success());
    }

    /// One call to the GHL sandbox's API as the location's user would make it (not through
    /// nifty-ghl); its answer.
    pub async fn ghl(&self, method: reqwest::Method, path: &str, body: Value) -> Value {
        let response = self
            .http
            .request(method, format!("{}{path}", self.sandbox.url()))
            .bearer_auth(self.sandbox.pit(0))
            .header("Version", "2021-07-28")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "{path}: {}",
            response.status()
        );
        response.json().await.unwrap_or(Value::Null)
    }

    /// A contact created in GHL by its user; its id.
    pub async fn create_ghl_contact(&self, email: &str, first_name: &str) -> String {
        let created = self
            .ghl(
                reqwest::Method::POST,
                "/contacts/",
                json!({"locationId": self.location, "email": email, "firstName": first_name}),
            )
            .await;
        created["contact"]["id"].as_str().unwrap().to_owned()
    }

    pub async fn sandbox_requests(&self) -> Vec<Value> {
        let log: Value = self
            .http
            .get(format!("{}/_sandbox/requests", self.sandbox.url()))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        log["requests"].as_array().cloned().unwrap_or_default()
    }

    pub fn pipeline_connections(&self) -> Arc<Connections> {
        Arc::clone(&self.connections)
    }

    pub fn store(&self) -> &Arc<dyn store::Store> {
        &self.pipeline.as_ref().unwrap().store
    }

    /// Posts `body` signed with secret `secret` as webhook `id`, `age` seconds ago.
    pub async fn post(&self, id: &str, body: &[u8], secret: &str, age: i64) -> (u16, Value) {
        let key = engine::signing::secret_key(&SecretString::from(secret.to_owned())).unwrap();
        let timestamp = chrono::Utc::now().timestamp() - age;
        let signature = engine::signing::sign(&key, id, timestamp, body);
        self.send(
            self.http
                .post(format!("{}/hooks/niftyimages", self.url))
                .header("content-type", "application/json")
                .header("webhook-id", id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
                .body(body.to_vec()),
        )
        .await
    }

    /// Posts `events` signed with the door's first secret, now.
    pub async fn events(&self, id: &str, events: Value) -> (u16, Value) {
        let secret = self.secrets[0].clone();
        self.post(id, &serde_json::to_vec(&events).unwrap(), &secret, 0)
            .await
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> (u16, Value) {
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    /// How many events and jobs the store holds.
    pub async fn stored(&self) -> (i64, i64) {
        let stats = self.store().queue_stats().await.unwrap();
        let jobs = stats.pending + stats.running + stats.succeeded + stats.dead;
        let events = self
            .pipeline
            .as_ref()
            .unwrap()
            .metrics
            .events_accepted
            .load(std::sync::atomic::Ordering::Relaxed) as i64;
        (events, jobs)
    }

    /// Waits until every job is done, then what the location holds in GHL.
    pub async fn ghl_after_delivery(&self) -> Value {
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let stats = self.store().queue_stats().await.unwrap();
            if stats.pending == 0 && stats.running == 0 {
                assert_eq!(stats.dead, 0, "no job may fail here");
                break;
            }
            assert!(Instant::now() < until, "not delivered in time: {stats:?}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let state: Value = self
            .http
            .get(format!(
                "{}/_sandbox/state?location_id={}",
                self.sandbox.url(),
                self.location
            ))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        state["locations"][0].clone()
    }

    pub async fn stop(mut self) {
        self.stop.cancel();
        if let Some(pipeline) = self.pipeline.take() {
            pipeline.shutdown().await;
        }
    }
}

/// A key the tests sign GHL webhooks of their own with (the door trusts it beside the
/// sandbox's), so that they can forge, replay and age bodies at will.
pub fn test_ghl_key() -> ring::signature::Ed25519KeyPair {
    ring::signature::Ed25519KeyPair::from_seed_unchecked(&[42; 32]).unwrap()
}

pub fn test_ghl_key_base64() -> String {
    use base64::Engine;
    use ring::signature::KeyPair;
    let mut der = vec![
        0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
    ];
    der.extend_from_slice(test_ghl_key().public_key().as_ref());
    base64::engine::general_purpose::STANDARD.encode(der)
}

pub fn contact(id: &str, contact_id: &str, email: &str, name: &str) -> Value {
    json!({"id": id, "type": "contact.created", "data": {"contactId": contact_id, "email": email, "name": name}})
}
