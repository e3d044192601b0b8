//! The location (sub-account) itself: its details (`GET /locations/{locationId}`) and the time
//! zones GHL offers it (`GET /locations/{locationId}/timezones`).

use http::Method;
use serde::{Deserialize, Serialize};

use crate::de::null_as_default;
use crate::ids::validate_location_id;
use crate::{GhlClient, GhlError, GhlResponse};

/// A location as `GET /locations/{id}` returns it (`GetLocationByIdSchema`). Every field but
/// the id is optional: GHL leaves out what the sub-account never filled in.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Location {
    #[serde(alias = "_id")]
    pub id: String,
    pub company_id: Option<String>,
    pub name: Option<String>,
    pub domain: Option<String>,
    pub address: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub logo_url: Option<String>,
    /// ISO-2, such as `US`.
    pub country: Option<String>,
    pub postal_code: Option<String>,
    pub website: Option<String>,
    /// IANA, such as `America/Chicago`.
    pub timezone: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The business profile (name, address, website, logo…), as GHL sends it.
    pub business: Option<serde_json::Value>,
    /// Social profile URLs, as GHL sends them.
    pub social: Option<serde_json::Value>,
    pub settings: Option<LocationSettings>,
}

/// The location settings GHL shares; `allow_duplicate_contact` decides how create and upsert
/// treat a contact whose email or phone is already taken.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LocationSettings {
    pub allow_duplicate_contact: Option<bool>,
    pub allow_duplicate_opportunity: Option<bool>,
    pub allow_facebook_name_merge: Option<bool>,
    pub disable_contact_timezone: Option<bool>,
}

#[derive(Deserialize)]
struct LocationEnvelope {
    location: Location,
}

/// The spec gives the time zone answer no schema. The sandbox sends `{"timeZones": [...]}`;
/// the other spellings are read too, since GHL documents none of them.
#[derive(Deserialize)]
#[serde(untagged)]
enum TimezonesAnswer {
    Envelope {
        #[serde(
            alias = "timezones",
            default,
            deserialize_with = "null_as_default",
            rename = "timeZones"
        )]
        time_zones: Vec<String>,
    },
    Bare(Vec<String>),
}

impl GhlClient {
    /// `GET /locations/{locationId}` (scope `locations.readonly`).
    pub async fn get_location(&self, location_id: &str) -> Result<GhlResponse<Location>, GhlError> {
        validate_location_id(location_id)?;
        let response = self
            .call(Method::GET, &["locations", location_id])
            .send::<LocationEnvelope>()
            .await?;
        Ok(response.map(|e| e.location))
    }

    /// `GET /locations/{locationId}/timezones` (scope `locations.readonly`): the IANA time
    /// zone names GHL accepts for the location and its contacts.
    pub async fn location_timezones(
        &self,
        location_id: &str,
    ) -> Result<GhlResponse<Vec<String>>, GhlError> {
        validate_location_id(location_id)?;
        let response = self
            .call(Method::GET, &["locations", location_id, "timezones"])
            .send::<TimezonesAnswer>()
            .await?;
        Ok(response.map(|answer| match answer {
            TimezonesAnswer::Envelope { time_zones } | TimezonesAnswer::Bare(time_zones) => {
                time_zones
            }
        }))
    }
}
