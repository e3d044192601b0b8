//! What hangs off a contact: tags, followers, campaigns, workflows, appointments, and the two
//! bulk calls.

use axum::extract::{Extension, Path, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use serde_json::{Value, json};

use super::{AppState, reply};
use crate::api_error::ApiError;
use crate::auth::{CONTACTS_READ as READ, CONTACTS_WRITE as WRITE, Caller};
use crate::checker::parse_json;
use crate::dto::{bulk_business_input, bulk_tags_input, empty_object, string_list, workflow_input};
use crate::views;

async fn change_tags(
    state: AppState,
    caller: Caller,
    contact_id: String,
    body: Bytes,
    adding: bool,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location()?;
    let tags = string_list(&parse_json(&body)?, "tags")?;
    let all =
        state.mutate(|world, ctx| world.change_tags(location, &contact_id, &tags, adding, ctx))?;
    let status = if adding {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    reply(status, json!({"tags": all}))
}

pub async fn add_tags(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    change_tags(state, caller, contact_id, body, true).await
}

pub async fn remove_tags(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    change_tags(state, caller, contact_id, body, false).await
}

async fn change_followers(
    state: AppState,
    caller: Caller,
    contact_id: String,
    body: Bytes,
    adding: bool,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location()?;
    let followers = string_list(&parse_json(&body)?, "followers")?;
    let (all, changed) = state.mutate(|world, ctx| {
        world.change_followers(location, &contact_id, &followers, adding, ctx)
    })?;
    if adding {
        reply(
            StatusCode::CREATED,
            json!({"followers": all, "followersAdded": changed}),
        )
    } else {
        reply(
            StatusCode::OK,
            json!({"followers": all, "followersRemoved": changed}),
        )
    }
}

pub async fn add_followers(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    change_followers(state, caller, contact_id, body, true).await
}

pub async fn remove_followers(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    change_followers(state, caller, contact_id, body, false).await
}

pub async fn add_campaign(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((contact_id, campaign_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location()?;
    empty_object(&parse_json(&body)?)?;
    state.mutate(|world, _| {
        world.change_campaign(location, &contact_id, Some(&campaign_id), true)
    })?;
    reply(StatusCode::CREATED, json!({"succeded": true}))
}

pub async fn remove_campaign(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((contact_id, campaign_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location()?;
    state.mutate(|world, _| {
        world.change_campaign(location, &contact_id, Some(&campaign_id), false)
    })?;
    reply(StatusCode::OK, json!({"succeded": true}))
}

pub async fn remove_all_campaigns(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location()?;
    state.mutate(|world, _| world.change_campaign(location, &contact_id, None, false))?;
    reply(StatusCode::OK, json!({"succeded": true}))
}

async fn change_workflow(
    state: AppState,
    caller: Caller,
    contact_id: String,
    workflow_id: String,
    body: Bytes,
    adding: bool,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location()?;
    let start = workflow_input(&parse_json(&body)?)?;
    state.mutate(|world, _| {
        world.change_workflow(location, &contact_id, &workflow_id, start, adding)
    })?;
    reply(StatusCode::OK, json!({"succeded": true}))
}

pub async fn add_workflow(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((contact_id, workflow_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    change_workflow(state, caller, contact_id, workflow_id, body, true).await
}

pub async fn remove_workflow(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((contact_id, workflow_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    change_workflow(state, caller, contact_id, workflow_id, body, false).await
}

pub async fn appointments(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(READ)?;
    let location = caller.location()?;
    let world = state.world.lock();
    world.contact(location, &contact_id)?;
    let events: Vec<Value> = world.locations[location]
        .appointments
        .iter()
        .filter(|a| a.contact_id == contact_id)
        .map(|a| views::appointment(a, location))
        .collect();
    reply(StatusCode::OK, json!({"events": events}))
}

pub async fn bulk_tags(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(action): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location()?;
    let adding = match action.as_str() {
        "add" => true,
        "remove" => false,
        _ => {
            return Err(ApiError::Unprocessable(vec![
                "type must be one of the following values: add, remove".into(),
            ]));
        }
    };
    let input = bulk_tags_input(&parse_json(&body)?)?;
    if adding && input.remove_all_tags {
        return Err(ApiError::Unprocessable(vec![
            "removeAllTags can only be used with type remove".into(),
        ]));
    }
    let result = state.mutate(|world, ctx| world.bulk_tags(location, &input, adding, ctx))?;
    reply(StatusCode::CREATED, result)
}

pub async fn bulk_business(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location()?;
    let input = bulk_business_input(&parse_json(&body)?)?;
    let ids = state.mutate(|world, ctx| world.bulk_business(location, &input, ctx))?;
    reply(StatusCode::OK, json!({"success": true, "ids": ids}))
}
