//! A stateful local NiftyImages: the 31 documented method+path pairs under `/v1`, with
//! NiftyImages' `ApiKey` header and its account, Data Store and timer keys, `{"Message"}`
//! errors, Data Store upserts and validation, timezone-aware timer updates, paged images and
//! date-windowed statistics, plus public `/render` image URLs, fault injection and a control
//! API under `/_sandbox/`.
//!
//! Faithful to what NiftyImages is known to have, and no more: it has no webhooks, contacts,
//! campaigns or per-recipient events, and the only way to read Data Store rows is the
//! test-only dump. Where the public record is silent (write answers, the `Format` and
//! `date_input_format` syntax), the sandbox's choice is documented where it is made.

mod controls;
mod datastore;
mod dates;
mod error;
mod middleware;
mod model;
mod routes;
mod seed;
mod settings;
mod state;
mod timer;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use controls::TimerTarget;
pub use datastore::{FieldDef, StoreRow};
pub use seed::APPOINTMENT_FORMAT;
pub use settings::{AuthCarriers, NiftyFaults, NiftySettings};
pub use state::RenderRecord;

pub use crate::request_log::RequestRecord;

use state::NiftyState;

/// How to start a NiftyImages sandbox.
#[derive(Debug, Clone)]
pub struct NiftySandboxConfig {
    pub host: IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    /// Makes every key, URL and seeded count repeatable.
    pub seed: Option<u64>,
    pub settings: NiftySettings,
}

impl Default for NiftySandboxConfig {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            seed: None,
            settings: NiftySettings::default(),
        }
    }
}

/// Everything a test or script needs to use the sandbox. The keys are the sandbox's own,
/// never real ones; `Debug` still leaves them out.
#[derive(Clone, Serialize, Deserialize)]
pub struct NiftyInfo {
    /// The server root (`/render/…` and `/_sandbox/…` live here).
    pub url: String,
    /// The API root to give the client: `{url}/v1`.
    pub api_url: String,
    pub account_key: String,
    pub stores: Vec<StoreInfo>,
    pub timers: Vec<TimerInfo>,
    pub images: Vec<ImageInfo>,
    pub widgets: Vec<IntegrationInfo>,
    pub bee_plugins: Vec<IntegrationInfo>,
    pub maps: Vec<ImageInfo>,
}

impl std::fmt::Debug for NiftyInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NiftyInfo")
            .field("url", &self.url)
            .field(
                "stores",
                &self.stores.iter().map(|s| &s.name).collect::<Vec<_>>(),
            )
            .field(
                "timers",
                &self.timers.iter().map(|t| &t.image_url).collect::<Vec<_>>(),
            )
            .field("images", &self.images.len())
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoreInfo {
    pub name: String,
    /// The store's own key (sandbox credential).
    pub key: String,
    /// Only custom stores accept writes.
    pub custom: bool,
    pub fields: Vec<FieldDef>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TimerInfo {
    pub image_url: String,
    /// The timer's own key (sandbox credential).
    pub key: String,
    pub timezone: String,
    pub target_utc: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ImageInfo {
    pub name: String,
    pub url: String,
    pub image_type: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IntegrationInfo {
    pub name: String,
    pub key: String,
    pub users: Vec<String>,
    /// `ImageID`s, for [`NiftySandbox::bump_widget_impressions`].
    pub image_ids: Vec<u64>,
}

pub(crate) fn nifty_info(state: &NiftyState) -> NiftyInfo {
    let world = state.world.lock();
    let integration = |i: &model::Integration| IntegrationInfo {
        name: i.name.clone(),
        key: i.key.clone(),
        users: i.users(),
        image_ids: i.images.iter().map(|img| img.id).collect(),
    };
    NiftyInfo {
        url: state.url.clone(),
        api_url: format!("{}/v1", state.url),
        account_key: state.account_key.clone(),
        stores: world
            .stores
            .iter()
            .map(|s| StoreInfo {
                name: s.name.clone(),
                key: s.key.clone(),
                custom: s.custom,
                fields: s.fields.clone(),
            })
            .collect(),
        timers: world
            .timers
            .iter()
            .map(|t| TimerInfo {
                image_url: world.images[t.image].url.clone(),
                key: t.key.clone(),
                timezone: t.timezone.name().to_owned(),
                target_utc: t.target,
            })
            .collect(),
        images: world
            .images
            .iter()
            .map(|i| ImageInfo {
                name: i.name.clone(),
                url: i.url.clone(),
                image_type: i.kind.label().to_owned(),
            })
            .collect(),
        widgets: world.widgets.iter().map(integration).collect(),
        bee_plugins: world.bee_plugins.iter().map(integration).collect(),
        maps: world
            .maps
            .iter()
            .map(|m| ImageInfo {
                name: m.name.clone(),
                url: m.url.clone(),
                image_type: "Map".into(),
            })
            .collect(),
    }
}

/// Why a control call on the handle failed (an unknown store, URL or key; a bad value).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("NiftyImages sandbox control failed ({status}): {message}")]
pub struct ControlError {
    pub status: u16,
    pub message: String,
}

impl From<error::NiftyApiError> for ControlError {
    fn from(e: error::NiftyApiError) -> Self {
        Self {
            status: e.status.as_u16(),
            message: e.message,
        }
    }
}

/// A running NiftyImages sandbox. Dropping it stops the server.
#[derive(Debug)]
pub struct NiftySandbox {
    info: NiftyInfo,
    state: Arc<NiftyState>,
    stop: CancellationToken,
    server: Option<JoinHandle<()>>,
}

impl NiftySandbox {
    /// Starts a sandbox on `config.host:config.port` and returns once it accepts connections.
    pub async fn start(config: NiftySandboxConfig) -> std::io::Result<Self> {
        config
            .settings
            .validate()
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let listener = TcpListener::bind(SocketAddr::new(config.host, config.port)).await?;
        let url = format!("http://{}", listener.local_addr()?);
        let ids = crate::ids::IdGenerator::new(config.seed);
        let clock = crate::clock::Clock::default();
        let seeded = seed::seed(&ids, &url, clock.now());
        let state = Arc::new(NiftyState {
            url,
            settings: RwLock::new(config.settings),
            world: Mutex::new(seeded.world),
            keys: seeded.keys,
            account_key: seeded.account_key,
            clock,
            log: crate::request_log::RequestLog::default(),
            renders: Mutex::new(std::collections::VecDeque::new()),
        });
        let info = nifty_info(&state);
        let router = routes::router(Arc::clone(&state));
        let stop = CancellationToken::new();
        let shutdown = stop.clone();
        let server = tokio::spawn(async move {
            let serve = axum::serve(listener, router)
                .with_graceful_shutdown(async move { shutdown.cancelled().await });
            if let Err(error) = serve.await {
                tracing::warn!(%error, "NiftyImages sandbox server stopped");
            }
        });
        Ok(Self {
            info,
            state,
            stop,
            server: Some(server),
        })
    }

    /// What the sandbox was seeded with (keys, stores, timers, images) and where it listens.
    pub fn info(&self) -> &NiftyInfo {
        &self.info
    }

    /// The server root.
    pub fn url(&self) -> &str {
        &self.info.url
    }

    /// The API root to configure the client with (`{url}/v1`).
    pub fn api_url(&self) -> &str {
        &self.info.api_url
    }

    pub fn account_key(&self) -> &str {
        &self.info.account_key
    }

    /// The key of the Data Store named `name`.
    pub fn store_key(&self, name: &str) -> Option<&str> {
        self.info
            .stores
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.key.as_str())
    }

    /// Stops the server and waits until it has stopped.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }

    /// The rows of a Data Store, which the real API cannot read.
    pub fn store_rows(&self, store: &str) -> Result<Vec<StoreRow>, ControlError> {
        Ok(controls::store_rows(&self.state, store)?)
    }

    pub fn timer_target(&self, image_url: &str) -> Result<TimerTarget, ControlError> {
        Ok(controls::timer_target(&self.state, image_url)?)
    }

    /// Adds opens to an image or map, as recipients opening an email would; returns the total.
    pub fn bump_opens(&self, url: &str, count: u64) -> Result<u64, ControlError> {
        Ok(controls::bump_opens(&self.state, url, count)?)
    }

    pub fn bump_widget_impressions(
        &self,
        widget_key: &str,
        image_id: u64,
        count: u64,
    ) -> Result<u64, ControlError> {
        Ok(controls::bump_widget_impressions(
            &self.state,
            widget_key,
            image_id,
            count,
        )?)
    }

    pub fn bump_map_clicks(&self, url: &str, count: u64) -> Result<u64, ControlError> {
        Ok(controls::bump_map_clicks(&self.state, url, count)?)
    }

    /// Moves the sandbox clock forward; returns the new now.
    pub fn advance_clock(&self, by: Duration) -> Result<DateTime<Utc>, ControlError> {
        Ok(controls::advance_clock(&self.state, by)?)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.state.now()
    }

    pub fn settings(&self) -> NiftySettings {
        self.state.settings.read().clone()
    }

    pub fn set_settings(&self, settings: NiftySettings) -> Result<(), ControlError> {
        settings.validate().map_err(|message| ControlError {
            status: 400,
            message,
        })?;
        *self.state.settings.write() = settings;
        Ok(())
    }

    /// Changes the settings in place, such as `|s| s.faults.force_500 = 2`.
    pub fn update_settings(
        &self,
        change: impl FnOnce(&mut NiftySettings),
    ) -> Result<(), ControlError> {
        let mut next = self.settings();
        change(&mut next);
        self.set_settings(next)
    }

    /// Every fetch of a `/render` image URL so far, with its merge-tag values.
    pub fn renders(&self) -> Vec<RenderRecord> {
        self.state.renders.lock().iter().cloned().collect()
    }

    /// The API calls answered so far, oldest first (bodies included, keys never).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.state.log.entries(0, usize::MAX)
    }

    /// How many calls were answered per `METHOD route` (`POST /v1/Store/AddRecord`), over
    /// the whole run: the request log keeps only the last 5,000, these counts do not.
    pub fn request_counts(&self) -> std::collections::BTreeMap<String, u64> {
        self.state.log.counts()
    }

    pub fn clear_requests(&self) {
        self.state.log.clear();
    }
}

impl Drop for NiftySandbox {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
