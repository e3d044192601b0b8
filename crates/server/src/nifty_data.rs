//! `GET /nifty/data/{source}?email=…`: an External Web API data source for NiftyImages. At
//! open time NiftyImages calls this URL with the `[bracket]` variables of the image filled in,
//! and renders the answer: the GHL contact fields `[niftyimages.data_sources.<source>] fields`
//! lists, as one flat JSON object. Fields the contact lacks are left out, so NiftyImages'
//! fallbacks apply.
//!
//! Each answer costs at most one GHL read (the identity map names the contact, else GHL's
//! duplicate search finds it by email), and answers are kept a minute: one email is opened by
//! several clients and proxies within seconds, and every one of them would otherwise spend the
//! location's GHL budget (100 requests per 10 s) that the delivery workers need. When GHL
//! answers 429 the location is left alone until its Retry-After, and NiftyImages gets 503.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ghl::GhlError;
use ghl::contacts::Contact;
use ghl::search::DuplicateQuery;
use serde_json::{Map, Value, json};

use crate::nifty_routes::{self, Cached, NiftyRoutes, param, query_pairs};
use crate::{AppState, EventDoor};

/// How long an answer is reused for the same source and email.
const CACHE_FOR: Duration = Duration::from_secs(60);
/// Past this many answers kept, expired ones are dropped (and all, if none has expired).
const CACHE_MAX: usize = 10_000;

fn answer(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

fn unavailable(retry_after: Duration, message: &str) -> Response {
    let seconds = retry_after.as_secs_f64().ceil().max(1.0) as u64;
    (
        StatusCode::SERVICE_UNAVAILABLE,
        [(header::RETRY_AFTER, seconds.to_string())],
        Json(json!({"error": message})),
    )
        .into_response()
}

pub async fn data(
    State(state): State<AppState>,
    Path(source): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(door) = state.events.clone() else {
        return answer(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({"error": "this server answers no data sources"}),
        );
    };
    let routes = Arc::clone(&door.nifty);
    let Some(settings) = routes.data_sources.get(&source) else {
        let known: Vec<&str> = routes.data_sources.keys().map(String::as_str).collect();
        return answer(
            StatusCode::NOT_FOUND,
            json!({
                "error": format!(
                    "unknown data source {source:?}; configured ([niftyimages.data_sources]): {}",
                    if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                ),
                "data_sources": known,
            }),
        );
    };
    let pairs = query_pairs(query.as_deref());
    let email = match param(&pairs, &["email"]) {
        Some(email) if engine::events::looks_like_email(email) => email.to_lowercase(),
        _ => {
            return answer(
                StatusCode::BAD_REQUEST,
                json!({"error": format!(
                    "send the contact's email address: /nifty/data/{source}?email=[email] (in NiftyImages, a [bracket] variable filled by the email's merge tag)"
                )}),
            );
        }
    };
    let Some(location) = param(&pairs, &["location_id", "locationId"])
        .map(str::to_owned)
        .or_else(|| routes.default_location.clone())
    else {
        return answer(
            StatusCode::BAD_REQUEST,
            json!({"error": "no GHL location: add location_id= to the URL, or set pipeline.default_location_id"}),
        );
    };
    if ghl::validate_location_id(&location).is_err() {
        return answer(
            StatusCode::BAD_REQUEST,
            json!({"error": "location_id is not a GHL location id (20 letters and digits)"}),
        );
    }

    let key = (source.clone(), location.clone(), email.clone());
    let fresh = routes
        .cache
        .lock()
        .expect("cache lock")
        .get(&key)
        .filter(|c| c.at.elapsed() < CACHE_FOR)
        .cloned();
    let (status, body) = match fresh {
        Some(cached) => (cached.status, cached.body),
        None => {
            match read_contact(&state, &location, &email).await {
                Ok(contact) => {
                    let (status, body) = match contact {
                        Some(contact) => (StatusCode::OK, fields(&contact, &settings.fields)),
                        // `{}` is what NiftyImages falls back on: no field, so every default.
                        None => (StatusCode::NOT_FOUND, json!({})),
                    };
                    remember(&routes, key, status, &body);
                    (status, body)
                }
                Err(ReadError::RateLimited(wait)) => {
                    return unavailable(
                        wait,
                        "GHL's rate limit for this location is reached; try later",
                    );
                }
                Err(ReadError::NotConnected(error)) => {
                    tracing::warn!(%location, %error, "a data-source read found no usable GHL connection");
                    return answer(
                        StatusCode::SERVICE_UNAVAILABLE,
                        json!({"error": "this GHL location is not connected to nifty-ghl"}),
                    );
                }
                Err(ReadError::Store(error)) => {
                    tracing::warn!(%location, %error, "a data-source read could not read the identity map");
                    return answer(
                        StatusCode::SERVICE_UNAVAILABLE,
                        json!({"error": "nifty-ghl's database could not be read; try later"}),
                    );
                }
                Err(ReadError::Ghl(error)) => {
                    tracing::warn!(%location, %error, "a data-source read failed");
                    return answer(
                        StatusCode::BAD_GATEWAY,
                        json!({"error": "GHL could not be read; use the image's fallback"}),
                    );
                }
            }
        }
    };
    if status == StatusCode::OK {
        record_preview(&door, &routes, &source, &location, &email, &pairs, &headers).await;
    }
    answer(status, body)
}

enum ReadError {
    RateLimited(Duration),
    NotConnected(String),
    /// nifty-ghl's own database could not be read.
    Store(String),
    Ghl(GhlError),
}

fn remember(routes: &NiftyRoutes, key: (String, String, String), status: StatusCode, body: &Value) {
    let mut cache = routes.cache.lock().expect("cache lock");
    if cache.len() >= CACHE_MAX {
        cache.retain(|_, c| c.at.elapsed() < CACHE_FOR);
        if cache.len() >= CACHE_MAX {
            cache.clear();
        }
    }
    cache.insert(
        key,
        Cached {
            at: Instant::now(),
            status,
            body: body.clone(),
        },
    );
}

/// The contact with `email` in `location`: one GHL read, by the id the identity map knows,
/// else by GHL's duplicate search.
async fn read_contact(
    state: &AppState,
    location: &str,
    email: &str,
) -> Result<Option<Contact>, ReadError> {
    let door = state.events.as_ref().expect("checked by the caller");
    let known = door
        .store
        .identity(location, "email", email)
        .await
        .map_err(|e| ReadError::Store(e.to_string()))?;
    let id = store::vault::connection_id(store::vault::UserType::Location, Some(location), None);
    let client = state
        .connections
        .client(&id)
        .await
        .map_err(|e| ReadError::NotConnected(e.to_string()))?;
    let governor = &door.nifty.governor;
    if let Err(wait) = governor.try_take(location) {
        // The location's budget is spent for now (or GHL said wait): the image is rendered
        // without CRM data (or NiftyImages asks again) rather than GHL being asked anyway.
        return Err(ReadError::RateLimited(wait));
    }
    let outcome = match known {
        Some(contact_id) => {
            let read = client.get_contact(&contact_id).await;
            governor.answered(location, &read);
            read.map(|r| Some(r.into_inner()))
        }
        None => {
            let found = client
                .find_duplicate_contact(&DuplicateQuery {
                    location_id: location.to_owned(),
                    email: Some(email.to_owned()),
                    phone: None,
                })
                .await;
            governor.answered(location, &found);
            found.map(|r| r.into_inner())
        }
    };
    match outcome {
        Ok(contact) => Ok(contact),
        // A contact deleted or merged in GHL since the map learned its id.
        Err(GhlError::NotFound { .. }) => Ok(None),
        Err(GhlError::RateLimited { retry_after, .. }) => {
            // The governor holds this location's reads (and jobs) until then.
            tracing::warn!(%location, wait_secs = retry_after.as_secs_f64(), "GHL rate-limited a data-source read; reads for this location pause");
            Err(ReadError::RateLimited(retry_after))
        }
        Err(error) => Err(ReadError::Ghl(error)),
    }
}

/// The configured fields of `contact`: a standard field by its GHL name (`firstName`, `city`,
/// `tags`…), else a custom field by its id. Empty values are left out.
fn fields(contact: &Contact, names: &[String]) -> Value {
    let standard = serde_json::to_value(contact).unwrap_or(Value::Null);
    let mut out = Map::new();
    for name in names {
        let value = match standard.get(name.as_str()) {
            Some(value) if !value.is_null() => Some(value.clone()),
            _ => contact
                .custom_fields
                .iter()
                .find(|f| f.id == *name)
                .map(|f| f.value.clone()),
        };
        let empty = match &value {
            None | Some(Value::Null) => true,
            Some(Value::String(s)) => s.is_empty(),
            Some(_) => false,
        };
        if !empty {
            out.insert(name.clone(), value.expect("checked"));
        }
    }
    Value::Object(out)
}

/// Records that NiftyImages rendered `source` for the contact: a `campaign.event` of kind
/// `preview`, bucketed like opens (see `engine::engagement::event_id`). Its campaign is the
/// request's `campaign_id=`, else the source's name; giving the image's campaign lets the
/// preview and the open share one follow-up task.
async fn record_preview(
    door: &EventDoor,
    routes: &NiftyRoutes,
    source: &str,
    location: &str,
    email: &str,
    pairs: &[(String, String)],
    headers: &HeaderMap,
) {
    let campaign = param(pairs, &["campaign_id", "campaignId"]).unwrap_or(source);
    let mut data = Map::new();
    data.insert("email".into(), Value::from(email));
    data.insert("kind".into(), Value::from("preview"));
    data.insert("campaignId".into(), Value::from(campaign));
    if let Some(agent) = nifty_routes::user_agent(headers) {
        data.insert("userAgent".into(), Value::from(agent));
    }
    let id = engine::engagement::event_id(
        "preview",
        source,
        email,
        "d",
        engine::engagement::this_minute(),
    );
    nifty_routes::record(door, routes, id, Some(location), data).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_standard_names_or_custom_field_ids() {
        let contact: Contact = serde_json::from_value(json!({
            "id": "c1", "firstName": "Ann", "lastName": "", "city": "Lyon", "tags": ["vip"],
            "customFields": [{"id": "cf123", "value": "gold"}]
        }))
        .unwrap();
        let names = ["firstName", "lastName", "city", "tags", "cf123", "phone"].map(String::from);
        assert_eq!(
            fields(&contact, &names),
            json!({"firstName": "Ann", "city": "Lyon", "tags": ["vip"], "cf123": "gold"})
        );
    }
}
