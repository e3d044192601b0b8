//! Custom values: location-wide named values, keyed `{{ custom_values.<name> }}`.

use super::custom_fields::key_part;
use super::model::LocationValue;
use super::{Ctx, World};
use crate::api_error::ApiError;

/// Not in the spec or the facts sheet: two values with one key could not both be inserted.
const VALUE_EXISTS: &str = "Custom value with this name already exists";

fn field_key(name: &str) -> String {
    format!("{{{{ custom_values.{} }}}}", key_part(name))
}

impl World {
    pub fn custom_values(&self, location_id: &str) -> Result<Vec<LocationValue>, ApiError> {
        Ok(self.location(location_id)?.custom_values.clone())
    }

    pub fn custom_value(
        &self,
        location_id: &str,
        value_id: &str,
    ) -> Result<LocationValue, ApiError> {
        self.location(location_id)?
            .custom_values
            .iter()
            .find(|v| v.id == value_id)
            .cloned()
            .ok_or_else(|| ApiError::not_found("Custom value"))
    }

    pub fn create_custom_value(
        &mut self,
        location_id: &str,
        name: String,
        value: String,
        ctx: &mut Ctx<'_>,
    ) -> Result<LocationValue, ApiError> {
        let location = self.location_mut(location_id)?;
        let key = field_key(&name);
        if location.custom_values.iter().any(|v| v.field_key == key) {
            return Err(ApiError::BadRequest(VALUE_EXISTS.into()));
        }
        let created = LocationValue {
            id: ctx.ids.record_id(),
            name,
            field_key: key,
            value,
        };
        location.custom_values.push(created.clone());
        Ok(created)
    }

    /// A new name gives a new key, as templates then refer to it by the new name.
    pub fn update_custom_value(
        &mut self,
        location_id: &str,
        value_id: &str,
        name: String,
        value: String,
    ) -> Result<LocationValue, ApiError> {
        let location = self.location_mut(location_id)?;
        let key = field_key(&name);
        if location
            .custom_values
            .iter()
            .any(|v| v.field_key == key && v.id != value_id)
        {
            return Err(ApiError::BadRequest(VALUE_EXISTS.into()));
        }
        let existing = location
            .custom_values
            .iter_mut()
            .find(|v| v.id == value_id)
            .ok_or_else(|| ApiError::not_found("Custom value"))?;
        existing.name = name;
        existing.field_key = key;
        existing.value = value;
        Ok(existing.clone())
    }

    pub fn delete_custom_value(
        &mut self,
        location_id: &str,
        value_id: &str,
    ) -> Result<(), ApiError> {
        let location = self.location_mut(location_id)?;
        let before = location.custom_values.len();
        location.custom_values.retain(|v| v.id != value_id);
        if location.custom_values.len() == before {
            return Err(ApiError::not_found("Custom value"));
        }
        Ok(())
    }
}
