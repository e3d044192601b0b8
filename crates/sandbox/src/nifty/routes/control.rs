//! `/_sandbox/…` over HTTP: the same controls as the [`crate::nifty::NiftySandbox`] methods.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{get, post};
use bytes::Bytes;
use chrono::Duration;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AppState, Params, ok, required};
use crate::nifty::controls;
use crate::nifty::error::{ApiResult, NiftyApiError};
use crate::nifty::settings::NiftySettings;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_sandbox/info", get(info))
        .route("/_sandbox/stores/{name}/rows", get(store_rows))
        .route("/_sandbox/timer", get(timer))
        .route("/_sandbox/opens", post(opens))
        .route("/_sandbox/widgets/impressions", post(impressions))
        .route("/_sandbox/maps/clicks", post(clicks))
        .route("/_sandbox/clock", get(clock))
        .route("/_sandbox/clock/advance", post(advance))
        .route("/_sandbox/settings", get(settings).patch(patch_settings))
        .route("/_sandbox/renders", get(renders).delete(clear_renders))
        .route("/_sandbox/requests", get(requests).delete(clear_requests))
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(body)
        .map_err(|e| NiftyApiError::bad_request(format!("invalid body: {e}")))
}

async fn info(State(state): State<AppState>) -> ApiResult<Response> {
    ok(json!(crate::nifty::nifty_info(&state)))
}

async fn store_rows(
    State(state): State<AppState>,
    Path(name): Path<String>,
) -> ApiResult<Response> {
    ok(json!(controls::store_rows(&state, &name)?))
}

async fn timer(State(state): State<AppState>, Query(params): Query<Params>) -> ApiResult<Response> {
    ok(json!(controls::timer_target(
        &state,
        required(&params, "url")?
    )?))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Bump {
    url: String,
    #[serde(default = "one")]
    count: u64,
}

fn one() -> u64 {
    1
}

async fn opens(State(state): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let bump: Bump = parse(&body)?;
    ok(json!({"opens": controls::bump_opens(&state, &bump.url, bump.count)?}))
}

async fn clicks(State(state): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let bump: Bump = parse(&body)?;
    ok(json!({"clicks": controls::bump_map_clicks(&state, &bump.url, bump.count)?}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Impressions {
    widget_key: String,
    image_id: u64,
    #[serde(default = "one")]
    count: u64,
}

async fn impressions(State(state): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let b: Impressions = parse(&body)?;
    let total = controls::bump_widget_impressions(&state, &b.widget_key, b.image_id, b.count)?;
    ok(json!({ "impressions": total }))
}

async fn clock(State(state): State<AppState>) -> ApiResult<Response> {
    ok(json!({"now": state.now(), "offset_ms": state.clock.offset_ms()}))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    seconds: i64,
}

async fn advance(State(state): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let advance: Advance = parse(&body)?;
    let by = Duration::try_seconds(advance.seconds)
        .ok_or_else(|| NiftyApiError::bad_request("seconds is out of range"))?;
    ok(json!({"now": controls::advance_clock(&state, by)?}))
}

async fn settings(State(state): State<AppState>) -> ApiResult<Response> {
    ok(json!(*state.settings.read()))
}

/// Merges the body into the current settings (a JSON merge patch).
async fn patch_settings(State(state): State<AppState>, body: Bytes) -> ApiResult<Response> {
    let patch: Value = parse(&body)?;
    let mut current = json!(*state.settings.read());
    merge(&mut current, patch);
    let next: NiftySettings = serde_json::from_value(current)
        .map_err(|e| NiftyApiError::bad_request(format!("invalid settings: {e}")))?;
    next.validate().map_err(NiftyApiError::bad_request)?;
    *state.settings.write() = next.clone();
    ok(json!(next))
}

fn merge(target: &mut Value, patch: Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                merge(target.entry(key).or_insert(Value::Null), value);
            }
        }
        (target, patch) => *target = patch,
    }
}

async fn renders(State(state): State<AppState>) -> ApiResult<Response> {
    ok(json!(*state.renders.lock()))
}

async fn clear_renders(State(state): State<AppState>) -> ApiResult<Response> {
    state.renders.lock().clear();
    ok(json!({"cleared": true}))
}

async fn requests(State(state): State<AppState>) -> ApiResult<Response> {
    ok(json!(state.log.entries(0, usize::MAX)))
}

async fn clear_requests(State(state): State<AppState>) -> ApiResult<Response> {
    state.log.clear();
    ok(json!({"cleared": true}))
}
