//! Custom field definitions of a location: list, get, create, update, delete
//! (`/locations/{id}/customFields`).

use http::Method;
use serde::{Deserialize, Serialize};

use crate::de::null_as_default;
use crate::ids::{validate_location_id, validate_record_id};
use crate::{GhlClient, GhlError, GhlResponse, Succeded};

/// Which object's custom fields to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CustomFieldModel {
    Contact,
    Opportunity,
    All,
}

impl CustomFieldModel {
    fn as_str(self) -> &'static str {
        match self {
            Self::Contact => "contact",
            Self::Opportunity => "opportunity",
            Self::All => "all",
        }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldDefinition {
    pub id: String,
    pub name: Option<String>,
    /// Such as `contact.pincode`; usable instead of the id when writing values.
    pub field_key: Option<String>,
    pub placeholder: Option<String>,
    /// `TEXT`, `LARGE_TEXT`, `NUMERICAL`, `MONETORY`, `CHECKBOX`, `MULTIPLE_OPTIONS`, `DATE`…
    pub data_type: Option<String>,
    pub position: Option<f64>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub picklist_options: Vec<String>,
    pub is_allowed_custom_option: Option<bool>,
    pub is_multi_file_allowed: Option<bool>,
    pub max_file_limit: Option<f64>,
    pub location_id: Option<String>,
    pub model: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomFieldsEnvelope {
    #[serde(default, deserialize_with = "null_as_default")]
    custom_fields: Vec<CustomFieldDefinition>,
}

impl GhlClient {
    /// `GET /locations/{locationId}/customFields` (scope `locations/customFields.readonly`).
    pub async fn custom_fields(
        &self,
        location_id: &str,
        model: Option<CustomFieldModel>,
    ) -> Result<GhlResponse<Vec<CustomFieldDefinition>>, GhlError> {
        validate_location_id(location_id)?;
        let response = self
            .call(Method::GET, &["locations", location_id, "customFields"])
            .query_opt("model", model.map(CustomFieldModel::as_str))
            .send::<CustomFieldsEnvelope>()
            .await?;
        Ok(response.map(|e| e.custom_fields))
    }
}

/// Which object a new custom field belongs to (create and update take no `all`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CustomFieldObject {
    Contact,
    Opportunity,
}

/// One line of a `TEXTBOX_LIST` field.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TextBoxListOption {
    pub label: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefill_value: Option<String>,
}

/// The settings create and update share (`CreateCustomFieldsDTO` and `UpdateCustomFieldsDTO`).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CustomFieldSettings {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub placeholder: Option<String>,
    /// File types a `FILE_UPLOAD` field takes, such as `.pdf`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted_format: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub is_multiple_file: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_number_of_files: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text_box_list_options: Option<Vec<TextBoxListOption>>,
    /// Where the field is shown among the others (GHL's default is 0).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<CustomFieldObject>,
}

/// Body of `POST /locations/{id}/customFields`: GHL requires the name and the data type.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateCustomField {
    pub name: String,
    /// `TEXT`, `LARGE_TEXT`, `NUMERICAL`, `MONETORY`, `CHECKBOX`, `MULTIPLE_OPTIONS`, `DATE`…
    pub data_type: String,
    #[serde(flatten)]
    pub settings: CustomFieldSettings,
}

/// Body of `PUT /locations/{id}/customFields/{fieldId}`: the name is required (the data type
/// cannot change).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UpdateCustomField {
    pub name: String,
    #[serde(flatten)]
    pub settings: CustomFieldSettings,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomFieldEnvelope {
    custom_field: CustomFieldDefinition,
}

fn check_name(name: &str) -> Result<(), GhlError> {
    if name.trim().is_empty() {
        return Err(GhlError::InvalidInput(
            "the custom field's name is empty".into(),
        ));
    }
    Ok(())
}

impl GhlClient {
    /// `GET /locations/{locationId}/customFields/{id}` (scope
    /// `locations/customFields.readonly`).
    pub async fn get_custom_field(
        &self,
        location_id: &str,
        field_id: &str,
    ) -> Result<GhlResponse<CustomFieldDefinition>, GhlError> {
        validate_location_id(location_id)?;
        validate_record_id("custom field id", field_id)?;
        let response = self
            .call(
                Method::GET,
                &["locations", location_id, "customFields", field_id],
            )
            .send::<CustomFieldEnvelope>()
            .await?;
        Ok(response.map(|e| e.custom_field))
    }

    /// `POST /locations/{locationId}/customFields` (scope `locations/customFields.write`).
    pub async fn create_custom_field(
        &self,
        location_id: &str,
        field: &CreateCustomField,
    ) -> Result<GhlResponse<CustomFieldDefinition>, GhlError> {
        validate_location_id(location_id)?;
        check_name(&field.name)?;
        if field.data_type.trim().is_empty() {
            return Err(GhlError::InvalidInput(
                "the custom field's data type is empty".into(),
            ));
        }
        let response = self
            .call(Method::POST, &["locations", location_id, "customFields"])
            .json(field)?
            .send::<CustomFieldEnvelope>()
            .await?;
        Ok(response.map(|e| e.custom_field))
    }

    /// `PUT /locations/{locationId}/customFields/{id}` (scope `locations/customFields.write`).
    pub async fn update_custom_field(
        &self,
        location_id: &str,
        field_id: &str,
        field: &UpdateCustomField,
    ) -> Result<GhlResponse<CustomFieldDefinition>, GhlError> {
        validate_location_id(location_id)?;
        validate_record_id("custom field id", field_id)?;
        check_name(&field.name)?;
        let response = self
            .call(
                Method::PUT,
                &["locations", location_id, "customFields", field_id],
            )
            .json(field)?
            .send::<CustomFieldEnvelope>()
            .await?;
        Ok(response.map(|e| e.custom_field))
    }

    /// `DELETE /locations/{locationId}/customFields/{id}` (scope
    /// `locations/customFields.write`). Contacts lose their values of the field.
    pub async fn delete_custom_field(
        &self,
        location_id: &str,
        field_id: &str,
    ) -> Result<GhlResponse<Succeded>, GhlError> {
        validate_location_id(location_id)?;
        validate_record_id("custom field id", field_id)?;
        self.call(
            Method::DELETE,
            &["locations", location_id, "customFields", field_id],
        )
        .send()
        .await
    }
}
