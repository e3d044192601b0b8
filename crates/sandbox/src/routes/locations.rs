//! `/locations/{locationId}/…`: custom field definitions and the task search.

use axum::extract::{Extension, Path, Query, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use serde_json::{Value, json};

use super::{AppState, Params, reply};
use crate::api_error::ApiError;
use crate::auth::Caller;
use crate::checker::parse_json;
use crate::views;

pub async fn custom_fields(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(location_id): Path<String>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    caller.require("locations/customFields.readonly")?;
    let location = caller.location_matching(&location_id)?;
    let model = params.get("model").map(String::as_str);
    if let Some(model) = model
        && !matches!(model, "contact" | "opportunity" | "all")
    {
        return Err(ApiError::Unprocessable(vec![
            "model must be one of the following values: contact, opportunity, all".into(),
        ]));
    }
    let world = state.world.lock();
    let fields: Vec<Value> = world
        .location(location)?
        .custom_fields
        .iter()
        .filter(|f| model.is_none_or(|m| m == "all" || m == f.model))
        .map(|f| views::custom_field(f, location))
        .collect();
    reply(StatusCode::OK, json!({"customFields": fields}))
}

pub async fn task_search(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(location_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require("locations/tasks.readonly")?;
    let location = caller.location_matching(&location_id)?;
    let tasks = state
        .world
        .lock()
        .search_tasks(location, &parse_json(&body)?)?;
    let tasks: Vec<Value> = tasks.iter().map(views::task).collect();
    reply(StatusCode::OK, json!({"tasks": tasks}))
}
