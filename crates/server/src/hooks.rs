//! `POST /hooks/niftyimages`: NiftyImages-side events, signed the Standard Webhooks way.
//! Answers 202 only once the events are durably stored; 200 for a repeat; 401 for a bad or
//! stale signature, 413 for a body over 256 KiB, 400 for a body that is not JSON, 422 (with the
//! JSON pointer of the bad field) for an event that breaks its schema, or (naming the recipe
//! and step) one a recipe cannot map. Nothing is stored unless every event of the body passes.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use engine::events::parse_body;
use engine::ingest::IngestError;
use engine::metrics::Metrics;
use engine::signing;
use serde_json::json;

use crate::AppState;

pub const MAX_BODY: usize = 256 * 1024;

fn refuse(state: &AppState, status: StatusCode, body: serde_json::Value) -> Response {
    if let Some(door) = &state.events {
        Metrics::add(&door.metrics.events_refused, 1);
    }
    (status, Json(body)).into_response()
}

pub async fn niftyimages(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(door) = state.events.clone() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": "this server takes no events"})),
        )
            .into_response();
    };
    if body.len() > MAX_BODY {
        return refuse(
            &state,
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"error": format!("the body is over {} KiB; send fewer events per request", MAX_BODY / 1024)}),
        );
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let webhook_id = header("webhook-id");
    if !door.allow_unsigned {
        if door.keys.is_empty() {
            return refuse(
                &state,
                StatusCode::UNAUTHORIZED,
                json!({"error": "no signing secret is configured (hooks.secrets): events cannot be verified"}),
            );
        }
        let now = chrono::Utc::now().timestamp();
        if let Err(error) = signing::verify(
            &door.keys,
            webhook_id,
            header("webhook-timestamp"),
            header("webhook-signature"),
            &body,
            now,
        ) {
            return refuse(
                &state,
                StatusCode::UNAUTHORIZED,
                json!({"error": error.to_string()}),
            );
        }
    }
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(error) => {
            return refuse(
                &state,
                StatusCode::BAD_REQUEST,
                json!({"error": format!("the body is not JSON: {error}")}),
            );
        }
    };
    let events = match parse_body(&value, webhook_id) {
        Ok(events) => events,
        Err(problem) => {
            return refuse(
                &state,
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"error": problem.to_string(), "pointer": problem.pointer, "message": problem.message}),
            );
        }
    };
    match door.ingestor.submit(events, "webhook").await {
        Ok(receipt) if receipt.accepted() == 0 => (
            StatusCode::OK,
            Json(json!({"accepted": 0, "duplicates": receipt.duplicates()})),
        )
            .into_response(),
        Ok(receipt) => (
            StatusCode::ACCEPTED,
            Json(json!({"accepted": receipt.accepted(), "duplicates": receipt.duplicates()})),
        )
            .into_response(),
        Err(IngestError::Recipe { event_id, error }) => refuse(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({
                "error": format!("event {event_id}: {error}"),
                "recipe": error.recipe,
                "step": error.step,
                "message": error.message,
            }),
        ),
        Err(error @ IngestError::NoLocation { .. }) => refuse(
            &state,
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"error": error.to_string(), "pointer": "/location_id"}),
        ),
        Err(error) => {
            tracing::error!(%error, "events could not be stored");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [("retry-after", "5")],
                Json(json!({"error": "the events could not be stored; nothing was accepted: send them again"})),
            )
                .into_response()
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let Some(door) = &state.events else {
        return (StatusCode::NOT_FOUND, "no pipeline in this process").into_response();
    };
    let queue = door.store.queue_stats().await.ok();
    (
        [("content-type", "text/plain; version=0.0.4")],
        door.metrics.render(queue.as_ref()),
    )
        .into_response()
}
