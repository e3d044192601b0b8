//! `/Widgets*` and `/BeePlugin/*`: editor integrations, their images, users and counts.

use axum::extract::{Path, Query, State};
use axum::response::Response;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::{AppState, Params, counter, date_range, json_object, ok};
use crate::nifty::error::{ApiResult, NiftyApiError};
use crate::nifty::model::{Integration, IntegrationImage, NiftyWorld, field};
use crate::nifty::state::NiftyState;

type Window = (DateTime<Utc>, DateTime<Utc>);

fn widget<'a>(world: &'a mut NiftyWorld, key: &str) -> ApiResult<&'a mut Integration> {
    world
        .widgets
        .iter_mut()
        .find(|w| w.key == key)
        .ok_or_else(|| NiftyApiError::not_found(format!("No widget with the key '{key}'.")))
}

fn plugin<'a>(world: &'a mut NiftyWorld, key: &str) -> ApiResult<&'a mut Integration> {
    world
        .bee_plugins
        .iter_mut()
        .find(|w| w.key == key)
        .ok_or_else(|| NiftyApiError::not_found(format!("No BEE plugin with the key '{key}'.")))
}

fn known_user(integration: &Integration, user: &str) -> ApiResult<()> {
    if integration.users().iter().any(|u| u == user) {
        Ok(())
    } else {
        Err(NiftyApiError::not_found(format!("No user '{user}'.")))
    }
}

/// `suspended` from a PUT body.
fn suspended_flag(headers: &http::HeaderMap, body: &[u8]) -> ApiResult<bool> {
    let body = json_object(headers, body)?;
    field(&body, "suspended")
        .and_then(Value::as_bool)
        .ok_or_else(|| NiftyApiError::bad_request("suspended must be true or false."))
}

fn set_suspended(integration: &mut Integration, user: &str, suspended: bool) {
    integration.suspended.retain(|u| u != user);
    if suspended {
        integration.suspended.push(user.to_owned());
    }
}

fn widget_image_json(
    state: &NiftyState,
    w: &Integration,
    i: &IntegrationImage,
    window: Window,
) -> Value {
    json!({
        "ImageID": i.id,
        "ImageType": i.image_type,
        "Impressions": counter(state, i.count.between(window.0, window.1)),
        "Name": i.name,
        "User": i.user,
        "Suspended": w.is_suspended(&i.user),
        "Uri": i.uri,
    })
}

fn widget_user_json(state: &NiftyState, w: &Integration, user: &str, window: Window) -> Value {
    let mine: Vec<&IntegrationImage> = w.images.iter().filter(|i| i.user == user).collect();
    json!({
        "User": user,
        "Images": mine.len(),
        "Impressions": counter(state, mine.iter().map(|i| i.count.between(window.0, window.1)).sum()),
        "Suspended": w.is_suspended(user),
    })
}

/// `GET /Widgets`: the active widgets.
pub async fn widgets(State(state): State<AppState>) -> ApiResult<Response> {
    let world = state.world.lock();
    let all: Vec<Value> = world
        .widgets
        .iter()
        .filter(|w| w.active)
        .map(|w| json!({"Name": w.name, "WidgetKey": w.key}))
        .collect();
    ok(Value::Array(all))
}

pub async fn widget_stats(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let (start, end) = date_range(&params, state.now())?;
    let world = state.world.lock();
    let all: Vec<Value> = world
        .widgets
        .iter()
        .map(|w| {
            json!({
                "WidgetKey": w.key,
                "Name": w.name,
                "Active": w.active,
                "Images": w.images.len(),
                "Impressions": counter(&state, w.images.iter().map(|i| i.count.between(start, end)).sum()),
                "Users": w.users().len(),
            })
        })
        .collect();
    ok(Value::Array(all))
}

pub async fn widget_images(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let window = date_range(&params, state.now())?;
    let mut world = state.world.lock();
    let w = widget(&mut world, &key)?;
    let all: Vec<Value> = w
        .images
        .iter()
        .map(|i| widget_image_json(&state, w, i, window))
        .collect();
    ok(Value::Array(all))
}

pub async fn widget_user_images(
    State(state): State<AppState>,
    Path((key, user)): Path<(String, String)>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let window = date_range(&params, state.now())?;
    let mut world = state.world.lock();
    let w = widget(&mut world, &key)?;
    known_user(w, &user)?;
    let all: Vec<Value> = w
        .images
        .iter()
        .filter(|i| i.user == user)
        .map(|i| widget_image_json(&state, w, i, window))
        .collect();
    ok(Value::Array(all))
}

pub async fn widget_users(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let window = date_range(&params, state.now())?;
    let mut world = state.world.lock();
    let w = widget(&mut world, &key)?;
    let all: Vec<Value> = w
        .users()
        .iter()
        .map(|u| widget_user_json(&state, w, u, window))
        .collect();
    ok(Value::Array(all))
}

pub async fn widget_user(
    State(state): State<AppState>,
    Path((key, user)): Path<(String, String)>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let window = date_range(&params, state.now())?;
    let mut world = state.world.lock();
    let w = widget(&mut world, &key)?;
    known_user(w, &user)?;
    ok(widget_user_json(&state, w, &user, window))
}

pub async fn suspend_widget_user(
    State(state): State<AppState>,
    Path((key, user)): Path<(String, String)>,
    headers: http::HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let suspended = suspended_flag(&headers, &body)?;
    let window = date_range(&Params::new(), state.now())?;
    let mut world = state.world.lock();
    let w = widget(&mut world, &key)?;
    known_user(w, &user)?;
    set_suspended(w, &user, suspended);
    ok(widget_user_json(&state, w, &user, window))
}

fn status(suspended: bool) -> &'static str {
    if suspended { "Suspended" } else { "Active" }
}

fn bee_images_json(state: &NiftyState, p: &Integration, user: &str, window: Window) -> Value {
    let all: Vec<Value> = p
        .images
        .iter()
        .filter(|i| i.user == user)
        .map(|i| {
            json!({
                "ImageID": i.id,
                "ImageType": i.image_type,
                "Name": i.name,
                "Opens": counter(state, i.count.between(window.0, window.1)),
                "Status": status(p.is_suspended(user)),
                "Uri": i.uri,
                "UserName": i.user,
            })
        })
        .collect();
    Value::Array(all)
}

pub async fn bee_users(
    State(state): State<AppState>,
    Path(key): Path<String>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let (start, end) = date_range(&params, state.now())?;
    let mut world = state.world.lock();
    let p = plugin(&mut world, &key)?;
    let all: Vec<Value> = p
        .users()
        .iter()
        .map(|user| {
            let mine: Vec<&IntegrationImage> =
                p.images.iter().filter(|i| &i.user == user).collect();
            json!({
                "UserName": user,
                "Images": mine.len(),
                "Opens": counter(&state, mine.iter().map(|i| i.count.between(start, end)).sum()),
                "Status": status(p.is_suspended(user)),
            })
        })
        .collect();
    ok(Value::Array(all))
}

pub async fn bee_user(
    State(state): State<AppState>,
    Path((key, user)): Path<(String, String)>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let window = date_range(&params, state.now())?;
    let mut world = state.world.lock();
    let p = plugin(&mut world, &key)?;
    known_user(p, &user)?;
    ok(bee_images_json(&state, p, &user, window))
}

pub async fn suspend_bee_user(
    State(state): State<AppState>,
    Path((key, user)): Path<(String, String)>,
    headers: http::HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let suspended = suspended_flag(&headers, &body)?;
    let window = date_range(&Params::new(), state.now())?;
    let mut world = state.world.lock();
    let p = plugin(&mut world, &key)?;
    known_user(p, &user)?;
    set_suspended(p, &user, suspended);
    ok(bee_images_json(&state, p, &user, window))
}
