//! `/Store*`: the Data Store the caller's store key is bound to.

use axum::Extension;
use axum::extract::{Query, State};
use axum::response::Response;
use bytes::Bytes;
use chrono::Duration;
use serde_json::json;

use super::{AppState, Params, json_object, ok, required};
use crate::nifty::datastore::Upserted;
use crate::nifty::error::{ApiResult, NiftyApiError};
use crate::nifty::state::Scope;

fn store_index(scope: Scope) -> ApiResult<usize> {
    match scope {
        Scope::Store(index) => Ok(index),
        _ => Err(NiftyApiError::unauthorized(
            "This endpoint needs a Data Store key.",
        )),
    }
}

fn ttl(state: &AppState) -> Option<Duration> {
    state
        .settings
        .read()
        .record_ttl_secs
        .and_then(|s| Duration::try_seconds(s as i64))
}

/// `GET /Store`: the field definitions.
pub async fn fields(
    State(state): State<AppState>,
    Extension(scope): Extension<Scope>,
) -> ApiResult<Response> {
    let index = store_index(scope)?;
    let world = state.world.lock();
    ok(json!(world.stores[index].fields))
}

/// `POST /Store/AddRecord`: upsert on the unique field(s).
pub async fn add_record(
    State(state): State<AppState>,
    Extension(scope): Extension<Scope>,
    headers: http::HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let index = store_index(scope)?;
    let body = json_object(&headers, &body)?;
    let (now, ttl) = (state.now(), ttl(&state));
    let outcome = state.world.lock().stores[index].upsert(&body, now, ttl)?;
    ok(match outcome {
        Upserted::Created(id) => json!({"Message": "Record added", "Id": id}),
        Upserted::Updated(id) => json!({"Message": "Record updated", "Id": id}),
    })
}

/// `DELETE /Store/DeleteID?id=`.
pub async fn delete_id(
    State(state): State<AppState>,
    Extension(scope): Extension<Scope>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let index = store_index(scope)?;
    let id = required(&params, "id")?;
    let now = state.now();
    let id = state.world.lock().stores[index].delete_id(id, now)?;
    ok(json!({"Message": "Record deleted", "Id": id}))
}

/// `DELETE /Store/DeleteRecord` with the unique-key object as its JSON body.
pub async fn delete_record(
    State(state): State<AppState>,
    Extension(scope): Extension<Scope>,
    headers: http::HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let index = store_index(scope)?;
    let body = json_object(&headers, &body)?;
    let now = state.now();
    let id = state.world.lock().stores[index].delete_record(&body, now)?;
    ok(json!({"Message": "Record deleted", "Id": id}))
}
