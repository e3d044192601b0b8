//! `/Personalized`: the text and colour of a personalized (text-on-image) image.
//!
//! NiftyImages documents the inputs only; the answer is described as "dynamic", so every field
//! is optional and anything else it sends is kept in `extra`.

use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::NiftyClient;
use crate::error::NiftyError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PersonalizedImage {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    /// The text with its merge tags, such as `Hi {{name}}!`.
    #[serde(default)]
    pub image_text: Option<String>,
    /// What a merge tag shows when the image URL carries no value for it.
    #[serde(default)]
    pub default_text: Option<String>,
    #[serde(default)]
    pub font_color: Option<String>,
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// The body of `PUT /Personalized`: set the text (and its default) or the font colour.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PersonalizedUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_text: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub font_color: Option<String>,
}

impl NiftyClient {
    /// `GET /Personalized?url=`.
    pub async fn get_personalized(&self, url: &str) -> Result<PersonalizedImage, NiftyError> {
        self.call(Method::GET, &["Personalized"])
            .query("url", url)
            .send()
            .await
    }

    /// `PUT /Personalized?url=`. Returns whatever NiftyImages answers (undocumented).
    pub async fn update_personalized(
        &self,
        url: &str,
        update: &PersonalizedUpdate,
    ) -> Result<Value, NiftyError> {
        if update.image_text.is_none() && update.font_color.is_none() {
            return Err(NiftyError::InvalidInput(
                "a personalized image update needs ImageText or FontColor".into(),
            ));
        }
        self.call(Method::PUT, &["Personalized"])
            .query("url", url)
            .json(update)?
            .send()
            .await
    }
}
