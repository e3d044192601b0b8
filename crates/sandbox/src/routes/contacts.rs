//! `/contacts/…`: get, create, update, delete, upsert, list, search, duplicate, business.

use axum::extract::{Extension, Path, Query, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use serde_json::json;

use super::{AppState, Params, number_param, reply, required_param};
use crate::api_error::ApiError;
use crate::auth::{CONTACTS_READ as READ, CONTACTS_WRITE as WRITE, Caller};
use crate::checker::parse_json;
use crate::dto::{ContactDto, contact_input};
use crate::views;
use crate::world::queries::ListQuery;

pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(READ)?;
    let location = caller.location()?;
    let body =
        json!({"contact": views::contact_full(state.world.lock().contact(location, &contact_id)?)});
    reply(StatusCode::OK, body)
}

pub async fn create(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let input = contact_input(&parse_json(&body)?, ContactDto::Create)?;
    let location = caller.location_matching(input.location_id.as_deref().unwrap_or_default())?;
    let contact = state.mutate(|world, ctx| world.create_contact(location, &input, ctx))?;
    reply(
        StatusCode::CREATED,
        json!({"contact": views::contact_created(&contact)}),
    )
}

pub async fn update(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location()?;
    let input = contact_input(&parse_json(&body)?, ContactDto::Update)?;
    let contact =
        state.mutate(|world, ctx| world.update_contact(location, &contact_id, &input, ctx))?;
    reply(
        StatusCode::OK,
        json!({"succeded": true, "contact": views::contact_full(&contact)}),
    )
}

pub async fn remove(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(contact_id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let location = caller.location()?;
    state.mutate(|world, ctx| world.delete_contact(location, &contact_id, ctx))?;
    reply(StatusCode::OK, json!({"succeded": true}))
}

pub async fn upsert(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(WRITE)?;
    let input = contact_input(&parse_json(&body)?, ContactDto::Upsert)?;
    let location = caller.location_matching(input.location_id.as_deref().unwrap_or_default())?;
    let outcome = state.mutate(|world, ctx| world.upsert_contact(location, &input, ctx))?;
    reply(
        StatusCode::OK,
        json!({
            "new": outcome.created,
            "contact": views::contact_full(&outcome.contact),
            "traceId": state.ids.uuid(),
        }),
    )
}

pub async fn list(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    caller.require(READ)?;
    let location = caller.location_matching(required_param(&params, "locationId")?)?;
    let start_after = match params.get("startAfter") {
        None => None,
        Some(raw) => Some(raw.trim().parse::<i64>().map_err(|_| {
            ApiError::Unprocessable(vec![
                "startAfter must be a number conforming to the specified constraints".into(),
            ])
        })?),
    };
    let query = ListQuery {
        query: params.get("query").cloned(),
        limit: number_param(&params, "limit", 20, (1, 100))?,
        start_after_id: params.get("startAfterId").cloned(),
        start_after,
    };
    let page = state.world.lock().list_contacts(location, &query)?;
    reply(
        StatusCode::OK,
        json!({"contacts": page.contacts, "count": page.total, "meta": page.meta}),
    )
}

pub async fn search(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(READ)?;
    let location = caller.location()?;
    let page = state
        .world
        .lock()
        .search_contacts(location, &parse_json(&body)?)?;
    reply(
        StatusCode::OK,
        json!({"contacts": page.contacts, "total": page.total, "traceId": state.ids.uuid()}),
    )
}

pub async fn duplicate(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    caller.require(READ)?;
    let location = caller.location_matching(required_param(&params, "locationId")?)?;
    let email = params
        .get("email")
        .map(String::as_str)
        .filter(|e| !e.is_empty());
    let number = params
        .get("number")
        .map(String::as_str)
        .filter(|n| !n.is_empty());
    if email.is_none() && number.is_none() {
        return Err(ApiError::BadRequest(
            "Please provide email or number".into(),
        ));
    }
    let contact = state.world.lock().find_duplicate(location, email, number)?;
    reply(StatusCode::OK, json!({"contact": contact}))
}

pub async fn business_contacts(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(business_id): Path<String>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    caller.require(READ)?;
    let location = caller.location_matching(required_param(&params, "locationId")?)?;
    let limit = number_param(&params, "limit", 25, (1, 100))?;
    let skip = number_param(&params, "skip", 0, (0, usize::MAX))?;
    let page = state.world.lock().business_contacts(
        location,
        &business_id,
        params.get("query").map(String::as_str),
        skip,
        limit,
    )?;
    reply(
        StatusCode::OK,
        json!({"contacts": page.contacts, "count": page.total}),
    )
}
