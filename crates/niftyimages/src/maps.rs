//! `/Maps*`: live map images, their stats and their locations.

use chrono::{DateTime, Utc};
use http::Method;
use serde::{Deserialize, Serialize};

use crate::client::NiftyClient;
use crate::de;
use crate::error::NiftyError;

/// A map as `GET /Maps` lists it (the list's shape is undocumented; all but the URL optional).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MapSummary {
    #[serde(default, deserialize_with = "de::text")]
    pub name: String,
    #[serde(default, deserialize_with = "de::text")]
    pub url: String,
    #[serde(default, deserialize_with = "de::opt_count")]
    pub opens: Option<u64>,
    #[serde(default, deserialize_with = "de::opt_count")]
    pub clicks: Option<u64>,
}

/// `GET /Maps/Details`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MapDetails {
    #[serde(default, deserialize_with = "de::text")]
    pub name: String,
    #[serde(default, deserialize_with = "de::text")]
    pub url: String,
    #[serde(default, deserialize_with = "de::count")]
    pub opens: u64,
    #[serde(default, deserialize_with = "de::count")]
    pub clicks: u64,
    #[serde(default, deserialize_with = "de::opt_date")]
    pub create_date: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "de::opt_date")]
    pub last_updated: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "de::count")]
    pub locations_good: u64,
    #[serde(default, deserialize_with = "de::count")]
    pub locations_bad: u64,
    #[serde(default, deserialize_with = "de::count")]
    pub locations_not_processed: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Property {
    pub name: String,
    #[serde(default, deserialize_with = "de::text")]
    pub value: String,
}

/// One location on a map.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct MapLocation {
    /// NiftyImages' own id for the location.
    #[serde(rename = "NiftyID", default, deserialize_with = "de::id_text")]
    pub nifty_id: String,
    /// The caller's id for the location, if it gave one.
    #[serde(rename = "LocationID", default, deserialize_with = "de::opt_id_text")]
    pub location_id: Option<String>,
    #[serde(default, deserialize_with = "de::text")]
    pub address: String,
    #[serde(default, deserialize_with = "de::opt_f64")]
    pub latitude: Option<f64>,
    #[serde(default, deserialize_with = "de::opt_f64")]
    pub longitude: Option<f64>,
    #[serde(default)]
    pub properties: Vec<Property>,
}

/// Which locations `GET /Maps/GetLocations` should return.
#[derive(Debug, Clone, PartialEq)]
pub enum LocationQuery {
    Address(String),
    Near { lat: f64, lng: f64 },
    LocationId(String),
    NiftyId(String),
}

/// One location, by the caller's id or NiftyImages' id (for deletes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LocationRef {
    LocationId(String),
    NiftyId(String),
}

/// The body of `POST /Maps/AddLocation`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct NewLocation {
    pub address: String,
    #[serde(rename = "LocationID", skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub properties: Vec<Property>,
}

/// The body of `PUT /Maps/UpdateLocation`: names the location by `NiftyID` or `LocationID`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct LocationUpdate {
    #[serde(rename = "NiftyID", skip_serializing_if = "Option::is_none")]
    pub nifty_id: Option<String>,
    #[serde(rename = "LocationID", skip_serializing_if = "Option::is_none")]
    pub location_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub latitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub longitude: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub properties: Option<Vec<Property>>,
}

/// The `{message}` the location writes answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapMessage {
    #[serde(default, alias = "Message")]
    pub message: Option<String>,
}

impl NiftyClient {
    /// `GET /Maps`.
    pub async fn list_maps(&self) -> Result<Vec<MapSummary>, NiftyError> {
        self.call(Method::GET, &["Maps"]).send().await
    }

    /// `GET /Maps/Details?url=`.
    pub async fn map_details(&self, url: &str) -> Result<MapDetails, NiftyError> {
        self.call(Method::GET, &["Maps", "Details"])
            .query("url", url)
            .send()
            .await
    }

    /// `GET /Maps/GetLocations?url=&…`.
    pub async fn map_locations(
        &self,
        url: &str,
        query: &LocationQuery,
    ) -> Result<Vec<MapLocation>, NiftyError> {
        let call = self
            .call(Method::GET, &["Maps", "GetLocations"])
            .query("url", url);
        let call = match query {
            LocationQuery::Address(address) => call.query("address", address),
            LocationQuery::Near { lat, lng } => call
                .query("lat", lat.to_string())
                .query("lng", lng.to_string()),
            LocationQuery::LocationId(id) => call.query("locationID", id),
            LocationQuery::NiftyId(id) => call.query("niftyID", id),
        };
        call.send().await
    }

    /// `POST /Maps/AddLocation?url=`. An empty answer is a success with no message (as for
    /// the delete): the location was added.
    pub async fn add_map_location(
        &self,
        url: &str,
        location: &NewLocation,
    ) -> Result<MapMessage, NiftyError> {
        self.call(Method::POST, &["Maps", "AddLocation"])
            .query("url", url)
            .json(location)?
            .send::<Option<MapMessage>>()
            .await
            .map(Option::unwrap_or_default)
    }

    /// `PUT /Maps/UpdateLocation?url=`.
    pub async fn update_map_location(
        &self,
        url: &str,
        update: &LocationUpdate,
    ) -> Result<MapMessage, NiftyError> {
        if update.nifty_id.is_none() && update.location_id.is_none() {
            return Err(NiftyError::InvalidInput(
                "a location update names the location by NiftyID or LocationID".into(),
            ));
        }
        self.call(Method::PUT, &["Maps", "UpdateLocation"])
            .query("url", url)
            .json(update)?
            .send::<Option<MapMessage>>()
            .await
            .map(Option::unwrap_or_default)
    }

    /// `DELETE /Maps/DeleteLocation?url=&locationID=|niftyID=`.
    pub async fn delete_map_location(
        &self,
        url: &str,
        location: &LocationRef,
    ) -> Result<MapMessage, NiftyError> {
        let call = self
            .call(Method::DELETE, &["Maps", "DeleteLocation"])
            .query("url", url);
        let call = match location {
            LocationRef::LocationId(id) => call.query("locationID", id),
            LocationRef::NiftyId(id) => call.query("niftyID", id),
        };
        call.send::<Option<MapMessage>>()
            .await
            .map(Option::unwrap_or_default)
    }
}
