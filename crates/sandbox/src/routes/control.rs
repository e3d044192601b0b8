//! `/_sandbox/…`: the control API tests and scripts use to seed data, read all state and the
//! request log, change settings, move the clock, expire tokens and register webhook receivers.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::routing::{delete, get, patch, post};
use bytes::Bytes;
use http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AppState, Params, reply};
use crate::api_error::ApiError;
use crate::checker::parse_json;
use crate::dto::{ContactDto, contact_input};
use crate::settings::Settings;
use crate::webhooks::Subscription;
use crate::world::model::{Appointment, Business, CustomFieldDef, LocationSettings};
use crate::world::queries::location_dump;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/_sandbox/info", get(info))
        .route("/_sandbox/state", get(dump_state))
        .route("/_sandbox/seed", post(seed))
        .route("/_sandbox/reset", post(reset))
        .route("/_sandbox/requests", get(requests).delete(clear_requests))
        .route("/_sandbox/settings", get(settings).patch(patch_settings))
        .route(
            "/_sandbox/locations/{locationId}/settings",
            patch(location_settings),
        )
        .route("/_sandbox/clock", get(clock))
        .route("/_sandbox/clock/advance", post(advance_clock))
        .route("/_sandbox/tokens/expire", post(expire_tokens))
        .route("/_sandbox/tokens/revoke-refresh", post(revoke_refresh))
        .route("/_sandbox/pits", post(create_pit))
        .route("/_sandbox/pits/revoke", post(revoke_pit))
        .route("/_sandbox/oauth/refresh-tokens", get(refresh_history))
        .route("/_sandbox/webhooks", get(webhooks).post(subscribe))
        .route("/_sandbox/webhooks/{id}", delete(unsubscribe))
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::BadRequest(message.into())
}

fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    let value = parse_json(body)?;
    serde_json::from_value(value).map_err(|e| bad(format!("invalid body: {e}")))
}

async fn info(State(state): State<AppState>) -> Result<Response, ApiError> {
    reply(StatusCode::OK, json!(crate::sandbox_info(&state)))
}

async fn dump_state(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    let world = state.world.lock();
    let only = params.get("location_id");
    let locations: Vec<Value> = world
        .locations
        .values()
        .filter(|l| only.is_none_or(|id| id == &l.id))
        .map(location_dump)
        .collect();
    reply(
        StatusCode::OK,
        json!({"companyId": world.company_id, "locations": locations}),
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeedRequest {
    location_id: String,
    #[serde(default)]
    contacts: Vec<Value>,
    #[serde(default)]
    businesses: Vec<Business>,
    #[serde(default)]
    appointments: Vec<Appointment>,
    #[serde(default)]
    custom_fields: Vec<CustomFieldDef>,
    #[serde(default)]
    users: Vec<String>,
    /// Send the webhooks the seeded contacts and appointments would cause (default: no).
    #[serde(default)]
    emit_webhooks: bool,
}

/// Adds records directly. Contacts go through GHL's create rules (so duplicates are refused
/// the same way); the answer lists the ids given to everything.
async fn seed(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let request: SeedRequest = parse(&body)?;
    let location_id = request.location_id.clone();
    if !state.location_ids().contains(&location_id) {
        return Err(bad(format!("unknown location {location_id}")));
    }
    let mut inputs = Vec::with_capacity(request.contacts.len());
    for mut contact in request.contacts {
        if let Some(fields) = contact.as_object_mut() {
            fields.insert("locationId".into(), json!(location_id));
        }
        inputs.push(contact_input(&contact, ContactDto::Create)?);
    }
    let now = state.clock.now();
    let emit = request.emit_webhooks;
    let seeded = state.mutate(|world, ctx| {
        let mut contact_ids = Vec::new();
        for input in &inputs {
            match world.create_contact(&location_id, input, ctx) {
                Ok(contact) => contact_ids.push(contact.id),
                Err(error) => {
                    // All or nothing: take back the contacts this seed made.
                    for id in &contact_ids {
                        world.delete_contact(&location_id, id, ctx)?;
                    }
                    return Err(error);
                }
            }
        }
        let location = world.location_mut(&location_id)?;
        let mut business_ids = Vec::new();
        for mut business in request.businesses {
            if business.id.is_empty() {
                business.id = ctx.ids.business_id();
            }
            business_ids.push(business.id.clone());
            location.businesses.insert(business.id.clone(), business);
        }
        let mut appointment_ids = Vec::new();
        for mut appointment in request.appointments {
            if appointment.id.is_empty() {
                appointment.id = ctx.ids.record_id();
            }
            if appointment.date_added.is_empty() {
                appointment.date_added = crate::clock::iso_millis(now);
            }
            appointment_ids.push(appointment.id.clone());
            location.appointments.push(appointment.clone());
            // Booked through a calendar, which the sandbox does not serve: what GHL sends
            // for a booking is its AppointmentCreate webhook, the appointment under
            // `appointment` (GHL's webhook page).
            ctx.emit(
                &location_id,
                "AppointmentCreate",
                json!({
                    "locationId": location_id,
                    "appointment": appointment_webhook(&location_id, &appointment),
                }),
            );
        }
        let mut field_ids = Vec::new();
        for mut field in request.custom_fields {
            if field.id.is_empty() {
                field.id = ctx.ids.record_id();
            }
            if field.field_key.is_empty() {
                field.field_key = format!(
                    "contact.{}",
                    crate::world::custom_fields::key_part(&field.name)
                );
            }
            field_ids.push(field.id.clone());
            location.custom_fields.push(field);
        }
        for user in request.users {
            if !location.users.contains(&user) {
                location.users.push(user);
            }
        }
        if !emit {
            ctx.events.clear();
        }
        Ok(json!({
            "contacts": contact_ids,
            "businesses": business_ids,
            "appointments": appointment_ids,
            "customFields": field_ids,
        }))
    })?;
    reply(StatusCode::CREATED, seeded)
}

/// An appointment as GHL's Appointment* webhooks carry it: the record's fields (times in
/// GHL's `"2021-07-16 11:00:00"` form) with its location.
fn appointment_webhook(location_id: &str, appointment: &Appointment) -> Value {
    let mut value = serde_json::to_value(appointment).expect("an appointment serialises");
    if let Some(fields) = value.as_object_mut() {
        fields.insert("locationId".into(), json!(location_id));
        fields.retain(|_, v| !v.is_null());
    }
    value
}

/// Drops every record, the request log, webhook deliveries and rate budgets; keeps locations,
/// credentials, settings and webhook registrations.
async fn reset(State(state): State<AppState>) -> Result<Response, ApiError> {
    state.world.lock().clear_records();
    state.log.clear();
    state.limiter.reset();
    state.webhooks.clear_deliveries();
    reply(StatusCode::OK, json!({"reset": true}))
}

async fn requests(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> Result<Response, ApiError> {
    let since = params
        .get("since")
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let limit = params
        .get("limit")
        .and_then(|s| s.parse().ok())
        .unwrap_or(usize::MAX);
    reply(
        StatusCode::OK,
        json!({
            "counts": state.log.counts(),
            "statuses": state.log.statuses(),
            "requests": state.log.entries(since, limit),
        }),
    )
}

async fn clear_requests(State(state): State<AppState>) -> Result<Response, ApiError> {
    state.log.clear();
    reply(StatusCode::OK, json!({"cleared": true}))
}

async fn settings(State(state): State<AppState>) -> Result<Response, ApiError> {
    reply(StatusCode::OK, json!(*state.settings.read()))
}

/// A JSON merge patch over the current settings; unknown keys and bad values are refused and
/// change nothing.
async fn patch_settings(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let patch = parse_json(&body)?;
    let mut settings = state.settings.write();
    let mut merged = serde_json::to_value(&*settings).expect("settings serialise");
    merge(&mut merged, &patch);
    let updated: Settings =
        serde_json::from_value(merged).map_err(|e| bad(format!("invalid settings: {e}")))?;
    updated.validate().map_err(bad)?;
    *settings = updated;
    reply(StatusCode::OK, json!(*settings))
}

fn merge(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                merge(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

async fn location_settings(
    State(state): State<AppState>,
    Path(location_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let patch = parse_json(&body)?;
    let mut world = state.world.lock();
    let location = world
        .locations
        .get_mut(&location_id)
        .ok_or_else(|| bad(format!("unknown location {location_id}")))?;
    let mut merged = serde_json::to_value(&location.settings).expect("settings serialise");
    merge(&mut merged, &patch);
    let updated: LocationSettings = serde_json::from_value(merged)
        .map_err(|e| bad(format!("invalid location settings: {e}")))?;
    let order = &updated.dedupe_order;
    if order.is_empty() || order.len() > 2 || (order.len() == 2 && order[0] == order[1]) {
        return Err(bad(
            "dedupe_order must name email, phone or both, each once, in priority order",
        ));
    }
    location.settings = updated;
    reply(StatusCode::OK, json!(location.settings))
}

async fn clock(State(state): State<AppState>) -> Result<Response, ApiError> {
    reply(
        StatusCode::OK,
        json!({"now": crate::clock::iso_millis(state.clock.now()), "offsetMs": state.clock.offset_ms()}),
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    ms: i64,
}

async fn advance_clock(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let Advance { ms } = parse(&body)?;
    if ms < 0 {
        return Err(bad("the clock only moves forward: ms must be 0 or more"));
    }
    if !state.clock.advance_ms(ms) {
        return Err(bad(format!(
            "the clock can move at most {} ms ahead of real time in all",
            crate::clock::MAX_OFFSET_MS
        )));
    }
    clock(State(state)).await
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct LocationFilter {
    #[serde(default)]
    location_id: Option<String>,
}

async fn expire_tokens(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let filter: LocationFilter = parse(&body)?;
    let now = state.clock.now_ms();
    let expired = state
        .tokens
        .lock()
        .expire_access_tokens(filter.location_id.as_deref(), now);
    reply(StatusCode::OK, json!({"expired": expired}))
}

async fn revoke_refresh(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let filter: LocationFilter = parse(&body)?;
    let revoked = state
        .tokens
        .lock()
        .revoke_refresh_tokens(filter.location_id.as_deref());
    reply(StatusCode::OK, json!({"revoked": revoked}))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PitRequest {
    location_id: String,
    scopes: Vec<String>,
}

/// Makes another Private Integration Token for a location with the scopes given (to test a
/// token that lacks one). The answer holds the token: sandbox credentials only.
async fn create_pit(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let request: PitRequest = parse(&body)?;
    if !state.location_ids().contains(&request.location_id) {
        return Err(bad(format!("unknown location {}", request.location_id)));
    }
    let pit = format!("pit-{}", state.ids.uuid());
    state.tokens.lock().add_pit(
        &pit,
        &request.location_id,
        &state.company_id,
        state.ids.uuid(),
        request.scopes.clone(),
    );
    reply(
        StatusCode::CREATED,
        json!({"pit": pit, "location_id": request.location_id, "scopes": request.scopes}),
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RevokePit {
    pit: String,
}

/// Revokes a Private Integration Token (GHL's "rotate" in its settings): it answers 401 from
/// then on. The token goes in the body, not the path, so that no log line holds it.
async fn revoke_pit(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let RevokePit { pit } = parse(&body)?;
    if !state.tokens.lock().revoke_pit(&pit) {
        return Err(bad("no such Private Integration Token"));
    }
    reply(StatusCode::OK, json!({"revoked": true}))
}

async fn refresh_history(State(state): State<AppState>) -> Result<Response, ApiError> {
    let tokens = state.tokens.lock();
    reply(
        StatusCode::OK,
        json!({"invalidGrants": tokens.invalid_grants, "refreshTokens": tokens.refresh_history()}),
    )
}

async fn webhooks(State(state): State<AppState>) -> Result<Response, ApiError> {
    reply(
        StatusCode::OK,
        json!({
            "publicKey": state.webhooks.signer().public_key_base64(),
            "subscriptions": state.webhooks.subscriptions(),
            "deliveries": state.webhooks.deliveries(),
        }),
    )
}

async fn subscribe(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let subscription: Subscription = parse(&body)?;
    url::Url::parse(&subscription.url)
        .map_err(|_| bad(format!("url {:?} is not an absolute URL", subscription.url)))?;
    let subscription = state.webhooks.subscribe(subscription, &state.ids);
    reply(StatusCode::CREATED, json!(subscription))
}

async fn unsubscribe(
    State(state): State<AppState>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    if state.webhooks.unsubscribe(&id) {
        reply(StatusCode::OK, json!({"deleted": id}))
    } else {
        Err(bad(format!("no webhook subscription {id}")))
    }
}
