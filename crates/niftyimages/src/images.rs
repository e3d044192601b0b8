//! `/Images`, `/Images/AllStats` and `/Image`: the account's images and their open counts.
//!
//! An image is identified by its public URL (the one placed in an email's `<img src>`).
//! Only `/Images` pages; NiftyImages gives no total count or next link, so the end is the
//! first page shorter than the page size.

use chrono::{DateTime, Utc};
use http::Method;
use serde::{Deserialize, Serialize};

use crate::client::{DateRange, NiftyClient};
use crate::de;
use crate::error::NiftyError;

/// One image as `/Images`, `/Images/AllStats` and `/Image` describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Image {
    #[serde(default, deserialize_with = "de::text")]
    pub name: String,
    #[serde(default, deserialize_with = "de::text")]
    pub url: String,
    /// Lifetime opens on `/Images` and `/Image`; opens in the window on `/Images/AllStats`.
    /// Sent as a number or a numeric string.
    #[serde(default, deserialize_with = "de::count")]
    pub opens: u64,
    /// Seen values: "Personalized Image", "Countdown Timer", "Personalized", "Timer".
    #[serde(default, deserialize_with = "de::text")]
    pub image_type: String,
    #[serde(default, deserialize_with = "de::opt_date")]
    pub create_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "de::opt_date")]
    pub last_updated: Option<DateTime<Utc>>,
    /// False once the image is deleted; `/Image` does not send it.
    #[serde(default, deserialize_with = "de::opt_bool")]
    pub active: Option<bool>,
}

impl Image {
    pub fn kind(&self) -> ImageKind {
        ImageKind::from_type(&self.image_type)
    }
}

/// The families of `ImageType` the rest of the service cares about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Personalized,
    CountdownTimer,
    Psd,
    Other,
}

impl ImageKind {
    pub fn from_type(image_type: &str) -> Self {
        let t = image_type.to_ascii_lowercase();
        if t.contains("timer") || t.contains("countdown") {
            Self::CountdownTimer
        } else if t.contains("psd") || t.contains("photoshop") {
            Self::Psd
        } else if t.contains("personalized") || t.contains("personalised") {
            Self::Personalized
        } else {
            Self::Other
        }
    }
}

/// One page of `/Images`: `page_number` counts from 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImagePage {
    pub page_size: u32,
    pub page_number: u32,
}

impl Default for ImagePage {
    /// NiftyImages' defaults: 10 per page, the first page.
    fn default() -> Self {
        Self {
            page_size: 10,
            page_number: 1,
        }
    }
}

/// Stops [`NiftyClient::list_all_images`] from walking forever if a server ignores paging.
const MAX_PAGES: u32 = 10_000;

impl NiftyClient {
    /// `GET /Images`: one page of the account's images.
    pub async fn list_images(&self, page: ImagePage) -> Result<Vec<Image>, NiftyError> {
        if page.page_size == 0 || page.page_number == 0 {
            return Err(NiftyError::InvalidInput(
                "pageSize and pageNumber start at 1".into(),
            ));
        }
        self.call(Method::GET, &["Images"])
            .query("pageSize", page.page_size.to_string())
            .query("pageNumber", page.page_number.to_string())
            .send()
            .await
    }

    /// Every image, walking `/Images` page by page until a page comes back short.
    pub async fn list_all_images(&self, page_size: u32) -> Result<Vec<Image>, NiftyError> {
        let mut all = Vec::new();
        let mut previous_first: Option<String> = None;
        for page_number in 1..=MAX_PAGES {
            let page = self
                .list_images(ImagePage {
                    page_size,
                    page_number,
                })
                .await?;
            let first = page.first().map(|i| i.url.clone());
            // A server that ignores pageNumber would repeat the first page forever.
            if page_number > 1 && first.is_some() && first == previous_first {
                break;
            }
            let short = page.len() < page_size as usize;
            all.extend(page);
            if short {
                break;
            }
            previous_first = first;
        }
        Ok(all)
    }

    /// `GET /Images/AllStats`: every image with its opens in `range`.
    pub async fn image_stats(&self, range: DateRange) -> Result<Vec<Image>, NiftyError> {
        self.call(Method::GET, &["Images", "AllStats"])
            .range(range)
            .send()
            .await
    }

    /// `GET /Image?url=`: one image by its public URL.
    pub async fn get_image(&self, url: &str) -> Result<Image, NiftyError> {
        self.call(Method::GET, &["Image"])
            .query("url", url)
            .send()
            .await
    }

    /// `DELETE /Image?url=`: the image stops being served (`Active` turns false).
    pub async fn delete_image(&self, url: &str) -> Result<(), NiftyError> {
        self.call(Method::DELETE, &["Image"])
            .query("url", url)
            .send::<serde_json::Value>()
            .await
            .map(drop)
    }
}
