//! Typed async client for the NiftyImages REST API (`https://api.niftyimages.com/v1`).
//!
//! NiftyImages' public API is small: it lets a caller write into NiftyImages (Data Store
//! upserts, countdown-timer target dates, personalized and Photoshop image edits, map
//! locations) and read aggregate statistics (image opens, widget impressions, map clicks).
//! It has no webhooks, no contacts and no way to list Data Store records, so neither has
//! this client.
//!
//! Every call carries one [`ApiKey`] in the `ApiKey` header. NiftyImages issues three kinds
//! of key ([`KeyKind`]): the account key for images, widgets, plugins, maps and chatbots, a
//! per-Data-Store key for `/Store*` and a per-timer key for `/Timer/Update`. A
//! [`NiftyClient`] holds one key; [`NiftyClient::with_key`] makes a sibling client with
//! another key that shares the same connections.

mod client;
mod de;
mod error;
mod key;
mod operations;
mod tls;

pub mod bee;
pub mod chatbots;
pub mod images;
pub mod maps;
pub mod personalized;
pub mod psd;
pub mod store;
pub mod timer;
pub mod widgets;

pub use client::{ClientConfig, DateRange, NiftyClient, PRODUCTION_BASE_URL};
pub use de::parse_date;
pub use error::NiftyError;
pub use key::{ApiKey, KeyKind};
pub use operations::{OPERATIONS, Operation, path_matches};
pub use tls::install_crypto_provider;
