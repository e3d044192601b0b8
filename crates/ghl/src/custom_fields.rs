//! Custom field definitions of a location (`GET /locations/{id}/customFields`).

use http::Method;
use serde::{Deserialize, Serialize};

use crate::de::null_as_default;
use crate::ids::validate_location_id;
use crate::{GhlClient, GhlError, GhlResponse};

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
