//! `/locations/{locationId}…`: the location and its time zones, custom field definitions, and
//! the task search. Tags, custom values and recurring tasks have files of their own.

use axum::extract::{Extension, Path, Query, State};
use axum::response::Response;
use bytes::Bytes;
use http::StatusCode;
use serde_json::{Value, json};

use super::{AppState, Params, reply};
use crate::api_error::ApiError;
use crate::auth::{Caller, TokenKind};
use crate::checker::{Checker, parse_json};
use crate::views;
use crate::world::custom_fields::FieldInput;

/// Create, update and delete; the spec names it for create only and leaves the other two
/// without a scope.
const FIELDS_WRITE: &str = "locations/customFields.write";

pub async fn custom_fields(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(location_id): Path<String>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    caller.require("locations/customFields.readonly")?;
    let location = caller.location_matching(&location_id)?;
    let model = params.get("model").map(String::as_str);
    if let Some(model) = model
        && !matches!(model, "contact" | "opportunity" | "all")
    {
        return Err(ApiError::Unprocessable(vec![
            "model must be one of the following values: contact, opportunity, all".into(),
        ]));
    }
    let world = state.world.lock();
    let fields: Vec<Value> = world
        .location(location)?
        .custom_fields
        .iter()
        .filter(|f| model.is_none_or(|m| m == "all" || m == f.model))
        .map(|f| views::custom_field(f, location))
        .collect();
    reply(StatusCode::OK, json!({"customFields": fields}))
}

pub async fn task_search(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(location_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require("locations/tasks.readonly")?;
    let location = caller.location_matching(&location_id)?;
    let tasks = state
        .world
        .lock()
        .search_tasks(location, &parse_json(&body)?)?;
    let tasks: Vec<Value> = tasks.iter().map(views::task).collect();
    reply(StatusCode::OK, json!({"tasks": tasks}))
}

/// The IANA names `GET /locations/{id}/timezones` offers (a short list; GHL's is longer).
const TIMEZONES: &[&str] = &[
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Toronto",
    "America/Sao_Paulo",
    "Europe/London",
    "Europe/Paris",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
];

/// The data types a custom field may have.
const DATA_TYPES: &[&str] = &[
    "TEXT",
    "LARGE_TEXT",
    "NUMERICAL",
    "PHONE",
    "MONETORY",
    "CHECKBOX",
    "SINGLE_OPTIONS",
    "MULTIPLE_OPTIONS",
    "DATE",
    "TEXTBOX_LIST",
    "FILE_UPLOAD",
    "SIGNATURE",
    "RADIO",
    "EMAIL",
];

/// `GET /locations/{id}`: a sub-account token for that location, or an agency token of its
/// company (the spec allows both).
pub async fn get(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(location_id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require("locations.readonly")?;
    if caller.kind != TokenKind::Company {
        caller.location_matching(&location_id)?;
    }
    let world = state.world.lock();
    if caller.kind == TokenKind::Company && caller.company_id != world.company_id {
        return Err(ApiError::no_location_access());
    }
    let location = world.location(&location_id)?;
    let settings = &location.settings;
    reply(
        StatusCode::OK,
        json!({"location": {
            "id": location.id,
            "companyId": world.company_id,
            "name": location.name,
            "timezone": location.timezone,
            "settings": {
                "allowDuplicateContact": settings.allow_duplicates,
                "allowDuplicateOpportunity": false,
                "allowFacebookNameMerge": false,
                "disableContactTimezone": false,
            },
        }}),
    )
}

pub async fn timezones(
    Extension(caller): Extension<Caller>,
    Path(location_id): Path<String>,
) -> Result<Response, ApiError> {
    caller.require("locations.readonly")?;
    caller.location_matching(&location_id)?;
    reply(StatusCode::OK, json!({"timeZones": TIMEZONES}))
}

/// Checks a custom field body (`CreateCustomFieldsDTO` when `creating`, else
/// `UpdateCustomFieldsDTO`, which has no `dataType`).
fn field_input(body: &Value, creating: bool) -> Result<FieldInput, ApiError> {
    let mut check = Checker::new(body)?;
    let name = check.required_string("name");
    let data_type = if creating {
        check.required_string("dataType")
    } else {
        None
    };
    if let Some(data_type) = &data_type
        && !DATA_TYPES.contains(&data_type.as_str())
    {
        check.complain(format!(
            "dataType must be one of the following values: {}",
            DATA_TYPES.join(", ")
        ));
    }
    let placeholder = check.string("placeholder", false).flatten();
    check.string_array("acceptedFormat", false);
    check.boolean("isMultipleFile");
    check.number("maxNumberOfFiles");
    check.array("textBoxListOptions");
    let position = check.number("position");
    if position.is_some_and(|p| p < 0.0 || p.fract() != 0.0) {
        check.complain("position must not be less than 0");
    }
    let model = check.string("model", false).flatten();
    if let Some(model) = &model
        && !matches!(model.as_str(), "contact" | "opportunity")
    {
        check.complain("model must be one of the following values: contact, opportunity");
    }
    check.finish()?;
    Ok(FieldInput {
        name: name.unwrap_or_default(),
        data_type,
        placeholder,
        position: position.map(|p| p as u32),
        model,
    })
}

pub async fn custom_field(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((location_id, field_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    // The spec gives this call no scope; the list's is the one that fits.
    caller.require("locations/customFields.readonly")?;
    let location = caller.location_matching(&location_id)?;
    let field = state.world.lock().custom_field(location, &field_id)?;
    reply(
        StatusCode::OK,
        json!({"customField": views::custom_field(&field, location)}),
    )
}

pub async fn create_custom_field(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(location_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(FIELDS_WRITE)?;
    let location = caller.location_matching(&location_id)?;
    let input = field_input(&parse_json(&body)?, true)?;
    let field = state.mutate(|world, ctx| world.create_custom_field(location, input, ctx))?;
    reply(
        StatusCode::CREATED,
        json!({"customField": views::custom_field(&field, location)}),
    )
}

pub async fn update_custom_field(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((location_id, field_id)): Path<(String, String)>,
    body: Bytes,
) -> Result<Response, ApiError> {
    caller.require(FIELDS_WRITE)?;
    let location = caller.location_matching(&location_id)?;
    let input = field_input(&parse_json(&body)?, false)?;
    let field = state.mutate(|world, _| world.update_custom_field(location, &field_id, input))?;
    reply(
        StatusCode::OK,
        json!({"customField": views::custom_field(&field, location)}),
    )
}

pub async fn delete_custom_field(
    State(state): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path((location_id, field_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    caller.require(FIELDS_WRITE)?;
    let location = caller.location_matching(&location_id)?;
    state.mutate(|world, ctx| world.delete_custom_field(location, &field_id, ctx))?;
    reply(StatusCode::OK, json!({"succeded": true}))
}
