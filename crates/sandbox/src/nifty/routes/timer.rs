//! `PUT /Timer/Update`, with the key of the timer it changes.

use axum::Extension;
use axum::extract::State;
use axum::response::Response;
use bytes::Bytes;
use serde_json::{Value, json};

use super::{AppState, json_object, ok};
use crate::nifty::dates::iso;
use crate::nifty::error::{ApiResult, NiftyApiError};
use crate::nifty::model::field;
use crate::nifty::state::Scope;
use crate::nifty::timer::{TargetChange, local_text, new_target};

fn whole(value: Option<&Value>, name: &str) -> ApiResult<i64> {
    match value {
        None | Some(Value::Null) => Ok(0),
        Some(Value::Number(n)) => n
            .as_i64()
            .ok_or_else(|| NiftyApiError::bad_request(format!("{name} must be a whole number."))),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map_err(|_| NiftyApiError::bad_request(format!("{name} must be a whole number."))),
        Some(_) => Err(NiftyApiError::bad_request(format!(
            "{name} must be a whole number."
        ))),
    }
}

pub async fn update(
    State(state): State<AppState>,
    Extension(scope): Extension<Scope>,
    headers: http::HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let body = json_object(&headers, &body)?;
    let text = |name| field(&body, name).and_then(Value::as_str).map(str::trim);
    let url = text("TimerImageUrl")
        .filter(|u| !u.is_empty())
        .ok_or_else(|| NiftyApiError::bad_request("TimerImageUrl is required."))?;
    let target_date = text("TargetDate")
        .filter(|t| !t.is_empty())
        .ok_or_else(|| NiftyApiError::bad_request("TargetDate is required."))?;
    let is_utc = match field(&body, "IsUtc") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => true,
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => false,
        Some(_) => return Err(NiftyApiError::bad_request("IsUtc must be true or false.")),
    };
    let change = TargetChange {
        target_date: target_date.to_owned(),
        format: text("Format").map(str::to_owned),
        is_utc,
        add_hours: whole(field(&body, "AddHours"), "AddHours")?,
        add_days: whole(field(&body, "AddDays"), "AddDays")?,
        add_months: whole(field(&body, "AddMonths"), "AddMonths")?,
    };
    let mut world = state.world.lock();
    let timer = world
        .image_index(url)
        .and_then(|image| world.timer_for_image(image))
        .ok_or_else(|| {
            NiftyApiError::not_found(format!("No countdown timer with the url '{url}'."))
        })?;
    if scope != Scope::Timer(timer) {
        return Err(NiftyApiError::unauthorized(
            "The timer key sent belongs to another timer.",
        ));
    }
    let timezone = world.timers[timer].timezone;
    let target = new_target(timezone, &change).map_err(NiftyApiError::bad_request)?;
    world.timers[timer].target = target;
    let image = world.timers[timer].image;
    world.images[image].updated = state.now();
    ok(json!({
        "TimerImageUrl": world.images[image].url,
        "TimerTimezone": timezone.name(),
        "UpdatedTargetTimezone": local_text(timezone, target),
        "UpdatedTargetUtc": iso(target),
    }))
}
