//! nifty-ghl's HTTP surface. Routes translate HTTP to engine calls and back; they hold no
//! business rules.

mod ghl_hooks;
mod hooks;
mod image_opens;
mod nifty_data;
mod nifty_routes;
mod oauth_pages;
mod schemas;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use engine::Connections;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use ghl_hooks::GhlHooks;
pub use nifty_routes::NiftyRoutes;

/// What the routes share.
#[derive(Debug, Clone)]
pub struct AppState {
    pub connections: Arc<Connections>,
    /// Set after the first successful OAuth callback, for `nifty-ghl connect`'s one-shot
    /// listener to stop on.
    pub connected: Option<CancellationToken>,
    /// The event door, when this process runs the pipeline.
    pub events: Option<Arc<EventDoor>>,
}

/// What `/hooks/niftyimages`, `/i/{image}`, `/nifty/data/{source}` and `/metrics` need of the
/// pipeline.
pub struct EventDoor {
    pub ingestor: engine::ingest::Ingestor,
    pub metrics: Arc<engine::metrics::Metrics>,
    pub store: Arc<dyn store::Store>,
    pub keys: Vec<engine::signing::Key>,
    pub allow_unsigned: bool,
    /// How `/hooks/ghl` checks GHL's webhooks.
    pub ghl: GhlHooks,
    /// The images `/i/{image}` tracks and the data sources `/nifty/data/{source}` answers.
    pub nifty: Arc<NiftyRoutes>,
}

impl std::fmt::Debug for EventDoor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventDoor")
            .field("keys", &self.keys.len())
            .field("allow_unsigned", &self.allow_unsigned)
            .field("nifty", &self.nifty)
            .finish_non_exhaustive()
    }
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/oauth/callback", get(oauth_pages::callback))
        .route("/hooks/niftyimages", post(hooks::niftyimages))
        .route("/hooks/ghl", post(ghl_hooks::receive))
        .route("/i/{image}", get(image_opens::open))
        .route("/nifty/data/{source}", get(nifty_data::data))
        .route("/schemas", get(schemas::index))
        .route("/schemas/{file}", get(schemas::event))
        .route("/metrics", get(hooks::metrics))
        // The hook checks its own limit, to answer 413 in JSON; this cap only guards memory.
        .layer(axum::extract::DefaultBodyLimit::max(hooks::MAX_BODY * 4))
        .with_state(state)
}

/// Ready when the database answers.
async fn ready(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match state.connections.vault().store().connections().await {
        Ok(_) => (StatusCode::OK, "ready"),
        Err(error) => {
            tracing::warn!(%error, "not ready: the database does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database does not answer",
            )
        }
    }
}

/// Serves `router` on `listener` until `stop` is cancelled, letting requests in flight finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    stop: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await
}

/// Binds `address`, with a message that says what to do when it is taken.
pub async fn bind(address: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(address).await.map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot listen on {address}: {e} (is another nifty-ghl running? pick another address)"),
        )
    })
}
