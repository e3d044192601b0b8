//! The stats poller: NiftyImages has no webhooks and no per-recipient log, only each image's
//! lifetime open counter. Reading the counters every `[niftyimages] poll_every_secs` and
//! comparing them with the last reading turns a rising count into an
//! `image.opens_increased` event for recipes (a note or task on an internal record when a
//! campaign image takes off, for example).
//!
//! The first reading of an image is its baseline and makes no event. An event's id is the
//! image and its new count, so a poll that stored its events but died before moving the
//! baseline makes the same events again, and they are dropped as repeats.

use std::sync::Arc;

use niftyimages::NiftyClient;
use serde_json::json;
use store::Store;

use crate::events::Event;
use crate::ingest::{IngestError, Ingestor};

/// Where each image's last count is kept (in the identity map, like the other marks).
const MARK_KIND: &str = "mark:image-opens";

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error("reading NiftyImages' images failed: {0}")]
    NiftyImages(#[from] niftyimages::NiftyError),
    #[error("storing the events failed: {0}")]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// Reads every image's counter once; returns how many `image.opens_increased` events were
/// stored. Marks are kept under `location`, the location the events go to.
pub async fn poll_once(
    account: &NiftyClient,
    store: &Arc<dyn Store>,
    ingestor: &Ingestor,
    location: &str,
) -> Result<usize, PollError> {
    let images = account.list_all_images(100).await?;
    let mut events = Vec::new();
    let mut marks = Vec::new();
    for image in images.iter().filter(|i| i.active != Some(false)) {
        let last = store
            .identity(location, MARK_KIND, &image.url)
            .await?
            .and_then(|count| count.parse::<u64>().ok());
        if last != Some(image.opens) {
            marks.push((image.url.clone(), image.opens));
        }
        let Some(previous) = last.filter(|previous| image.opens > *previous) else {
            continue;
        };
        events.push(Event {
            id: format!("opens:{}:{}", image.url, image.opens),
            kind: "image.opens_increased".into(),
            occurred_at: None,
            location_id: Some(location.to_owned()),
            data: json!({
                "imageUrl": image.url,
                "name": image.name,
                "imageType": image.image_type,
                "opens": image.opens,
                "previousOpens": previous,
                "increase": image.opens - previous,
            }),
        });
    }
    let accepted = if events.is_empty() {
        0
    } else {
        ingestor
            .submit_keeping_unmapped(events, "opens-poller")
            .await?
            .accepted()
    };
    // After the events are stored: a poll that dies in between makes them again, as repeats.
    let now = store::now_millis();
    for (url, opens) in marks {
        store
            .put_identity(location, MARK_KIND, &url, &opens.to_string(), now)
            .await?;
    }
    Ok(accepted)
}

/// Whether any enabled recipe starts from `image.opens_increased`: if none does, NiftyImages
/// is not polled.
pub fn wanted(recipes: &crate::recipes::Recipes) -> bool {
    recipes.wants("image.opens_increased")
}
