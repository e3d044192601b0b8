//! `GET /oauth/callback`: where GHL sends the user back after approving.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use engine::authorize::Callback;

use crate::AppState;

pub async fn callback(
    State(state): State<AppState>,
    Query(callback): Query<Callback>,
) -> (StatusCode, Html<String>) {
    match state.connections.complete_authorization(&callback).await {
        Ok(connections) => {
            let names: Vec<String> = connections
                .iter()
                .map(|c| match (&c.location_id, &c.company_id) {
                    (Some(location), _) => format!("location {location}"),
                    (None, Some(company)) => format!("agency {company}"),
                    _ => c.id.clone(),
                })
                .collect();
            tracing::info!(connections = ?names, "GHL connected");
            if let Some(done) = &state.connected {
                done.cancel();
            }
            page(
                StatusCode::OK,
                "Connected",
                &format!(
                    "nifty-ghl is connected to {}. You can close this tab.",
                    names.join(", ")
                ),
            )
        }
        Err(error) => {
            let status = if error.is_bad_request() {
                StatusCode::BAD_REQUEST
            } else {
                StatusCode::BAD_GATEWAY
            };
            tracing::warn!(%error, "GHL authorisation failed");
            page(status, "Not connected", &error.to_string())
        }
    }
}

fn page(status: StatusCode, title: &str, message: &str) -> (StatusCode, Html<String>) {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    (
        status,
        Html(format!(
            "<!doctype html><meta charset=utf-8><title>nifty-ghl: {t}</title><h1>{t}</h1><p>{m}</p>",
            t = escape(title),
            m = escape(message)
        )),
    )
}
