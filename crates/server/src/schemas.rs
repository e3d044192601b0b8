//! `GET /schemas` and `GET /schemas/{type}.json`: the published JSON Schema of each event type
//! `/hooks/niftyimages` takes, from the operations catalog (the same the door checks against).

use axum::Json;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use engine::catalog::event_schema;
use engine::events::EVENT_TYPES;
use serde_json::json;

pub async fn index() -> Response {
    let schemas: Vec<_> = EVENT_TYPES
        .iter()
        .map(|kind| json!({"type": kind, "url": format!("/schemas/{kind}.json")}))
        .collect();
    Json(json!({"schemas": schemas})).into_response()
}

pub async fn event(Path(file): Path<String>) -> Response {
    let kind = file.strip_suffix(".json").unwrap_or(&file);
    match event_schema(kind) {
        Some(schema) => {
            ([("content-type", "application/schema+json")], Json(schema)).into_response()
        }
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({
                "error": format!("no event type {kind:?}; known: {}", EVENT_TYPES.join(", ")),
            })),
        )
            .into_response(),
    }
}
