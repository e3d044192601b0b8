//! `/ManyChat` and `/ChatFuel`: the image URL with the merge values, in each platform's format.

use axum::extract::State;
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Value, json};

use super::{AppState, json_object, ok};
use crate::nifty::error::{ApiResult, NiftyApiError};
use crate::nifty::model::field;

/// The image URL with `Variables` as query parameters, checked against the known images.
fn rendered_url(state: &AppState, headers: &http::HeaderMap, body: &[u8]) -> ApiResult<String> {
    let body = json_object(headers, body)?;
    let url = field(&body, "Url")
        .and_then(Value::as_str)
        .ok_or_else(|| NiftyApiError::bad_request("Url is required."))?;
    let world = state.world.lock();
    let index = world
        .image_index(url)
        .ok_or_else(|| NiftyApiError::not_found(format!("No image with the url '{url}'.")))?;
    let mut rendered =
        url::Url::parse(&world.images[index].url).map_err(|_| NiftyApiError::server())?;
    if let Some(Value::Array(variables)) = field(&body, "Variables") {
        let mut pairs = rendered.query_pairs_mut();
        for variable in variables {
            let name = variable.get("Name").and_then(Value::as_str);
            let value = variable.get("Value").and_then(Value::as_str).unwrap_or("");
            match name {
                Some(name) => {
                    pairs.append_pair(name, value);
                }
                None => return Err(NiftyApiError::bad_request("Each variable needs a Name.")),
            }
        }
    }
    Ok(rendered.to_string())
}

pub async fn manychat(
    State(state): State<AppState>,
    headers: http::HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let url = rendered_url(&state, &headers, &body)?;
    ok(json!({"version": "v2", "content": {"messages": [{"type": "image", "url": url}]}}))
}

pub async fn chatfuel(
    State(state): State<AppState>,
    headers: http::HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let url = rendered_url(&state, &headers, &body)?;
    ok(json!({"messages": [{"attachment": {"type": "image", "payload": {"url": url}}}]}))
}
