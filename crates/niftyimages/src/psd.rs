//! `/Psd`: the layers and variables of an image made from a Photoshop file.

use http::Method;
use serde::{Deserialize, Serialize};

use crate::client::NiftyClient;
use crate::de;
use crate::error::NiftyError;

/// One layer as `GET /Psd` and `PUT /Psd` describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PsdLayer {
    #[serde(default, deserialize_with = "de::text")]
    pub layer_name: String,
    #[serde(default)]
    pub layer_type: Option<String>,
    #[serde(default)]
    pub text_value: Option<String>,
    #[serde(default)]
    pub text_color: Option<String>,
    #[serde(default, deserialize_with = "de::flag")]
    pub hide: bool,
}

/// A PSD image's layers. The answer's outer shape is undocumented: the client takes either a
/// bare array of layers or an object with `Layers`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PsdImage {
    pub name: Option<String>,
    pub url: Option<String>,
    pub layers: Vec<PsdLayer>,
}

impl<'de> Deserialize<'de> for PsdImage {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(rename_all = "PascalCase")]
        struct Wrapped {
            #[serde(default)]
            name: Option<String>,
            #[serde(default)]
            url: Option<String>,
            #[serde(default)]
            layers: Vec<PsdLayer>,
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Shape {
            Bare(Vec<PsdLayer>),
            Wrapped(Wrapped),
        }
        Ok(match Shape::deserialize(deserializer)? {
            Shape::Bare(layers) => PsdImage {
                layers,
                ..PsdImage::default()
            },
            Shape::Wrapped(w) => PsdImage {
                name: w.name,
                url: w.url,
                layers: w.layers,
            },
        })
    }
}

/// A merge variable of a PSD image and the value it shows when the URL carries none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct PsdVariable {
    pub name: String,
    pub default_value: String,
}

/// A change to one layer; fields left `None` stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PsdLayerUpdate {
    pub layer_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_color: Option<String>,
    /// Replaces an image layer's picture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub show: Option<bool>,
}

/// The body of `PUT /Psd`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PsdUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<PsdVariable>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub layers: Vec<PsdLayerUpdate>,
}

impl NiftyClient {
    /// `GET /Psd?url=`.
    pub async fn get_psd(&self, url: &str) -> Result<PsdImage, NiftyError> {
        self.call(Method::GET, &["Psd"])
            .query("url", url)
            .send()
            .await
    }

    /// `PUT /Psd?url=`: rename, set variable defaults, change layers; answers the layers.
    pub async fn update_psd(&self, url: &str, update: &PsdUpdate) -> Result<PsdImage, NiftyError> {
        self.call(Method::PUT, &["Psd"])
            .query("url", url)
            .json(update)?
            .send()
            .await
    }
}
