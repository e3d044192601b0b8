//! `ghl.event.complete`: a GHL webhook that left out fields it documents (a TaskCreate with no
//! `contactId`, see `ghl_events::is_incomplete`) is completed from the API, and the whole
//! event is then submitted like any other, so recipes run on what GHL holds. Every task
//! webhook passes through here, one task's in the order GHL sent them (those that are whole
//! just pass), so a TaskDelete never overtakes the TaskCreate whose contact is being read.
//!
//! The completed event has its own id (`ghl_events::completed_id`), so a job that runs twice
//! (a lost lease, a retry after the submit) stores it once.

use ghl::location_tasks::TaskSearch;
use ghl::tasks::Task;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use store::queue::NewJob;

use super::{Failure, JobContext, warn_once};
use crate::events::Event;
use crate::ingest::IngestError;

pub const COMPLETE_EVENT: &str = "ghl.event.complete";

/// One page of the location's task search.
const PAGE: u32 = 100;
/// The most tasks read looking for one (GHL's search cannot be asked for an id).
const MAX_PAGES: u32 = 20;
/// Attempts during which a task not found is taken to be not searchable yet.
const NOT_FOUND_RETRIES: i64 = 3;
const SCOPE: &str = "locations/tasks.readonly";

/// Input of `ghl.event.complete`: the webhook as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompleteEvent {
    pub event: Event,
}

/// The job a task webhook makes instead of its recipes' jobs. A task's run in the order GHL
/// sent them.
pub fn job(event: &Event, location_id: &str, now: i64) -> NewJob {
    let task = event.data["id"].as_str().unwrap_or_default();
    NewJob {
        kind: COMPLETE_EVENT.to_owned(),
        location_id: location_id.to_owned(),
        payload: serde_json::to_string(&CompleteEvent {
            event: event.clone(),
        })
        .expect("an event serialises"),
        idempotency_key: format!("{}#complete", event.id),
        entity_key: format!("ghl.task:{location_id}:{task}"),
        after_key: None,
        coalesce_key: None,
        event_id: event.id.clone(),
        run_at: now,
    }
}

pub(super) async fn run(ctx: &mut JobContext<'_>, input: CompleteEvent) -> Result<(), Failure> {
    let hint = input.event;
    if !crate::ghl_events::is_incomplete(&hint) {
        // Whole already: it only kept its place behind the task's earlier webhooks.
        let id = crate::ghl_events::completed_id(&hint.id);
        return submit(ctx, Event { id, ..hint }).await;
    }
    if !ctx.client.may_use(SCOPE) {
        // As before the scope was asked for: recipes get the webhook as GHL sent it.
        warn_once(
            "tasks-scope",
            ctx.location(),
            "the GHL connection lacks scope locations/tasks.readonly: task webhooks reach recipes without the contact GHL left out; reconnect with the scope",
        );
        let id = crate::ghl_events::completed_id(&hint.id);
        return submit(ctx, Event { id, ..hint }).await;
    }
    let task_id = hint.data["id"].as_str().unwrap_or_default().to_owned();
    let title = hint.data["title"].as_str().map(str::to_owned);
    let Some(task) = find_task(ctx, &task_id, title.as_deref()).await? else {
        let error = format!(
            "{} {}: task {task_id} is not among the first {} tasks of GHL location {} (deleted since?), so the contact GHL left out of the webhook cannot be read",
            hint.kind,
            hint.id,
            PAGE * MAX_PAGES,
            ctx.location()
        );
        // Just after the webhook, GHL's search may not list the task yet.
        return Err(if ctx.job.attempts < NOT_FOUND_RETRIES {
            Failure::Transient { error }
        } else {
            Failure::Permanent {
                error,
                response: None,
            }
        });
    };
    let mut data = hint.data.clone();
    if let Some(object) = data.as_object_mut() {
        for (name, value) in [
            ("contactId", task.contact_id.map(Value::from)),
            ("title", task.title.map(Value::from)),
            ("body", task.body.map(Value::from)),
            ("assignedTo", task.assigned_to.map(Value::from)),
            ("dueDate", task.due_date.map(Value::from)),
            ("completed", Some(json!(task.completed))),
        ] {
            if let Some(value) = value {
                object.insert(name.to_owned(), value);
            }
        }
    }
    let completed = Event {
        id: crate::ghl_events::completed_id(&hint.id),
        data,
        ..hint
    };
    submit(ctx, completed).await
}

/// Stores the completed event with the jobs its recipes make.
async fn submit(ctx: &mut JobContext<'_>, completed: Event) -> Result<(), Failure> {
    match ctx.ingestor.submit(vec![completed], "ghl").await {
        Ok(_) => Ok(()),
        Err(IngestError::Recipe { error, .. }) => Err(Failure::Permanent {
            error: format!("the completed event: {error}"),
            response: None,
        }),
        Err(error) => Err(Failure::Transient {
            error: format!("storing the completed event: {error}"),
        }),
    }
}

/// The task by id: first among those whose title matches the webhook's, then among all.
async fn find_task(
    ctx: &mut JobContext<'_>,
    task_id: &str,
    title: Option<&str>,
) -> Result<Option<Task>, Failure> {
    let mut queries = Vec::new();
    if let Some(title) = title.filter(|t| !t.trim().is_empty()) {
        queries.push(Some(title.to_owned()));
    }
    queries.push(None);
    for query in queries {
        for page in 0..MAX_PAGES {
            let search = TaskSearch {
                query: query.clone(),
                limit: Some(PAGE),
                skip: Some(page * PAGE),
                ..TaskSearch::default()
            };
            let location = ctx.location().to_owned();
            let client = ctx.client;
            let tasks = ctx
                .call(
                    "POST /locations/{id}/tasks/search",
                    client.search_location_tasks(&location, &search),
                )
                .await?
                .into_inner();
            let last_page = tasks.len() < PAGE as usize;
            if let Some(task) = tasks.into_iter().find(|t| t.id == task_id) {
                return Ok(Some(task));
            }
            if last_page {
                break;
            }
        }
    }
    Ok(None)
}
