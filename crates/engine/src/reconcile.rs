//! Reconciliation: GHL drops any webhook it did not get a 429 for, so each location's contacts
//! changed since a stored checkpoint are read back (`POST /contacts/search`, sorted by
//! `dateUpdated`), each read whole (`GET /contacts/{id}`), and fed to the recipes as `ContactUpdate` events, exactly as a webhook
//! would have been. An event's id is the contact and its `dateUpdated`, so a pass that runs
//! twice, or a webhook that did arrive, changes nothing more (the Data Store jobs skip a
//! record that would not change). The checkpoint moves after each page is stored, so an
//! interrupted pass (or `nifty-ghl sync`) resumes where it stopped.

use std::sync::Arc;

use futures::StreamExt;
use ghl::GhlClient;
use ghl::search::{FilterOperator, SearchContacts, SearchFilter, SearchSort, SortDirection};
use serde_json::json;
use store::Store;

use crate::events::Event;
use crate::governor::Governor;
use crate::ingest::{IngestError, Ingestor};

/// Where a location's checkpoint is kept (in the identity map, like the Data Store marks).
const CHECKPOINT_KIND: &str = "mark:reconcile";
const CHECKPOINT_KEY: &str = "contacts.dateUpdated";
/// When the last periodic pass of the location started (Unix milliseconds), by any instance.
const PASS_STARTED_KEY: &str = "pass.startedAt";
const PAGE: usize = 100;

#[derive(Debug, thiserror::Error)]
pub enum ReconcileError {
    #[error("reading contacts from GHL failed: {0}")]
    Ghl(#[from] ghl::GhlError),
    #[error("storing the events failed: {0}")]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Store(#[from] store::StoreError),
}

/// What a pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Pass {
    /// Contacts read from GHL.
    pub read: usize,
    /// Events stored (the rest had been seen).
    pub accepted: usize,
    /// The checkpoint now: the last `dateUpdated` seen.
    pub checkpoint: Option<String>,
}

/// The checkpoint of `location`, if a pass has run.
pub async fn checkpoint(
    store: &Arc<dyn Store>,
    location: &str,
) -> Result<Option<String>, store::StoreError> {
    store
        .identity(location, CHECKPOINT_KIND, CHECKPOINT_KEY)
        .await
}

/// Starts the next pass of `location` from `at` (an ISO-8601 instant; the Unix epoch makes
/// the next pass a full backfill).
pub async fn set_checkpoint(
    store: &Arc<dyn Store>,
    location: &str,
    at: &str,
) -> Result<(), store::StoreError> {
    store
        .put_identity(
            location,
            CHECKPOINT_KIND,
            CHECKPOINT_KEY,
            at,
            store::now_millis(),
        )
        .await
}

/// Whether this instance should make `location`'s periodic pass now: not when another instance
/// (or this one) started one less than half a period ago. With several instances on
/// PostgreSQL, whichever timer comes first makes the pass and the others skip it; two starting
/// in the same instant both make it, harmlessly (the event ids dedupe).
pub async fn take_turn(
    store: &Arc<dyn Store>,
    location: &str,
    every: std::time::Duration,
) -> Result<bool, store::StoreError> {
    let now = store::now_millis();
    let last = store
        .identity(location, CHECKPOINT_KIND, PASS_STARTED_KEY)
        .await?
        .and_then(|at| at.parse::<i64>().ok());
    if last.is_some_and(|at| now - at < every.as_millis() as i64 / 2) {
        return Ok(false);
    }
    store
        .put_identity(
            location,
            CHECKPOINT_KIND,
            PASS_STARTED_KEY,
            &now.to_string(),
            now,
        )
        .await?;
    Ok(true)
}

/// The contact as a `ContactUpdate` webhook would carry it.
fn as_event(location: &str, contact: &ghl::contacts::Contact) -> Option<Event> {
    let updated = contact.date_updated.clone()?;
    let mut data = serde_json::to_value(contact).ok()?;
    let object = data.as_object_mut()?;
    object.retain(|_, v| !v.is_null());
    object.insert("locationId".into(), json!(location));
    Some(Event {
        id: format!("reconcile:{}:{updated}", contact.id),
        kind: "ContactUpdate".into(),
        occurred_at: Some(updated),
        location_id: Some(location.to_owned()),
        data,
    })
}

/// One pass over `location`: every contact updated at or after the checkpoint, oldest first.
/// Each contact read waits for the location's rate budget in `governor` (the search pages,
/// a hundredth of the calls, do not). `progress` is told how many contacts have been read.
pub async fn run_pass(
    client: &GhlClient,
    store: &Arc<dyn Store>,
    ingestor: &Ingestor,
    governor: &Governor,
    location: &str,
    progress: &(dyn Fn(usize) + Send + Sync),
) -> Result<Pass, ReconcileError> {
    let since = checkpoint(store, location).await?;
    let mut filters = Vec::new();
    if let Some(since) = &since {
        // `gte`: contacts updated in the same millisecond as the last one seen are read
        // again; their events have the ids they had, and are dropped as repeats.
        filters.push(SearchFilter::condition(
            "dateUpdated",
            FilterOperator::Range,
            json!({"gte": since}),
        ));
    }
    let search = SearchContacts {
        location_id: location.to_owned(),
        page_limit: PAGE as u32,
        filters,
        sort: vec![SearchSort {
            field: "dateUpdated".into(),
            direction: SortDirection::Asc,
        }],
        ..SearchContacts::default()
    };
    let mut contacts = Box::pin(client.search_contacts_stream(search));
    let mut pass = Pass {
        checkpoint: since,
        ..Pass::default()
    };
    let mut batch: Vec<Event> = Vec::with_capacity(PAGE);
    loop {
        let next = contacts.next().await.transpose()?;
        if let Some(hit) = &next {
            pass.read += 1;
            // Search results carry only some of a contact's fields (the spec's
            // ContactsSearchSchema has no names); the event needs what a webhook has.
            let contact = governor
                .call(location, || client.get_contact(&hit.id))
                .await?
                .into_inner();
            if let Some(event) = as_event(location, &contact) {
                batch.push(event);
            }
        }
        if batch.len() >= PAGE || (next.is_none() && !batch.is_empty()) {
            let last = batch.last().and_then(|e| e.occurred_at.clone());
            let receipt = ingestor
                .submit_keeping_unmapped(std::mem::take(&mut batch), "reconcile")
                .await?;
            pass.accepted += receipt.accepted();
            if let Some(last) = last {
                set_checkpoint(store, location, &last).await?;
                pass.checkpoint = Some(last);
            }
            progress(pass.read);
        }
        if next.is_none() {
            break;
        }
    }
    Ok(pass)
}

/// Whether any enabled recipe starts from a GHL contact event: if none does, there is
/// nothing for a pass to feed, and no GHL budget is spent on one.
pub fn wanted(recipes: &crate::recipes::Recipes) -> bool {
    recipes.all().iter().any(|recipe| {
        recipe.enabled && recipe.events.iter().any(|kind| kind.starts_with("Contact"))
    })
}
