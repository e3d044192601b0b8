//! The service's doors (`/hooks/niftyimages`, `/i/{image}`…) on a scratch SQLite file and a
//! loopback port, with the ingest committer and no worker: what the HTTP benchmarks load.
//! Nothing is delivered; the GHL address is never called.

use std::sync::Arc;
use std::time::Duration;

use engine::ingest::Ingestor;
use engine::metrics::Metrics;
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The location every benchmark event goes to (a valid GHL id; none is ever delivered).
pub const LOCATION: &str = "BenchLocation0000001";

pub struct DoorServer {
    pub address: String,
    pub metrics: Arc<Metrics>,
    committer: JoinHandle<()>,
    stop: CancellationToken,
    serving: JoinHandle<std::io::Result<()>>,
    _dir: tempfile::TempDir,
}

/// Starts the doors with the signing `keys` of `/hooks/niftyimages` and the images and data
/// sources of `nifty`; the built-in recipes plan the jobs.
pub async fn start(
    keys: Vec<engine::signing::Key>,
    nifty: server::NiftyRoutes,
) -> anyhow::Result<DoorServer> {
    let dir = super::scratch_dir()?;
    let database = dir.path().join("bench.db");
    let connections = crate::local::connections(&database, "http://127.0.0.1:9").await?;
    let store = Arc::clone(connections.vault().store());
    let metrics = Arc::new(Metrics::default());
    let (ingestor, committer) = Ingestor::start(
        Arc::clone(&store),
        Arc::new(engine::recipes::Recipes::builtin()),
        Some(LOCATION.to_owned()),
        engine::config::PipelineSettings::default().ingest_batch_max,
        Arc::new(Notify::new()),
        Arc::clone(&metrics),
    );
    let router = server::router(server::AppState {
        connections,
        connected: None,
        events: Some(Arc::new(server::EventDoor {
            ingestor,
            metrics: Arc::clone(&metrics),
            store,
            keys,
            allow_unsigned: false,
            ghl: server::GhlHooks::default(),
            nifty: Arc::new(nifty),
        })),
    });
    let listener = server::bind("127.0.0.1:0".parse()?).await?;
    let address = listener.local_addr()?.to_string();
    let stop = CancellationToken::new();
    let serving = tokio::spawn(server::serve(listener, router, stop.clone()));
    eprintln!(
        "SQLite at {}; server at http://{address}",
        database.display()
    );
    Ok(DoorServer {
        address,
        metrics,
        committer,
        stop,
        serving,
        _dir: dir,
    })
}

impl DoorServer {
    /// Stops serving and waits for the last commits (an answer may have come before its
    /// event's commit), so the metrics are final.
    pub async fn stop(self) -> anyhow::Result<Arc<Metrics>> {
        self.stop.cancel();
        self.serving.await??;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.committer).await;
        Ok(self.metrics)
    }
}
