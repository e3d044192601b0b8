//! `PUT /Timer/Update`: move a countdown timer's target date. Needs the timer's own key.

use chrono::{DateTime, NaiveDateTime, Utc};
use http::Method;
use serde::{Deserialize, Serialize};

use crate::client::NiftyClient;
use crate::de;
use crate::error::NiftyError;

/// The body of `PUT /Timer/Update`.
///
/// Without `is_utc`, `target_date` is read as wall-clock time in the timezone configured on
/// the timer; with `is_utc: Some(true)` it is a UTC instant that NiftyImages shifts into that
/// timezone. `format` is only needed when `target_date` is not ISO 8601. The `add_*` offsets
/// are added to `target_date` before it is applied.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct TimerUpdate {
    pub timer_image_url: String,
    pub target_date: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub format: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_utc: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub add_hours: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub add_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub add_months: Option<i32>,
}

impl TimerUpdate {
    /// Count down to a UTC instant (sent ISO 8601 with `IsUtc: true`).
    pub fn at_utc(timer_image_url: impl Into<String>, target: DateTime<Utc>) -> Self {
        Self {
            timer_image_url: timer_image_url.into(),
            target_date: de::format_date(target),
            is_utc: Some(true),
            ..Self::default()
        }
    }

    /// Count down to a wall-clock time in the timer's own timezone.
    pub fn at_timer_local(timer_image_url: impl Into<String>, target: NaiveDateTime) -> Self {
        Self {
            timer_image_url: timer_image_url.into(),
            target_date: target.format("%Y-%m-%dT%H:%M:%S").to_string(),
            ..Self::default()
        }
    }
}

/// What `PUT /Timer/Update` answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TimerUpdated {
    #[serde(default, deserialize_with = "de::text")]
    pub timer_image_url: String,
    /// The timer's timezone, such as `America/New_York`.
    #[serde(default, deserialize_with = "de::text")]
    pub timer_timezone: String,
    /// The new target as wall-clock time in the timer's timezone, as NiftyImages wrote it.
    #[serde(default, deserialize_with = "de::text")]
    pub updated_target_timezone: String,
    #[serde(deserialize_with = "de::date")]
    pub updated_target_utc: DateTime<Utc>,
}

impl NiftyClient {
    /// `PUT /Timer/Update`; the client must hold the timer's key.
    pub async fn update_timer(&self, update: &TimerUpdate) -> Result<TimerUpdated, NiftyError> {
        if update.timer_image_url.trim().is_empty() || update.target_date.trim().is_empty() {
            return Err(NiftyError::InvalidInput(
                "a timer update needs TimerImageUrl and TargetDate".into(),
            ));
        }
        self.call(Method::PUT, &["Timer", "Update"])
            .json(update)?
            .send()
            .await
    }
}
