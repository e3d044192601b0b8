//! What the two GET routes NiftyImages traffic reaches share: the `[niftyimages]` images and
//! data sources, the default location, the query parameters of the request, and how a
//! `campaign.event` they observe is recorded.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::http::{HeaderMap, StatusCode};
use engine::config::{DataSourceSettings, ImageSettings, NiftyImagesSettings};
use engine::metrics::Metrics;
use serde_json::{Map, Value, json};

use crate::EventDoor;

/// An answer of the data endpoint kept for a while, by source, location and email.
#[derive(Debug, Clone)]
pub(crate) struct Cached {
    pub at: Instant,
    pub status: StatusCode,
    pub body: Value,
}

/// The settings and the little state of `/i/{image}` and `/nifty/data/{source}`.
pub struct NiftyRoutes {
    pub(crate) images: BTreeMap<String, ImageSettings>,
    pub(crate) data_sources: BTreeMap<String, DataSourceSettings>,
    pub(crate) default_location: Option<String>,
    /// Set once "no location" has been logged: every open would say it again.
    warned_no_location: AtomicBool,
    pub(crate) cache: Mutex<HashMap<(String, String, String), Cached>>,
    /// Opens answered before their commit and still being stored: bounded, so a stalled disk
    /// cannot pile them up without end.
    pub(crate) recording: Arc<tokio::sync::Semaphore>,
    /// The locations' GHL rate budget (the pipeline's, see [`NiftyRoutes::with_governor`]): a
    /// data-source read takes from it, or answers 503 when it is spent (or GHL said wait)
    /// instead of asking GHL.
    pub(crate) governor: Arc<engine::governor::Governor>,
}

/// The most opens stored after their answer at once; beyond it an open is counted as lost.
const MAX_RECORDING: usize = 10_000;

impl NiftyRoutes {
    pub fn new(settings: &NiftyImagesSettings, default_location: Option<String>) -> Self {
        Self {
            images: settings.images.clone(),
            data_sources: settings.data_sources.clone(),
            default_location,
            warned_no_location: AtomicBool::new(false),
            cache: Mutex::new(HashMap::new()),
            recording: Arc::new(tokio::sync::Semaphore::new(MAX_RECORDING)),
            // A budget of its own until the pipeline's is given.
            governor: Arc::new(engine::governor::Governor::new(
                engine::governor::Limits::from_settings(
                    &engine::config::PipelineSettings::default(),
                ),
            )),
        }
    }

    /// Makes the data endpoint's GHL reads take from `governor` (the pipeline's).
    pub fn with_governor(mut self, governor: Arc<engine::governor::Governor>) -> Self {
        self.governor = governor;
        self
    }
}

impl Default for NiftyRoutes {
    /// No images and no data sources: both routes answer 404.
    fn default() -> Self {
        Self::new(&NiftyImagesSettings::default(), None)
    }
}

impl std::fmt::Debug for NiftyRoutes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NiftyRoutes")
            .field("images", &self.images.keys().collect::<Vec<_>>())
            .field(
                "data_sources",
                &self.data_sources.keys().collect::<Vec<_>>(),
            )
            .field("default_location", &self.default_location)
            .finish_non_exhaustive()
    }
}

/// The request's query, decoded, in order (a name may repeat).
pub(crate) fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect()
    })
    .unwrap_or_default()
}

/// The first non-empty value of any of `names`.
pub(crate) fn param<'a>(pairs: &'a [(String, String)], names: &[&str]) -> Option<&'a str> {
    pairs
        .iter()
        .filter(|(k, _)| names.contains(&k.as_str()))
        .map(|(_, v)| v.trim())
        .find(|v| !v.is_empty())
}

pub(crate) fn user_agent(headers: &HeaderMap) -> Option<String> {
    headers
        .get("user-agent")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|ua| !ua.is_empty())
        // The door refuses nothing for its length, but an event id or payload has no use for
        // a novel-sized header.
        .map(|ua| ua.chars().take(512).collect())
}

/// Records one `campaign.event` of `data` for the location the request names (or the default),
/// waiting for the durable commit (a millisecond or two with group commit). It never fails the
/// request: a lost record is counted in `nifty_ghl_engagement_lost_total` and logged, and the
/// caller answers as usual. Whether it was stored is returned for the caller's logs.
pub(crate) async fn record(
    door: &EventDoor,
    routes: &NiftyRoutes,
    id: String,
    location: Option<&str>,
    data: Map<String, Value>,
) -> bool {
    let Some(location) = location.or(routes.default_location.as_deref()) else {
        Metrics::add(&door.metrics.engagement_lost, 1);
        if !routes.warned_no_location.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                "an image open or data-source preview names no location (location_id=) and pipeline.default_location_id is not set: such engagement is not recorded (said once)"
            );
        }
        return false;
    };
    let now = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let value = json!({
        "id": id,
        "type": "campaign.event",
        "occurred_at": now,
        "location_id": location,
        "data": Value::Object(data),
    });
    let event = match engine::events::parse_event(&value, "", None) {
        Ok(event) => event,
        Err(problem) => {
            // A merge tag the ESP did not fill (`*|EMAIL|*`), a made-up location: the request's
            // own mistake, nothing to alarm about; the image is served all the same.
            tracing::debug!(%problem, "an engagement's parameters do not make an event; not recorded");
            return false;
        }
    };
    match door.ingestor.submit(vec![event], "niftyimages-get").await {
        Ok(_) => true,
        Err(error) => {
            Metrics::add(&door.metrics.engagement_lost, 1);
            tracing::warn!(%error, "an image open or data-source preview could not be recorded; the request was answered anyway");
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn params_take_the_first_non_empty_of_their_names() {
        let pairs = query_pairs(Some("contact_id=&contactId=c1&email=a%40b.co"));
        assert_eq!(param(&pairs, &["contact_id", "contactId"]), Some("c1"));
        assert_eq!(param(&pairs, &["email"]), Some("a@b.co"));
        assert_eq!(param(&pairs, &["location_id"]), None);
    }
}
