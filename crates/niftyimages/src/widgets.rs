//! `/Widgets*`: editor widgets (a NiftyImages editor embedded in another product), their
//! impressions, and the widget's end users, who can be suspended. Widget users are people
//! using the editor, not email recipients.

use http::Method;
use serde::{Deserialize, Serialize};

use crate::client::{DateRange, NiftyClient};
use crate::de;
use crate::error::NiftyError;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Widget {
    #[serde(default, deserialize_with = "de::text")]
    pub name: String,
    #[serde(default, deserialize_with = "de::text")]
    pub widget_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WidgetStats {
    #[serde(default, deserialize_with = "de::text")]
    pub widget_key: String,
    #[serde(default, deserialize_with = "de::text")]
    pub name: String,
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub active: Option<bool>,
    #[serde(default, deserialize_with = "de::count")]
    pub images: u64,
    #[serde(default, deserialize_with = "de::count")]
    pub impressions: u64,
    #[serde(default, deserialize_with = "de::count")]
    pub users: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WidgetImage {
    #[serde(rename = "ImageID", default, deserialize_with = "de::id_text")]
    pub image_id: String,
    #[serde(default, deserialize_with = "de::text")]
    pub image_type: String,
    #[serde(default, deserialize_with = "de::count")]
    pub impressions: u64,
    #[serde(default, deserialize_with = "de::text")]
    pub name: String,
    #[serde(default, deserialize_with = "de::text")]
    pub user: String,
    #[serde(default, deserialize_with = "de::flag")]
    pub suspended: bool,
    #[serde(default, deserialize_with = "de::text")]
    pub uri: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct WidgetUser {
    #[serde(default, deserialize_with = "de::text")]
    pub user: String,
    #[serde(default, deserialize_with = "de::count")]
    pub images: u64,
    #[serde(default, deserialize_with = "de::count")]
    pub impressions: u64,
    #[serde(default, deserialize_with = "de::flag")]
    pub suspended: bool,
}

/// The body of `PUT /Widgets/:key/Users/:user` (lower case on the wire, as documented).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct SuspendUser {
    pub suspended: bool,
}

impl NiftyClient {
    /// `GET /Widgets`: the active widgets. Also the cheapest way to check an account key.
    pub async fn list_widgets(&self) -> Result<Vec<Widget>, NiftyError> {
        self.call(Method::GET, &["Widgets"]).send().await
    }

    /// `GET /Widgets/AllStats`.
    pub async fn widget_stats(&self, range: DateRange) -> Result<Vec<WidgetStats>, NiftyError> {
        self.call(Method::GET, &["Widgets", "AllStats"])
            .range(range)
            .send()
            .await
    }

    /// `GET /Widgets/:widgetKey/Images`.
    pub async fn widget_images(
        &self,
        widget_key: &str,
        range: DateRange,
    ) -> Result<Vec<WidgetImage>, NiftyError> {
        self.call(Method::GET, &["Widgets", widget_key, "Images"])
            .range(range)
            .send()
            .await
    }

    /// `GET /Widgets/:widgetKey/Images/:user`.
    pub async fn widget_user_images(
        &self,
        widget_key: &str,
        user: &str,
        range: DateRange,
    ) -> Result<Vec<WidgetImage>, NiftyError> {
        self.call(Method::GET, &["Widgets", widget_key, "Images", user])
            .range(range)
            .send()
            .await
    }

    /// `GET /Widgets/:widgetKey/Users`.
    pub async fn widget_users(
        &self,
        widget_key: &str,
        range: DateRange,
    ) -> Result<Vec<WidgetUser>, NiftyError> {
        self.call(Method::GET, &["Widgets", widget_key, "Users"])
            .range(range)
            .send()
            .await
    }

    /// `GET /Widgets/:widgetKey/Users/:user`.
    pub async fn widget_user(
        &self,
        widget_key: &str,
        user: &str,
        range: DateRange,
    ) -> Result<WidgetUser, NiftyError> {
        self.call(Method::GET, &["Widgets", widget_key, "Users", user])
            .range(range)
            .send()
            .await
    }

    /// `PUT /Widgets/:widgetKey/Users/:user`: suspend or reinstate a widget user.
    pub async fn set_widget_user_suspended(
        &self,
        widget_key: &str,
        user: &str,
        suspended: bool,
    ) -> Result<WidgetUser, NiftyError> {
        self.call(Method::PUT, &["Widgets", widget_key, "Users", user])
            .json(&SuspendUser { suspended })?
            .send()
            .await
    }
}
