//! A stateful, local GoHighLevel for tests, the demo and benchmarks.
//!
//! It serves the contacts, location (tags, custom fields and values, recurring tasks, task
//! search) and OAuth endpoints the `ghl` client uses, with GHL's paths, status codes, response
//! shapes, validation messages, duplicate rules, token rotation, scopes, rate limits and signed
//! webhooks, plus fault injection and a control API under `/_sandbox/`. Production code never
//! depends on this crate.

mod api_error;
mod auth;
mod checker;
mod clock;
mod dto;
mod ids;
pub mod nifty;
mod rate_limit;
mod request_log;
mod routes;
mod server;
mod settings;
mod state;
mod views;
mod webhooks;
mod world;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use settings::{Faults, RateLimitSettings, Settings, WebhookSettings};
pub use state::LocationInfo;
pub use webhooks::LEGACY_RSA_PUBLIC_KEY;

use auth::{App, Tokens};
use state::SandboxState;
use webhooks::{Signer, Subscription, Webhooks};
use world::World;
use world::model::{CustomFieldDef, Location};

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    pub host: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// How many locations (sub-accounts) the agency has.
    pub locations: usize,
    /// Makes every id, token and key of the run repeatable.
    pub seed: Option<u64>,
    pub settings: Settings,
    /// Webhook receivers registered from the start.
    pub webhook_urls: Vec<String>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            locations: 2,
            seed: None,
            settings: Settings::default(),
            webhook_urls: Vec::new(),
        }
    }
}

/// What the sandbox prints on start (one JSON line) and serves at `/_sandbox/info`: enough
/// for a script to use it. The credentials are the sandbox's own, never real ones.
#[derive(Clone, Serialize, Deserialize)]
pub struct SandboxInfo {
    pub url: String,
    pub client_id: String,
    pub client_secret: String,
    pub app_id: String,
    pub company_id: String,
    pub locations: Vec<LocationInfo>,
    /// Ed25519 public key for `x-ghl-signature`, as base64 DER (the body of a PEM).
    pub webhook_public_key: String,
    pub authorize_url: String,
}

/// Holds the client secret and PITs, so its `Debug` shows neither.
impl std::fmt::Debug for SandboxInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxInfo")
            .field("url", &self.url)
            .field("client_id", &self.client_id)
            .field("company_id", &self.company_id)
            .field(
                "locations",
                &self.locations.iter().map(|l| &l.id).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

pub(crate) fn sandbox_info(state: &SandboxState) -> SandboxInfo {
    let url = state.url.clone();
    SandboxInfo {
        authorize_url: format!("{url}/v2/oauth/chooselocation"),
        url,
        client_id: state.app.client_id.clone(),
        client_secret: state.app.client_secret.clone(),
        app_id: state.app.app_id.clone(),
        company_id: state.company_id.clone(),
        locations: state.locations.clone(),
        webhook_public_key: state.webhooks.signer().public_key_base64(),
    }
}

/// A running sandbox. Dropping it stops the server.
#[derive(Debug)]
pub struct RunningSandbox {
    info: SandboxInfo,
    state: Arc<SandboxState>,
    stop: CancellationToken,
    server: Option<JoinHandle<()>>,
}

impl RunningSandbox {
    pub fn info(&self) -> &SandboxInfo {
        &self.info
    }

    pub fn url(&self) -> &str {
        &self.info.url
    }

    pub fn location_id(&self, index: usize) -> &str {
        &self.info.locations[index].id
    }

    pub fn pit(&self, index: usize) -> &str {
        &self.info.locations[index].pit
    }

    pub fn webhook_public_key(&self) -> &str {
        &self.info.webhook_public_key
    }

    /// Stops the server and waits until it has stopped.
    pub async fn stop(mut self) {
        self.stop.cancel();
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// Runs until `shutdown` resolves, then stops.
    pub async fn run_until(self, shutdown: impl std::future::Future<Output = ()>) {
        shutdown.await;
        self.stop().await;
    }

    #[doc(hidden)]
    pub fn settings_snapshot(&self) -> Settings {
        self.state.settings.read().clone()
    }
}

impl Drop for RunningSandbox {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

/// Starts a sandbox on `config.host:config.port` and returns once it accepts connections.
pub async fn start(config: SandboxConfig) -> std::io::Result<RunningSandbox> {
    // The webhook sender uses reqwest, built without a crypto provider of its own.
    let _ = rustls::crypto::ring::default_provider().install_default();
    config
        .settings
        .validate()
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
    let listener = TcpListener::bind(SocketAddr::new(config.host, config.port)).await?;
    let address = listener.local_addr()?;
    let url = format!("http://{address}");
    let stop = CancellationToken::new();
    let state = Arc::new(build_state(&config, url, stop.clone()));
    let info = sandbox_info(&state);
    let router = routes::router(Arc::clone(&state));
    let server = tokio::spawn(server::serve(listener, router, stop.clone()));
    Ok(RunningSandbox {
        info,
        state,
        stop,
        server: Some(server),
    })
}

const LOCATION_NAMES: [&str; 6] = [
    "Sunrise Dental",
    "Harbor Fitness",
    "Maple Realty",
    "Blue Fern Spa",
    "Cedar Auto",
    "Northside Bakery",
];

fn build_state(config: &SandboxConfig, url: String, stop: CancellationToken) -> SandboxState {
    let ids = ids::IdGenerator::new(config.seed);
    let app_id = ids.business_id();
    let app = App {
        client_id: format!("{app_id}-{}", ids.secret("", 8).to_lowercase()),
        client_secret: ids.uuid(),
        version_id: ids.business_id(),
        app_id,
    };
    let company_id = ids.record_id();
    let mut world = World {
        company_id: company_id.clone(),
        ..World::default()
    };
    let mut tokens = Tokens::default();
    let mut locations = Vec::new();
    for index in 0..config.locations.max(1) {
        let id = ids.record_id();
        let name = match LOCATION_NAMES.get(index) {
            Some(name) => (*name).to_owned(),
            None => format!("Location {}", index + 1),
        };
        let pit = format!("pit-{}", ids.uuid());
        let scopes = auth::PIT_SCOPES.iter().map(|s| (*s).to_owned()).collect();
        tokens.add_pit(&pit, &id, &company_id, ids.uuid(), scopes);
        let mut location = Location::new(id.clone(), name.clone());
        location.users = (0..3).map(|_| ids.record_id()).collect();
        location.custom_fields = default_custom_fields(&ids);
        world.locations.insert(id.clone(), location);
        locations.push(LocationInfo { id, name, pit });
    }
    let mut seed_bytes = [0u8; 32];
    for chunk in seed_bytes.chunks_mut(8) {
        chunk.copy_from_slice(&ids.below(u64::MAX).to_le_bytes());
    }
    let webhooks = Webhooks::new(Signer::from_seed(seed_bytes), stop);
    for url in &config.webhook_urls {
        webhooks.subscribe(
            Subscription {
                id: String::new(),
                url: url.clone(),
                location_id: None,
                events: None,
            },
            &ids,
        );
    }
    SandboxState {
        url,
        settings: RwLock::new(config.settings.clone()),
        world: Mutex::new(world),
        tokens: Mutex::new(tokens),
        app,
        company_id,
        locations,
        clock: clock::Clock::default(),
        ids,
        limiter: rate_limit::RateLimiter::default(),
        log: request_log::RequestLog::default(),
        webhooks,
    }
}

/// Custom fields every sandbox location starts with: one of each common type, including the
/// one nifty-ghl maps the NiftyImages contact id to.
fn default_custom_fields(ids: &ids::IdGenerator) -> Vec<CustomFieldDef> {
    let field =
        |name: &str, key: &str, data_type: &str, position: u32, options: &[&str]| CustomFieldDef {
            id: ids.record_id(),
            name: name.to_owned(),
            field_key: format!("contact.{key}"),
            placeholder: None,
            data_type: data_type.to_owned(),
            position,
            picklist_options: options.iter().map(|o| (*o).to_owned()).collect(),
            model: "contact".to_owned(),
        };
    vec![
        field(
            "NiftyImages Contact Id",
            "niftyimages_contact_id",
            "TEXT",
            0,
            &[],
        ),
        field("Last Image Opened", "last_image_opened", "DATE", 50, &[]),
        field(
            "Engagement Score",
            "engagement_score",
            "NUMERICAL",
            100,
            &[],
        ),
        field(
            "Interests",
            "interests",
            "MULTIPLE_OPTIONS",
            150,
            &["Offers", "News", "Events"],
        ),
        field("Campaign Notes", "campaign_notes", "LARGE_TEXT", 200, &[]),
    ]
}
