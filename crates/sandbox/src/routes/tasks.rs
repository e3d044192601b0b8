//! `/contacts/{contactId}/tasks…`

use axum::extract::{Extension, Path, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use serde_json::{Value, json};

use super::{AppState, reply};
use crate::api_error::ApiError;
use crate::auth::{CONTACTS_READ as READ, CONTACTS_WRITE as WRITE, Caller};
use crate::checker::{Checker, parse_json};
use crate::dto::{TaskInput, task_input};
use crate::views;

pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(READ)?;
    let tasks = state
        .world
        .lock()
        .list_tasks(caller.location()?, &contact_id)?;
    let tasks: Vec<Value> = tasks.iter().map(views::task).collect();
    reply(StatusCode::OK, json!({"tasks": tasks}))
}

pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((contact_id, task_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require(READ)?;
    let task = state
        .world
        .lock()
        .task(caller.location()?, &contact_id, &task_id)?;
    reply(StatusCode::OK, json!({"task": views::task(&task)}))
}

pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location()?;
    let input = task_input(&parse_json(&body)?, true)?;
    let task = state.mutate(|world, ctx| world.create_task(location, &contact_id, input, ctx))?;
    reply(StatusCode::CREATED, json!({"task": views::task(&task)}))
}

pub async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((contact_id, task_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location()?;
    let input = task_input(&parse_json(&body)?, false)?;
    let task = state
        .mutate(|world, ctx| world.update_task(location, &contact_id, &task_id, input, ctx))?;
    reply(StatusCode::OK, json!({"task": views::task(&task)}))
}

pub async fn completed(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((contact_id, task_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location()?;
    let body = parse_json(&body)?;
    let mut check = Checker::new(&body)?;
    let completed = check.required_boolean("completed");
    check.finish()?;
    let input = TaskInput {
        completed,
        ..TaskInput::default()
    };
    let task = state
        .mutate(|world, ctx| world.update_task(location, &contact_id, &task_id, input, ctx))?;
    reply(StatusCode::OK, json!({"task": views::task(&task)}))
}

pub async fn remove(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((contact_id, task_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location()?;
    state.mutate(|world, ctx| world.delete_task(location, &contact_id, &task_id, ctx))?;
    reply(StatusCode::OK, json!({"succeded": true}))
}
