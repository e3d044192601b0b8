//! `/locations/{locationId}/customValues…`. The spec gives get, update and delete of one value
//! no scope; they ask for the list's (read) or create's (write) scope.

use axum::extract::{Extension, Path, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use serde_json::{Value, json};

use super::{AppState, reply};
use crate::api_error::ApiError;
use crate::auth::Caller;
use crate::checker::{Checker, parse_json};
use crate::views;

const READ: &str = "locations/customValues.readonly";
const WRITE: &str = "locations/customValues.write";

/// `customValuesDTO`: `{name, value}`, both required (update too). An empty value is allowed:
/// it is how a value is cleared.
fn value_input(body: &[u8]) -> Result<(String, String), ApiError> {
    let body = parse_json(body)?;
    let mut check = Checker::new(&body)?;
    let name = check.required_string("name");
    let value = match check.raw("value") {
        Some(Value::String(value)) => Some(value.clone()),
        _ => {
            check.complain("value must be a string");
            None
        }
    };
    check.finish()?;
    Ok((name.unwrap_or_default(), value.unwrap_or_default()))
}

pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(location_id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(READ)?;
    let location = caller.location_matching(&location_id)?;
    let values = state.world.lock().custom_values(location)?;
    let values: Vec<Value> = values
        .iter()
        .map(|v| views::custom_value(v, location))
        .collect();
    reply(StatusCode::OK, json!({"customValues": values}))
}

pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((location_id, value_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require(READ)?;
    let location = caller.location_matching(&location_id)?;
    let value = state.world.lock().custom_value(location, &value_id)?;
    reply(
        StatusCode::OK,
        json!({"customValue": views::custom_value(&value, location)}),
    )
}

pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(location_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location_matching(&location_id)?;
    let (name, value) = value_input(&body)?;
    let created =
        state.mutate(|world, ctx| world.create_custom_value(location, name, value, ctx))?;
    reply(
        StatusCode::CREATED,
        json!({"customValue": views::custom_value(&created, location)}),
    )
}

pub async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((location_id, value_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location_matching(&location_id)?;
    let (name, value) = value_input(&body)?;
    let updated =
        state.mutate(|world, _| world.update_custom_value(location, &value_id, name, value))?;
    reply(
        StatusCode::OK,
        json!({"customValue": views::custom_value(&updated, location)}),
    )
}

pub async fn remove(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((location_id, value_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location_matching(&location_id)?;
    state.mutate(|world, _| world.delete_custom_value(location, &value_id))?;
    reply(StatusCode::OK, json!({"succeded": true}))
}
