//! `POST /hooks/ghl`: GHL's webhooks. The signature is checked over the raw body (Ed25519
//! `x-ghl-signature`, or the legacy RSA `x-wh-signature`), the `timestamp` must be within the
//! replay window, and `webhookId` makes a redelivery the same event.
//!
//! GHL redelivers a webhook only after a 429 (any other status, 5xx included, is final), so
//! whenever an event cannot be made durable the answer is 429, never 5xx. INSTALL and UNINSTALL
//! create and remove the location's connection before they are acknowledged.
//!
//! When the marketplace app's client id is known, a webhook whose `appId` names another app
//! is answered 200, so that GHL does not send it again, and nothing is stored or done for it
//! (the official SDKs skip such webhooks too). A body without `appId` is taken as before.

use std::time::Duration;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use engine::ghl_events::{self, INSTALL, UNINSTALL};
use engine::metrics::Metrics;
use ghl::webhook_signature::WebhookVerifier;
use serde_json::json;

use crate::AppState;
use crate::hooks::MAX_BODY;

/// What the GHL door checks webhooks with.
#[derive(Debug, Clone)]
pub struct GhlHooks {
    pub verifier: WebhookVerifier,
    /// Development only: take webhooks whose signature is missing or wrong.
    pub allow_unsigned: bool,
    /// The replay window around a webhook's `timestamp`.
    pub max_age: Duration,
    /// This marketplace app's id (its client id before the first `-`): webhooks whose
    /// `appId` names another app are ignored. `None` (Private Integration Token set-ups, or
    /// no client id configured): every webhook is taken, whatever its `appId`.
    pub app_id: Option<String>,
}

impl Default for GhlHooks {
    /// GHL's published keys, signatures required, GHL's suggested five minutes.
    fn default() -> Self {
        Self {
            verifier: WebhookVerifier::default(),
            allow_unsigned: false,
            max_age: Duration::from_secs(300),
            app_id: None,
        }
    }
}

impl GhlHooks {
    pub fn from_settings(settings: &engine::config::GhlWebhookSettings) -> Result<Self, String> {
        Ok(Self {
            verifier: settings.verifier()?,
            allow_unsigned: settings.allow_unsigned,
            max_age: Duration::from_secs(settings.max_age_secs),
            app_id: None,
        })
    }

    /// Takes only the webhooks of the app with this client id (`<appId>-<suffix>`) and of
    /// no app in particular; `None` leaves every webhook in.
    pub fn for_client_id(mut self, client_id: Option<&str>) -> Self {
        self.app_id = client_id
            .and_then(ghl_events::app_id_of_client_id)
            .map(str::to_owned);
        self
    }
}

fn answer(status: StatusCode, body: serde_json::Value) -> Response {
    (status, Json(body)).into_response()
}

/// Asks GHL to deliver the webhook again later: the only answer it retries on.
fn again(reason: &str) -> Response {
    (
        StatusCode::TOO_MANY_REQUESTS,
        [("retry-after", "60")],
        Json(json!({"error": reason})),
    )
        .into_response()
}

pub async fn receive(State(state): State<AppState>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(door) = state.events.clone() else {
        return again("this server takes no events right now");
    };
    let refuse = |status: StatusCode, body: serde_json::Value| {
        Metrics::add(&door.metrics.events_refused, 1);
        answer(status, body)
    };
    if body.len() > MAX_BODY {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({"error": format!("the body is over {} KiB", MAX_BODY / 1024)}),
        );
    }
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let checked =
        door.ghl
            .verifier
            .verify(header("x-ghl-signature"), header("x-wh-signature"), &body);
    if let Err(error) = &checked {
        if !door.ghl.allow_unsigned {
            return refuse(
                StatusCode::UNAUTHORIZED,
                json!({"error": format!("{error}; nothing was stored")}),
            );
        }
        tracing::warn!(%error, "a GHL webhook without a valid signature was let in (ghl_webhooks.allow_unsigned)");
    }
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(value) => value,
        Err(error) => {
            return refuse(
                StatusCode::BAD_REQUEST,
                json!({"error": format!("the body is not JSON: {error}")}),
            );
        }
    };
    // Another app's webhook (INSTALL and UNINSTALL included) is not ours to store or act on;
    // a 200, not an error, so that GHL does not deliver it again.
    if let Some(ours) = door.ghl.app_id.as_deref()
        && let Some(theirs) = ghl_events::other_app(&value, ours)
    {
        // Warned, not just noted: a wrong [ghl] client_id would make every webhook one of these.
        tracing::warn!(app_id = %theirs, "a GHL webhook for another app was ignored (check [ghl] client_id if this is yours)");
        return answer(
            StatusCode::OK,
            json!({
                "accepted": 0,
                "duplicates": 0,
                "ignored": format!("appId {theirs:?} is not this app's ({ours}); nothing was stored"),
            }),
        );
    }
    let event = match ghl_events::from_webhook(&value) {
        Ok(event) => event,
        Err(problem) => {
            return refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                json!({"error": problem.to_string(), "pointer": problem.pointer, "message": problem.message}),
            );
        }
    };
    let window = door.ghl.max_age.as_secs() as i64;
    match ghl_events::age_secs(&event, chrono::Utc::now()) {
        Some(age) if age.abs() <= window => {}
        _ => {
            return refuse(
                StatusCode::UNAUTHORIZED,
                json!({"error": format!(
                    "the webhook's timestamp {} is more than {window} s from now: a replay, or this server's clock is wrong; nothing was stored",
                    event.occurred_at.as_deref().unwrap_or("?")
                )}),
            );
        }
    }
    // Install and uninstall act first: if that fails, GHL is asked to come back, and the
    // event is stored only once its effect is in place.
    let app_event = event.kind == INSTALL || event.kind == UNINSTALL;
    if app_event {
        let outcome = if event.kind == INSTALL {
            state.connections.install(&event.data).await
        } else {
            state.connections.uninstall(&event.data).await
        };
        if let Err(error) = outcome {
            tracing::warn!(%error, kind = %event.kind, "could not apply a GHL install change; GHL will deliver it again");
            return again(&format!("{} could not be applied yet: {error}", event.kind));
        }
    }
    if event.location_id.is_none() {
        if app_event {
            // An agency-level install or uninstall: its effect is in place, and with no
            // location there is no queue or recipe for it.
            tracing::info!(kind = %event.kind, id = %event.id, "agency-level GHL app event applied");
            return answer(StatusCode::OK, json!({"accepted": 1, "duplicates": 0}));
        }
        return refuse(
            StatusCode::UNPROCESSABLE_ENTITY,
            json!({"error": "/locationId: is required", "pointer": "/locationId"}),
        );
    }
    // GHL never sends a webhook again after a 4xx: one a recipe cannot map is stored without
    // jobs (and said loudly) rather than refused and lost. Once the recipe is fixed,
    // reconciliation (or `nifty-ghl sync`) reads the contact back.
    let submitted = door
        .ingestor
        .submit_keeping_unmapped(vec![event], "ghl")
        .await;
    match submitted {
        Ok(receipt) => answer(
            StatusCode::OK,
            json!({"accepted": receipt.accepted(), "duplicates": receipt.duplicates()}),
        ),
        Err(error) => {
            tracing::error!(%error, "a GHL webhook could not be stored; GHL is asked to send it again");
            again("the webhook could not be stored; nothing was accepted")
        }
    }
}
