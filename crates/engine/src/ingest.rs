//! Durable ingest with group commit: events from every request waiting at the same moment are
//! stored in one transaction (one fsync), and each request is answered only after that commit.

use std::sync::Arc;

use store::Store;
use store::queue::{IngestItem, Ingested, NewEvent};
use tokio::sync::{Notify, mpsc, oneshot};

use crate::events::Event;
use crate::metrics::Metrics;
use crate::recipes::{Recipes, RunError};

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("event {event_id} names no GHL location, and pipeline.default_location_id is not set")]
    NoLocation { event_id: String },
    /// A recipe could not map the event: its data does not fit what the recipe does with it.
    #[error("event {event_id}: {error}")]
    Recipe { event_id: String, error: RunError },
    #[error("the events could not be stored: {0}")]
    Store(String),
    #[error("nifty-ghl is shutting down")]
    Closed,
}

/// What became of a request's events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub outcomes: Vec<Ingested>,
}

impl Receipt {
    pub fn accepted(&self) -> usize {
        self.outcomes
            .iter()
            .filter(|o| **o == Ingested::Accepted)
            .count()
    }

    pub fn duplicates(&self) -> usize {
        self.outcomes.len() - self.accepted()
    }
}

struct Request {
    items: Vec<IngestItem>,
    reply: oneshot::Sender<Result<Vec<Ingested>, IngestError>>,
}

/// The door events come through. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Ingestor {
    sender: mpsc::Sender<Request>,
    default_location: Option<String>,
    recipes: Arc<Recipes>,
    metrics: Arc<Metrics>,
}

/// What to do with an event a recipe cannot map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unmapped {
    /// Refuse the whole request: its sender is told what to fix and sends again.
    Refuse,
    /// Store the event without jobs, and say so: its source cannot send it again.
    KeepWithoutJobs,
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("items", &self.items.len())
            .finish()
    }
}

impl Ingestor {
    /// Starts the committer. `wake` is told after each commit, so workers start at once.
    pub fn start(
        store: Arc<dyn Store>,
        recipes: Arc<Recipes>,
        default_location: Option<String>,
        batch_max: usize,
        wake: Arc<Notify>,
        metrics: Arc<Metrics>,
    ) -> (Self, tokio::task::JoinHandle<()>) {
        let (sender, receiver) = mpsc::channel(4_096);
        let committer = tokio::spawn(commit_loop(
            store,
            receiver,
            batch_max,
            wake,
            Arc::clone(&metrics),
        ));
        (
            Self {
                sender,
                default_location,
                recipes,
                metrics,
            },
            committer,
        )
    }

    /// Stores `events` (with the jobs their recipes make) durably. Nothing is stored if any
    /// event has no location or meets a recipe that cannot map it.
    pub async fn submit(&self, events: Vec<Event>, source: &str) -> Result<Receipt, IngestError> {
        self.submit_as(events, source, Unmapped::Refuse).await
    }

    /// [`Ingestor::submit`] for sources that cannot send an event again (GHL does not redeliver
    /// a webhook refused with 4xx; a reconciliation page that failed would stop its checkpoint
    /// for good): an event a recipe cannot map is stored without jobs, logged with the recipe
    /// and step, and counted in `nifty_ghl_events_unmapped_total`; the others go on as usual.
    pub async fn submit_keeping_unmapped(
        &self,
        events: Vec<Event>,
        source: &str,
    ) -> Result<Receipt, IngestError> {
        self.submit_as(events, source, Unmapped::KeepWithoutJobs)
            .await
    }

    async fn submit_as(
        &self,
        events: Vec<Event>,
        source: &str,
        unmapped: Unmapped,
    ) -> Result<Receipt, IngestError> {
        let now = store::now_millis();
        let mut items = Vec::with_capacity(events.len());
        for event in events {
            let location = event
                .location_id
                .clone()
                .or_else(|| self.default_location.clone())
                .ok_or_else(|| IngestError::NoLocation {
                    event_id: event.id.clone(),
                })?;
            let jobs = if crate::ghl_events::waits_for_completion(&event) {
                // Recipes see it once the API has filled in what GHL left out (and after the
                // task's earlier webhooks).
                match self.recipes.wants(&event.kind) {
                    true => vec![crate::jobs::complete_event::job(&event, &location, now)],
                    false => Vec::new(),
                }
            } else {
                match (self.recipes.plan(&event, &location, now), unmapped) {
                    (Ok(jobs), _) => jobs,
                    (Err(error), Unmapped::KeepWithoutJobs) => {
                        tracing::error!(event_id = %event.id, kind = %event.kind, %error, "a recipe cannot map this event; it is stored without jobs: fix the recipe, then reconcile");
                        Metrics::add(&self.metrics.events_unmapped, 1);
                        Vec::new()
                    }
                    (Err(error), Unmapped::Refuse) => {
                        return Err(IngestError::Recipe {
                            event_id: event.id.clone(),
                            error,
                        });
                    }
                }
            };
            items.push(IngestItem {
                event: NewEvent {
                    payload: serde_json::to_string(&event).expect("an event serialises"),
                    id: event.id,
                    source: source.to_owned(),
                    kind: event.kind,
                    location_id: Some(location),
                    received_at: now,
                },
                jobs,
            });
        }
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Request { items, reply })
            .await
            .map_err(|_| IngestError::Closed)?;
        let outcomes = answer.await.map_err(|_| IngestError::Closed)??;
        Ok(Receipt { outcomes })
    }
}

async fn commit_loop(
    store: Arc<dyn Store>,
    mut receiver: mpsc::Receiver<Request>,
    batch_max: usize,
    wake: Arc<Notify>,
    metrics: Arc<Metrics>,
) {
    while let Some(first) = receiver.recv().await {
        // Everything that arrived while the last commit ran goes into this one.
        let mut requests = vec![first];
        let mut count = requests[0].items.len();
        while count < batch_max {
            match receiver.try_recv() {
                Ok(more) => {
                    count += more.items.len();
                    requests.push(more);
                }
                Err(_) => break,
            }
        }
        let mut sizes = Vec::with_capacity(requests.len());
        let mut items = Vec::with_capacity(count);
        let mut replies = Vec::with_capacity(requests.len());
        for request in requests {
            sizes.push(request.items.len());
            items.extend(request.items);
            replies.push(request.reply);
        }
        match store.ingest(&items, store::now_millis()).await {
            Ok(outcomes) => {
                Metrics::add(&metrics.ingest_commits, 1);
                let accepted = outcomes
                    .iter()
                    .filter(|o| **o == Ingested::Accepted)
                    .count() as u64;
                Metrics::add(&metrics.events_accepted, accepted);
                Metrics::add(&metrics.events_duplicate, outcomes.len() as u64 - accepted);
                let mut rest = outcomes.into_iter();
                for (reply, size) in replies.into_iter().zip(sizes) {
                    let _ = reply.send(Ok(rest.by_ref().take(size).collect()));
                }
                if accepted > 0 {
                    wake.notify_waiters();
                }
            }
            Err(error) => {
                tracing::error!(%error, events = count, "events could not be stored; their senders are told to retry");
                let message = error.to_string();
                for reply in replies {
                    let _ = reply.send(Err(IngestError::Store(message.clone())));
                }
            }
        }
    }
}
