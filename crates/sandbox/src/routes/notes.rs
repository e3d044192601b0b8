//! `/contacts/{contactId}/notes…`

use axum::extract::{Extension, Path, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use serde_json::{Value, json};

use super::{AppState, reply};
use crate::api_error::ApiError;
use crate::auth::{CONTACTS_READ as READ, CONTACTS_WRITE as WRITE, Caller};
use crate::checker::parse_json;
use crate::dto::note_input;
use crate::views;

pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(READ)?;
    let notes = state
        .world
        .lock()
        .list_notes(caller.location()?, &contact_id)?;
    let notes: Vec<Value> = notes.iter().map(views::note).collect();
    reply(StatusCode::OK, json!({"notes": notes}))
}

pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((contact_id, note_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require(READ)?;
    let note = state
        .world
        .lock()
        .note(caller.location()?, &contact_id, &note_id)?;
    reply(StatusCode::OK, json!({"note": views::note(&note)}))
}

pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location()?;
    let input = note_input(&parse_json(&body)?, true)?;
    let note = state.mutate(|world, ctx| world.create_note(location, &contact_id, input, ctx))?;
    reply(StatusCode::CREATED, json!({"note": views::note(&note)}))
}

pub async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((contact_id, note_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location()?;
    let input = note_input(&parse_json(&body)?, false)?;
    let note = state
        .mutate(|world, ctx| world.update_note(location, &contact_id, &note_id, input, ctx))?;
    reply(StatusCode::OK, json!({"note": views::note(&note)}))
}

pub async fn remove(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((contact_id, note_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location()?;
    state.mutate(|world, ctx| world.delete_note(location, &contact_id, &note_id, ctx))?;
    reply(StatusCode::OK, json!({"succeded": true}))
}
