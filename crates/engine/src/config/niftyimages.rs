//! `[niftyimages]`: the NiftyImages account nifty-ghl writes to (Data Stores, timers), the
//! images whose opens it tracks, and what its data endpoint may tell NiftyImages.
//!
//! NiftyImages has three kinds of API key: the account's, one per Data Store and one per
//! timer. Each is kept here by the name recipes use (`store = "contacts"`), and shown by
//! nobody: `Debug` prints names, never keys.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NiftyImagesSettings {
    /// The API (`https://api.niftyimages.com/v1`, or a sandbox's).
    pub base_url: String,
    /// The account key (Settings → My API Keys): images, stats, widgets, maps.
    /// (Or `NIFTY_GHL_NIFTYIMAGES_ACCOUNT_KEY`, or the vault: `nifty-ghl secrets set
    /// niftyimages.account_key`.)
    pub account_key: Option<String>,
    /// Data Stores by the name recipes use.
    pub stores: BTreeMap<String, StoreSettings>,
    /// Countdown timers by the name recipes use.
    pub timers: BTreeMap<String, TimerSettings>,
    /// Images by the name the open-tracking URL uses (`/i/{name}`).
    pub images: BTreeMap<String, ImageSettings>,
    /// How often image open counters are read for `image.opens_increased`; 0 turns the
    /// stats poller off.
    pub poll_every_secs: u64,
    /// The GHL contact fields `GET /nifty/data/{source}` may answer with, per source name.
    pub data_sources: BTreeMap<String, DataSourceSettings>,
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSettings {
    /// The store's own key (Data Sources → the store → Use Our API). Empty (or left out):
    /// taken from the vault's `niftyimages.stores.<name>.key`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key: String,
    /// The store's unique field, which names a record to delete.
    #[serde(default = "default_unique")]
    pub unique: String,
}

fn default_unique() -> String {
    "email".into()
}

#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimerSettings {
    /// The timer image's URL, which names it in `PUT /Timer/Update`.
    pub url: String,
    /// The timer's own key (Target Date Automation → Show API Key). Empty (or left out):
    /// taken from the vault's `niftyimages.timers.<name>.key`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub key: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImageSettings {
    /// The NiftyImages image URL the open-tracking redirect sends mail clients to; the
    /// request's parameters are passed on.
    pub url: String,
    /// The campaign the opens are recorded against (default: the image's name).
    #[serde(default)]
    pub campaign_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSourceSettings {
    /// GHL contact fields to answer with (`firstName`, `tags`, or a custom field's id).
    pub fields: Vec<String>,
}

impl Default for NiftyImagesSettings {
    fn default() -> Self {
        Self {
            base_url: "https://api.niftyimages.com/v1".into(),
            account_key: None,
            stores: BTreeMap::new(),
            timers: BTreeMap::new(),
            images: BTreeMap::new(),
            poll_every_secs: 300,
            data_sources: BTreeMap::new(),
        }
    }
}

impl fmt::Debug for NiftyImagesSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let NiftyImagesSettings {
            base_url,
            account_key,
            stores,
            timers,
            images,
            poll_every_secs,
            data_sources,
        } = self;
        f.debug_struct("NiftyImagesSettings")
            .field("base_url", base_url)
            .field("account_key", &account_key.as_ref().map(|_| "[redacted]"))
            .field("stores", &stores.keys().collect::<Vec<_>>())
            .field("timers", &timers.keys().collect::<Vec<_>>())
            .field("images", images)
            .field("poll_every_secs", poll_every_secs)
            .field("data_sources", data_sources)
            .finish()
    }
}

impl fmt::Debug for StoreSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreSettings")
            .field("key", &"[redacted]")
            .field("unique", &self.unique)
            .finish()
    }
}

impl fmt::Debug for TimerSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TimerSettings")
            .field("url", &self.url)
            .field("key", &"[redacted]")
            .finish()
    }
}

impl NiftyImagesSettings {
    /// Whether any NiftyImages target is configured at all.
    pub fn is_configured(&self) -> bool {
        self.account_key.is_some() || !self.stores.is_empty() || !self.timers.is_empty()
    }

    pub(super) fn validate(&self) -> Result<(), (String, String)> {
        let url = url::Url::parse(&self.base_url).map_err(|e| {
            (
                "niftyimages.base_url".to_owned(),
                format!("is not a URL ({e})"),
            )
        })?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err((
                "niftyimages.base_url".into(),
                "must be an http or https URL".into(),
            ));
        }
        // An empty store or timer key may still come from the vault: `Config::missing_secrets`
        // says so once the vault has been read.
        for (name, timer) in &self.timers {
            if url::Url::parse(&timer.url).is_err() {
                return Err((
                    format!("niftyimages.timers.{name}.url"),
                    "needs the timer image's URL".into(),
                ));
            }
        }
        for (name, image) in &self.images {
            if url::Url::parse(&image.url).is_err() {
                return Err((
                    format!("niftyimages.images.{name}.url"),
                    format!("{:?} is not a URL", image.url),
                ));
            }
        }
        Ok(())
    }
}
