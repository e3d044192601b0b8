//! What wraps every request: the request log and fault injection (outside), and bearer-token
//! authentication with the rate budget (inside, on API routes only).

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::{Body, to_bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::Value;

use crate::api_error::ApiError;
use crate::auth::Caller;
use crate::clock::iso_millis;
use crate::rate_limit::RateLimiter;
use crate::request_log::{RequestRecord, body_for_log};
use crate::settings::Faults;
use crate::state::SandboxState;

/// The `Version` every contacts and locations call must carry.
pub const API_VERSION: &str = "2021-07-28";

/// Bodies above this size are refused, as a gateway would.
const MAX_BODY: usize = 4 * 1024 * 1024;

/// Marks a response whose connection the server closes instead of answering.
#[derive(Debug, Clone, Copy)]
pub struct DropConnection;

/// Logs every request, and on API routes injects the faults the settings ask for.
pub async fn log_and_inject_faults(
    State(state): State<Arc<SandboxState>>,
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
    let query = request.uri().query().map(str::to_owned);
    let is_api = !path.starts_with("/_sandbox");
    let (record_bodies, capacity, faults) = {
        let settings = state.settings.read();
        (
            settings.record_bodies,
            settings.request_log_capacity,
            settings.faults.clone(),
        )
    };
    let content_type = header_text(request.headers(), http::header::CONTENT_TYPE);
    let user_agent = header_text(request.headers(), http::header::USER_AGENT);

    let (parts, body) = request.into_parts();
    let (request, request_body) = match to_bytes(body, MAX_BODY).await {
        Ok(bytes) => {
            let logged = record_bodies
                .then(|| logged_request_body(content_type.as_deref(), &bytes))
                .flatten();
            (Some(Request::from_parts(parts, Body::from(bytes))), logged)
        }
        Err(_) => (None, None),
    };

    let mut fault = None;
    let mut response = match request {
        Some(request) => answer(&state, request, next, is_api, &faults, &mut fault).await,
        None => payload_too_large(),
    };

    let status = response.status().as_u16();
    let response_body = if record_bodies && response.extensions().get::<DropConnection>().is_none()
    {
        let (parts, body) = response.into_parts();
        let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
        let mut logged = body_for_log(&bytes);
        if path.starts_with("/oauth/")
            && let Some(body) = logged.as_mut()
        {
            redact_tokens(body);
        }
        response = Response::from_parts(parts, Body::from(bytes));
        logged
    } else {
        None
    };
    state.log.record(
        RequestRecord {
            seq,
            at: iso_millis(state.clock.now()),
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
        capacity,
    );
    response
}

/// Tokens the OAuth endpoints hand out are kept out of the request log.
fn redact_tokens(body: &mut Value) {
    if let Some(fields) = body.as_object_mut() {
        for key in ["access_token", "refresh_token"] {
            if let Some(value) = fields.get_mut(key) {
                *value = Value::String("[redacted]".into());
            }
        }
    }
}

fn payload_too_large() -> Response {
    let body = serde_json::json!({"statusCode": 413, "message": "request entity too large", "error": "Payload Too Large"});
    (StatusCode::PAYLOAD_TOO_LARGE, axum::Json(body)).into_response()
}

fn header_text(headers: &http::HeaderMap, name: http::header::HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// The answer to one request, with the faults the settings ask for applied to API requests.
async fn answer(
    state: &SandboxState,
    request: Request,
    next: Next,
    is_api: bool,
    faults: &Faults,
    fault: &mut Option<&'static str>,
) -> Response {
    if !is_api {
        return next.run(request).await;
    }
    if faults.latency_ms > 0 || faults.latency_jitter_ms > 0 {
        let jitter = state.ids.below(faults.latency_jitter_ms.saturating_add(1));
        tokio::time::sleep(Duration::from_millis(
            faults.latency_ms.saturating_add(jitter),
        ))
        .await;
    }
    if faults.force_500 > 0 && take_forced(state, |faults| &mut faults.force_500) {
        *fault = Some("forced_500");
        ApiError::Server(StatusCode::INTERNAL_SERVER_ERROR).into_response()
    } else if faults.force_429 > 0 && take_forced(state, |faults| &mut faults.force_429) {
        *fault = Some("forced_429");
        let limits = state.settings.read().rate_limit.clone();
        let mut response = ApiError::TooManyRequests.into_response();
        RateLimiter::exhausted(&limits).write_headers(response.headers_mut());
        response
    } else if chance(state, faults.drop_rate) {
        *fault = Some("dropped");
        dropped()
    } else if chance(state, faults.error_rate) {
        *fault = Some("server_error");
        server_error(state, &[500, 502, 503])
    } else {
        let response = next.run(request).await;
        if chance(state, faults.drop_after_apply_rate) {
            *fault = Some("dropped_after_apply");
            dropped()
        } else if chance(state, faults.error_after_apply_rate) {
            *fault = Some("server_error_after_apply");
            server_error(state, &[500, 502])
        } else if response.status().is_success()
            && chance(state, faults.unprocessable_after_apply_rate)
        {
            // GHL has answered 422 to creates it had made (highlevel-api-docs#64).
            *fault = Some("unprocessable_after_apply");
            ApiError::Unprocessable(vec!["The request could not be processed".into()])
                .into_response()
        } else {
            response
        }
    }
}

/// Form bodies (the OAuth token call) are logged with their secrets replaced.
fn logged_request_body(content_type: Option<&str>, body: &[u8]) -> Option<Value> {
    if content_type.is_some_and(|c| c.starts_with("application/x-www-form-urlencoded")) {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body).ok()?;
        let object = pairs
            .into_iter()
            .map(|(key, value)| {
                let secret = matches!(key.as_str(), "client_secret" | "refresh_token" | "code");
                (
                    key,
                    Value::String(if secret { "[redacted]".into() } else { value }),
                )
            })
            .collect();
        return Some(Value::Object(object));
    }
    body_for_log(body)
}

/// Spends one of the forced answers `counter` picks out of the faults, if any are left (the
/// caller saw some in its snapshot; another request may have spent the last meanwhile).
fn take_forced(state: &SandboxState, counter: fn(&mut Faults) -> &mut u64) -> bool {
    let mut settings = state.settings.write();
    let left = counter(&mut settings.faults);
    if *left == 0 {
        return false;
    }
    *left -= 1;
    true
}

fn chance(state: &SandboxState, rate: f64) -> bool {
    rate > 0.0 && state.ids.unit() < rate
}

fn dropped() -> Response {
    let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
    response.extensions_mut().insert(DropConnection);
    response
}

fn server_error(state: &SandboxState, statuses: &[u16]) -> Response {
    let pick = statuses[state.ids.below(statuses.len() as u64) as usize];
    ApiError::Server(StatusCode::from_u16(pick).expect("a valid status")).into_response()
}

/// Resolves the bearer token into a [`Caller`], checks the `Version` header, and spends one
/// request of the caller's budget, answering 429 when it is gone.
pub async fn authenticate(
    State(state): State<Arc<SandboxState>>,
    mut request: Request,
    next: Next,
) -> Response {
    let token = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim)
        .unwrap_or_default()
        .to_owned();
    let now_ms = state.clock.now_ms();
    let caller: Caller = match state.tokens.lock().caller(&token, now_ms) {
        Ok(caller) => caller,
        Err(error) => return error.into_response(),
    };
    let limits = state.settings.read().rate_limit.clone();
    let verdict = state.limiter.check(caller.budget_key(), now_ms, &limits);
    let version = header_text(request.headers(), http::HeaderName::from_static("version"));
    let mut response = match (verdict.allowed, version.as_deref()) {
        (false, _) => ApiError::TooManyRequests.into_response(),
        (true, None) => ApiError::BadRequest("version header was not found".into()).into_response(),
        (true, Some(version)) if version != API_VERSION => {
            ApiError::BadRequest("version header is invalid".into()).into_response()
        }
        (true, Some(_)) => {
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
    };
    verdict.write_headers(response.headers_mut());
    response
}
