//! The sandbox's HTTP surface: GHL's paths, the OAuth pages, and the `/_sandbox` control API.

mod associations;
mod contacts;
mod control;
mod custom_values;
mod location_tags;
mod locations;
pub mod middleware;
mod notes;
mod oauth;
mod recurring_tasks;
mod tasks;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use http::StatusCode;
use serde_json::Value;

use crate::api_error::ApiError;
use crate::state::SandboxState;

pub type AppState = Arc<SandboxState>;
pub type Params = HashMap<String, String>;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .route("/contacts", get(contacts::list).post(contacts::create))
        .route("/contacts/", get(contacts::list).post(contacts::create))
        .route("/contacts/search", post(contacts::search))
        .route("/contacts/search/duplicate", get(contacts::duplicate))
        .route("/contacts/upsert", post(contacts::upsert))
        .route(
            "/contacts/business/{businessId}",
            get(contacts::business_contacts),
        )
        .route(
            "/contacts/bulk/tags/update/{type}",
            post(associations::bulk_tags),
        )
        .route("/contacts/bulk/business", post(associations::bulk_business))
        .route(
            "/contacts/{contactId}",
            get(contacts::get)
                .put(contacts::update)
                .delete(contacts::remove),
        )
        .route(
            "/contacts/{contactId}/tasks",
            get(tasks::list).post(tasks::create),
        )
        .route(
            "/contacts/{contactId}/tasks/{taskId}",
            get(tasks::get).put(tasks::update).delete(tasks::remove),
        )
        .route(
            "/contacts/{contactId}/tasks/{taskId}/completed",
            put(tasks::completed),
        )
        .route(
            "/contacts/{contactId}/notes",
            get(notes::list).post(notes::create),
        )
        .route(
            "/contacts/{contactId}/notes/{id}",
            get(notes::get).put(notes::update).delete(notes::remove),
        )
        .route(
            "/contacts/{contactId}/appointments",
            get(associations::appointments),
        )
        .route(
            "/contacts/{contactId}/tags",
            post(associations::add_tags).delete(associations::remove_tags),
        )
        .route(
            "/contacts/{contactId}/followers",
            post(associations::add_followers).delete(associations::remove_followers),
        )
        .route(
            "/contacts/{contactId}/campaigns/removeAll",
            delete(associations::remove_all_campaigns),
        )
        .route(
            "/contacts/{contactId}/campaigns/{campaignId}",
            post(associations::add_campaign).delete(associations::remove_campaign),
        )
        .route(
            "/contacts/{contactId}/workflow/{workflowId}",
            post(associations::add_workflow).delete(associations::remove_workflow),
        )
        .route("/locations/{locationId}", get(locations::get))
        .route(
            "/locations/{locationId}/timezones",
            get(locations::timezones),
        )
        .route(
            "/locations/{locationId}/customFields",
            get(locations::custom_fields).post(locations::create_custom_field),
        )
        .route(
            "/locations/{locationId}/customFields/{id}",
            get(locations::custom_field)
                .put(locations::update_custom_field)
                .delete(locations::delete_custom_field),
        )
        .route(
            "/locations/{locationId}/customValues",
            get(custom_values::list).post(custom_values::create),
        )
        .route(
            "/locations/{locationId}/customValues/{id}",
            get(custom_values::get)
                .put(custom_values::update)
                .delete(custom_values::remove),
        )
        .route(
            "/locations/{locationId}/tags",
            get(location_tags::list).post(location_tags::create),
        )
        .route(
            "/locations/{locationId}/tags/{tagId}",
            get(location_tags::get)
                .put(location_tags::update)
                .delete(location_tags::remove),
        )
        .route(
            "/locations/{locationId}/recurring-tasks",
            post(recurring_tasks::create),
        )
        .route(
            "/locations/{locationId}/recurring-tasks/{id}",
            get(recurring_tasks::get)
                .put(recurring_tasks::update)
                .delete(recurring_tasks::remove),
        )
        .route(
            "/locations/{locationId}/tasks/search",
            post(locations::task_search),
        )
        .route("/oauth/locationToken", post(oauth::location_token))
        .route_layer(from_fn_with_state(state.clone(), middleware::authenticate));

    let public = Router::new()
        .route("/oauth/token", post(oauth::token))
        .route("/oauth/chooselocation", get(oauth::choose_location))
        .route("/v2/oauth/chooselocation", get(oauth::choose_location));

    api.merge(public)
        .merge(control::router())
        .fallback(not_found)
        .layer(from_fn_with_state(
            state.clone(),
            middleware::log_and_inject_faults,
        ))
        .with_state(state)
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(serde_json::json!({"statusCode": 404, "message": "Cannot find this route", "error": "Not Found"})),
    )
        .into_response()
}

/// A JSON answer with GHL's status for the operation (201 for creates).
pub fn reply(status: StatusCode, body: Value) -> Result<Response, ApiError> {
    Ok((status, axum::Json(body)).into_response())
}

/// A required query parameter, or the 422 GHL gives when it is missing.
pub fn required_param<'a>(params: &'a Params, name: &'static str) -> Result<&'a str, ApiError> {
    match params.get(name).map(String::as_str) {
        Some(value) if !value.trim().is_empty() => Ok(value),
        _ => Err(ApiError::Unprocessable(vec![
            format!("{name} should not be empty"),
            format!("{name} must be a string"),
        ])),
    }
}

/// An optional whole-number query parameter from `min` to `max`.
pub fn number_param(
    params: &Params,
    name: &'static str,
    default: usize,
    (min, max): (usize, usize),
) -> Result<usize, ApiError> {
    let Some(raw) = params.get(name) else {
        return Ok(default);
    };
    match raw.trim().parse::<usize>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        Ok(n) if n < min => Err(ApiError::Unprocessable(vec![format!(
            "{name} must not be less than {min}"
        )])),
        Ok(_) => Err(ApiError::Unprocessable(vec![format!(
            "{name} must not be greater than {max}"
        )])),
        Err(_) => Err(ApiError::Unprocessable(vec![format!(
            "{name} must be a number conforming to the specified constraints"
        )])),
    }
}
