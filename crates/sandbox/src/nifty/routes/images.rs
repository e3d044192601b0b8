//! `/Images`, `/Images/AllStats`, `/Image`, `/Personalized`, `/Psd`.

use axum::extract::{Query, State};
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Value, json};

use super::{AppState, Params, counter, date_range, json_object, ok, param, required};
use crate::nifty::dates::iso;
use crate::nifty::error::{ApiResult, NiftyApiError};
use crate::nifty::model::{ImageRec, NiftyWorld, PsdState, field};
use crate::nifty::state::NiftyState;

fn image_json(state: &NiftyState, image: &ImageRec, opens: u64, with_active: bool) -> Value {
    let mut body = json!({
        "Name": image.name,
        "Url": image.url,
        "Opens": counter(state, opens),
        "ImageType": image.kind.label(),
        "CreateDate": iso(image.created),
        "LastUpdated": iso(image.updated),
    });
    if with_active {
        body["Active"] = Value::Bool(image.active);
    }
    body
}

fn find(world: &NiftyWorld, params: &Params) -> ApiResult<usize> {
    let url = required(params, "url")?;
    world
        .image_index(url)
        .ok_or_else(|| NiftyApiError::not_found(format!("No image with the url '{url}'.")))
}

fn page_param(params: &Params, name: &str, default: usize) -> ApiResult<usize> {
    match param(params, name) {
        None => Ok(default),
        Some(text) => match text.trim().parse::<usize>() {
            Ok(n) if n >= 1 => Ok(n),
            _ => Err(NiftyApiError::bad_request(format!(
                "'{name}' must be a whole number from 1; got '{text}'"
            ))),
        },
    }
}

/// `GET /Images`: newest first, `pageSize` (default 10) per 1-based `pageNumber`.
pub async fn list(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let size = page_param(&params, "pageSize", 10)?.min(1000);
    let number = page_param(&params, "pageNumber", 1)?;
    let world = state.world.lock();
    let mut order: Vec<&ImageRec> = world.images.iter().collect();
    order.sort_by(|a, b| b.created.cmp(&a.created).then(a.url.cmp(&b.url)));
    let page: Vec<Value> = order
        .into_iter()
        .skip((number - 1).saturating_mul(size))
        .take(size)
        .map(|i| image_json(&state, i, i.opens.total(), true))
        .collect();
    ok(Value::Array(page))
}

/// `GET /Images/AllStats`: every image with its opens in the window (default: 30 days).
pub async fn all_stats(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let (start, end) = date_range(&params, state.now())?;
    let world = state.world.lock();
    let all: Vec<Value> = world
        .images
        .iter()
        .map(|i| image_json(&state, i, i.opens.between(start, end), true))
        .collect();
    ok(Value::Array(all))
}

/// `GET /Image?url=`.
pub async fn get(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let world = state.world.lock();
    let image = &world.images[find(&world, &params)?];
    ok(image_json(&state, image, image.opens.total(), false))
}

/// `DELETE /Image?url=`: the image stays listed with `Active: false`.
pub async fn delete(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let now = state.now();
    let mut world = state.world.lock();
    let index = find(&world, &params)?;
    let image = &mut world.images[index];
    image.active = false;
    image.updated = now;
    ok(json!({"Message": "Image deleted"}))
}

fn personalized_json(image: &ImageRec) -> ApiResult<Value> {
    let p = image.personalized.as_ref().ok_or_else(|| {
        NiftyApiError::bad_request(format!("'{}' is not a personalized image.", image.name))
    })?;
    Ok(json!({
        "Name": image.name,
        "Url": image.url,
        "ImageText": p.image_text,
        "DefaultText": p.default_text,
        "FontColor": p.font_color,
    }))
}

pub async fn get_personalized(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let world = state.world.lock();
    ok(personalized_json(&world.images[find(&world, &params)?])?)
}

/// `PUT /Personalized?url=`: `ImageText` (with an optional `DefaultText`) or `FontColor`.
pub async fn put_personalized(
    State(state): State<AppState>,
    Query(params): Query<Params>,
    headers: http::HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let body = json_object(&headers, &body)?;
    let text = |name| {
        field(&body, name)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (image_text, default_text, font_color) =
        (text("ImageText"), text("DefaultText"), text("FontColor"));
    if image_text.is_none() && font_color.is_none() {
        return Err(NiftyApiError::bad_request(
            "Send ImageText (with an optional DefaultText) or FontColor.",
        ));
    }
    let now = state.now();
    let mut world = state.world.lock();
    let index = find(&world, &params)?;
    let image = &mut world.images[index];
    personalized_json(image)?;
    let p = image.personalized.as_mut().expect("checked above");
    if let Some(t) = image_text {
        p.image_text = t;
    }
    if let Some(t) = default_text {
        p.default_text = t;
    }
    if let Some(c) = font_color {
        p.font_color = c;
    }
    image.updated = now;
    ok(personalized_json(image)?)
}

fn psd_json(image: &ImageRec, psd: &PsdState) -> Value {
    let layers: Vec<Value> = psd
        .layers
        .iter()
        .map(|l| {
            json!({
                "LayerName": l.name,
                "LayerType": l.layer_type,
                "TextValue": l.text_value,
                "TextColor": l.text_color,
                "Hide": l.hide,
            })
        })
        .collect();
    let variables: Vec<Value> = psd
        .variables
        .iter()
        .map(|(name, default)| json!({"Name": name, "DefaultValue": default}))
        .collect();
    json!({"Name": image.name, "Url": image.url, "Layers": layers, "Variables": variables})
}

fn psd_of(image: &ImageRec) -> ApiResult<&PsdState> {
    image
        .psd
        .as_ref()
        .ok_or_else(|| NiftyApiError::bad_request(format!("'{}' is not a PSD image.", image.name)))
}

pub async fn get_psd(
    State(state): State<AppState>,
    Query(params): Query<Params>,
) -> ApiResult<Response> {
    let world = state.world.lock();
    let image = &world.images[find(&world, &params)?];
    ok(psd_json(image, psd_of(image)?))
}

/// `PUT /Psd?url=`: `Name`, `Variables[]{Name, DefaultValue}`,
/// `Layers[]{LayerName, TextValue?, TextColor?, ImageUrl?, Show?}`. Every layer named must exist.
pub async fn put_psd(
    State(state): State<AppState>,
    Query(params): Query<Params>,
    headers: http::HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let body = json_object(&headers, &body)?;
    let now = state.now();
    let mut world = state.world.lock();
    let index = find(&world, &params)?;
    let mut psd = psd_of(&world.images[index])?.clone();
    let empty = Vec::new();
    let list = |name| match field(&body, name) {
        None | Some(Value::Null) => Ok(&empty),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(NiftyApiError::bad_request(format!(
            "{name} must be an array."
        ))),
    };
    for item in list("Variables")? {
        let (Some(name), Some(default)) = (
            item.get("Name").and_then(Value::as_str),
            item.get("DefaultValue").and_then(Value::as_str),
        ) else {
            return Err(NiftyApiError::bad_request(
                "Each variable needs Name and DefaultValue.",
            ));
        };
        match psd.variables.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = default.to_owned(),
            None => psd.variables.push((name.to_owned(), default.to_owned())),
        }
    }
    for item in list("Layers")? {
        let name = item
            .get("LayerName")
            .and_then(Value::as_str)
            .ok_or_else(|| NiftyApiError::bad_request("Each layer needs LayerName."))?;
        let layer = psd
            .layers
            .iter_mut()
            .find(|l| l.name == name)
            .ok_or_else(|| NiftyApiError::bad_request(format!("No layer named '{name}'.")))?;
        let text = |key| item.get(key).and_then(Value::as_str).map(str::to_owned);
        if let Some(v) = text("TextValue") {
            layer.text_value = Some(v);
        }
        if let Some(v) = text("TextColor") {
            layer.text_color = Some(v);
        }
        if let Some(v) = text("ImageUrl") {
            layer.image_url = Some(v);
        }
        if let Some(show) = item.get("Show").and_then(Value::as_bool) {
            layer.hide = !show;
        }
    }
    let image = &mut world.images[index];
    if let Some(name) = field(&body, "Name").and_then(Value::as_str) {
        image.name = name.to_owned();
    }
    image.psd = Some(psd);
    image.updated = now;
    ok(psd_json(image, image.psd.as_ref().expect("just set")))
}
