//! What wraps every request: the request log and fault injection (outside, `/v1` only for
//! faults), and `ApiKey` authentication with key scopes (inside, on `/v1` routes).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::HeaderValue;

use super::error::NiftyApiError;
use super::state::{NiftyState, Scope};
use crate::clock::iso_millis;
use crate::request_log::{RequestRecord, body_for_log};

const MAX_BODY: usize = 4 * 1024 * 1024;

/// Logs every request and injects the configured faults into `/v1` requests.
pub async fn log_and_inject_faults(
    State(state): State<Arc<NiftyState>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let seq = state.log.next_seq();
    let route = request.extensions().get::<MatchedPath>().map_or_else(
        || request.uri().path().to_owned(),
        |m| m.as_str().to_owned(),
    );
    let method = request.method().to_string();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(redact_query);
    let content_type = header_text(request.headers(), http::header::CONTENT_TYPE);
    let user_agent = header_text(request.headers(), http::header::USER_AGENT);
    let is_api = path.starts_with("/v1/") || path == "/v1";

    let (parts, body) = request.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_BODY).await else {
        return NiftyApiError::new(
            http::StatusCode::PAYLOAD_TOO_LARGE,
            "The request is too large.",
        )
        .into_response();
    };
    let request_body = body_for_log(&bytes);
    let request = Request::from_parts(parts, Body::from(bytes));

    let mut fault = None;
    let mut response = if is_api {
        match take_fault(&state).await {
            Some((name, response)) => {
                fault = Some(name);
                response
            }
            None => next.run(request).await,
        }
    } else {
        next.run(request).await
    };

    let status = response.status().as_u16();
    let is_json = response
        .headers()
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    let response_body = if is_json {
        let (parts, body) = response.into_parts();
        let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
        let logged = body_for_log(&bytes);
        response = Response::from_parts(parts, Body::from(bytes));
        logged
    } else {
        None
    };
    state.log.record(
        RequestRecord {
            seq,
            at: iso_millis(state.now()),
            method,
            path,
            query,
            route,
            user_agent,
            status,
            duration_us: started.elapsed().as_micros() as u64,
            fault,
            request_content_type: content_type,
            request_body,
            response_body,
        },
        5_000,
    );
    response
}

/// Sleeps for the configured latency, then spends a forced 500 or 429 if any are left.
async fn take_fault(state: &NiftyState) -> Option<(&'static str, Response)> {
    let latency = state.settings.read().faults.latency_ms;
    if latency > 0 {
        tokio::time::sleep(Duration::from_millis(latency)).await;
    }
    let mut settings = state.settings.write();
    let faults = &mut settings.faults;
    if faults.force_500 > 0 {
        faults.force_500 -= 1;
        return Some(("forced_500", NiftyApiError::server().into_response()));
    }
    if faults.force_429 > 0 {
        faults.force_429 -= 1;
        let mut response = NiftyApiError::new(
            http::StatusCode::TOO_MANY_REQUESTS,
            "Too many requests; slow down.",
        )
        .into_response();
        if let Some(secs) = faults.retry_after_secs {
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, HeaderValue::from(secs));
        }
        return Some(("forced_429", response));
    }
    None
}

/// Keys given in the query string (when that carrier is on) stay out of the log.
fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((name, _)) if is_key_param(name) => format!("{name}=***"),
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn is_key_param(name: &str) -> bool {
    name.eq_ignore_ascii_case("apikey") || name.eq_ignore_ascii_case("api_key")
}

fn header_text(headers: &http::HeaderMap, name: impl http::header::AsHeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// Which kind of key a `/v1` path needs.
fn needed(path: &str) -> &'static str {
    let lower = path.to_ascii_lowercase();
    if lower.starts_with("/v1/store") {
        "store"
    } else if lower.starts_with("/v1/timer") {
        "timer"
    } else {
        "account"
    }
}

/// Finds the key (the `ApiKey` header, or an enabled alternative carrier), resolves its
/// scope, and refuses a key of the wrong kind with 401.
pub async fn authenticate(
    State(state): State<Arc<NiftyState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let carriers = state.settings.read().auth.clone();
    let headers = request.headers();
    let mut key = header_text(headers, "apikey");
    if key.is_none() && carriers.bearer {
        key = header_text(headers, http::header::AUTHORIZATION)
            .and_then(|v| v.strip_prefix("Bearer ").map(str::to_owned));
    }
    if key.is_none() && carriers.query_string {
        key = request.uri().query().and_then(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .find(|(name, _)| is_key_param(name))
                .map(|(_, value)| value.into_owned())
        });
    }
    let Some(key) = key.map(|k| k.trim().to_owned()).filter(|k| !k.is_empty()) else {
        return NiftyApiError::unauthorized("No API key was sent in the ApiKey header.")
            .into_response();
    };
    let Some(scope) = state.keys.get(&key).copied() else {
        return NiftyApiError::unauthorized("The API key is not valid.").into_response();
    };
    let need = needed(request.uri().path());
    let fits = matches!(
        (need, scope),
        ("account", Scope::Account) | ("store", Scope::Store(_)) | ("timer", Scope::Timer(_))
    );
    if !fits {
        let kind = match scope {
            Scope::Account => "an account key",
            Scope::Store(_) => "a Data Store key",
            Scope::Timer(_) => "a timer key",
        };
        let wanted = match need {
            "store" => "a Data Store key",
            "timer" => "a timer key",
            _ => "an account key",
        };
        return NiftyApiError::unauthorized(&format!(
            "This endpoint needs {wanted}; the key sent is {kind}."
        ))
        .into_response();
    }
    request.extensions_mut().insert(scope);
    next.run(request).await
}
