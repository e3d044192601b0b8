//! The sandbox's HTTP surface: NiftyImages' `/v1` paths, the public `/render` image URLs, and
//! the `/_sandbox` control API.

mod chatbots;
pub mod control;
mod editors;
mod images;
mod maps;
pub mod render;
mod store;
mod timer;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};

use super::dates::parse_iso;
use super::error::{ApiResult, NiftyApiError};
use super::middleware;
use super::state::NiftyState;

pub type AppState = Arc<NiftyState>;
pub type Params = HashMap<String, String>;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/v1/Images", get(images::list))
        .route("/v1/Images/AllStats", get(images::all_stats))
        .route("/v1/Image", get(images::get).delete(images::delete))
        .route(
            "/v1/Personalized",
            get(images::get_personalized).put(images::put_personalized),
        )
        .route("/v1/Psd", get(images::get_psd).put(images::put_psd))
        .route("/v1/Timer/Update", put(timer::update))
        .route("/v1/Store", get(store::fields))
        .route("/v1/Store/AddRecord", post(store::add_record))
        .route(
            "/v1/Store/DeleteID",
            axum::routing::delete(store::delete_id),
        )
        .route(
            "/v1/Store/DeleteRecord",
            axum::routing::delete(store::delete_record),
        )
        .route("/v1/Widgets", get(editors::widgets))
        .route("/v1/Widgets/AllStats", get(editors::widget_stats))
        .route("/v1/Widgets/{key}/Images", get(editors::widget_images))
        .route(
            "/v1/Widgets/{key}/Images/{user}",
            get(editors::widget_user_images),
        )
        .route("/v1/Widgets/{key}/Users", get(editors::widget_users))
        .route(
            "/v1/Widgets/{key}/Users/{user}",
            get(editors::widget_user).put(editors::suspend_widget_user),
        )
        .route("/v1/BeePlugin/{key}/Users", get(editors::bee_users))
        .route(
            "/v1/BeePlugin/{key}/Users/{user}",
            get(editors::bee_user).put(editors::suspend_bee_user),
        )
        .route("/v1/Maps", get(maps::list))
        .route("/v1/Maps/Details", get(maps::details))
        .route("/v1/Maps/GetLocations", get(maps::locations))
        .route("/v1/Maps/AddLocation", post(maps::add))
        .route("/v1/Maps/UpdateLocation", put(maps::update))
        .route(
            "/v1/Maps/DeleteLocation",
            axum::routing::delete(maps::delete),
        )
        .route("/v1/ManyChat", post(chatbots::manychat))
        .route("/v1/ChatFuel", post(chatbots::chatfuel))
        .route_layer(from_fn_with_state(state.clone(), middleware::authenticate));

    api.route("/render/{image}", get(render::render))
        .merge(control::router())
        .fallback(not_found)
        .method_not_allowed_fallback(wrong_verb)
        .layer(from_fn_with_state(
            state.clone(),
            middleware::log_and_inject_faults,
        ))
        .with_state(state)
}

async fn not_found() -> Response {
    NiftyApiError::not_found("No HTTP resource was found that matches the request URI.")
        .into_response()
}

/// NiftyImages documents that a wrong verb is an error; ASP.NET answers 405.
async fn wrong_verb() -> Response {
    NiftyApiError::new(
        http::StatusCode::METHOD_NOT_ALLOWED,
        "The requested resource does not support this HTTP method.",
    )
    .into_response()
}

/// A query parameter by name, in any case (ASP.NET binds them case-insensitively).
pub fn param<'a>(params: &'a Params, name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .filter(|v| !v.trim().is_empty())
}

pub fn required<'a>(params: &'a Params, name: &str) -> ApiResult<&'a str> {
    param(params, name)
        .ok_or_else(|| NiftyApiError::bad_request(format!("The '{name}' parameter is required.")))
}

/// The body of a POST or PUT (or the JSON body of a DELETE): JSON only, and an object.
pub fn json_object(headers: &http::HeaderMap, body: &[u8]) -> ApiResult<Map<String, Value>> {
    let is_json = headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.to_ascii_lowercase())
        .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
    if !is_json {
        return Err(NiftyApiError::bad_request(
            "The request body must be JSON (Content-Type: application/json).",
        ));
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => Ok(object),
        Ok(_) => Err(NiftyApiError::bad_request(
            "The request body must be a JSON object.",
        )),
        Err(e) => Err(NiftyApiError::bad_request(format!(
            "The request body is not valid JSON: {e}"
        ))),
    }
}

/// `startDate`/`endDate`, defaulting to the last 30 days before the sandbox's now.
pub fn date_range(
    params: &Params,
    now: DateTime<Utc>,
) -> ApiResult<(DateTime<Utc>, DateTime<Utc>)> {
    let read = |name: &str| -> ApiResult<Option<DateTime<Utc>>> {
        match param(params, name) {
            None => Ok(None),
            Some(text) => parse_iso(text).map(|r| Some(r.as_utc())).ok_or_else(|| {
                NiftyApiError::bad_request(format!("'{name}' is not an ISO 8601 date: '{text}'"))
            }),
        }
    };
    let end = read("endDate")?.unwrap_or(now);
    let start = read("startDate")?.unwrap_or(end - Duration::days(30));
    if start > end {
        return Err(NiftyApiError::bad_request("startDate is after endDate."));
    }
    Ok((start, end))
}

/// A counter as JSON: a number, or a numeric string when the sandbox is set to send one.
pub fn counter(state: &NiftyState, n: u64) -> Value {
    if state.settings.read().opens_as_string {
        Value::String(n.to_string())
    } else {
        Value::from(n)
    }
}

pub fn ok(body: Value) -> ApiResult<Response> {
    Ok(axum::Json(body).into_response())
}
