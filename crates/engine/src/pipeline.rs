//! The event pipeline assembled: the ingest door, the governor, the workers and the alerts,
//! started together and stopped together.

use std::sync::Arc;
use std::time::Duration;

use store::{Store, StoreError};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::connections::Connections;
use crate::governor::{Governor, Limits};
use crate::ingest::Ingestor;
use crate::metrics::Metrics;
use crate::notify::Notifier;
use crate::recipes::{RecipeErrors, Recipes};
use crate::runner::Runner;

/// Why the pipeline could not start.
#[derive(Debug, thiserror::Error)]
pub enum PipelineError {
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Mistakes in recipe files, each with its place (not a cause chain: the list is the
    /// message).
    #[error("the recipes have mistakes:\n  {}", .0.0.join("\n  "))]
    Recipes(RecipeErrors),
    #[error("the [niftyimages] settings cannot be used: {0}")]
    NiftyImages(String),
}

impl From<RecipeErrors> for PipelineError {
    fn from(errors: RecipeErrors) -> Self {
        Self::Recipes(errors)
    }
}

#[derive(Debug)]
pub struct Pipeline {
    pub ingestor: Ingestor,
    pub metrics: Arc<Metrics>,
    pub store: Arc<dyn Store>,
    runner: Arc<Runner>,
    stop: CancellationToken,
    committer: JoinHandle<()>,
    workers: JoinHandle<()>,
}

impl Pipeline {
    /// Claims this process's place among the instances (on SQLite: the only service on the
    /// database), then starts ingesting and delivering.
    pub async fn start(
        config: &Config,
        connections: Arc<Connections>,
    ) -> Result<Self, PipelineError> {
        // The recipes first: a mistake in one must stop the start, not every event later.
        let nifty = Arc::new(
            crate::niftyimages_side::NiftySide::from_settings(&config.niftyimages)
                .map_err(|e| PipelineError::NiftyImages(e.to_string()))?,
        );
        let nifty_account = nifty.account().cloned();
        let mut recipes = Recipes::load(Some(&config.recipes.dir))?;
        recipes.fit_to_niftyimages(&config.niftyimages);
        let reconcile_wanted = crate::reconcile::wanted(&recipes);
        let poll_wanted = crate::opens_poller::wanted(&recipes);
        let recipes = Arc::new(recipes);
        let store = Arc::clone(connections.vault().store());
        let owner = format!(
            "instance-{}-{}",
            std::process::id(),
            crate::connections::random_hex(4)
        );
        let claim = store.claim_instance(&owner, store::now_millis()).await?;
        let wake = Arc::new(Notify::new());
        let metrics = Arc::new(Metrics::default());
        let settings = config.pipeline.clone();
        let (ingestor, committer) = Ingestor::start(
            Arc::clone(&store),
            recipes,
            settings.default_location_id.clone(),
            settings.ingest_batch_max,
            Arc::clone(&wake),
            Arc::clone(&metrics),
        );
        let governor = Arc::new(Governor::new(Limits::from_settings(&settings)));
        let notifier = Notifier::new(Arc::clone(&store), config.notifications.clone());
        let runner = Arc::new(Runner::new(
            claim,
            Arc::clone(&store),
            connections,
            governor,
            settings,
            notifier,
            Arc::clone(&metrics),
            wake,
            nifty,
            ingestor.clone(),
        ));
        let stop = CancellationToken::new();
        let workers = tokio::spawn(Arc::clone(&runner).run(stop.clone()));
        let every = config.ghl_webhooks.reconcile_every_secs;
        if reconcile_wanted && every > 0 {
            tokio::spawn(reconcile_loop(
                Arc::clone(&runner),
                Arc::clone(&store),
                ingestor.clone(),
                Duration::from_secs(every),
                stop.clone(),
            ));
        }
        let poll_every = config.niftyimages.poll_every_secs;
        if poll_wanted && poll_every > 0 {
            match (nifty_account, config.pipeline.default_location_id.clone()) {
                (Some(account), Some(location)) => {
                    tokio::spawn(opens_poll_loop(
                        account,
                        Arc::clone(&store),
                        ingestor.clone(),
                        location,
                        Duration::from_secs(poll_every),
                        stop.clone(),
                    ));
                }
                _ => tracing::warn!(
                    "a recipe starts from image.opens_increased, but the stats poller needs niftyimages.account_key and pipeline.default_location_id: it is off"
                ),
            }
        }
        Ok(Self {
            ingestor,
            metrics,
            store,
            runner,
            stop,
            committer,
            workers,
        })
    }

    /// The name this process uses in job and location leases.
    pub fn worker_name(&self) -> &str {
        self.runner.owner()
    }

    /// Stops claiming work, lets running jobs finish and be recorded, then returns. Call it
    /// after the HTTP server has stopped: events already handed to the ingestor are committed
    /// once every clone of it is gone.
    /// The locations' GHL rate budget (the jobs' and reconciliation's): other GHL reads of
    /// the process (the NiftyImages data endpoint) take from it too.
    pub fn governor(&self) -> &Arc<Governor> {
        self.runner.governor()
    }

    pub async fn shutdown(self) {
        let Self {
            ingestor,
            stop,
            committer,
            workers,
            runner,
            ..
        } = self;
        drop(ingestor);
        stop.cancel();
        let _ = workers.await;
        // The runner holds an ingest handle too (jobs submit completed events); the
        // reconciliation loop lets go of its own when it sees the stop.
        drop(runner);
        if tokio::time::timeout(Duration::from_secs(10), committer)
            .await
            .is_err()
        {
            tracing::warn!("the ingest committer did not finish: an ingest handle is still held");
        }
    }
}

/// Every `every`, one reconciliation pass per connected location (see [`crate::reconcile`]),
/// its reads within the location's rate budget like the jobs'.
async fn reconcile_loop(
    runner: Arc<Runner>,
    store: Arc<dyn Store>,
    ingestor: Ingestor,
    every: Duration,
    stop: CancellationToken,
) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = stop.cancelled() => return,
        }
        // Every connected location, also one with no job in flight (that is when a dropped
        // webhook would go unnoticed); with several instances, the one whose timer comes
        // first (`reconcile::take_turn`).
        let locations: Vec<String> = match runner.connections().vault().connections().await {
            Ok(all) => all.into_iter().filter_map(|c| c.location_id).collect(),
            Err(error) => {
                tracing::warn!(%error, "reconciliation: cannot list the connections");
                continue;
            }
        };
        for location in locations {
            match crate::reconcile::take_turn(&store, &location, every).await {
                Ok(true) => {}
                Ok(false) => continue,
                Err(error) => {
                    tracing::warn!(%location, %error, "reconciliation skipped: its turn could not be recorded");
                    continue;
                }
            }
            let id = store::vault::connection_id(
                store::vault::UserType::Location,
                Some(&location),
                None,
            );
            let client = match runner.connections().client(&id).await {
                Ok(client) => client,
                Err(error) => {
                    tracing::warn!(%location, %error, "reconciliation skipped");
                    continue;
                }
            };
            let pass = crate::reconcile::run_pass(
                &client,
                &store,
                &ingestor,
                runner.governor(),
                &location,
                &|_| {},
            );
            // A pass can be long (it waits for the budget): it stops with the service, and
            // the next one resumes from the checkpoint.
            let pass = tokio::select! {
                pass = pass => pass,
                () = stop.cancelled() => return,
            };
            match pass {
                Ok(pass) => {
                    tracing::info!(%location, read = pass.read, accepted = pass.accepted, "reconciliation pass")
                }
                Err(error) => {
                    tracing::warn!(%location, %error, "reconciliation pass failed; the next one resumes from the checkpoint")
                }
            }
        }
    }
}

/// Every `every`, one reading of NiftyImages' open counters (see [`crate::opens_poller`]).
async fn opens_poll_loop(
    account: niftyimages::NiftyClient,
    store: Arc<dyn Store>,
    ingestor: Ingestor,
    location: String,
    every: Duration,
    stop: CancellationToken,
) {
    loop {
        match crate::opens_poller::poll_once(&account, &store, &ingestor, &location).await {
            Ok(events) => tracing::debug!(events, "NiftyImages open counters read"),
            Err(error) => {
                tracing::warn!(%error, "reading NiftyImages' open counters failed; the next poll tries again")
            }
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = stop.cancelled() => return,
        }
    }
}
