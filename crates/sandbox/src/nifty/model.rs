//! What the NiftyImages sandbox holds: images, Data Stores, timers, editor integrations
//! (widgets and the BEE plugin) and maps.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Map, Value};

use super::datastore::DataStore;

#[derive(Debug, Default)]
pub struct NiftyWorld {
    pub images: Vec<ImageRec>,
    pub stores: Vec<DataStore>,
    pub timers: Vec<TimerRec>,
    pub widgets: Vec<Integration>,
    pub bee_plugins: Vec<Integration>,
    pub maps: Vec<MapRec>,
}

/// Counts stamped with when they happened, so date-range statistics can be answered.
#[derive(Debug, Clone, Default)]
pub struct Counter {
    pub events: Vec<(DateTime<Utc>, u64)>,
}

impl Counter {
    pub fn add(&mut self, at: DateTime<Utc>, count: u64) {
        self.events.push((at, count));
    }

    pub fn total(&self) -> u64 {
        self.events.iter().map(|(_, n)| n).sum()
    }

    pub fn between(&self, start: DateTime<Utc>, end: DateTime<Utc>) -> u64 {
        self.events
            .iter()
            .filter(|(at, _)| *at >= start && *at <= end)
            .map(|(_, n)| n)
            .sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Personalized,
    CountdownTimer,
    Psd,
}

impl ImageKind {
    /// The `ImageType` text NiftyImages uses.
    pub fn label(self) -> &'static str {
        match self {
            Self::Personalized => "Personalized Image",
            Self::CountdownTimer => "Countdown Timer",
            Self::Psd => "PSD",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ImageRec {
    /// The last path segment of the image URL (`/render/{slug}`).
    pub slug: String,
    pub name: String,
    pub url: String,
    pub kind: ImageKind,
    pub opens: Counter,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub active: bool,
    pub personalized: Option<PersonalizedState>,
    pub psd: Option<PsdState>,
}

#[derive(Debug, Clone)]
pub struct PersonalizedState {
    pub image_text: String,
    pub default_text: String,
    pub font_color: String,
}

#[derive(Debug, Clone)]
pub struct PsdState {
    pub layers: Vec<PsdLayerRec>,
    pub variables: Vec<(String, String)>,
}

#[derive(Debug, Clone)]
pub struct PsdLayerRec {
    pub name: String,
    /// "Text" or "Image".
    pub layer_type: String,
    pub text_value: Option<String>,
    pub text_color: Option<String>,
    pub image_url: Option<String>,
    pub hide: bool,
}

#[derive(Debug, Clone)]
pub struct TimerRec {
    /// Index of the timer's image in [`NiftyWorld::images`].
    pub image: usize,
    pub key: String,
    pub timezone: Tz,
    pub target: DateTime<Utc>,
}

/// A NiftyImages editor embedded in another product: a widget or the BEE plugin. Its users are
/// the people using that editor; they can be suspended.
#[derive(Debug, Clone)]
pub struct Integration {
    pub key: String,
    pub name: String,
    pub active: bool,
    pub images: Vec<IntegrationImage>,
    pub suspended: Vec<String>,
}

impl Integration {
    pub fn users(&self) -> Vec<String> {
        let mut users: Vec<String> = self.images.iter().map(|i| i.user.clone()).collect();
        users.sort();
        users.dedup();
        users
    }

    pub fn is_suspended(&self, user: &str) -> bool {
        self.suspended.iter().any(|u| u == user)
    }
}

#[derive(Debug, Clone)]
pub struct IntegrationImage {
    pub id: u64,
    pub name: String,
    pub image_type: String,
    pub user: String,
    pub uri: String,
    /// Impressions for widgets, opens for the BEE plugin.
    pub count: Counter,
}

#[derive(Debug, Clone)]
pub struct MapRec {
    pub slug: String,
    pub name: String,
    pub url: String,
    pub created: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub opens: u64,
    pub clicks: u64,
    pub locations: Vec<MapLocationRec>,
    pub next_nifty_id: u64,
}

#[derive(Debug, Clone)]
pub struct MapLocationRec {
    pub nifty_id: u64,
    pub location_id: Option<String>,
    pub address: String,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub properties: Vec<(String, String)>,
}

impl MapLocationRec {
    pub fn to_json(&self) -> Value {
        let properties: Vec<Value> = self
            .properties
            .iter()
            .map(|(name, value)| serde_json::json!({"Name": name, "Value": value}))
            .collect();
        serde_json::json!({
            "NiftyID": self.nifty_id,
            "LocationID": self.location_id,
            "Address": self.address,
            "Latitude": self.latitude,
            "Longitude": self.longitude,
            "Properties": properties,
        })
    }
}

/// An image URL may arrive with merge-tag parameters; the image is the part before `?`.
pub fn strip_query(url: &str) -> &str {
    url.split(['?', '#']).next().unwrap_or(url).trim()
}

impl NiftyWorld {
    pub fn image_index(&self, url: &str) -> Option<usize> {
        let url = strip_query(url);
        self.images.iter().position(|i| i.url == url)
    }

    pub fn map_index(&self, url: &str) -> Option<usize> {
        let url = strip_query(url);
        self.maps.iter().position(|m| m.url == url)
    }

    pub fn timer_for_image(&self, image: usize) -> Option<usize> {
        self.timers.iter().position(|t| t.image == image)
    }
}

/// A JSON object's field, whichever case the caller used (ASP.NET binds case-insensitively).
pub fn field<'a>(body: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    body.get(name).or_else(|| {
        body.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    })
}
