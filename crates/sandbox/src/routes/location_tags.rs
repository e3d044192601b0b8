//! `/locations/{locationId}/tags…`: the location's tag list. The spec gives get, update and
//! delete of one tag no scope; they ask for the list's (read) or create's (write) scope.

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

const READ: &str = "locations/tags.readonly";
const WRITE: &str = "locations/tags.write";

/// `tagBody`: `{name}`, required.
fn tag_name(body: &[u8]) -> Result<String, ApiError> {
    let body = parse_json(body)?;
    let mut check = Checker::new(&body)?;
    let name = check.required_string("name");
    check.finish()?;
    Ok(name.unwrap_or_default())
}

pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(location_id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(READ)?;
    let location = caller.location_matching(&location_id)?;
    let tags = state.world.lock().location_tags(location, &state.ids)?;
    let tags: Vec<Value> = tags
        .iter()
        .map(|t| views::location_tag(t, location))
        .collect();
    reply(StatusCode::OK, json!({"tags": tags}))
}

pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((location_id, tag_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require(READ)?;
    let location = caller.location_matching(&location_id)?;
    let tag = state
        .world
        .lock()
        .location_tag(location, &tag_id, &state.ids)?;
    reply(
        StatusCode::OK,
        json!({"tag": views::location_tag(&tag, location)}),
    )
}

/// GHL answers a create with 200 (the spec declares no 201 here).
pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(location_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location_matching(&location_id)?;
    let name = tag_name(&body)?;
    let tag = state.mutate(|world, ctx| world.create_location_tag(location, &name, ctx))?;
    reply(
        StatusCode::OK,
        json!({"tag": views::location_tag(&tag, location)}),
    )
}

pub async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((location_id, tag_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location_matching(&location_id)?;
    let name = tag_name(&body)?;
    let tag =
        state.mutate(|world, ctx| world.rename_location_tag(location, &tag_id, &name, ctx))?;
    reply(
        StatusCode::OK,
        json!({"tag": views::location_tag(&tag, location)}),
    )
}

pub async fn remove(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((location_id, tag_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location_matching(&location_id)?;
    state.mutate(|world, ctx| world.delete_location_tag(location, &tag_id, ctx))?;
    reply(StatusCode::OK, json!({"succeded": true}))
}
