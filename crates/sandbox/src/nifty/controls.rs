//! Test controls, not part of NiftyImages' API: read what the API cannot (Data Store rows,
//! timer targets, renders, the request log), move counters and the clock. The `/_sandbox`
//! routes and the [`super::NiftySandbox`] methods both call these.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::datastore::StoreRow;
use super::error::{ApiResult, NiftyApiError};
use super::state::NiftyState;
use super::timer::local_text;

/// A countdown timer's current target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimerTarget {
    pub image_url: String,
    pub timezone: String,
    pub target_utc: DateTime<Utc>,
    /// The target as wall-clock time in the timer's timezone, with its offset.
    pub target_local: String,
}

/// The rows of the Data Store named `name`, after expired ones are dropped.
pub fn store_rows(state: &NiftyState, name: &str) -> ApiResult<Vec<StoreRow>> {
    let now = state.now();
    let mut world = state.world.lock();
    let store = world
        .stores
        .iter_mut()
        .find(|s| s.name == name)
        .ok_or_else(|| NiftyApiError::not_found(format!("No Data Store named '{name}'.")))?;
    store.purge_expired(now);
    Ok(store.rows.clone())
}

pub fn timer_target(state: &NiftyState, image_url: &str) -> ApiResult<TimerTarget> {
    let world = state.world.lock();
    let timer = world
        .image_index(image_url)
        .and_then(|i| world.timer_for_image(i))
        .map(|t| &world.timers[t])
        .ok_or_else(|| NiftyApiError::not_found(format!("No timer with the url '{image_url}'.")))?;
    Ok(TimerTarget {
        image_url: world.images[timer.image].url.clone(),
        timezone: timer.timezone.name().to_owned(),
        target_utc: timer.target,
        target_local: local_text(timer.timezone, timer.target),
    })
}

/// Adds `count` opens, now, to the image (or map) with this URL.
pub fn bump_opens(state: &NiftyState, url: &str, count: u64) -> ApiResult<u64> {
    let now = state.now();
    let mut world = state.world.lock();
    if let Some(index) = world.image_index(url) {
        let image = &mut world.images[index];
        image.opens.add(now, count);
        return Ok(image.opens.total());
    }
    if let Some(index) = world.map_index(url) {
        world.maps[index].opens += count;
        return Ok(world.maps[index].opens);
    }
    Err(NiftyApiError::not_found(format!(
        "No image or map with the url '{url}'."
    )))
}

/// Adds `count` impressions, now, to a widget's image.
pub fn bump_widget_impressions(
    state: &NiftyState,
    widget_key: &str,
    image_id: u64,
    count: u64,
) -> ApiResult<u64> {
    let now = state.now();
    let mut world = state.world.lock();
    let image = world
        .widgets
        .iter_mut()
        .find(|w| w.key == widget_key)
        .and_then(|w| w.images.iter_mut().find(|i| i.id == image_id))
        .ok_or_else(|| NiftyApiError::not_found("No such widget image."))?;
    image.count.add(now, count);
    Ok(image.count.total())
}

/// Adds `count` clicks to the map with this URL.
pub fn bump_map_clicks(state: &NiftyState, url: &str, count: u64) -> ApiResult<u64> {
    let mut world = state.world.lock();
    let index = world
        .map_index(url)
        .ok_or_else(|| NiftyApiError::not_found(format!("No map with the url '{url}'.")))?;
    world.maps[index].clicks += count;
    Ok(world.maps[index].clicks)
}

/// Moves the sandbox clock forward (record TTLs, date windows, timestamps).
pub fn advance_clock(state: &NiftyState, by: Duration) -> ApiResult<DateTime<Utc>> {
    if by < Duration::zero() || !state.clock.advance_ms(by.num_milliseconds()) {
        return Err(NiftyApiError::bad_request(
            "The clock moves forward only, by at most 100 years in all.",
        ));
    }
    Ok(state.now())
}
