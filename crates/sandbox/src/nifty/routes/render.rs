//! `GET /render/{image}?<params>`: the public image URL an email's `<img src>` points at.
//! Each fetch is an open; the merge-tag values it carried are recorded so tests can check that
//! GHL data reached the image URLs. Answers a 1×1 transparent GIF.

use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};

use super::AppState;
use crate::nifty::error::{ApiResult, NiftyApiError};
use crate::nifty::state::RenderRecord;

const PIXEL_GIF: &[u8] = &[
    0x47, 0x49, 0x46, 0x38, 0x39, 0x61, 0x01, 0x00, 0x01, 0x00, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00,
    0xff, 0xff, 0xff, 0x21, 0xf9, 0x04, 0x01, 0x00, 0x00, 0x00, 0x00, 0x2c, 0x00, 0x00, 0x00, 0x00,
    0x01, 0x00, 0x01, 0x00, 0x00, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b,
];

pub async fn render(
    State(state): State<AppState>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult<Response> {
    let now = state.now();
    let image_url = {
        let mut world = state.world.lock();
        if let Some(image) = world.images.iter_mut().find(|i| i.slug == slug && i.active) {
            image.opens.add(now, 1);
            image.url.clone()
        } else if let Some(map) = world.maps.iter_mut().find(|m| m.slug == slug) {
            map.opens += 1;
            map.url.clone()
        } else {
            return Err(NiftyApiError::not_found("No such image."));
        }
    };
    let params = url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    {
        let mut renders = state.renders.lock();
        if renders.len() >= crate::nifty::state::MAX_RENDERS {
            renders.pop_front();
        }
        renders.push_back(RenderRecord {
            image_url,
            params,
            at: now,
        });
    }
    Ok((
        [
            (http::header::CONTENT_TYPE, "image/gif"),
            (http::header::CACHE_CONTROL, "no-store"),
        ],
        PIXEL_GIF,
    )
        .into_response())
}
