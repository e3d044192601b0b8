//! `/BeePlugin/:pluginKey/Users*`: users of the NiftyImages plugin inside the BEE email
//! editor, their images and opens; users can be suspended.

use http::Method;
use serde::{Deserialize, Serialize};

use crate::client::{DateRange, NiftyClient};
use crate::de;
use crate::error::NiftyError;
use crate::widgets::SuspendUser;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BeeUser {
    #[serde(default, deserialize_with = "de::text")]
    pub user_name: String,
    #[serde(default, deserialize_with = "de::count")]
    pub images: u64,
    #[serde(default, deserialize_with = "de::count")]
    pub opens: u64,
    /// Such as "Active" or "Suspended".
    #[serde(default, deserialize_with = "de::text")]
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BeeImage {
    #[serde(rename = "ImageID", default, deserialize_with = "de::id_text")]
    pub image_id: String,
    #[serde(default, deserialize_with = "de::text")]
    pub image_type: String,
    #[serde(default, deserialize_with = "de::text")]
    pub name: String,
    #[serde(default, deserialize_with = "de::count")]
    pub opens: u64,
    #[serde(default, deserialize_with = "de::text")]
    pub status: String,
    #[serde(default, deserialize_with = "de::text")]
    pub uri: String,
    #[serde(default, deserialize_with = "de::text")]
    pub user_name: String,
}

impl NiftyClient {
    /// `GET /BeePlugin/:pluginKey/Users`.
    pub async fn bee_users(
        &self,
        plugin_key: &str,
        range: DateRange,
    ) -> Result<Vec<BeeUser>, NiftyError> {
        self.call(Method::GET, &["BeePlugin", plugin_key, "Users"])
            .range(range)
            .send()
            .await
    }

    /// `GET /BeePlugin/:pluginKey/Users/:user`: that user's images.
    pub async fn bee_user_images(
        &self,
        plugin_key: &str,
        user: &str,
        range: DateRange,
    ) -> Result<Vec<BeeImage>, NiftyError> {
        self.call(Method::GET, &["BeePlugin", plugin_key, "Users", user])
            .range(range)
            .send()
            .await
    }

    /// `PUT /BeePlugin/:pluginKey/Users/:user`: suspend or reinstate; answers the user's images.
    pub async fn set_bee_user_suspended(
        &self,
        plugin_key: &str,
        user: &str,
        suspended: bool,
    ) -> Result<Vec<BeeImage>, NiftyError> {
        self.call(Method::PUT, &["BeePlugin", plugin_key, "Users", user])
            .json(&SuspendUser { suspended })?
            .send()
            .await
    }
}
