//! The NiftyImages account as the jobs see it: one client per configured Data Store and timer,
//! each holding that target's own key, looked up by the name recipes use.

use std::collections::BTreeMap;

use niftyimages::{ApiKey, NiftyClient, NiftyError};

use crate::config::NiftyImagesSettings;

/// A Data Store nifty-ghl writes to.
#[derive(Debug, Clone)]
pub struct Store {
    pub client: NiftyClient,
    /// The store's unique field: it names a record to delete.
    pub unique: String,
}

/// A countdown timer nifty-ghl sets.
#[derive(Debug, Clone)]
pub struct Timer {
    pub client: NiftyClient,
    pub url: String,
}

#[derive(Debug, Clone, Default)]
pub struct NiftySide {
    stores: BTreeMap<String, Store>,
    timers: BTreeMap<String, Timer>,
    /// With the account key: images and their stats.
    account: Option<NiftyClient>,
}

impl NiftySide {
    /// Refuses a store or timer without a key (one that neither the file, the environment nor
    /// the vault gave).
    pub fn from_settings(settings: &NiftyImagesSettings) -> Result<Self, NiftyError> {
        let mut side = Self::default();
        let unset = |setting: String| {
            NiftyError::InvalidInput(format!(
                "{setting} is not set: put it in the config file, or run `nifty-ghl secrets set {setting}`"
            ))
        };
        for (name, store) in &settings.stores {
            if store.key.trim().is_empty() {
                return Err(unset(format!("niftyimages.stores.{name}.key")));
            }
            let client =
                NiftyClient::connect(&settings.base_url, ApiKey::store(store.key.clone()))?;
            side.stores.insert(
                name.clone(),
                Store {
                    client,
                    unique: store.unique.clone(),
                },
            );
        }
        for (name, timer) in &settings.timers {
            if timer.key.trim().is_empty() {
                return Err(unset(format!("niftyimages.timers.{name}.key")));
            }
            let client =
                NiftyClient::connect(&settings.base_url, ApiKey::timer(timer.key.clone()))?;
            side.timers.insert(
                name.clone(),
                Timer {
                    client,
                    url: timer.url.clone(),
                },
            );
        }
        if let Some(key) = settings
            .account_key
            .as_ref()
            .filter(|k| !k.trim().is_empty())
        {
            side.account = Some(NiftyClient::connect(
                &settings.base_url,
                ApiKey::account(key.clone()),
            )?);
        }
        Ok(side)
    }

    pub fn store(&self, name: &str) -> Result<&Store, String> {
        self.stores.get(name).ok_or_else(|| {
            format!(
                "no Data Store {name:?} is configured: add [niftyimages.stores.{name}] with its key (configured: {})",
                names(self.stores.keys())
            )
        })
    }

    pub fn timer(&self, name: &str) -> Result<&Timer, String> {
        self.timers.get(name).ok_or_else(|| {
            format!(
                "no timer {name:?} is configured: add [niftyimages.timers.{name}] with its url and key (configured: {})",
                names(self.timers.keys())
            )
        })
    }

    pub fn account(&self) -> Option<&NiftyClient> {
        self.account.as_ref()
    }
}

fn names<'a>(keys: impl Iterator<Item = &'a String>) -> String {
    let list: Vec<&str> = keys.map(String::as_str).collect();
    if list.is_empty() {
        "none".into()
    } else {
        list.join(", ")
    }
}
