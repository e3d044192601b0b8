//! The whole NiftyImages sandbox behind one `Arc`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use parking_lot::{Mutex, RwLock};
use serde::{Deserialize, Serialize};

use super::model::NiftyWorld;
use super::settings::NiftySettings;
use crate::clock::Clock;
use crate::request_log::RequestLog;

/// What a key opens. Each key is bound to one scope; any other endpoint answers 401.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Account,
    /// Index into [`NiftyWorld::stores`].
    Store(usize),
    /// Index into [`NiftyWorld::timers`].
    Timer(usize),
}

/// One fetch of a public image URL, with the merge-tag values it carried.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenderRecord {
    pub image_url: String,
    pub params: Vec<(String, String)>,
    pub at: DateTime<Utc>,
}

pub struct NiftyState {
    /// The root URL the sandbox answers on (the API is under `/v1`).
    pub url: String,
    pub settings: RwLock<NiftySettings>,
    pub world: Mutex<NiftyWorld>,
    /// Key → scope. Fixed at start: NiftyImages has no API to make keys.
    pub keys: HashMap<String, Scope>,
    pub account_key: String,
    pub clock: Clock,
    pub log: RequestLog,
    /// The last [`MAX_RENDERS`] renders, oldest first.
    pub renders: Mutex<std::collections::VecDeque<RenderRecord>>,
}

/// Holds every key: its `Debug` shows none.
impl std::fmt::Debug for NiftyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NiftyState")
            .field("url", &self.url)
            .field("keys", &self.keys.len())
            .finish_non_exhaustive()
    }
}

impl NiftyState {
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

/// Renders kept for inspection: a long-running sandbox must not grow without end.
pub const MAX_RENDERS: usize = 10_000;
