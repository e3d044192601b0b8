//! One error type for every GHL call, with variants a caller can act on.

use std::fmt;
use std::time::Duration;

use http::StatusCode;
use serde::Deserialize;

use crate::rate_limit::{RateLimit, RateLimitScope};

/// What GHL said when it refused a call: status, every message, and its trace id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiErrorDetails {
    pub status: StatusCode,
    /// All messages: GHL sends one string for most errors and an array of strings for 422s.
    pub messages: Vec<String>,
    pub trace_id: Option<String>,
    pub rate_limit: RateLimit,
}

impl fmt::Display for ApiErrorDetails {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HTTP {}", self.status.as_u16())?;
        if !self.messages.is_empty() {
            write!(f, ": {}", self.messages.join("; "))?;
        }
        if let Some(trace_id) = &self.trace_id {
            write!(f, " (traceId {trace_id})")?;
        }
        Ok(())
    }
}

/// Why GHL answered 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnauthorizedReason {
    /// The token is expired, revoked or malformed. A refreshed token may succeed.
    InvalidToken,
    /// The token is valid but lacks the scope this call needs. Refreshing will not help;
    /// the connection must be re-authorised with the scope.
    MissingScope,
}

impl fmt::Display for UnauthorizedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidToken => "token invalid or expired",
            Self::MissingScope => "token lacks the scope for this call",
        })
    }
}

/// How a call failed before GHL answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkErrorKind {
    /// No connection could be made (DNS, refused, TLS).
    Connect,
    /// The connect or read timeout passed. The request may have reached GHL.
    Timeout,
    /// The connection broke mid-request. The request may have reached GHL.
    Interrupted,
}

#[derive(Debug, thiserror::Error)]
pub enum GhlError {
    #[error("GHL refused the token ({reason}): {details}")]
    Unauthorized {
        reason: UnauthorizedReason,
        details: Box<ApiErrorDetails>,
    },
    #[error("GHL refused access to this location: {details}")]
    Forbidden { details: Box<ApiErrorDetails> },
    #[error("not found in GHL: {details}")]
    NotFound { details: Box<ApiErrorDetails> },
    #[error("GHL rejected the request: {details}")]
    Validation { details: Box<ApiErrorDetails> },
    #[error(
        "GHL already has this contact (id {existing_contact_id}, matched on {}): {details}",
        matching_field.as_deref().unwrap_or("an identifier")
    )]
    Duplicate {
        existing_contact_id: String,
        matching_field: Option<String>,
        contact_name: Option<String>,
        details: Box<ApiErrorDetails>,
    },
    #[error("GHL rate limit reached ({scope}); retry in {:.1} s: {details}", retry_after.as_secs_f64())]
    RateLimited {
        scope: RateLimitScope,
        retry_after: Duration,
        details: Box<ApiErrorDetails>,
    },
    #[error("GHL server error: {details}")]
    Server { details: Box<ApiErrorDetails> },
    #[error("GHL's token endpoint refused the grant ({error}{}): {details}", description.as_deref().map(|d| format!(": {d}")).unwrap_or_default())]
    OAuth {
        /// The OAuth error code, such as `invalid_grant` (refresh token used or revoked).
        error: String,
        description: Option<String>,
        details: Box<ApiErrorDetails>,
    },
    #[error("network error calling GHL ({kind:?}): {message}")]
    Network {
        kind: NetworkErrorKind,
        message: String,
    },
    #[error("GHL answered HTTP {} with a body nifty-ghl cannot read: {message}", status.as_u16())]
    Decode {
        status: StatusCode,
        message: String,
        trace_id: Option<String>,
    },
    /// The request was refused before anything was sent.
    #[error("{0}")]
    InvalidInput(String),
    /// The connection was not granted the scope this call needs; nothing was sent. Retrying
    /// will not help: reconnect with the scope.
    #[error(
        "this GHL connection was not granted the `{scope}` scope this call needs; reconnect and grant it"
    )]
    ScopeNotGranted { scope: String },
    /// The token source could not produce a token (for example: the connection needs re-auth).
    #[error("no usable GHL token: {0}")]
    Token(String),
}

impl GhlError {
    pub fn details(&self) -> Option<&ApiErrorDetails> {
        match self {
            Self::Unauthorized { details, .. }
            | Self::Forbidden { details }
            | Self::NotFound { details }
            | Self::Validation { details }
            | Self::Duplicate { details, .. }
            | Self::RateLimited { details, .. }
            | Self::Server { details }
            | Self::OAuth { details, .. } => Some(details),
            Self::Network { .. }
            | Self::Decode { .. }
            | Self::InvalidInput(_)
            | Self::ScopeNotGranted { .. }
            | Self::Token(_) => None,
        }
    }

    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Self::Decode { status, .. } => Some(*status),
            other => other.details().map(|d| d.status),
        }
    }

    pub fn trace_id(&self) -> Option<&str> {
        match self {
            Self::Decode { trace_id, .. } => trace_id.as_deref(),
            other => other.details().and_then(|d| d.trace_id.as_deref()),
        }
    }

    /// True when the same call may succeed later unchanged: network trouble, 5xx and 429.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Network { .. } | Self::Server { .. } | Self::RateLimited { .. }
        )
    }

    /// True when the call may have taken effect in GHL although no success was seen: a timeout
    /// or broken connection after sending, or a 5xx. A retry of a create must first look for what
    /// the earlier attempt made.
    pub fn may_have_applied(&self) -> bool {
        match self {
            Self::Network { kind, .. } => *kind != NetworkErrorKind::Connect,
            Self::Server { .. } => true,
            _ => false,
        }
    }
}

/// GHL's error bodies: `{statusCode, message, error?, meta?, traceId?}`, where `message` is a
/// string or an array of strings; the token endpoint may use OAuth's `{error, error_description}`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ErrorBody {
    #[serde(default)]
    message: Option<OneOrMany>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default, rename = "error_description")]
    error_description: Option<String>,
    #[serde(default)]
    meta: Option<DuplicateMeta>,
    #[serde(default)]
    trace_id: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<serde_json::Value>),
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DuplicateMeta {
    #[serde(default)]
    contact_id: Option<String>,
    #[serde(default)]
    contact_name: Option<String>,
    #[serde(default)]
    matching_field: Option<String>,
}

/// Turns a non-2xx answer into the error a caller can act on.
pub(crate) fn classify(
    status: StatusCode,
    body: &[u8],
    header_trace_id: Option<String>,
    rate_limit: RateLimit,
) -> GhlError {
    let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
    let mut messages: Vec<String> = match parsed.message {
        Some(OneOrMany::One(message)) => vec![message],
        Some(OneOrMany::Many(items)) => items
            .into_iter()
            .map(|item| match item {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            })
            .collect(),
        None => Vec::new(),
    };
    if let Some(description) = &parsed.error_description {
        messages.push(description.clone());
    }
    if messages.is_empty() {
        let text = String::from_utf8_lossy(body);
        let text = text.trim();
        if !text.is_empty() && !text.starts_with('{') {
            messages.push(text.chars().take(200).collect());
        } else if let Some(reason) = status.canonical_reason() {
            messages.push(reason.to_owned());
        }
    }
    let details = Box::new(ApiErrorDetails {
        status,
        messages,
        trace_id: parsed.trace_id.or(header_trace_id),
        rate_limit,
    });
    let said = |needle: &str| {
        details
            .messages
            .iter()
            .any(|m| m.to_ascii_lowercase().contains(needle))
    };

    if let Some(error) = parsed.error.as_deref().filter(|e| is_oauth_error_code(e)) {
        return GhlError::OAuth {
            error: error.to_owned(),
            description: parsed.error_description,
            details,
        };
    }
    match status.as_u16() {
        400 | 409 => {
            if let Some(contact_id) = parsed.meta.as_ref().and_then(|m| m.contact_id.clone()) {
                let meta = parsed.meta.expect("checked above");
                return GhlError::Duplicate {
                    existing_contact_id: contact_id,
                    matching_field: meta.matching_field,
                    contact_name: meta.contact_name,
                    details,
                };
            }
            if names_a_missing_record(&details.messages) {
                GhlError::NotFound { details }
            } else {
                GhlError::Validation { details }
            }
        }
        401 => {
            let reason = if said("scope") || said("authclass") {
                UnauthorizedReason::MissingScope
            } else {
                UnauthorizedReason::InvalidToken
            };
            GhlError::Unauthorized { reason, details }
        }
        403 => GhlError::Forbidden { details },
        404 => GhlError::NotFound { details },
        422 => GhlError::Validation { details },
        429 => {
            let scope = details.rate_limit.exhausted_scope();
            let retry_after = details.rate_limit.wait_for(scope);
            GhlError::RateLimited {
                scope,
                retry_after,
                details,
            }
        }
        500..=599 => GhlError::Server { details },
        _ => GhlError::Validation { details },
    }
}

/// The v2 contacts API declares no 404 (nor do the location calls): a missing record is a 400
/// saying "Contact not found" (or "Task …", "Tag …", "Custom field …"), possibly with the id. Other 400s that say "not found" (a missing
/// header, an unknown location) are request errors.
fn names_a_missing_record(messages: &[String]) -> bool {
    const RECORDS: [&str; 10] = [
        "contact",
        "task",
        "note",
        "business",
        "appointment",
        "event",
        "tag",
        "custom field",
        "custom value",
        "recurring task",
    ];
    messages.iter().any(|message| {
        let message = message.trim().trim_end_matches('.').to_ascii_lowercase();
        message.ends_with("not found") && RECORDS.iter().any(|record| message.starts_with(record))
    })
}

fn is_oauth_error_code(code: &str) -> bool {
    matches!(
        code,
        "invalid_grant"
            | "invalid_client"
            | "invalid_request"
            | "unauthorized_client"
            | "unsupported_grant_type"
            | "invalid_scope"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classify_json(status: u16, body: serde_json::Value) -> GhlError {
        classify(
            StatusCode::from_u16(status).unwrap(),
            body.to_string().as_bytes(),
            None,
            RateLimit::default(),
        )
    }

    #[test]
    fn validation_keeps_every_message_of_a_422() {
        let err = classify_json(
            422,
            serde_json::json!({"statusCode": 422, "message": ["email must be an email", "property x should not exist"], "error": "Unprocessable Entity", "traceId": "t-1"}),
        );
        let GhlError::Validation { details } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(details.messages.len(), 2);
        assert_eq!(err.trace_id(), Some("t-1"));
        assert!(
            err.to_string()
                .contains("email must be an email; property x should not exist")
        );
    }

    #[test]
    fn duplicate_400_exposes_the_existing_contact() {
        let err = classify_json(
            400,
            serde_json::json!({"statusCode": 400, "message": "This location does not allow duplicated contacts.", "meta": {"contactId": "ocQHyuzHvysMo5N5VsXc", "contactName": "Ann Lee", "matchingField": "email"}}),
        );
        match err {
            GhlError::Duplicate {
                existing_contact_id,
                matching_field,
                ..
            } => {
                assert_eq!(existing_contact_id, "ocQHyuzHvysMo5N5VsXc");
                assert_eq!(matching_field.as_deref(), Some("email"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn unauthorized_tells_scope_from_expiry() {
        let scope = classify_json(
            401,
            serde_json::json!({"statusCode": 401, "message": "The token is not authorized for this scope."}),
        );
        assert!(matches!(
            scope,
            GhlError::Unauthorized {
                reason: UnauthorizedReason::MissingScope,
                ..
            }
        ));
        let expired = classify_json(
            401,
            serde_json::json!({"statusCode": 401, "message": "Invalid JWT"}),
        );
        assert!(matches!(
            expired,
            GhlError::Unauthorized {
                reason: UnauthorizedReason::InvalidToken,
                ..
            }
        ));
    }

    #[test]
    fn only_missing_records_are_not_found() {
        let missing = classify_json(
            400,
            serde_json::json!({"statusCode": 400, "message": "Contact not found"}),
        );
        assert!(matches!(missing, GhlError::NotFound { .. }), "{missing:?}");
        for message in [
            "Tag not found",
            "Custom field not found",
            "Recurring task not found",
        ] {
            let missing = classify_json(
                400,
                serde_json::json!({"statusCode": 400, "message": message}),
            );
            assert!(matches!(missing, GhlError::NotFound { .. }), "{missing:?}");
        }
        let header = classify_json(
            400,
            serde_json::json!({"statusCode": 400, "message": "version header was not found"}),
        );
        assert!(matches!(header, GhlError::Validation { .. }), "{header:?}");
    }

    #[test]
    fn oauth_errors_and_non_json_bodies() {
        let grant = classify_json(
            400,
            serde_json::json!({"error": "invalid_grant", "error_description": "refresh token already used"}),
        );
        assert!(matches!(grant, GhlError::OAuth { ref error, .. } if error == "invalid_grant"));
        let gateway = classify(
            StatusCode::BAD_GATEWAY,
            b"<html>bad gateway</html>",
            Some("edge-1".into()),
            RateLimit::default(),
        );
        assert!(gateway.is_transient() && gateway.may_have_applied());
        assert_eq!(gateway.trace_id(), Some("edge-1"));
        assert_eq!(
            gateway.details().unwrap().messages,
            vec!["<html>bad gateway</html>"]
        );
    }
}
