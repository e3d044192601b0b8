//! `GET /i/{image}?email=…`: image-open tracking. The email's `<img src>` points here with the
//! merge tags the ESP fills at send time; the open is recorded as a `campaign.event` of kind
//! `open`, and the mail client is sent on (302) to the configured NiftyImages image with every
//! parameter passed on, so NiftyImages personalises the image as before.
//!
//! The image must always show, and at once: nothing here waits on GHL, the answer waits for
//! the open's commit only a few milliseconds, and a record that cannot be stored is counted
//! and logged, never turned into an error the reader would see as a broken image.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::nifty_routes::{self, NiftyRoutes, param, query_pairs};
use crate::{AppState, EventDoor};

/// The longest the redirect waits for the open to be stored.
const ANSWER_WITHIN: std::time::Duration = std::time::Duration::from_millis(5);

pub async fn open(
    State(state): State<AppState>,
    Path(image): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some(door) = state.events.clone() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({"error": "this server takes no events"})),
        )
            .into_response();
    };
    let routes = Arc::clone(&door.nifty);
    let Some(settings) = routes.images.get(&image) else {
        let known: Vec<&str> = routes.images.keys().map(String::as_str).collect();
        return (
            StatusCode::NOT_FOUND,
            Json(json!({
                "error": format!(
                    "unknown image {image:?}; configured images ([niftyimages.images]): {}",
                    if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                ),
                "images": known,
            })),
        )
            .into_response();
    };
    let pairs = query_pairs(query.as_deref());
    let Some(target) = redirect_target(&settings.url, &pairs) else {
        // The settings were checked at start; this only guards against a URL url cannot join.
        tracing::error!(%image, "the configured image URL cannot carry the request's parameters");
        return (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({"error": "the image's configured URL is not usable"})),
        )
            .into_response();
    };
    let campaign = param(&pairs, &["campaign_id", "campaignId"])
        .map(str::to_owned)
        .or_else(|| settings.campaign_id.clone())
        .unwrap_or_else(|| image.clone());
    // The open's commit usually takes a millisecond or two; a slow disk (an fsync outlier, a
    // checkpoint) must not hold up the email's images, so the answer waits for it at most
    // ANSWER_WITHIN. The open is stored all the same when the commit ends; a crash before then
    // loses the opens still waiting (at most MAX_RECORDING).
    match Arc::clone(&routes.recording).try_acquire_owned() {
        Ok(permit) => {
            let recording = tokio::spawn(async move {
                record_open(&door, &routes, &image, &campaign, &pairs, &headers).await;
                drop(permit);
            });
            let _ = tokio::time::timeout(ANSWER_WITHIN, recording).await;
        }
        Err(_) => {
            // Thousands of opens are waiting for the disk already: this one is counted, not
            // queued behind them.
            engine::metrics::Metrics::add(&door.metrics.engagement_lost, 1);
            tracing::warn!(%image, "an image open was not recorded: too many opens are waiting to be stored");
        }
    }
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, target),
            // Every open must reach this route: a proxy or client that kept the redirect would
            // hide the next one.
            (header::CACHE_CONTROL, "no-store, private".to_owned()),
        ],
    )
        .into_response()
}

/// The configured URL with the request's parameters: the configured query's parameters first,
/// except those the request sets itself (a request value replaces a configured default), then
/// the request's in their order, all form-encoded.
fn redirect_target(configured: &str, pairs: &[(String, String)]) -> Option<String> {
    let mut url = url::Url::parse(configured).ok()?;
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .into_owned()
        .filter(|(name, _)| !pairs.iter().any(|(n, _)| n == name))
        .collect();
    if kept.is_empty() && pairs.is_empty() {
        url.set_query(None);
    } else {
        url.query_pairs_mut()
            .clear()
            .extend_pairs(kept)
            .extend_pairs(pairs);
    }
    Some(url.to_string())
}

/// Records the open, when the request names a contact; waits only for the inbox's commit.
async fn record_open(
    door: &EventDoor,
    routes: &NiftyRoutes,
    image: &str,
    campaign: &str,
    pairs: &[(String, String)],
    headers: &HeaderMap,
) {
    let email = param(pairs, &["email"]).map(str::to_lowercase);
    let contact_id = param(pairs, &["contact_id", "contactId"]);
    let Some(contact) = contact_id.map(str::to_owned).or_else(|| email.clone()) else {
        // An image shown without merge tags (a preview in the editor, a forwarded copy):
        // nobody to attribute it to.
        return;
    };
    let agent = nifty_routes::user_agent(headers);
    let prefetch = agent
        .as_deref()
        .is_some_and(engine::engagement::is_prefetch);
    let mut data = Map::new();
    if let Some(id) = contact_id {
        data.insert("contactId".into(), Value::from(id));
    }
    if let Some(email) = email {
        data.insert("email".into(), Value::from(email));
    }
    data.insert("kind".into(), Value::from("open"));
    data.insert("campaignId".into(), Value::from(campaign));
    data.insert("imageId".into(), Value::from(image));
    data.insert("prefetch".into(), Value::from(prefetch));
    if let Some(agent) = agent {
        data.insert("userAgent".into(), Value::from(agent));
    }
    let id = engine::engagement::event_id(
        "open",
        image,
        &contact,
        if prefetch { "p" } else { "o" },
        engine::engagement::this_minute(),
    );
    let location = param(pairs, &["location_id", "locationId"]);
    nifty_routes::record(door, routes, id, location, data).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_redirect_keeps_configured_parameters_and_passes_the_requests_on() {
        let pairs = query_pairs(Some("email=ann%40example.com&name=Ann%20Lee&w=800"));
        assert_eq!(
            redirect_target("https://img.example.com/a.png?w=600&fmt=png", &pairs).unwrap(),
            "https://img.example.com/a.png?fmt=png&email=ann%40example.com&name=Ann+Lee&w=800"
        );
        assert_eq!(
            redirect_target("https://img.example.com/a.png", &[]).unwrap(),
            "https://img.example.com/a.png"
        );
    }
}
