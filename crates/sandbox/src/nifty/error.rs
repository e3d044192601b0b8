//! Error answers as NiftyImages (an ASP.NET Web API) gives them: a status and
//! `{"Message": "..."}`.

use axum::Json;
use axum::response::{IntoResponse, Response};
use http::StatusCode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NiftyApiError {
    pub status: StatusCode,
    pub message: String,
}

impl NiftyApiError {
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, message)
    }

    /// 401 with the Web API's standard sentence and why; never the key itself.
    pub fn unauthorized(why: &str) -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            format!("Authorization has been denied for this request. {why}"),
        )
    }

    pub fn server() -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "An error has occurred.")
    }

    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
}

impl IntoResponse for NiftyApiError {
    fn into_response(self) -> Response {
        (
            self.status,
            Json(serde_json::json!({ "Message": self.message })),
        )
            .into_response()
    }
}

pub type ApiResult<T> = Result<T, NiftyApiError>;
