//! Custom values of a location (`/locations/{locationId}/customValues`): named, location-wide
//! values that templates and workflows insert as `{{ custom_values.name }}`. Not to be confused
//! with a contact's custom field values.

use http::Method;
use serde::{Deserialize, Serialize};

use crate::de::null_as_default;
use crate::ids::{validate_location_id, validate_record_id};
use crate::{GhlClient, GhlError, GhlResponse, Succeded};

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomValue {
    #[serde(alias = "_id")]
    pub id: String,
    pub name: Option<String>,
    /// How templates refer to it: `{{ custom_values.name }}`.
    pub field_key: Option<String>,
    pub value: Option<String>,
    pub location_id: Option<String>,
}

/// Body of create and update (`customValuesDTO`): GHL requires both.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CustomValueInput {
    pub name: String,
    pub value: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomValueEnvelope {
    custom_value: CustomValue,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomValuesEnvelope {
    #[serde(default, deserialize_with = "null_as_default")]
    custom_values: Vec<CustomValue>,
}

fn check_input(input: &CustomValueInput) -> Result<(), GhlError> {
    if input.name.trim().is_empty() {
        return Err(GhlError::InvalidInput(
            "the custom value's name is empty".into(),
        ));
    }
    Ok(())
}

impl GhlClient {
    /// `GET /locations/{locationId}/customValues` (scope `locations/customValues.readonly`).
    pub async fn list_custom_values(
        &self,
        location_id: &str,
    ) -> Result<GhlResponse<Vec<CustomValue>>, GhlError> {
        validate_location_id(location_id)?;
        let response = self
            .call(Method::GET, &["locations", location_id, "customValues"])
            .send::<CustomValuesEnvelope>()
            .await?;
        Ok(response.map(|e| e.custom_values))
    }

    /// `GET /locations/{locationId}/customValues/{id}` (scope `locations/customValues.readonly`).
    pub async fn get_custom_value(
        &self,
        location_id: &str,
        value_id: &str,
    ) -> Result<GhlResponse<CustomValue>, GhlError> {
        validate_location_id(location_id)?;
        validate_record_id("custom value id", value_id)?;
        let response = self
            .call(
                Method::GET,
                &["locations", location_id, "customValues", value_id],
            )
            .send::<CustomValueEnvelope>()
            .await?;
        Ok(response.map(|e| e.custom_value))
    }

    /// `POST /locations/{locationId}/customValues` (scope `locations/customValues.write`).
    pub async fn create_custom_value(
        &self,
        location_id: &str,
        input: &CustomValueInput,
    ) -> Result<GhlResponse<CustomValue>, GhlError> {
        validate_location_id(location_id)?;
        check_input(input)?;
        let response = self
            .call(Method::POST, &["locations", location_id, "customValues"])
            .json(input)?
            .send::<CustomValueEnvelope>()
            .await?;
        Ok(response.map(|e| e.custom_value))
    }

    /// `PUT /locations/{locationId}/customValues/{id}` (scope `locations/customValues.write`):
    /// both the name and the value are sent, as GHL requires.
    pub async fn update_custom_value(
        &self,
        location_id: &str,
        value_id: &str,
        input: &CustomValueInput,
    ) -> Result<GhlResponse<CustomValue>, GhlError> {
        validate_location_id(location_id)?;
        validate_record_id("custom value id", value_id)?;
        check_input(input)?;
        let response = self
            .call(
                Method::PUT,
                &["locations", location_id, "customValues", value_id],
            )
            .json(input)?
            .send::<CustomValueEnvelope>()
            .await?;
        Ok(response.map(|e| e.custom_value))
    }

    /// `DELETE /locations/{locationId}/customValues/{id}` (scope `locations/customValues.write`).
    pub async fn delete_custom_value(
        &self,
        location_id: &str,
        value_id: &str,
    ) -> Result<GhlResponse<Succeded>, GhlError> {
        validate_location_id(location_id)?;
        validate_record_id("custom value id", value_id)?;
        self.call(
            Method::DELETE,
            &["locations", location_id, "customValues", value_id],
        )
        .send()
        .await
    }
}
