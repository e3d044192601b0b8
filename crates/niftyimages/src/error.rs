//! What can go wrong calling NiftyImages, in terms a caller can act on.
//!
//! NiftyImages documents 400 (details in the body), 401 (key missing or invalid), 404 (details
//! in the body) and 500 (retry later). It documents no 429 and no error body shape, so the
//! client maps 429 defensively and reads the message from whichever of the usual places holds
//! it. No variant ever holds the API key: messages are scrubbed of it before they are kept.

use std::time::Duration;

use http::StatusCode;
use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NiftyError {
    /// 401: the key is missing, unknown, or of the wrong kind for this endpoint (a store key
    /// on `/Images`, another timer's key on `/Timer/Update`).
    #[error("NiftyImages refused the API key: {message}")]
    Unauthorized { message: String },
    /// 404: the image, timer, widget, map or record does not exist.
    #[error("not found in NiftyImages: {message}")]
    NotFound { message: String },
    /// 400: NiftyImages rejected the request; `message` says why (a field, a format).
    #[error("NiftyImages rejected the request: {message}")]
    BadRequest { message: String },
    /// 429 (not documented, mapped defensively).
    #[error("NiftyImages is rate limiting{}: {message}", retry_after.map(|d| format!(" (retry after {} s)", d.as_secs())).unwrap_or_default())]
    RateLimited {
        retry_after: Option<Duration>,
        message: String,
    },
    /// 5xx: NiftyImages failed; the docs say to retry later.
    #[error("NiftyImages server error (HTTP {status}): {message}")]
    Server { status: u16, message: String },
    /// Another non-success status (403, 405, 409, …).
    #[error("NiftyImages answered HTTP {status}: {message}")]
    Http { status: u16, message: String },
    /// No answer: connect failure, timeout, broken connection.
    #[error("network error calling NiftyImages{}: {message}", if *timeout { " (timeout)" } else { "" })]
    Transport { timeout: bool, message: String },
    /// A success status with a body the client cannot read.
    #[error("NiftyImages answered HTTP {status} with a body the client cannot read: {message}")]
    Decode { status: u16, message: String },
    /// Refused before anything was sent (a bad base URL, a body that is not an object).
    #[error("{0}")]
    InvalidInput(String),
}

impl NiftyError {
    /// The HTTP status NiftyImages answered, where it answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Unauthorized { .. } => Some(401),
            Self::NotFound { .. } => Some(404),
            Self::BadRequest { .. } => Some(400),
            Self::RateLimited { .. } => Some(429),
            Self::Server { status, .. }
            | Self::Http { status, .. }
            | Self::Decode { status, .. } => Some(*status),
            Self::Transport { .. } | Self::InvalidInput(_) => None,
        }
    }

    /// True when the same call may succeed later unchanged: 429, 5xx and network trouble.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Server { .. } | Self::Transport { .. }
        )
    }

    /// How long NiftyImages asked the caller to wait, if it said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The message NiftyImages gave, or the client's own for local failures.
    pub fn message(&self) -> &str {
        match self {
            Self::Unauthorized { message }
            | Self::NotFound { message }
            | Self::BadRequest { message }
            | Self::RateLimited { message, .. }
            | Self::Server { message, .. }
            | Self::Http { message, .. }
            | Self::Transport { message, .. }
            | Self::Decode { message, .. } => message,
            Self::InvalidInput(message) => message,
        }
    }
}

/// Longest message kept from an error body.
const MAX_MESSAGE: usize = 500;

/// Turns a non-2xx answer into an error. `secret` is the key the request carried: any copy of
/// it in the body is replaced before the message is kept.
pub(crate) fn classify(
    status: StatusCode,
    headers: &http::HeaderMap,
    body: &[u8],
    secret: &str,
) -> NiftyError {
    let message = scrub(&error_message(status, body), secret);
    match status.as_u16() {
        400 => NiftyError::BadRequest { message },
        401 => NiftyError::Unauthorized { message },
        404 => NiftyError::NotFound { message },
        429 => NiftyError::RateLimited {
            retry_after: retry_after(headers),
            message,
        },
        code @ 500..=599 => NiftyError::Server {
            status: code,
            message,
        },
        code => NiftyError::Http {
            status: code,
            message,
        },
    }
}

/// The message of an error body: `message`, `Message`, `error`, `Error` (a string, or an object
/// with a message of its own), `errors[]`, or the body itself when it is plain text.
pub(crate) fn error_message(status: StatusCode, body: &[u8]) -> String {
    let fallback = || status.canonical_reason().unwrap_or("no message").to_owned();
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => message_in(&value).unwrap_or_else(fallback),
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() {
                fallback()
            } else {
                text.chars().take(MAX_MESSAGE).collect()
            }
        }
    }
}

fn message_in(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() => Some(s.chars().take(MAX_MESSAGE).collect()),
        Value::Object(object) => {
            for key in ["message", "Message", "error", "Error", "ExceptionMessage"] {
                if let Some(found) = object.get(key).and_then(message_in) {
                    return Some(found);
                }
            }
            for key in ["errors", "Errors"] {
                match object.get(key) {
                    Some(Value::Array(items)) => {
                        let all: Vec<String> = items.iter().filter_map(message_in).collect();
                        if !all.is_empty() {
                            return Some(all.join("; "));
                        }
                    }
                    // ASP.NET model-state style: {"errors": {"Field": ["problem"]}}.
                    Some(Value::Object(fields)) => {
                        let all: Vec<String> = fields
                            .iter()
                            .filter_map(|(field, v)| {
                                let text = match v {
                                    Value::Array(items) => items
                                        .iter()
                                        .filter_map(message_in)
                                        .collect::<Vec<_>>()
                                        .join(", "),
                                    other => message_in(other)?,
                                };
                                Some(format!("{field}: {text}"))
                            })
                            .collect();
                        if !all.is_empty() {
                            return Some(all.join("; "));
                        }
                    }
                    _ => {}
                }
            }
            None
        }
        _ => None,
    }
}

/// Replaces every copy of the key in `text`, so an API that echoes it cannot leak it.
pub(crate) fn scrub(text: &str, secret: &str) -> String {
    if secret.len() < 4 {
        return text.to_owned();
    }
    text.replace(secret, "***")
}

/// `Retry-After` as seconds or an HTTP date.
fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let value = headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    let wait = at.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(wait.to_std().unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(body: &str) -> String {
        error_message(StatusCode::BAD_REQUEST, body.as_bytes())
    }

    #[test]
    fn messages_are_found_wherever_they_are() {
        assert_eq!(message(r#"{"Message": "bad date"}"#), "bad date");
        assert_eq!(message(r#"{"message": "bad date"}"#), "bad date");
        assert_eq!(message(r#"{"error": "bad"}"#), "bad");
        assert_eq!(message(r#"{"Error": {"Message": "deep"}}"#), "deep");
        assert_eq!(message(r#"{"errors": ["a", {"message": "b"}]}"#), "a; b");
        assert_eq!(
            message(r#"{"errors": {"Email": ["is required"]}}"#),
            "Email: is required"
        );
        assert_eq!(message("plain words"), "plain words");
        assert_eq!(message(""), "Bad Request");
        assert_eq!(message("{}"), "Bad Request");
    }

    #[test]
    fn statuses_map_to_variants_and_retryability() {
        let h = http::HeaderMap::new();
        let e = classify(
            StatusCode::BAD_REQUEST,
            &h,
            br#"{"Message":"no"}"#,
            "key-1234",
        );
        assert_eq!(
            e,
            NiftyError::BadRequest {
                message: "no".into()
            }
        );
        assert!(!e.is_retryable());
        assert_eq!(e.status(), Some(400));
        let mut h429 = http::HeaderMap::new();
        h429.insert(http::header::RETRY_AFTER, "7".parse().unwrap());
        let e = classify(StatusCode::TOO_MANY_REQUESTS, &h429, b"", "key-1234");
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        assert!(e.is_retryable());
        let e = classify(StatusCode::BAD_GATEWAY, &h, b"<html>", "key-1234");
        assert!(e.is_retryable());
        assert_eq!(e.status(), Some(502));
        let e = classify(StatusCode::FORBIDDEN, &h, b"", "key-1234");
        assert_eq!(e.status(), Some(403));
        assert!(!e.is_retryable());
    }

    #[test]
    fn an_echoed_key_is_scrubbed() {
        let e = classify(
            StatusCode::UNAUTHORIZED,
            &http::HeaderMap::new(),
            br#"{"Message":"Key sekret-key-99 is invalid"}"#,
            "sekret-key-99",
        );
        assert!(!e.to_string().contains("sekret-key-99"));
        assert!(!format!("{e:?}").contains("sekret-key-99"));
    }
}
