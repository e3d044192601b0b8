//! Error answers in GHL's shapes: `{statusCode, message, error?}`, with `message` an array of
//! strings for 422s and a `meta` object on the duplicate-contact 400.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq)]
pub enum ApiError {
    /// 400 with one message.
    BadRequest(String),
    /// 400 "does not allow duplicated contacts" with the existing contact in `meta`.
    Duplicate {
        contact_id: String,
        contact_name: String,
        matching_field: &'static str,
    },
    /// A record that does not exist. The v2 contacts API declares no 404: GHL answers 400.
    NotFound(String),
    /// 401.
    Unauthorized(String),
    /// 403.
    Forbidden(String),
    /// 422 with class-validator style messages.
    Unprocessable(Vec<String>),
    /// 429.
    TooManyRequests,
    /// 400 from the OAuth token endpoint with an OAuth error code such as `invalid_grant`.
    OAuth { code: &'static str, message: String },
    /// 401 from the OAuth token endpoint for a wrong client id or secret.
    InvalidClient,
    /// A 5xx, from fault injection.
    Server(StatusCode),
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_)
            | Self::Duplicate { .. }
            | Self::NotFound(_)
            | Self::OAuth { .. } => StatusCode::BAD_REQUEST,
            Self::Unauthorized(_) | Self::InvalidClient => StatusCode::UNAUTHORIZED,
            Self::Forbidden(_) => StatusCode::FORBIDDEN,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
            Self::Server(status) => *status,
        }
    }

    pub fn body(&self) -> Value {
        let status = self.status().as_u16();
        match self {
            Self::BadRequest(message) | Self::NotFound(message) => {
                json!({"statusCode": status, "message": message})
            }
            Self::Duplicate {
                contact_id,
                contact_name,
                matching_field,
            } => json!({
                "statusCode": status,
                "message": "This location does not allow duplicated contacts.",
                "meta": {"contactName": contact_name, "contactId": contact_id, "matchingField": matching_field},
            }),
            Self::Unauthorized(message) => {
                json!({"statusCode": status, "message": message, "error": "Unauthorized"})
            }
            Self::Forbidden(message) => {
                json!({"statusCode": status, "message": message, "error": "Forbidden"})
            }
            Self::Unprocessable(messages) => {
                json!({"statusCode": status, "message": messages, "error": "Unprocessable Entity"})
            }
            Self::TooManyRequests => {
                json!({"statusCode": status, "message": "Too Many Requests"})
            }
            Self::OAuth { code, message } => {
                json!({"statusCode": status, "message": message, "error": code})
            }
            Self::InvalidClient => json!({
                "statusCode": status,
                "message": "Invalid client: client id or client secret is wrong",
                "error": "invalid_client",
            }),
            Self::Server(code) => json!({
                "statusCode": code.as_u16(),
                "message": code.canonical_reason().unwrap_or("Server Error"),
            }),
        }
    }

    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    pub fn no_location_access() -> Self {
        Self::Forbidden("The token does not have access to this location".into())
    }
}

impl IntoResponse for ApiError {
    /// GHL's error answers carry a `traceId` to quote to its support.
    fn into_response(self) -> Response {
        let mut body = self.body();
        body["traceId"] = Value::String(trace_id());
        (self.status(), Json(body)).into_response()
    }
}

/// Trace ids need not repeat under a seed, so they come from the thread's generator.
fn trace_id() -> String {
    crate::ids::format_uuid(rand::random())
}
