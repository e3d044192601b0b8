//! Custom field definitions: create, update and delete (the list is read in the route).
//! Contacts keep their values by field id, so deleting a field drops its values from them.

use super::model::CustomFieldDef;
use super::{Ctx, World};
use crate::api_error::ApiError;

/// A create or update body, checked. `data_type` is only set on create (update cannot change
/// it).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FieldInput {
    pub name: String,
    pub data_type: Option<String>,
    pub placeholder: Option<String>,
    pub position: Option<u32>,
    pub model: Option<String>,
}

/// The part of a key made from a name: `Favourite Store` → `favourite_store`.
pub fn key_part(name: &str) -> String {
    name.trim()
        .to_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Not in the spec or the facts sheet; the sandbox refuses a second field with the same key
/// because writes by key (`contact.pincode`) would otherwise be ambiguous.
const FIELD_EXISTS: &str = "Custom field with this name already exists";

impl World {
    pub fn custom_field(
        &self,
        location_id: &str,
        field_id: &str,
    ) -> Result<CustomFieldDef, ApiError> {
        self.location(location_id)?
            .custom_fields
            .iter()
            .find(|f| f.id == field_id)
            .cloned()
            .ok_or_else(|| ApiError::not_found("Custom field"))
    }

    pub fn create_custom_field(
        &mut self,
        location_id: &str,
        input: FieldInput,
        ctx: &mut Ctx<'_>,
    ) -> Result<CustomFieldDef, ApiError> {
        let location = self.location_mut(location_id)?;
        let model = input.model.unwrap_or_else(|| "contact".into());
        let field_key = format!("{model}.{}", key_part(&input.name));
        if location
            .custom_fields
            .iter()
            .any(|f| f.field_key == field_key)
        {
            return Err(ApiError::BadRequest(FIELD_EXISTS.into()));
        }
        let field = CustomFieldDef {
            id: ctx.ids.record_id(),
            name: input.name,
            field_key,
            placeholder: input.placeholder,
            data_type: input.data_type.unwrap_or_else(|| "TEXT".into()),
            position: input.position.unwrap_or(0),
            picklist_options: Vec::new(),
            model,
        };
        location.custom_fields.push(field.clone());
        Ok(field)
    }

    /// Renames and moves a field; its key stays, so values written by key keep working.
    pub fn update_custom_field(
        &mut self,
        location_id: &str,
        field_id: &str,
        input: FieldInput,
    ) -> Result<CustomFieldDef, ApiError> {
        let location = self.location_mut(location_id)?;
        let field = location
            .custom_fields
            .iter_mut()
            .find(|f| f.id == field_id)
            .ok_or_else(|| ApiError::not_found("Custom field"))?;
        field.name = input.name;
        if input.placeholder.is_some() {
            field.placeholder = input.placeholder;
        }
        if let Some(position) = input.position {
            field.position = position;
        }
        if let Some(model) = input.model {
            field.model = model;
        }
        Ok(field.clone())
    }

    pub fn delete_custom_field(
        &mut self,
        location_id: &str,
        field_id: &str,
        ctx: &mut Ctx<'_>,
    ) -> Result<(), ApiError> {
        let location = self.location_mut(location_id)?;
        let before = location.custom_fields.len();
        location.custom_fields.retain(|f| f.id != field_id);
        if location.custom_fields.len() == before {
            return Err(ApiError::not_found("Custom field"));
        }
        for contact in location.contacts.values_mut() {
            let had = contact.custom_fields.len();
            contact.custom_fields.retain(|v| v.id != field_id);
            if contact.custom_fields.len() != had {
                contact.date_updated = ctx.now;
            }
        }
        Ok(())
    }
}
